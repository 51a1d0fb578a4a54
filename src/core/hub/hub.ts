import { endpointFromUrl, type ServerEndpoint } from '../server/endpoint';
import type { ServerSecrets } from '../secrets/secretStore';
import type { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import type { Clock, ClockTimer } from '../util/clock';
import type { Disposable } from '../util/disposable';
import { CancelledError, UnexpectedReplyError, isJupyterError, toJupyterError, type JupyterError } from '../util/errors';
import { Emitter } from '../util/event';
import type { Logger } from '../util/log';
import { hubClient } from './hubClient';
import { followProgress, mintToken, revokeToken, startServer, stopServer, userModel, type HubServerModel } from './hubApi';
import type { SpawnProgress } from './progress';
import type { SavedHub } from './savedHubs';
import { renewalDue, requestedScopes, reviewScopes, type ScopeReview } from './scopes';
import { singleUserEndpoint } from './hubUrl';

/** One of the hub user's servers, as the hub last reported it. */
export interface HubServer {
  readonly name: string;
  readonly model: HubServerModel;
  /** Its single-user endpoint (the connection id in the server registry). */
  readonly endpoint: ServerEndpoint;
}

export type HubStatus =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'ok' }
  /** The hub refused the token (revoked, expired): the user signs in again. */
  | { readonly kind: 'signed-out'; readonly error: string }
  | { readonly kind: 'unreachable'; readonly error: string };

/** What the hub knows about a server, reduced to what the explorer shows. */
export function serverPhase(m: HubServerModel): 'running' | 'starting' | 'stopping' | 'stopped' {
  if (m.pending === 'spawn') return 'starting';
  if (m.pending === 'stop') return 'stopping';
  return m.ready ? 'running' : 'stopped';
}

export interface HubDeps {
  readonly secrets: ServerSecrets;
  readonly log: Logger;
  readonly clock: Clock;
  transport: TransportOptions;
  /** Saves a changed entry (a renewed token's id and expiry). */
  readonly save: (entry: SavedHub) => Promise<void>;
  /** The lifetime a renewed token asks for, in seconds. */
  readonly lifetimeSeconds: () => number;
}

/** How long a stop waits for a server the hub is still stopping. */
const STOP_WAIT_MS = 120_000;
const STOP_POLL_MS = 500;

/**
 * A hub the user added: its token (in the secret store), the user's servers as last listed, and the token's
 * lifecycle: renewed before it lapses where the token may mint its successor, else one request for the user to
 * sign in again; a refused token turns the hub `signed-out` once.
 */
export class HubConnection implements Disposable {
  readonly base: ServerEndpoint;
  readonly api: ServerEndpoint;
  private clientValue: JupyterClient | undefined;
  private statusValue: HubStatus = { kind: 'unknown' };
  private serversValue: HubServer[] = [];
  private renewTimer: ClockTimer | undefined;
  private renewing: Promise<void> | undefined;
  private askedFor: string | undefined;
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly needsSignIn = new Emitter<{ reason: 'expiring' | 'refused' }>();
  /** Once per token: it expires soon and cannot renew itself, or the hub refused it. */
  readonly onDidNeedSignIn = this.needsSignIn.event;
  private disposed = false;

  constructor(
    private entryValue: SavedHub,
    private readonly deps: HubDeps,
  ) {
    this.base = endpointFromUrl(entryValue.base);
    this.api = endpointFromUrl(entryValue.id);
    this.scheduleRenewal();
  }

  get id(): string {
    return this.entryValue.id;
  }

  get entry(): SavedHub {
    return this.entryValue;
  }

  get user(): string {
    return this.entryValue.user;
  }

  /** The name shown: the user's own, else `user@host`. */
  get label(): string {
    return this.entryValue.name ?? `${this.entryValue.user}@${this.base.baseUrl.host}${this.base.basePath === '/' ? '' : this.base.basePath.replace(/\/$/, '')}`;
  }

  get status(): HubStatus {
    return this.statusValue;
  }

  get servers(): readonly HubServer[] {
    return this.serversValue;
  }

  get scopes(): ScopeReview {
    return reviewScopes(this.entryValue.user, this.entryValue.scopes);
  }

  get expiresAt(): number | undefined {
    return this.entryValue.expiresAt ? Date.parse(this.entryValue.expiresAt) : undefined;
  }

  /** The token was replaced (sign-in again): the entry, a fresh client, a new renewal point. */
  async replaceEntry(entry: SavedHub): Promise<void> {
    this.entryValue = entry;
    this.askedFor = undefined;
    const old = this.clientValue;
    this.clientValue = undefined;
    await old?.close();
    this.scheduleRenewal();
    this.changed.fire();
  }

