import type { RuntimeServerInfo } from '../discovery/runtimeFile';
import type { DiscoveredServer } from '../discovery/scanner';
import { parsePastedUrl } from '../discovery/pastedUrl';
import { ServerSecrets, parseSecretKey, type SecretStore } from '../secrets/secretStore';
import { noCredential, type AuthMode, type Credential } from '../session/credentials';
import type { TransportOptions } from '../transport/dispatcher';
import { proveReach, saveReachSecrets, withReach, type ReachChange } from './reach';
import { systemClock, type Clock } from '../util/clock';
import type { Disposable } from '../util/disposable';
import { InvalidInputError, ServerUnreachableError, type JupyterError } from '../util/errors';
import { Emitter } from '../util/event';
import { nullLogger, type Logger } from '../util/log';
import { DEFAULT_LIFECYCLE, type LifecycleSettings } from '../lifecycle/supervisor';
import { ClockJumpDetector } from '../lifecycle/clockJump';
import { KEEP_ALIVE_OFF, type KeepAliveLimit } from '../lifecycle/keepAlive';
import { ServerConnection } from './connection';
import { RestartAdoption, type RediscoverHook } from './restartAdoption';
import { readSavedServers, writeSavedServers, type SavedServer, type SavedServerList } from './savedServers';
import { hubOf, isListed, isStoppedHubServer, withEntry, withoutEntry, withRuntime, withRuntimeGone, type HubRef, type ServerSource } from './serverSource';
import type { HubServerModel } from '../server/hubServer';
import type { StateStore } from './stateStore';

export interface RegistryDeps {
  secrets: SecretStore;
  state: StateStore;
  log?: Logger;
  clock?: Clock;
  transport?: TransportOptions;
  lifecycle?: LifecycleSettings;
}

/** A server to add, and how it is reached (undefined reach fields keep the saved ones, `null` clears them). */
export interface AddServerInput extends ReachChange {
  /** What the user pasted; a `?token=` in it is moved to the secret store. */
  url: string;
  /** A token or password given separately (wins over a token in the URL). */
  credential?: Credential;
  name?: string;
  authMode?: AuthMode;
}

export type { ReachChange };

export interface RegistryChange {
  /** The server that changed; undefined when the list itself changed. */
  id?: string;
}

/**
 * All servers: the ones the user added (non-secret entries in the state store, secrets in the secret store) and
 * the ones discovered from runtime files, merged by canonical URL. Secrets changed in another window are picked
 * up through the secret store's change event.
 */
export class ServerRegistry implements Disposable {
  private readonly connections = new Map<string, ServerConnection>();
  private saved: SavedServerList = { servers: [], unreadable: [] };
  private readonly changed = new Emitter<RegistryChange>();
  readonly onDidChange = this.changed.event;
  private readonly failed = new Emitter<{ id: string; error: JupyterError }>();
  /** A server's connect, use or listing failed (a hub checks whether it stopped its server). */
  readonly onDidFail = this.failed.event;
  private readonly keepAliveLimits = new Emitter<KeepAliveLimit>();
  /** A server's busy kernel outlasted the keep-alive maximum: it is no longer kept alive (once per busy stretch). */
  readonly onDidReachKeepAliveLimit = this.keepAliveLimits.event;
  private readonly subscriptions: Disposable[] = [];
  private readonly log: Logger;
  private readonly clock: Clock;
  private transport: TransportOptions;
  private lifecycle: LifecycleSettings;
  private clockJump: ClockJumpDetector | undefined;
  private readonly restarts: RestartAdoption;

  constructor(private readonly deps: RegistryDeps) {
    this.log = deps.log ?? nullLogger;
    this.clock = deps.clock ?? systemClock;
    this.transport = deps.transport ?? {};
    this.lifecycle = deps.lifecycle ?? DEFAULT_LIFECYCLE;
    this.restarts = new RestartAdoption(deps.secrets, this.log);
  }

  /** New idle/retry settings for every connection. */
  updateLifecycle(settings: LifecycleSettings): void {
    this.lifecycle = settings;
    for (const c of this.connections.values()) {
      c.lifecycle.update(settings);
      c.keepAlive.update(settings.keepAlive ?? KEEP_ALIVE_OFF);
    }
  }

