import type { ServerRegistry } from '../registry/registry';
import type { StateStore } from '../registry/stateStore';
import { transportFor } from '../registry/transportFor';
import { ServerSecrets, type SecretStore } from '../secrets/secretStore';
import type { TransportOptions } from '../transport/dispatcher';
import { systemClock, type Clock } from '../util/clock';
import type { Disposable } from '../util/disposable';
import { InvalidInputError } from '../util/errors';
import { Emitter } from '../util/event';
import { nullLogger, type Logger } from '../util/log';
import { HubConnection, tokenNote } from './hub';
import { hubClient } from './hubClient';
import { hubVersion, mintToken, revokeToken, whoami } from './hubApi';
import { parseHubUrl } from './hubUrl';
import { readSavedHubs, writeSavedHubs, type SavedHub, type SavedHubList } from './savedHubs';
import { DEFAULT_TOKEN_LIFETIME_DAYS, requestedScopes, reviewScopes } from './scopes';

export interface HubSettings {
  /** Lifetime of the tokens we mint, in days. */
  readonly tokenLifetimeDays: number;
  /** Ask for `tokens!user=NAME` too, so the token renews itself and can be revoked without asking (see scopes.ts). */
  readonly silentRenewal: boolean;
}

export const DEFAULT_HUB_SETTINGS: HubSettings = { tokenLifetimeDays: DEFAULT_TOKEN_LIFETIME_DAYS, silentRenewal: false };

export interface HubDepsIn {
  readonly registry: ServerRegistry;
  readonly secrets: SecretStore;
  readonly state: StateStore;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly transport?: TransportOptions;
  readonly settings?: HubSettings;
}

/** Sign-in to a hub: a password (exchanged once for a token, never kept) or a token the user made on the hub. */
export type HubSignIn = { readonly user: string; readonly password: string } | { readonly token: string; readonly user?: string };

export interface AddHubInput {
  /** The hub's URL as pasted (with or without hub/, or a single-user URL); a `?token=` in it signs in. */
  readonly url: string;
  readonly signIn?: HubSignIn;
  readonly name?: string;
}

/** What removing a hub did about its token on the hub. */
export type RevokeOutcome = { readonly revoked: true } | { readonly revoked: false; readonly reason: string };

/**
 * The hubs the user added. Each hub's servers are connections in the one server registry (source `hub`); this
 * keeps the hubs themselves: their saved entries (state store), tokens (secret store, under the hub's id) and the
 * sign-in, renewal and revocation of those tokens.
 */
export class HubRegistry implements Disposable {
  private readonly hubs = new Map<string, HubConnection>();
  private saved: SavedHubList = { hubs: [], unreadable: [] };
  private readonly changed = new Emitter<{ id?: string }>();
  readonly onDidChange = this.changed.event;
  private readonly needsSignIn = new Emitter<{ hub: HubConnection; reason: 'expiring' | 'refused' }>();
  /** A hub's token expires soon and cannot renew itself, or the hub refused it: once per token. */
  readonly onDidNeedSignIn = this.needsSignIn.event;
  private readonly log: Logger;
  private readonly clock: Clock;
  private settings: HubSettings;
  private transport: TransportOptions;

  private readonly subscription: Disposable;
  private readonly checking = new Set<string>();

  constructor(private readonly deps: HubDepsIn) {
    this.log = deps.log ?? nullLogger;
    this.clock = deps.clock ?? systemClock;
    this.settings = deps.settings ?? DEFAULT_HUB_SETTINGS;
    this.transport = deps.transport ?? {};
    // A hub server that stops answering may have been stopped on the hub (by its culler, another window, the web
    // UI): ask the hub, so it shows stopped rather than unreachable.
    this.subscription = deps.registry.onDidFail(({ id }) => {
      const hub = this.hubOfServer(id);
      if (!hub || this.checking.has(hub.id)) return;
      this.checking.add(hub.id);
      void this.refresh(hub)
        .catch(() => undefined)
        .finally(() => this.checking.delete(hub.id));
    });
  }

  updateSettings(settings: HubSettings): void {
    this.settings = settings;
  }

  /** New shared transport settings (a proxy changed): hub clients are rebuilt on their next use. */
  updateTransport(transport: TransportOptions): void {
    this.transport = transport;
    for (const h of this.hubs.values()) h.updateTransport(this.transportFor());
  }

  /** Loads the saved hubs; their servers are listed in the background (a hub that is down stays listed). */
  init(): void {
    this.saved = readSavedHubs(this.deps.state, this.log);
    for (const entry of this.saved.hubs) void this.refresh(this.open(entry)).catch(() => undefined);
    this.changed.fire({});
  }

  list(): HubConnection[] {
    return [...this.hubs.values()].sort((a, b) => a.label.localeCompare(b.label));
  }

  get(id: string): HubConnection | undefined {
    return this.hubs.get(id);
  }

  /** The hub a server connection belongs to. */
  hubOfServer(serverId: string): HubConnection | undefined {
    const c = this.deps.registry.get(serverId);
    return c?.source.kind === 'hub' ? this.hubs.get(c.source.hub.id) : undefined;
  }