  /** New transport options: the next call builds its client with them. */
  updateTransport(transport: TransportOptions): void {
    this.deps.transport = transport;
    const old = this.clientValue;
    this.clientValue = undefined;
    void old?.close();
  }

  /** The hub API client with the current token. */
  async client(): Promise<JupyterClient> {
    if (this.clientValue) return this.clientValue;
    const token = await this.deps.secrets.get('token');
    const client = hubClient(this.api, token, this.deps.transport, this.deps.log, () => this.deps.clock.now());
    this.clientValue = client;
    return client;
  }

  /** Lists the user's servers; a refused token turns the hub signed-out (and asks once). */
  async refresh(signal?: AbortSignal): Promise<readonly HubServer[]> {
    try {
      const client = await this.client();
      const model = await userModel(client, this.user, signal ? { signal } : {});
      const servers: HubServer[] = [];
      for (const [name, m] of Object.entries(model.servers ?? {})) {
        if (!m || typeof m.url !== 'string') continue;
        try {
          servers.push({ name, model: { ...m, name }, endpoint: singleUserEndpoint(this.base, m.url) });
        } catch (err) {
          this.deps.log.warn(`${this.id}: server "${name}" is left out: ${(err as Error).message}`);
        }
      }
      // No default server yet (never started): it is one Start away, so it is listed stopped.
      if (!servers.some((s) => s.name === '')) {
        const url = `${this.base.basePath}user/${encodeURIComponent(this.user)}/`;
        servers.unshift({ name: '', model: { name: '', ready: false, pending: null, stopped: true, url }, endpoint: singleUserEndpoint(this.base, url) });
      }
      servers.sort((a, b) => (a.name === '' ? -1 : b.name === '' ? 1 : a.name.localeCompare(b.name)));
      this.serversValue = servers;
      this.setStatus({ kind: 'ok' });
      return servers;
    } catch (err) {
      const e = toJupyterError(err, this.id);
      if (e.code === 'InvalidToken') this.tokenRefused(e);
      else if (e.code === 'ServerUnreachable' || e.code === 'Timeout') this.setStatus({ kind: 'unreachable', error: e.describe() });
      throw e;
    }
  }

  /**
   * Starts a server (creating a named one), reporting the hub's progress events, and resolves when it is ready.
   * Cancelling stops following (the hub keeps spawning; Stop Server ends it).
   */
  async start(serverName: string, onProgress: (e: SpawnProgress) => void = () => undefined, signal?: AbortSignal): Promise<HubServer> {
    const client = await this.client();
    const o = signal ? { signal } : {};
    // The hub holds its answer until the server is up (or 10 s): show it starting meanwhile.
    this.serversValue = this.serversValue.map((s) => (s.name === serverName ? { ...s, model: { ...s.model, pending: 'spawn' as const } } : s));
    this.changed.fire();
    try {
      const outcome = await startServer(client, this.user, serverName, o);
      onProgress({ progress: outcome === 'ready' ? 100 : 0, message: outcome === 'ready' ? 'Server ready' : 'Server requested' });
      if (outcome === 'pending') {
        const last = await followProgress(client, this.user, serverName, onProgress, o);
        if (last?.failed) throw new UnexpectedReplyError(last.message || 'The hub could not start the server.', { serverUrl: this.id, hint: "See the hub's log or ask its administrator." });
      }
      if (signal?.aborted) throw new CancelledError('The operation was cancelled.', { serverUrl: this.id });
      const servers = await this.refresh(signal);
      const server = servers.find((s) => s.name === serverName);
      if (!server || !server.model.ready) {
        throw new UnexpectedReplyError(`The hub reports ${describeServer(serverName)} as ${server ? serverPhase(server.model) : 'missing'} after starting it.`, { serverUrl: this.id });
      }
      return server;
    } catch (err) {
      await this.refresh().catch(() => undefined);
      throw this.noted(err);
    } finally {
      this.changed.fire();
    }
  }

