import type { JupyterClient } from '../transport/client';
import type { Clock } from '../util/clock';
import type { Disposable } from '../util/disposable';
import { JupyterError, isRetryable, needsUser, toJupyterError } from '../util/errors';
import type { Logger } from '../util/log';
import { IdleMonitor } from './idleMonitor';
import { KEEP_ALIVE_OFF, type KeepAliveSettings } from './keepAlive';
import { DEFAULT_RETRY_POLICY, retryWithPolicy, type RetryPolicy } from './retryPolicy';
import { DEFAULT_LIVENESS, type LivenessSettings } from './socketLiveness';
import type { ConnectionEvent, ConnectionState } from './state';

export interface LifecycleSettings {
  /** Drop the session after this long without REST calls or WebSocket traffic; 0 = never. */
  idleTimeoutMs: number;
  retry: RetryPolicy;
  /** Keep a server alive while a kernel is busy (off when absent). */
  keepAlive?: KeepAliveSettings;
  /** Kernel WebSocket pings and the dead-socket limit (default 30 s / 75 s). */
  liveness?: LivenessSettings;
}

export const DEFAULT_LIFECYCLE: LifecycleSettings = { idleTimeoutMs: 15 * 60_000, retry: DEFAULT_RETRY_POLICY, keepAlive: KEEP_ALIVE_OFF, liveness: DEFAULT_LIVENESS };

/** States in which the server answers and the session works: a reconnect attempt has nothing to do. */
function isBack(kind: ConnectionState['kind']): boolean {
  return kind === 'connected' || kind === 'kernel-lost';
}

/** What the supervisor needs from a connection (a narrow view of ServerConnection). */
export interface Supervised {
  readonly id: string;
  readonly state: ConnectionState;
  readonly client: JupyterClient | undefined;
  apply(event: ConnectionEvent): boolean;
  connect(signal?: AbortSignal, options?: { background?: boolean }): Promise<void>;
  /** Closes kernel sockets because the connection went idle. */
  closeKernelsForIdle(): void;
}

/**
 * Drives one connection's lifecycle from what its client does: client-side idle expiry (cookies dropped, sockets
 * closed, silent re-login on next use), re-logins shown as `re-authenticating`, and network failures retried by
 * the retry policy until the server answers again.
 */
export class ConnectionSupervisor implements Disposable {
  private readonly idle: IdleMonitor;
  private readonly clientSubscriptions: Disposable[] = [];
  private resumeSubscription: Disposable | undefined;
  private retrying: AbortController | undefined;
  /** A reconnect attempt of the retry loop is running (not waiting out a delay). */
  private attempting = false;
  private disposed = false;

  constructor(
    private readonly conn: Supervised,
    private readonly clock: Clock,
    private settings: LifecycleSettings,
    private readonly log: Logger,
  ) {
    this.idle = new IdleMonitor(clock, settings.idleTimeoutMs, () => conn.client?.lastActivity ?? clock.now(), () => this.expireIdle());
  }

  update(settings: LifecycleSettings): void {
    this.settings = settings;
    this.idle.setLimit(settings.idleTimeoutMs);
  }

  /** Called when the connection creates its client. */
  attach(client: JupyterClient): void {
    for (const s of this.clientSubscriptions.splice(0)) s.dispose();
    this.clientSubscriptions.push(
      client.auth.onDidStartLogin(() => {
        const k = this.conn.state.kind;
        if (k === 'connected' || k === 'idle-expired' || k === 'kernel-lost' || k === 'auth-expired') this.conn.apply({ type: 'reauth-start' });
      }),
      client.auth.onDidFinishLogin(({ ok, error }) => {
        if (this.conn.state.kind !== 're-authenticating') return;
        if (ok) {
          this.conn.apply({ type: 'reauth-ok' });
          this.idle.rearm();
          return;
        }
        const e = toJupyterError(error, this.conn.id);
        this.conn.apply({ type: 'reauth-failed', error: e.summary(), needsUser: needsUser(e) || !client.auth.loginSecret() });
      }),
    );
    this.idle.rearm();
  }