  /** New shared transport settings (proxy, OS roots) for every connection; live ones reconnect with them. */
  async updateTransport(next: TransportOptions): Promise<void> {
    this.transport = next;
    await Promise.all([...this.connections.values()].map((c) => c.updateTransport(next)));
  }

  /** After the machine slept, every connection in use is re-validated (probe + authenticate) instead of trusted. */
  revalidateAll(gapMs: number): void {
    for (const c of this.connections.values()) {
      if (c.apply({ type: 'clock-jump' })) {
        this.log.info(`${c.id}: the clock jumped ${Math.round(gapMs / 1000)} s (sleep?); re-validating the session`);
        c.connect(undefined, { background: true }).catch(() => c.lifecycle.startRetrying());
      }
    }
  }

  /** Sets how to ask discovery for a fresh look (before a refused token on a local server counts as a failure). */
  setRediscover(hook: RediscoverHook): Disposable {
    return this.restarts.setRediscover(hook);
  }

  /** Loads the saved servers and starts listening for secret changes from other windows. */
  init(): void {
    this.saved = readSavedServers(this.deps.state, this.log);
    for (const s of this.saved.servers) this.update(s.id, (source) => withEntry(source, s));
    this.subscriptions.push(this.deps.secrets.onDidChange(({ key }) => void this.onSecretChanged(key)));
    this.clockJump = new ClockJumpDetector(this.clock, (gap) => this.revalidateAll(gap));
    this.changed.fire({});
  }

  list(): ServerConnection[] {
    return [...this.connections.values()].sort((a, b) => Number(b.isLocal) - Number(a.isLocal) || a.name.localeCompare(b.name));
  }

  get(id: string): ServerConnection | undefined {
    return this.connections.get(id);
  }

  /** Merges the live discovered servers in; servers that are gone and were never saved leave the list. */
  setDiscovered(found: readonly DiscoveredServer[]): void {
    const live = new Map<string, { info: RuntimeServerInfo; version: string | undefined }>();
    for (const d of found) if (d.state === 'live' && d.info) live.set(d.info.endpoint.id, { info: d.info, version: d.version });
    let listChanged = false;
    for (const [id, d] of live) {
      const before = this.connections.get(id);
      const tokenBefore = before?.runtime?.info.token;
      const c = this.update(id, (source) => withRuntime(source, d.info));
      const tokenChanged = tokenBefore !== undefined && tokenBefore !== d.info.token;
      if (d.version) c.version = d.version;
      if (!before) listChanged = true;
      if (tokenChanged) void this.restarts.adopt(c);
      else if (c.state.kind === 'unreachable' && c.client) void c.connect(undefined, { background: true }).catch(() => undefined);
    }
    for (const c of [...this.connections.values()]) {
      if (c.runtime?.gone === false && !live.has(c.id)) {
        // Its runtime file is gone or stale. A server in use stays (unreachable, waiting for a restart, whose new
        // runtime file is adopted); one never used leaves the list.
        c.setSource(withRuntimeGone(c.source));
        if (!this.prune(c) && c.client && c.state.kind !== 'disconnected') c.lifecycle.reportFailure(new ServerUnreachableError(`${c.id} stopped (its runtime file is gone or stale).`));
        listChanged = true;
      }
    }
    if (listChanged) this.changed.fire({});
  }

  /**
   * A hub's servers as the hub lists them now: each becomes (or stays) a connection whose source is the hub; one the
   * hub no longer lists leaves; one that stopped is disconnected (its kernels went with it). A server the user also
   * saved as a plain server keeps that entry (the plain entry wins; its hub row is not shown twice).
   */
  setHubServers(hub: HubRef, servers: readonly { readonly id: string; readonly model: HubServerModel }[]): void {
    let listChanged = false;
    const listed = new Set<string>();
    for (const { id, model } of servers) {
      const existing = this.connections.get(id);
      if (existing && existing.source.kind !== 'hub') continue;
      listed.add(id);
      if (!existing) listChanged = true;
      const c = this.update(id, () => ({ kind: 'hub', hub, server: model }));
      if (isStoppedHubServer(c.source) && c.client) void c.disconnect();
    }
    for (const c of [...this.connections.values()]) {
      if (hubOf(c.source)?.hub.id === hub.id && !listed.has(c.id)) {
        // Off the list at once; its sockets close and it is disposed when they have.
        this.connections.delete(c.id);
        void c.disconnect().finally(() => c.dispose());
        listChanged = true;
      }
    }
    if (listChanged) this.changed.fire({});
  }