  /** Stops a server (with `remove`, deletes a named one) and waits until the hub says it is stopped. */
  async stop(serverName: string, { remove = false, signal }: { remove?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const client = await this.client();
    try {
      let outcome = await stopServer(client, this.user, serverName, { remove, ...(signal ? { signal } : {}) });
      const deadline = this.deps.clock.now() + STOP_WAIT_MS;
      while (outcome === 'pending') {
        if (this.deps.clock.now() > deadline) throw new UnexpectedReplyError(`The hub is still stopping ${describeServer(serverName)}.`, { serverUrl: this.id, hint: 'Refresh later.' });
        await this.delay(STOP_POLL_MS, signal);
        const servers = await this.refresh(signal);
        const m = servers.find((s) => s.name === serverName)?.model;
        outcome = m && (m.pending === 'stop' || m.ready) ? 'pending' : 'stopped';
      }
      await this.refresh(signal);
    } catch (err) {
      throw this.noted(err);
    } finally {
      this.changed.fire();
    }
  }

  /**
   * Renews the token now when it may mint its successor (same scopes, a fresh lifetime, the old one revoked);
   * else asks the user once. Single flight.
   */
  renew(): Promise<void> {
    this.renewing ??= this.doRenew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async doRenew(): Promise<void> {
    const e = this.entryValue;
    if (!this.scopes.canMintTokens) {
      this.ask('expiring');
      return;
    }
    const client = await this.client();
    const scopes = requestedScopes({ user: e.user, renewal: true });
    const minted = await mintToken(client, { user: e.user, scopes, expiresInSeconds: this.deps.lifetimeSeconds(), note: tokenNote() });
    const oldId = e.tokenId;
    await this.deps.secrets.set('token', minted.token);
    // The old token revokes itself (it holds `tokens`) before the new entry is announced.
    if (oldId) {
      await revokeToken(client, e.user, oldId).catch((err: unknown) => this.deps.log.warn(`${this.id}: the previous token ${oldId} was not revoked: ${(err as Error).message}`));
    }
    const next: SavedHub = { ...e, tokenId: minted.id, scopes: [...minted.scopes] };
    if (minted.expires_at) next.expiresAt = minted.expires_at;
    else delete next.expiresAt;
    next.tokenCreatedAt = minted.created ?? new Date(this.deps.clock.now()).toISOString();
    await this.deps.save(next);
    await this.replaceEntry(next);
    this.deps.log.info(`${this.id}: renewed the hub token (new id ${minted.id}, expires ${minted.expires_at ?? 'never'})`);
  }

  private scheduleRenewal(): void {
    if (this.renewTimer) this.deps.clock.clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    if (this.disposed) return;
    const created = this.entryValue.tokenCreatedAt ? Date.parse(this.entryValue.tokenCreatedAt) : undefined;
    const due = renewalDue(created, this.expiresAt);
    if (due === undefined) return;
    // Timers fire late after sleep, never early; a long wait is re-armed in steps (setTimeout caps at ~24.8 days).
    const wait = Math.max(0, Math.min(due - this.deps.clock.now(), 2 ** 31 - 1));
    this.renewTimer = this.deps.clock.setTimeout(() => {
      this.renewTimer = undefined;
      if (this.deps.clock.now() < due) return this.scheduleRenewal();
      this.renew().catch((err: unknown) => {
        const je = toJupyterError(err, this.id);
        this.deps.log.warn(`${this.id}: renewing the hub token failed: ${je.describe()}`);
        if (je.code === 'InvalidToken') this.tokenRefused(je);
        else this.ask('expiring');
      });
    }, wait);
  }

  /** A typed error, a refused token noted on the way. */
  private noted(err: unknown): JupyterError {
    const e = toJupyterError(err, this.id);
    if (isJupyterError(e, 'InvalidToken')) this.tokenRefused(e);
    return e;
  }

  private tokenRefused(e: JupyterError): void {
    this.setStatus({ kind: 'signed-out', error: e.describe() });
    this.ask('refused');
  }

  private ask(reason: 'expiring' | 'refused'): void {
    const key = `${reason}:${this.entryValue.tokenId ?? this.entryValue.expiresAt ?? ''}`;
    if (this.askedFor === key) return;
    this.askedFor = key;
    this.needsSignIn.fire({ reason });
  }

  private setStatus(s: HubStatus): void {
    const same = s.kind === this.statusValue.kind && ('error' in s ? s.error : '') === ('error' in this.statusValue ? this.statusValue.error : '');
    this.statusValue = s;
    if (!same) this.changed.fire();
  }

  private delay(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = this.deps.clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        this.deps.clock.clearTimeout(t);
        reject(new CancelledError('The operation was cancelled.', { serverUrl: this.id }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.renewTimer) this.deps.clock.clearTimeout(this.renewTimer);
    this.clientValue?.dispose();
    this.clientValue = undefined;
    this.changed.dispose();
    this.needsSignIn.dispose();
  }
}

export function describeServer(serverName: string): string {
  return serverName ? `the server "${serverName}"` : 'the default server';
}

/** The note our tokens carry on the hub's token page. */
export function tokenNote(): string {
  return 'Secure Jupyter Connections (VS Code)';
}
