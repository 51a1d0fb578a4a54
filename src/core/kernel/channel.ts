import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'undici';
import { DEFAULT_LIVENESS, heartbeat, type Heartbeat, type LivenessSettings } from '../lifecycle/socketLiveness';
import type { JupyterClient } from '../transport/client';
import { SubprotocolRefusedError, openWebSocket } from '../transport/upgrade';
import type { Disposable } from '../util/disposable';
import { CancelledError, KernelNotFoundError, TimeoutError, WebSocketFailedError, isJupyterError, type JupyterError } from '../util/errors';
import { Emitter } from '../util/event';
import type { Logger } from '../util/log';
import {
  V1_SUBPROTOCOL,
  createMessage,
  decodeJson,
  decodeLegacyBinary,
  decodeV1,
  encodeJson,
  encodeV1,
  type Channel,
  type KernelMessage,
} from './messages';

/** `v1` = the binary `v1.kernel.websocket.jupyter.org` subprotocol; `json` = the legacy JSON protocol (notebook 6.x). */
export type WireProtocol = 'v1' | 'json';

export interface OpenOptions {
  protocol?: 'auto' | WireProtocol;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Pings and the dead-socket limit (default 30 s / 75 s). */
  liveness?: LivenessSettings;
}

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface RequestMessageOptions {
  channel?: Extract<Channel, 'shell' | 'control'>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  resolve(msg: KernelMessage): void;
  reject(err: Error): void;
  channel: Channel;
}

/** Which wire protocol each server spoke last time: learnt once, not re-probed on every connection. */
const learntProtocol = new WeakMap<JupyterClient, WireProtocol>();

/**
 * A kernel's `channels` WebSocket, opened through the transport's door (`openWebSocket`): this class speaks the
 * kernel protocol over it. Every attempt uses a fresh `session_id` (a refused upgrade leaves its id registered
 * server-side and reusing it hangs). The socket is pinged on interval; one from which nothing arrives in time
 * (its network path died without a close) is ended and reported closed with 1006, which the reconnect policy
 * handles like any dropped connection.
 */
export class KernelChannel implements Disposable {
  private readonly pending = new Map<string, Pending>();
  private readonly messages = new Emitter<KernelMessage>();
  private readonly closed = new Emitter<CloseInfo>();
  readonly onMessage = this.messages.event;
  readonly onClose = this.closed.event;
  private closeInfo: CloseInfo | undefined;
  private readonly alive: Heartbeat;

  private constructor(
    private readonly ws: WebSocket,
    readonly kernelId: string,
    readonly sessionId: string,
    readonly protocol: WireProtocol,
    private readonly serverUrl: string,
    private readonly noteActivity: () => void,
    liveness: LivenessSettings,
    log: Logger,
  ) {
    ws.addEventListener('message', (ev) => this.onFrame(ev.data as unknown));
    ws.addEventListener('close', (ev) => this.onClosed({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean }));
    // Pings are neither the server's activity nor ours: only messages note activity (idle expiry).
    this.alive = heartbeat(ws, liveness, {
      onDead: (silentMs) => {
        const seconds = Math.round(silentMs / 1000);
        log.info(`kernel ${kernelId}: nothing heard from ${serverUrl} for ${seconds} s (pings unanswered); the connection is treated as dropped`);
        this.onClosed({ code: 1006, reason: `no answer to pings for ${seconds} s`, wasClean: false });
      },
    });
  }