  /** The connections of a hub's servers. */
  hubServers(hubId: string): ServerConnection[] {
    return this.list().filter((c) => hubOf(c.source)?.hub.id === hubId);
  }

  /**
   * Adds (or updates) a server after proving the connection works: nothing is saved when validation fails, so a
   * failed update never loses the previous credential or entry.
   */
  async add(input: AddServerInput, signal?: AbortSignal): Promise<ServerConnection> {
    const pasted = parsePastedUrl(input.url);
    const id = pasted.endpoint.id;
    const credential = input.credential ?? (pasted.token !== undefined ? { kind: 'token' as const, token: pasted.token } : noCredential);
    const authMode = input.authMode ?? 'auto';
    if (credential.kind === 'password' && authMode === 'token') {
      throw new InvalidInputError('A password cannot be used with the token authentication mode.', { hint: 'Choose cookie or auto.' });
    }
    const previous = this.saved.servers.find((s) => s.id === id);
    let entry: SavedServer = {
      id,
      authMode,
      credential: credential.kind,
      addedAt: previous?.addedAt ?? new Date(this.clock.now()).toISOString(),
    };
    const name = input.name ?? previous?.name;
    if (name) entry.name = name;
    // An update without certificates, trust or proxy keeps the saved ones, and is proven with them.
    if (previous?.trustedCertificates) entry.trustedCertificates = previous.trustedCertificates;
    if (previous?.trust) entry.trust = previous.trust;
    if (previous?.proxy) entry.proxy = previous.proxy;
    entry = withReach(entry, input);
    const secrets = new ServerSecrets(this.deps.secrets, id);
    // Proven as it will be saved.
    await proveReach(pasted.endpoint, entry, credential, { secrets, transport: this.transport, log: this.log, passphrase: input.passphrase }, signal);
    await saveReachSecrets(secrets, entry, input.passphrase);
    if (credential.kind === 'token') await secrets.set('token', credential.token);
    if (credential.kind === 'password') await secrets.set('password', credential.password);
    // The other secret kind is stale now (a password replaced by a token, say).
    if (credential.kind !== 'token') await secrets.delete('token');
    if (credential.kind !== 'password') await secrets.delete('password');
    await this.saveList([...this.saved.servers.filter((s) => s.id !== id), entry]);
    const c = this.update(id, (source) => withEntry(source, entry));
    if (c.client) await c.disconnect();
    this.changed.fire({});
    await c.connect(signal);
    return c;
  }

  /**
   * Changes how a saved server is reached (its trust: CA files, a trusted certificate, a client certificate, pins;
   * its proxy choice), proven with its saved credential before anything is saved: a change that does not work
   * loses nothing. A discovered server that is not saved yet is saved by this.
   */
  async updateReach(id: string, change: ReachChange, signal?: AbortSignal): Promise<ServerConnection> {
    const c = this.connections.get(id);
    if (!c) throw new InvalidInputError(`No server ${id} is known.`, { hint: 'Add it first.' });
    if (c.source.kind === 'hub') throw new InvalidInputError('A hub\'s server is reached as its hub is.', { hint: 'Change the trust of the hub instead.' });
    const previous = this.saved.servers.find((s) => s.id === id);
    const credential = await c.credential();
    const entry = withReach(previous ?? { id, authMode: c.authMode, credential: credential.kind, addedAt: new Date(this.clock.now()).toISOString() }, change);
    const secrets = new ServerSecrets(this.deps.secrets, id);
    await proveReach(c.endpoint, entry, credential, { secrets, transport: this.transport, log: this.log, passphrase: change.passphrase }, signal);
    await saveReachSecrets(secrets, entry, change.passphrase);
    if (!previous && credential.kind === 'token') await secrets.set('token', credential.token);
    await this.saveList([...this.saved.servers.filter((s) => s.id !== id), entry]);
    this.update(id, (source) => withEntry(source, entry));
    if (c.client) await c.disconnect();
    this.changed.fire({});
    await c.connect(signal);
    return c;
  }