  /**
   * Adds a hub (or signs in to it again): proves the sign-in, and only then saves the token and the entry, so a
   * failed sign-in loses nothing. A password is exchanged for a scoped, expiring token and forgotten.
   */
  async add(input: AddHubInput, signal?: AbortSignal): Promise<HubConnection> {
    const pasted = parseHubUrl(input.url);
    const signIn = input.signIn ?? (pasted.token !== undefined ? { token: pasted.token, ...(pasted.user ? { user: pasted.user } : {}) } : undefined);
    if (!signIn) throw new InvalidInputError('No way to sign in to the hub was given.', { hint: 'Give your user name and password, or a token made on the hub\'s token page.' });
    const id = pasted.api.id;
    const previous = this.saved.hubs.find((h) => h.id === id);
    const transport = this.transportFor();
    const probe = hubClient(pasted.api, undefined, transport, this.log);
    let version: string;
    let token: string;
    let entry: SavedHub;
    try {
      version = await hubVersion(probe, signal ? { signal } : {});
      const now = new Date(this.clock.now()).toISOString();
      const common = { id, base: pasted.base.id, addedAt: previous?.addedAt ?? now, version, ...(input.name ?? previous?.name ? { name: (input.name ?? previous?.name) as string } : {}) };
      if ('password' in signIn) {
        const user = signIn.user.trim();
        if (!user) throw new InvalidInputError('No user name was given.', { hint: 'Give the user name you sign in to the hub with.' });
        const minted = await mintToken(probe, {
          user,
          password: signIn.password,
          scopes: requestedScopes({ user, renewal: this.settings.silentRenewal }),
          expiresInSeconds: this.lifetimeSeconds(),
          note: tokenNote(),
        }, signal ? { signal } : {});
        token = minted.token;
        entry = { ...common, user: minted.user || user, signIn: 'password', tokenId: minted.id, scopes: [...minted.scopes], tokenCreatedAt: minted.created ?? now };
        if (minted.expires_at) entry.expiresAt = minted.expires_at;
      } else {
        token = signIn.token.trim();
        const asUser = hubClient(pasted.api, token, transport, this.log);
        try {
          const me = await whoami(asUser, signal ? { signal } : {});
          if (signIn.user && signIn.user !== me.name) {
            throw new InvalidInputError(`The token belongs to ${me.name}, not ${signIn.user}.`, { hint: 'Use a token made by the user whose servers you want.' });
          }
          entry = { ...common, user: me.name, signIn: 'token', scopes: [...(me.scopes ?? [])] };
          if (me.token_id) entry.tokenId = me.token_id;
          // The token's expiry is on its model, which only a token with read:tokens may see.
          if (me.token_id && reviewScopes(me.name, me.scopes ?? []).canMintTokens) {
            const model = await asUser.json<{ expires_at?: string | null; created?: string }>('GET', `api/users/${encodeURIComponent(me.name)}/tokens/${encodeURIComponent(me.token_id)}`).catch(() => undefined);
            if (model?.expires_at) entry.expiresAt = model.expires_at;
            if (model?.created) entry.tokenCreatedAt = model.created;
          }
        } finally {
          await asUser.close();
        }
      }
    } finally {
      await probe.close();
    }
    // Proven: now it is saved (token first, so the entry never points at a missing token).
    const secrets = new ServerSecrets(this.deps.secrets, id);
    const oldHub = this.hubs.get(id);
    const oldToken = oldHub ? await secrets.get('token') : undefined;
    await secrets.set('token', token);
    await this.saveList([...this.saved.hubs.filter((h) => h.id !== id), entry]);
    let hub: HubConnection;
    if (oldHub) {
      await oldHub.replaceEntry(entry);
      hub = oldHub;
      // The token it replaces is revoked where it may revoke itself (else it lapses at its expiry).
      if (previous?.tokenId && oldToken && previous.tokenId !== entry.tokenId && reviewScopes(previous.user, previous.scopes).canMintTokens) {
        const old = hubClient(pasted.api, oldToken, transport, this.log);
        await revokeToken(old, previous.user, previous.tokenId).catch((err: unknown) => this.log.info(`${id}: the previous token was not revoked: ${(err as Error).message}`));
        await old.close();
      }
    } else {
      hub = this.open(entry);
    }
    this.log.info(`${id}: signed in as ${entry.user} (${entry.signIn === 'password' ? 'a new token' : 'a pasted token'}, scopes ${entry.scopes.length}, expires ${entry.expiresAt ?? 'never'})`);
    await this.refresh(hub, signal).catch((err: unknown) => this.log.warn(`${id}: listing servers failed: ${(err as Error).message}`));
    this.changed.fire({});
    return hub;
  }

