import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'undici';
import { websocketUrl } from '../server/endpoint';
import { isOriginRejection } from '../session/forbidden';
import type { JupyterClient } from '../transport/client';
import type { Disposable } from '../util/disposable';
import {
  CancelledError,
  KernelNotFoundError,
  OriginRejectedError,
  ServerUnreachableError,
  TimeoutError,
  WebSocketFailedError,
  isJupyterError,
  type JupyterError,
} from '../util/errors';
import { Emitter } from '../util/event';
import { undici } from '../util/libs';
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

class ProtocolNotNegotiated extends Error {}

/**
 * A kernel's `channels` WebSocket over the server's composed dispatcher: the handshake carries the same
 * credentials (Authorization header or login cookie) and X-XSRFToken as REST calls. Every attempt uses a
 * fresh `session_id` (a refused upgrade leaves its id registered server-side and reusing it hangs).
 */
export class KernelChannel implements Disposable {
  private readonly pending = new Map<string, Pending>();
  private readonly messages = new Emitter<KernelMessage>();
  private readonly closed = new Emitter<CloseInfo>();
  readonly onMessage = this.messages.event;
  readonly onClose = this.closed.event;
  /** Last time a frame was sent or received (ms since epoch): idle tracking reads it. */
  lastActivity = Date.now();
  private closeInfo: CloseInfo | undefined;

  private constructor(
    private readonly ws: WebSocket,
    readonly kernelId: string,
    readonly sessionId: string,
    readonly protocol: WireProtocol,
    private readonly serverUrl: string,
    private readonly noteActivity: () => void,
  ) {
    ws.addEventListener('message', (ev) => this.onFrame(ev.data as unknown));
    ws.addEventListener('close', (ev) => this.onClosed({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean }));
  }

  static async open(client: JupyterClient, kernelId: string, options: OpenOptions = {}): Promise<KernelChannel> {
    const wanted = options.protocol ?? 'auto';
    const order: WireProtocol[] = wanted !== 'auto' ? [wanted] : [learntProtocol.get(client) ?? 'v1'];
    if (wanted === 'auto' && order[0] === 'v1') order.push('json');
    let reloggedIn = false;
    for (let i = 0; i < order.length; ) {
      const protocol = order[i] as WireProtocol;
      await client.prepareUpgrade(options.signal);
      const generation = client.session.generation;
      try {
        const channel = await KernelChannel.attempt(client, kernelId, protocol, options);
        if (wanted === 'auto') learntProtocol.set(client, protocol);
        return channel;
      } catch (err) {
        if (err instanceof ProtocolNotNegotiated) {
          client.log.debug(`the server does not speak ${V1_SUBPROTOCOL}; using the JSON kernel protocol`);
          i++;
          if (i >= order.length) {
            throw new WebSocketFailedError(`${client.endpoint.id} did not accept the ${V1_SUBPROTOCOL} subprotocol.`, {
              serverUrl: client.endpoint.id,
              hint: 'Use the JSON protocol (auto) with this server.',
            });
          }
          continue;
        }
        if (isJupyterError(err, 'AuthExpired') && !reloggedIn && client.session.loginSecret() !== undefined) {
          reloggedIn = true;
          await client.login(options.signal, generation);
          continue;
        }
        throw err;
      }
    }
    throw new Error('unreachable');
  }

  private static attempt(client: JupyterClient, kernelId: string, protocol: WireProtocol, options: OpenOptions): Promise<KernelChannel> {
    const sessionId = randomUUID();
    const url = websocketUrl(client.endpoint, `api/kernels/${encodeURIComponent(kernelId)}/channels`, { session_id: sessionId });
    const key = url.pathname + url.search;
    const serverUrl = client.endpoint.id;
    return new Promise<KernelChannel>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new CancelledError('Opening the kernel connection was cancelled.', { serverUrl }));
        return;
      }
      const ws = new (undici().WebSocket)(url, { dispatcher: client.dispatcher, protocols: protocol === 'v1' ? [V1_SUBPROTOCOL] : [] });
      ws.binaryType = 'arraybuffer';
      let settled = false;
      const finish = (err: Error | undefined, channel?: KernelChannel): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        ws.removeEventListener('open', onOpen);
        ws.removeEventListener('close', onCloseBeforeOpen);
        if (err) reject(err);
        else resolve(channel as KernelChannel);
      };
      const onOpen = (): void => {
        client.handshakes.forget(key);
        finish(undefined, new KernelChannel(ws, kernelId, sessionId, protocol, serverUrl, () => client.noteActivity()));
      };
      const onCloseBeforeOpen = (): void => {
        KernelChannel.handshakeError(client, key, protocol).then(
          (err) => finish(err),
          (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
        );
      };
      const onAbort = (): void => {
        ws.close();
        finish(new CancelledError('Opening the kernel connection was cancelled.', { serverUrl }));
      };
      const timer = setTimeout(() => {
        ws.close();
        finish(new TimeoutError(`The kernel connection to ${serverUrl} did not open within ${options.timeoutMs ?? 20_000} ms.`, { serverUrl }));
      }, options.timeoutMs ?? 20_000);
      ws.addEventListener('open', onOpen);
      ws.addEventListener('close', onCloseBeforeOpen);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Why an upgrade failed, from what the server actually answered (recorded by the dispatcher). */
  private static async handshakeError(client: JupyterClient, key: string, protocol: WireProtocol): Promise<Error> {
    const serverUrl = client.endpoint.id;
    const outcome = client.handshakes.take(key);
    // A 101 the client then refused (no confirmed subprotocol) leaves the upgraded socket open: close it.
    outcome?.socket?.destroy();
    if (!outcome) {
      return new ServerUnreachableError(`The kernel WebSocket to ${serverUrl} could not connect.`, {
        serverUrl,
        hint: 'Check that the server is running and reachable.',
      });
    }
    if (outcome.status === 101 && protocol === 'v1' && !outcome.protocol) return new ProtocolNotNegotiated();
    if (outcome.status === 404) {
      return new KernelNotFoundError(`The kernel does not exist on ${serverUrl}.`, {
        serverUrl,
        status: 404,
        hint: 'It was shut down or the server restarted; start a new kernel.',
      });
    }
    if (outcome.status === 403) {
      if (isOriginRejection(outcome.body)) {
        return new OriginRejectedError(`${serverUrl} refused the kernel WebSocket: cross-origin WebSockets are not allowed.`, {
          serverUrl,
          status: 403,
          hint: "The Origin header sent does not match the server; configure the server's allow_origin or connect without an Origin.",
        });
      }
      const cause = await client.classifyForbidden();
      return client.forbiddenError(cause === 'other' ? 'auth' : cause, false);
    }
    return new WebSocketFailedError(`${serverUrl} refused the kernel WebSocket with ${outcome.status}.`, { serverUrl, status: outcome.status });
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined && this.ws.readyState === this.ws.OPEN;
  }

  send(msg: KernelMessage<unknown>): void {
    if (!this.isOpen) throw this.lostError();
    this.ws.send(this.protocol === 'v1' ? encodeV1(msg) : encodeJson(msg));
    this.lastActivity = Date.now();
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
    this.close();
    this.messages.dispose();
  }

  private onFrame(data: unknown): void {
    this.lastActivity = Date.now();
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
    this.closeInfo = info;
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