  /** A connected server had no traffic for the idle limit: drop the session, close sockets. */
  private expireIdle(): void {
    const client = this.conn.client;
    const k = this.conn.state.kind;
    if (!client || (k !== 'connected' && k !== 'kernel-lost')) {
      this.idle.rearm();
      return;
    }
    this.log.info(`${this.conn.id}: idle for ${Math.round(this.settings.idleTimeoutMs / 1000)} s; the session was closed (it signs in again on next use)`);
    client.auth.dropCookies();
    this.conn.closeKernelsForIdle();
    this.conn.apply({ type: 'idle-timeout' });
    // The next request (or WebSocket) is the "next use". Cookie plans sign in again (the login events move the
    // state); a token header needs no login, so the first activity itself resumes the session.
    this.resumeSubscription?.dispose();
    this.resumeSubscription = client.onDidActivity(() => {
      this.resumeSubscription?.dispose();
      this.resumeSubscription = undefined;
      if (this.conn.state.kind === 'idle-expired' && !client.auth.loginSecret()) {
        this.conn.apply({ type: 'reauth-start' });
        this.conn.apply({ type: 'reauth-ok' });
      }
      this.idle.rearm();
    });
  }

  /** A request or socket failed: network failures start reconnect attempts, credential failures need the user. */
  reportFailure(err: unknown): void {
    const e = err instanceof JupyterError ? err : toJupyterError(err, this.conn.id);
    if (isRetryable(e)) {
      this.conn.apply({ type: 'network-lost', error: e.summary() });
      this.startRetrying();
    }
  }

  /** Reconnect attempts by the retry policy until connected, out of attempts, or stopped. */
  startRetrying(): void {
    if (this.retrying || this.disposed) return;
    const abort = new AbortController();
    this.retrying = abort;
    const attempt = async (): Promise<void> => {
      // Back by another path meanwhile (a new token adopted, the user connected): nothing left to retry.
      if (isBack(this.conn.state.kind)) return;
      this.attempting = true;
      try {
        await this.conn.connect(abort.signal, { background: true });
      } finally {
        this.attempting = false;
      }
    };
    retryWithPolicy(this.settings.retry, attempt, {
      signal: abort.signal,
      shouldRetry: (err) => isRetryable(toJupyterError(err, this.conn.id)),
      onFailedAttempt: (err, attempt, left, nextDelayMs) => {
        this.log.debug(`${this.conn.id}: reconnect attempt ${attempt} failed (${(err as Error).message}); ${left} left`);
        if (nextDelayMs !== undefined) this.conn.apply({ type: 'retry-scheduled', retryAt: this.clock.now() + nextDelayMs });
      },
    })
      .then(() => this.log.info(`${this.conn.id}: reconnected`))
      .catch((err: unknown) => {
        if (!abort.signal.aborted) this.log.warn(`${this.conn.id}: stopped reconnecting: ${(err as Error).message}`);
      })
      .finally(() => {
        if (this.retrying === abort) this.retrying = undefined;
      });
  }

  /**
   * The connection is connected again. A retry loop waiting out its delay ends now: its next attempt would only
   * take a healthy connection through `connecting` again (and a lost kernel out of sight). An attempt in flight is
   * the connect that succeeded, and ends by itself.
   */
  connectionRestored(): void {
    if (this.retrying && !this.attempting) this.stopRetrying();
  }

  stopRetrying(): void {
    this.retrying?.abort();
    this.retrying = undefined;
  }

  /** The idle limit in force (ms; 0 = off). */
  get idleTimeoutMs(): number {
    return this.settings.idleTimeoutMs;
  }

  /** Kernel WebSocket pings and the dead-socket limit in force (for sockets opened from now on). */
  get liveness(): LivenessSettings {
    return this.settings.liveness ?? DEFAULT_LIVENESS;
  }

  get isRetrying(): boolean {
    return this.retrying !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.stopRetrying();
    this.idle.dispose();
    this.resumeSubscription?.dispose();
    for (const s of this.clientSubscriptions.splice(0)) s.dispose();
  }
}