  /**
   * Whether a pasted server URL (`…/user/NAME/…`) is a hub's: the hub's version from its public `GET hub/api/`, else
   * undefined (not a hub URL, or nothing there answers as a hub). Sends no credential.
   */
  async detect(url: string, signal?: AbortSignal): Promise<{ version: string; user?: string } | undefined> {
    let pasted;
    try {
      pasted = parseHubUrl(url);
    } catch {
      return undefined;
    }
    if (pasted.user === undefined) return undefined;
    const probe = hubClient(pasted.api, undefined, this.transportFor(), this.log);
    try {
      const version = await hubVersion(probe, signal ? { signal } : {});
      return { version, user: pasted.user };
    } catch {
      return undefined;
    } finally {
      await probe.close();
    }
  }

  /** Lists a hub's servers and hands them to the server registry. */
  async refresh(hub: HubConnection, signal?: AbortSignal): Promise<void> {
    try {
      await hub.refresh(signal);
    } finally {
      this.publish(hub);
    }
  }

  /**
   * Removes a hub: revokes our token on the hub (with the token itself when it holds `tokens`, else with a
   * password given for it: a one-minute token that may revoke, itself revoked after), then forgets the token, the
   * entry and its servers' connections. The removal happens even when revocation fails, and says why.
   */
  async remove(id: string, { password, signal }: { password?: string; signal?: AbortSignal } = {}): Promise<RevokeOutcome> {
    const hub = this.hubs.get(id);
    const entry = this.saved.hubs.find((h) => h.id === id);
    let outcome: RevokeOutcome = { revoked: false, reason: 'the hub is not known' };
    if (hub && entry) outcome = await this.revoke(hub, entry, password, signal);
    for (const c of this.deps.registry.hubServers(id)) await c.disconnect();
    this.deps.registry.setHubServers({ id, label: hub?.label ?? id, user: entry?.user ?? '' }, []);
    await new ServerSecrets(this.deps.secrets, id).deleteAll();
    await this.saveList(this.saved.hubs.filter((h) => h.id !== id));
    hub?.dispose();
    this.hubs.delete(id);
    this.changed.fire({});
    return outcome;
  }

  private async revoke(hub: HubConnection, entry: SavedHub, password: string | undefined, signal?: AbortSignal): Promise<RevokeOutcome> {
    if (!entry.tokenId) return { revoked: false, reason: 'the hub did not say which token it is (hubs before 5.0 do not for a pasted token); delete it on the hub\'s token page' };
    const o = signal ? { signal } : {};
    try {
      if (hub.scopes.canMintTokens) {
        await revokeToken(await hub.client(), entry.user, entry.tokenId, o);
        return { revoked: true };
      }
      if (password === undefined) return { revoked: false, reason: `the token may not revoke itself (it has only the scopes its servers need); it lapses ${entry.expiresAt ? `at ${entry.expiresAt}` : 'never'}` };
      const probe = hubClient(hub.api, undefined, this.transportFor(), this.log);
      try {
        const manager = await mintToken(probe, { user: entry.user, password, scopes: [`tokens!user=${entry.user}`], expiresInSeconds: 60, note: `${tokenNote()}: revoking ${entry.tokenId}` }, o);
        const asManager = hubClient(hub.api, manager.token, this.transportFor(), this.log);
        try {
          await revokeToken(asManager, entry.user, entry.tokenId, o);
          await revokeToken(asManager, entry.user, manager.id, o).catch(() => undefined);
        } finally {
          await asManager.close();
        }
      } finally {
        await probe.close();
      }
      return { revoked: true };
    } catch (err) {
      return { revoked: false, reason: (err as Error).message };
    }
  }

  private open(entry: SavedHub): HubConnection {
    const hub = new HubConnection(entry, {
      secrets: new ServerSecrets(this.deps.secrets, entry.id),
      log: this.log,
      clock: this.clock,
      transport: this.transportFor(),
      save: (next) => this.saveList([...this.saved.hubs.filter((h) => h.id !== next.id), next]),
      lifetimeSeconds: () => this.lifetimeSeconds(),
    });
    hub.onDidChange(() => {
      this.publish(hub);
      this.changed.fire({ id: hub.id });
    });
    hub.onDidNeedSignIn(({ reason }) => this.needsSignIn.fire({ hub, reason }));
    this.hubs.set(entry.id, hub);
    return hub;
  }

  /** Hands a hub's servers to the server registry. */
  private publish(hub: HubConnection): void {
    if (this.hubs.get(hub.id) !== hub) return;
    this.deps.registry.setHubServers({ id: hub.id, label: hub.label, user: hub.user }, hub.servers.map((s) => ({ id: s.endpoint.id, model: s.model })));
  }

  private lifetimeSeconds(): number {
    return Math.max(30, Math.round(this.settings.tokenLifetimeDays * 86_400));
  }

  private transportFor(): TransportOptions {
    return transportFor(undefined, this.transport);
  }

  private async saveList(hubs: SavedHub[]): Promise<void> {
    const next = { hubs, unreadable: this.saved.unreadable };
    await writeSavedHubs(this.deps.state, next);
    this.saved = next;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const h of this.hubs.values()) h.dispose();
    this.hubs.clear();
    this.changed.dispose();
    this.needsSignIn.dispose();
  }
}