  /** Removes a saved server with its token, password and cookie session. */
  async remove(id: string): Promise<void> {
    const c = this.connections.get(id);
    await c?.disconnect();
    await new ServerSecrets(this.deps.secrets, id).deleteAll();
    await this.saveList(this.saved.servers.filter((s) => s.id !== id));
    if (c) {
      // Still discovered: it stays while its runtime file is live; else it leaves the list.
      const next = withoutEntry(c.source);
      if (!next) this.drop(c);
      else {
        c.setSource(next);
        this.prune(c);
      }
    }
    this.changed.fire({});
  }

  /** Deletes the saved token/password and the cookie session; the entry stays (it will ask again). */
  async forgetCredentials(id: string): Promise<void> {
    const c = this.connections.get(id);
    await c?.signOut();
    const secrets = new ServerSecrets(this.deps.secrets, id);
    await secrets.deleteAll();
    const entry = this.saved.servers.find((s) => s.id === id);
    if (entry) {
      const next: SavedServer = { ...entry, credential: 'none' };
      await this.saveList(this.saved.servers.map((s) => (s.id === id ? next : s)));
      c?.setSource(withEntry(c.source, next));
    }
    this.changed.fire({ id });
  }

  /** Removes a connection that is neither saved, nor discovered, nor in use. */
  private prune(c: ServerConnection): boolean {
    return !isListed(c.source) && !c.client && this.drop(c);
  }

  /** Takes a connection off the list and disposes of it. */
  private drop(c: ServerConnection): boolean {
    if (this.connections.get(c.id) !== c) return false;
    this.connections.delete(c.id);
    c.dispose();
    return true;
  }

  private async saveList(servers: SavedServer[]): Promise<void> {
    const next = { servers, unreadable: this.saved.unreadable };
    await writeSavedServers(this.deps.state, next);
    this.saved = next;
  }

  /** Gives server `id` its next source: the connection's replaced (an event if it changed), or a new connection. */
  private update(id: string, next: (source: ServerSource | undefined) => ServerSource): ServerConnection {
    const existing = this.connections.get(id);
    if (existing) {
      existing.setSource(next(existing.source));
      return existing;
    }
    const c = new ServerConnection(id, next(undefined), {
      secrets: new ServerSecrets(this.deps.secrets, id),
      log: this.log,
      clock: this.clock,
      transport: this.transport,
      lifecycle: this.lifecycle,
      refreshDiscoveredToken: (conn) => this.restarts.freshToken(conn),
    });
    this.subscriptions.push(
      c.onDidChange(() => {
        // A server whose runtime file went away leaves the list once the user disconnects it.
        if (c.runtime?.gone && this.prune(c)) this.changed.fire({});
        else this.changed.fire({ id: c.id });
      }),
      c.onDidFail((error) => this.failed.fire({ id: c.id, error })),
      c.keepAlive.onDidReachLimit((limit) => this.keepAliveLimits.fire(limit)),
    );
    this.connections.set(id, c);
    return c;
  }

  private async onSecretChanged(key: string): Promise<void> {
    const parsed = parseSecretKey(key);
    if (parsed?.kind === 'token') {
      // A hub's token (renewed, or signed in again): its servers' live clients take it.
      for (const c of this.hubServers(parsed.serverId)) await c.reloadCredential();
    }
    const c = parsed && this.connections.get(parsed.serverId);
    if (!parsed || !c) return;
    if (parsed.kind === 'cookies') await c.reloadCookies();
    else await c.reloadCredential();
  }

  dispose(): void {
    this.clockJump?.dispose();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    for (const c of this.connections.values()) c.dispose();
    this.connections.clear();
    this.changed.dispose();
    this.failed.dispose();
    this.keepAliveLimits.dispose();
  }
}
