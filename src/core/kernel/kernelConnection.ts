import { getKernel } from '../rest';
import { KernelChannel, type CloseInfo, type OpenOptions, type RequestMessageOptions, type WireProtocol } from './channel';
import type { KernelMessage } from './messages';
import type { JupyterClient } from '../transport/client';
import type { Disposable } from '../util/disposable';
import { CancelledError, KernelLostError, isJupyterError, kernelRetries, toJupyterError, type JupyterError } from '../util/errors';
import { Emitter } from '../util/event';
import { DEFAULT_RETRY_POLICY, retryWithPolicy, shouldReconnect, type RetryPolicy } from '../lifecycle/retryPolicy';
import { DEFAULT_LIVENESS, type LivenessSettings } from '../lifecycle/socketLiveness';

export type KernelConnectionStatus =
  /** Opening for the first time. */
  | 'connecting'
  | 'open'
  /** The socket dropped; reconnecting by the retry policy. */
  | 'reconnecting'
  /** Closed because the server connection went idle; the next request reopens it. */
  | 'idle-closed'
  /** The kernel no longer exists (the server restarted): no more retries. */
  | 'lost'
  /** Reconnecting gave up, or the socket closed with a code that does not call for a reconnect. */
  | 'failed'
  | 'disposed';

export interface KernelConnectionEvent {
  status: KernelConnectionStatus;
  error?: JupyterError;
}

/** Requests that change nothing in the kernel, so repeating one after a dropped connection is safe. */
const REPLAYABLE: ReadonlySet<string> = new Set([
  'kernel_info_request',
  'comm_info_request',
  'complete_request',
  'inspect_request',
  'history_request',
  'is_complete_request',
]);

/**
 * A kernel connection that survives drops: the socket is re-established by one retry policy (which close
 * codes, how many attempts, exponential delay with jitter), each attempt checking the kernel still exists and
 * re-authenticating through the client when the session ended, with a fresh `session_id`. A kernel that is gone
 * becomes `lost` with a clear message instead of an endless loop. A socket whose network path died silently is
 * noticed by its pings (`liveness`) and reconnected the same way as one that closed with 1006.
 */
export class KernelConnection implements Disposable {
  private channel: KernelChannel | undefined;
  private statusValue: KernelConnectionStatus = 'connecting';
  private pending: Promise<KernelChannel> | undefined;
  private readonly abort = new AbortController();
  private readonly statusChanged = new Emitter<KernelConnectionEvent>();
  readonly onDidChangeStatus = this.statusChanged.event;
  private readonly messages = new Emitter<KernelMessage>();
  readonly onMessage = this.messages.event;
  /** Successful reconnections (for logs and the soak bench). */
  reconnects = 0;
  lastError: JupyterError | undefined;
  private protocol: WireProtocol | undefined;
  private round: AbortController | undefined;
  private kicked: AbortController | undefined;

  constructor(
    readonly client: JupyterClient,
    readonly kernelId: string,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly liveness: LivenessSettings = DEFAULT_LIVENESS,
  ) {}

  get status(): KernelConnectionStatus {
    return this.statusValue;
  }

  get sessionId(): string | undefined {
    return this.channel?.sessionId;
  }

  /** Opens the socket (first time, or after an idle close). */
  async open(signal?: AbortSignal): Promise<void> {
    await this.ready(signal);
  }

  /**
   * Sends a request once the socket is open (reopening after idle, waiting for a reconnect in progress). A request
   * caught by a drop is replayed once after the reconnect when repeating it is harmless (kernel_info, complete,
   * inspect …); an `execute_request` never is, since the code may already have run.
   */
  async request(msgType: string, content: Record<string, unknown>, options: RequestMessageOptions = {}): Promise<KernelMessage> {
    const channel = await this.ready(options.signal);
    try {
      return await channel.request(msgType, content, options);
    } catch (err) {
      if (!REPLAYABLE.has(msgType) || !isJupyterError(err, 'WebSocketFailed') || this.statusValue === 'disposed') throw err;
      this.client.log.debug(`kernel ${this.kernelId}: ${msgType} was caught by a dropped connection; replaying it once`);
      const again = await this.ready(options.signal);
      return again.request(msgType, content, options);
    }
  }

  kernelInfo(options: RequestMessageOptions = {}): Promise<KernelMessage> {
    return this.request('kernel_info_request', {}, options);
  }

  /** Closes the socket because the server connection went idle; no reconnect until the next use. */
  closeForIdle(): void {
    if (this.statusValue === 'disposed' || this.statusValue === 'lost') return;
    const ch = this.channel;
    this.channel = undefined;
    this.setStatus('idle-closed');
    ch?.dispose();
  }

