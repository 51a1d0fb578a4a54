import { listKernels, listSessions, type KernelModel, type SessionModel } from '../rest';
import {
  describeState,
  initialState,
  transition,
  type ConnectionEvent,
  type ConnectionState,
} from '../lifecycle/state';
import type { ServerSecrets } from '../secrets/secretStore';
import { endpointFromUrl, isLocalEndpoint, type ServerEndpoint } from '../server/endpoint';
import type { AuthMode, Credential } from '../session/credentials';
import type { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import type { Clock } from '../util/clock';
import type { Disposable } from '../util/disposable';
import { JupyterError, isRetryable, needsUser, toJupyterError } from '../util/errors';
import { Emitter } from '../util/event';
import type { Logger } from '../util/log';
import { KernelConnection } from '../kernel/kernelConnection';
import { ConnectionSupervisor, type LifecycleSettings } from '../lifecycle/supervisor';
import { KEEP_ALIVE_OFF, KeepAlive } from '../lifecycle/keepAlive';
import { CookiePersistence } from './cookiePersistence';
import { ConnectionReach } from './connectionReach';
import { clientFor } from './clientFor';
import { InsecureReasons, observedInsecure, type InsecureReason } from './insecureReasons';
import type { SavedServer } from './savedServers';
import { authModeOf, credentialOf, entryOf, listsOnTimer, nameOf, sameSource, stoppedError, type RuntimeSighting, type ServerSource } from './serverSource';

export interface ConnectOptions {
  /** Nothing the user did asked for it: its requests are not activity (SendOptions.background). */
  background?: boolean;
}

export interface ConnectionDeps {
  secrets: ServerSecrets;
  log: Logger;
  clock: Clock;
  transport: TransportOptions;
  lifecycle: LifecycleSettings;
  /**
   * For a discovered local server whose token was refused: looks for a fresh runtime file (a restart the
   * discovery watcher has not reported yet), adopts its token, and returns the token now in effect.
   */
  refreshDiscoveredToken?: (c: ServerConnection) => Promise<string | undefined>;
}

function tokenOf(credential: Credential | undefined): string | undefined {
  return credential?.kind === 'token' ? credential.token : undefined;
}

/**
 * One server as the extension sees it: where it comes from (its source: saved entry, runtime file), its
 * connection state, its client (credential + cookie jar) and the kernels and sessions last listed.
 * The cookie session of a cookie-authenticated server is persisted in the secret store and restored.
 */
export class ServerConnection implements Disposable {
  readonly endpoint: ServerEndpoint;
  private stateValue: ConnectionState;
  private clientValue: JupyterClient | undefined;
  private connecting: Promise<void> | undefined;
  private readonly cookies: CookiePersistence;
  private readonly subscriptions: Disposable[] = [];
  private readonly changed = new Emitter<void>();
  /** State, kernels, or what is known about the server changed. */
  readonly onDidChange = this.changed.event;
  private readonly failed = new Emitter<JupyterError>();
  /** A connect, a use or a listing failed (whatever the state machine made of it). */
  readonly onDidFail = this.failed.event;

  version: string | undefined;
  kernels: KernelModel[] = [];
  sessions: SessionModel[] = [];
  kernelsListedAt: number | undefined;
  /** Why this connection is insecure (e.g. credentials over plain http to a remote host), one line per finding id. */
  readonly insecureReasons = new InsecureReasons();
  /** Kernel connections opened through this server, by kernel id. */
  readonly kernelConnections = new Map<string, KernelConnection>();
  readonly lifecycle: ConnectionSupervisor;
  /** Keeps the server alive while a kernel is busy (opt-in). */
  readonly keepAlive: KeepAlive;
  private readonly reach: ConnectionReach;

  constructor(
    readonly id: string,
    private sourceValue: ServerSource,
    private readonly deps: ConnectionDeps,
  ) {
    this.endpoint = endpointFromUrl(id);
    this.reach = new ConnectionReach(deps.transport, deps.secrets);
    this.stateValue = initialState(deps.clock.now());
    this.cookies = new CookiePersistence(id, deps.secrets, deps.clock, deps.log);
    this.lifecycle = new ConnectionSupervisor(this, deps.clock, deps.lifecycle, deps.log);
    this.keepAlive = new KeepAlive(this, deps.clock, deps.lifecycle.keepAlive ?? KEEP_ALIVE_OFF, deps.log);
    // Not in `subscriptions` (disconnect drops those): it lives as long as the keep-alive.
    this.keepAlive.onDidChange(() => this.changed.fire());
  }

  /** Whether the view's timer (and keep-alive's looks) may list this server's kernels (serverSource.listsOnTimer). */
  get listsOnTimer(): boolean {
    return listsOnTimer(this.sourceValue);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get client(): JupyterClient | undefined {
    return this.clientValue;
  }

  get source(): ServerSource {
    return this.sourceValue;
  }

  /** Replaces what is known about the server (the registry's to call); fires onDidChange when it changed. */
  setSource(next: ServerSource): void {
    if (sameSource(next, this.sourceValue)) return;
    this.sourceValue = next;
    this.changed.fire();
  }

  get savedEntry(): SavedServer | undefined {
    return entryOf(this.sourceValue);
  }

  /** Its runtime file (a discovered server's), live or gone. */
  get runtime(): RuntimeSighting | undefined {
    return this.sourceValue.runtime;
  }

  get name(): string {
    return nameOf(this.sourceValue) ?? this.id;
  }

  get isLocal(): boolean {
    // A discovered server stays local while it restarts.
    return this.runtime !== undefined || isLocalEndpoint(this.endpoint);
  }

  get authMode(): AuthMode {
    return authModeOf(this.sourceValue);
  }

  /** How this server is reached (shared timeouts and proxy, its own trust): what its clients and its audit use. */
  get transport(): TransportOptions {
    return this.reach.transport(this.sourceValue);
  }

  /**
   * New shared transport settings (a proxy setting changed): a live client is rebuilt with them (its sockets closed,
   * the session kept) and connected again. A server that was unreachable (a proxy refusing it, say) is tried again
   * with them at once and, if it still cannot be reached, left to the usual retries, as is one its proxy refused for
   * a missing or wrong credential (407): a corrected setting takes effect without a Reconnect.
   */
  async updateTransport(next: TransportOptions): Promise<void> {
    this.reach.shared = next;
    if (!this.clientValue) return;
    const { kind, error } = this.stateValue;
    await this.disconnect();
    const wanted = kind === 'connected' || kind === 'idle-expired' || kind === 'unreachable' || error?.code === 'ProxyAuthRequired';
    if (!wanted) return;
    await this.connect(undefined, { background: true }).catch((err: unknown) => this.lifecycle.reportFailure(err));
  }

  describe(): string {
    return describeState(this.stateValue);
  }

  /** Applies a lifecycle event; fires onDidChange when the state changed. */
  apply(event: ConnectionEvent): boolean {
    const next = transition(this.stateValue, event, this.deps.clock.now());
    if (next === this.stateValue) return false;
    this.deps.log.debug(`${this.id}: ${this.stateValue.kind} → ${next.kind} (${event.type})`);
    const was = this.stateValue.kind;
    this.stateValue = next;
    this.changed.fire();
    if (next.kind === 'connected' && was !== 'connected') {
      this.lifecycle.connectionRestored();
      this.reportLostKernels();
      this.kickKernels();
    }
    return true;
  }

  /**
   * The connection is back, or its server is known to be up again (a new runtime file): kernel sockets waiting out
   * a retry delay (or given up) try again now.
   */
  kickKernels(): void {
    for (const s of this.kernelConnections.values()) s.kick();
  }

  /**
   * A kernel found gone while the connection was not `connected` (its own reconnect attempt can see the restarted
   * server before the connection's does) was refused by the state machine: report it once connected, so a lost
   * kernel is never hidden until acknowledged.
   */
  private reportLostKernels(): void {
    for (const [kernelId, s] of this.kernelConnections) if (s.status === 'lost') this.apply({ type: 'kernel-lost', kernelId });
  }

  /** The credential to use: the saved one, else the token from its runtime file, else none. */
  credential(): Promise<Credential> {
    return credentialOf(this.sourceValue, this.deps.secrets);
  }

  /** Re-reads the credential (changed in another window, or a new runtime file) into a live client. */
  async reloadCredential(): Promise<void> {
    if (!this.clientValue) return;
    this.clientValue.auth.setCredential(await this.credential());
    this.changed.fire();
  }

  /**
   * Connects (or joins a connection attempt in progress): probe, authenticate, list kernels. `background`: nothing
   * the user did asked for it (activation, discovery, a reconnect attempt, a changed setting, the Jupyter extension
   * resolving a saved kernel's server), so none of its requests counts as activity (SendOptions.background); one the
   * user asked for that joins a background attempt counts as client-side use when it is done.
   */
  async connect(signal?: AbortSignal, { background = false }: ConnectOptions = {}): Promise<void> {
    if (!this.connecting) {
      this.connecting = this.doConnect(signal, background).finally(() => {
        this.connecting = undefined;
      });
    }
    await this.connecting;
    if (!background) this.clientValue?.noteActivity();
  }

  private async doConnect(signal: AbortSignal | undefined, background: boolean): Promise<void> {
    this.apply({ type: 'connect' });
    try {
      // A hub's server is connected to only while the hub says it runs: started on purpose, never by connecting.
      const stopped = stoppedError(this.sourceValue, this.id);
      if (stopped) throw stopped;
      const client = await this.ensureClient();
      this.version = await client.probeVersion(signal);
      await this.authenticate(client, signal, background);
      this.insecureReasons.setOwn(observedInsecure(this.endpoint, client.auth.plan));
      // Proven working again: kernel sockets waiting to reconnect go now (apply does it on a state change).
      if (!this.apply({ type: 'connected' })) this.kickKernels();
    } catch (err) {
      const e = toJupyterError(err, this.id);
      this.apply({ type: 'failed', error: e.summary(), retryable: isRetryable(e), needsUser: needsUser(e) });
      if (e.code !== 'ServerStopped') this.failed.fire(e);
      throw e;
    }
    // It answers at its address again, but discovery has not reported its new runtime file yet (the port opens
    // before the file is written): look now, so a new token is adopted at once rather than at the next file event.
    if (this.runtime?.gone && this.deps.refreshDiscoveredToken) void this.deps.refreshDiscoveredToken(this).catch(() => undefined);
    await this.refreshKernels(signal, { background }).catch(() => undefined);
  }

  /**
   * Signs in; a local server that refuses its token may have been restarted with a new one whose runtime file
   * discovery has not reported yet: look for it and try once more, instead of asking the user.
   */
  private authenticate(client: JupyterClient, signal: AbortSignal | undefined, background: boolean): Promise<void> {
    return this.withFreshTokenRetry(() => client.authenticate(signal, { background }), 'signing in');
  }

  /**
   * Runs `attempt`; when a discovered server refuses the token (restarted with a new one, its new runtime file not
   * adopted yet), asks discovery for the server's current token and, if it is a different one, runs it once more.
   */
  private async withFreshTokenRetry<T>(attempt: () => Promise<T>, what: string): Promise<T> {
    const tokenBefore = tokenOf(this.clientValue?.auth.credential);
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof JupyterError) || err.code !== 'InvalidToken' || !this.runtime || !this.deps.refreshDiscoveredToken) throw err;
      const fresh = await this.deps.refreshDiscoveredToken(this).catch(() => undefined);
      if (fresh === undefined || fresh === tokenBefore) throw err;
      this.deps.log.info(`${this.id}: the token was refused; ${what} again with the token from the server's current runtime file`);
      return attempt();
    }
  }

  /**
   * Runs `fn` with a connected client (connecting first when needed). Failures feed the lifecycle: a network
   * failure starts reconnect attempts. Everything the UI does on a server goes through here.
   */
  use<T>(fn: (client: JupyterClient) => Promise<T>, signal?: AbortSignal, options: ConnectOptions = {}): Promise<T> {
    return this.withFreshTokenRetry(() => this.useOnce(fn, signal, options), 'sending');
  }

  private async useOnce<T>(fn: (client: JupyterClient) => Promise<T>, signal: AbortSignal | undefined, options: ConnectOptions): Promise<T> {
    const k = this.stateValue.kind;
    if (k === 'disconnected' || k === 'unreachable' || k === 'auth-expired' || k === 'connecting') await this.connect(signal, options);
    const client = await this.ensureClient();
    try {
      return await fn(client);
    } catch (err) {
      this.lifecycle.reportFailure(err);
      this.failed.fire(toJupyterError(err, this.id));
      throw err;
    }
  }

  /** Opens (or returns) the reconnecting kernel connection for a kernel; a lost kernel marks the server. */
  async openKernelConnection(kernelId: string, signal?: AbortSignal): Promise<KernelConnection> {
    const existing = this.kernelConnections.get(kernelId);
    if (existing && existing.status !== 'disposed' && existing.status !== 'lost') {
      await existing.open(signal);
      return existing;
    }
    const client = await this.use(async (c) => c, signal);
    const session = new KernelConnection(client, kernelId, this.deps.lifecycle.retry, this.lifecycle.liveness);
    this.kernelConnections.set(kernelId, session);
    this.keepAlive.watchKernel(session);
    session.onDidChangeStatus(({ status, error }) => {
      if (status === 'lost') this.apply({ type: 'kernel-lost', kernelId });
      else if (status === 'failed' && error) this.lifecycle.reportFailure(error);
      this.changed.fire();
    });
    await session.open(signal);
    return session;
  }

  closeKernelsForIdle(): void {
    for (const s of this.kernelConnections.values()) s.closeForIdle();
  }

  /** Forgets lost kernels (the user started new ones, or acknowledged). */
  acknowledgeLostKernels(): void {
    for (const [id, s] of this.kernelConnections) {
      if (s.status === 'lost') {
        s.dispose();
        this.kernelConnections.delete(id);
      }
    }
    this.apply({ type: 'kernels-recovered' });
  }

  /** Closes sockets and connections; the cookie session and credentials are kept. */
  async disconnect(): Promise<void> {
    this.lifecycle.stopRetrying();
    for (const s of this.kernelConnections.values()) s.dispose();
    this.kernelConnections.clear();
    await this.flushCookies();
    const client = this.clientValue;
    this.clientValue = undefined;
    this.kernels = [];
    this.sessions = [];
    for (const s of this.subscriptions.splice(0)) s.dispose();
    if (!this.apply({ type: 'disconnect' })) this.changed.fire();
    await client?.close();
  }

  /** Drops the cookie session (memory and secret store); the saved credential stays. */
  async signOut(): Promise<void> {
    this.clientValue?.auth.dropCookies();
    this.cookies.cancel();
    await this.disconnect();
    await this.cookies.forget();
  }

  /**
   * Lists kernels and sessions (the tree's children). A background listing (the view's timer) only looks at a
   * connected server and is not use, so it never keeps a session from going idle; a listing the user asked for
   * (Refresh) is use: an idle-closed session signs in again silently.
   */
  async refreshKernels(signal?: AbortSignal, { background = false }: { background?: boolean } = {}): Promise<void> {
    const client = this.clientValue;
    const k = this.stateValue.kind;
    if (!client || (k !== 'connected' && (background || k !== 'idle-expired'))) return;
    try {
      const o = { ...(signal ? { signal } : {}), ...(background ? { background } : {}) };
      const [kernels, sessions] = await Promise.all([listKernels(client, o), listSessions(client, o)]);
      this.kernels = kernels;
      this.sessions = sessions;
      this.kernelsListedAt = this.deps.clock.now();
      this.changed.fire();
    } catch (err) {
      const e = toJupyterError(err, this.id);
      this.failed.fire(e);
      if (isRetryable(e)) this.lifecycle.reportFailure(e);
      else if (needsUser(e)) {
        this.apply({ type: 'reauth-start' });
        this.apply({ type: 'reauth-failed', error: e.summary(), needsUser: true });
      }
      throw e;
    }
  }

  /** The client, created on first use with the restored cookie session. */
  async ensureClient(): Promise<JupyterClient> {
    if (this.clientValue) return this.clientValue;
    const credential = await this.credential();
    await this.reach.load(this.sourceValue);
    const jar = await this.cookies.restoreJar();
    const client = clientFor(this.endpoint, this.sourceValue, credential, { transport: this.transport, log: this.deps.log, jar, now: () => this.deps.clock.now() });
    this.subscriptions.push(client.auth.onDidChangeCookies(() => this.cookies.schedule(client)));
    this.clientValue = client;
    this.lifecycle.attach(client);
    return client;
  }

  /** A new cookie session from another window: replace ours. */
  async reloadCookies(): Promise<void> {
    if (await this.cookies.reload(this.clientValue)) this.changed.fire();
  }

  /** Writes the cookie session to the secret store now (if it changed). */
  flushCookies(): Promise<void> {
    return this.cookies.flush(this.clientValue);
  }

  get insecure(): readonly InsecureReason[] {
    return this.insecureReasons.list;
  }

  dispose(): void {
    this.lifecycle.dispose();
    this.keepAlive.dispose();
    for (const s of this.kernelConnections.values()) s.dispose();
    this.kernelConnections.clear();
    this.cookies.cancel();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.clientValue?.dispose();
    this.clientValue = undefined;
    this.changed.dispose();
    this.failed.dispose();
  }
}