  static async open(client: JupyterClient, kernelId: string, options: OpenOptions = {}): Promise<KernelChannel> {
    const wanted = options.protocol ?? 'auto';
    const order: WireProtocol[] = wanted !== 'auto' ? [wanted] : learntProtocol.get(client) === 'json' ? ['json'] : ['v1', 'json'];
    const serverUrl = client.endpoint.id;
    for (const [i, protocol] of order.entries()) {
      let sessionId = '';
      try {
        const ws = await openWebSocket(client, `api/kernels/${encodeURIComponent(kernelId)}/channels`, {
          protocols: protocol === 'v1' ? [V1_SUBPROTOCOL] : [],
          query: () => ({ session_id: (sessionId = randomUUID()) }),
          signal: options.signal,
          timeoutMs: options.timeoutMs,
          label: 'kernel',
        });
        if (wanted === 'auto') learntProtocol.set(client, protocol);
        return new KernelChannel(ws, kernelId, sessionId, protocol, serverUrl, () => client.noteActivity(), options.liveness ?? DEFAULT_LIVENESS, client.log);
      } catch (err) {
        if (isJupyterError(err, 'WebSocketFailed') && err.status === 404) {
          throw new KernelNotFoundError(`The kernel does not exist on ${serverUrl}.`, {
            serverUrl,
            status: 404,
            hint: 'It was shut down or the server restarted; start a new kernel.',
          });
        }
        if (!(err instanceof SubprotocolRefusedError)) throw err;
        client.log.debug(`the server does not speak ${V1_SUBPROTOCOL}; using the JSON kernel protocol`);
        if (i + 1 === order.length) throw new WebSocketFailedError(err.message, { serverUrl, hint: 'Use the JSON protocol (auto) with this server.' });
      }
    }
    throw new Error('unreachable');
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined && this.ws.readyState === this.ws.OPEN;
  }

  send(msg: KernelMessage<unknown>): void {
    if (!this.isOpen) throw this.lostError();
    this.ws.send(this.protocol === 'v1' ? encodeV1(msg) : encodeJson(msg));
    this.noteActivity();
  }

  /** Sends a request and resolves with its reply (matched by parent msg_id on the same channel). */
  request<C extends Record<string, unknown>>(msgType: string, content: C, options: RequestMessageOptions = {}): Promise<KernelMessage> {
    const channel = options.channel ?? 'shell';
    const msg = createMessage(msgType, content, this.sessionId, channel);
    return new Promise<KernelMessage>((resolve, reject) => {
      const id = msg.header.msg_id;
      const timeoutMs = options.timeoutMs ?? 30_000;
      const done = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const timer = setTimeout(() => {
        done();
        reject(new TimeoutError(`The kernel did not answer ${msgType} within ${timeoutMs} ms.`, { serverUrl: this.serverUrl }));
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(new CancelledError(`${msgType} was cancelled.`, { serverUrl: this.serverUrl }));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        channel,
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      try {
        this.send(msg);
      } catch (err) {
        this.pending.get(id)?.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  kernelInfo(options: RequestMessageOptions = {}): Promise<KernelMessage> {
    return this.request('kernel_info_request', {}, options);
  }

  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  dispose(): void {
    this.alive.dispose();
    this.close();
    this.messages.dispose();
  }

  private onFrame(data: unknown): void {
    this.alive.heard();
    this.noteActivity();
    let msg: KernelMessage;
    try {
      if (typeof data === 'string') msg = decodeJson(data);
      else if (data instanceof ArrayBuffer) msg = this.protocol === 'v1' ? decodeV1(data) : decodeLegacyBinary(data);
      else return;
    } catch {
      return; // A malformed frame is dropped; the request waiting for it times out with a clear error.
    }
    const parent = msg.parent_header.msg_id;
    if (parent !== undefined && msg.header.msg_type.endsWith('_reply')) {
      const p = this.pending.get(parent);
      if (p && p.channel === msg.channel) p.resolve(msg);
    }
    this.messages.fire(msg);
  }

  private onClosed(info: CloseInfo): void {
    // Once: a socket found dead is reported at once, and undici's own close event follows.
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.alive.dispose();
    const err = this.lostError();
    for (const p of [...this.pending.values()]) p.reject(err);
    this.closed.fire(info);
    this.closed.dispose();
  }

  private lostError(): JupyterError {
    const info = this.closeInfo;
    return new WebSocketFailedError(
      info ? `The kernel connection to ${this.serverUrl} closed (code ${info.code}${info.reason ? `, ${info.reason}` : ''}).` : `The kernel connection to ${this.serverUrl} is not open.`,
      { serverUrl: this.serverUrl, hint: info?.code === 1006 ? 'The server went away or the network dropped; reconnect.' : '' },
    );
  }
}