  private ready(signal?: AbortSignal): Promise<KernelChannel> {
    if (this.statusValue === 'disposed') return Promise.reject(new CancelledError('The kernel connection was closed.'));
    if (this.statusValue === 'lost') return Promise.reject(this.lastError ?? this.lostError());
    if (this.channel?.isOpen) return Promise.resolve(this.channel);
    if (!this.pending) {
      const first = this.statusValue === 'connecting' || this.statusValue === 'idle-closed' || this.statusValue === 'failed';
      this.pending = (first ? this.connectOnce(signal) : this.reconnect()).finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async connectOnce(signal?: AbortSignal): Promise<KernelChannel> {
    this.setStatus('connecting');
    try {
      return this.attach(await KernelChannel.open(this.client, this.kernelId, this.openOptions(signal)));
    } catch (err) {
      const e = toJupyterError(err, this.client.endpoint.id);
      this.lastError = e.code === 'KernelNotFound' ? this.lostError(e) : e;
      this.setStatus(e.code === 'KernelNotFound' ? 'lost' : 'failed', this.lastError);
      throw this.lastError;
    }
  }

  private async reconnect(): Promise<KernelChannel> {
    this.setStatus('reconnecting');
    for (;;) {
      // One controller per round of attempts: a kick (the server connection came back) ends the round's wait and
      // starts a new round at once; disposing ends everything.
      const round = new AbortController();
      this.round = round;
      const onDispose = (): void => round.abort();
      this.abort.signal.addEventListener('abort', onDispose, { once: true });
      try {
        const channel = await retryWithPolicy(
          this.policy,
          async () => {
            // A kernel that is gone (server restarted) ends the loop; a 403 re-authenticates inside the client.
            await getKernel(this.client, this.kernelId, { signal: round.signal });
            return KernelChannel.open(this.client, this.kernelId, this.openOptions(round.signal));
          },
          {
            signal: round.signal,
            shouldRetry: (err) => kernelRetries(toJupyterError(err, this.client.endpoint.id)),
            onFailedAttempt: (err, attempt, left) =>
              this.client.log.debug(`kernel ${this.kernelId}: reconnect attempt ${attempt} failed (${(err as Error).message}); ${left} left`),
          },
        );
        this.reconnects++;
        this.client.log.info(`kernel ${this.kernelId}: reconnected (session ${channel.sessionId})`);
        return this.attach(channel);
      } catch (err) {
        if (this.kicked === round && !this.abort.signal.aborted) continue;
        const e = toJupyterError(err, this.client.endpoint.id);
        if (this.statusValue === 'disposed') throw e;
        this.lastError = e.code === 'KernelNotFound' ? this.lostError(e) : e;
        this.setStatus(e.code === 'KernelNotFound' ? 'lost' : 'failed', this.lastError);
        throw this.lastError;
      } finally {
        this.abort.signal.removeEventListener('abort', onDispose);
        if (this.round === round) this.round = undefined;
      }
    }
  }

  /**
   * The server connection is back: a reconnect waiting out its retry delay tries again now, and one that gave up
   * tries once more (which also tells a lost kernel at once). An idle-closed session stays closed until used.
   */
  kick(): void {
    if (this.statusValue === 'reconnecting' && this.round) {
      this.kicked = this.round;
      this.round.abort();
    } else if (this.statusValue === 'failed') {
      this.ready().catch(() => undefined);
    }
  }

  private attach(channel: KernelChannel): KernelChannel {
    if (this.statusValue === 'disposed') {
      channel.dispose();
      throw new CancelledError('The kernel connection was closed.');
    }
    this.protocol = channel.protocol;
    this.channel = channel;
    channel.onMessage((m) => this.messages.fire(m));
    channel.onClose((info) => this.onClosed(channel, info));
    this.setStatus('open');
    return channel;
  }

  private onClosed(channel: KernelChannel, info: CloseInfo): void {
    if (channel !== this.channel) return; // closed on purpose (idle, dispose) or replaced
    this.channel = undefined;
    if (shouldReconnect(this.policy, info.code)) {
      this.client.log.info(`kernel ${this.kernelId}: connection closed (${info.code}); reconnecting`);
      this.ready().catch(() => undefined);
    } else {
      this.setStatus('failed');
    }
  }

  private openOptions(signal?: AbortSignal): OpenOptions {
    const o: OpenOptions = { liveness: this.liveness };
    if (signal) o.signal = signal;
    if (this.protocol) o.protocol = this.protocol;
    return o;
  }

  private lostError(cause?: unknown): KernelLostError {
    return new KernelLostError(`The kernel ${this.kernelId} no longer exists on ${this.client.endpoint.id}.`, {
      serverUrl: this.client.endpoint.id,
      hint: 'The server was restarted or the kernel was shut down; its state is gone. Start a new kernel.',
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  private setStatus(status: KernelConnectionStatus, error?: JupyterError): void {
    if (this.statusValue === status && !error) return;
    this.statusValue = status;
    this.statusChanged.fire(error ? { status, error } : { status });
  }

  dispose(): void {
    if (this.statusValue === 'disposed') return;
    this.setStatus('disposed');
    this.abort.abort();
    const ch = this.channel;
    this.channel = undefined;
    ch?.dispose();
    this.statusChanged.dispose();
    this.messages.dispose();
  }
}
