import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WebSocket as UndiciWebSocket } from 'undici';
import { DEFAULT_LIVENESS, heartbeat, type Heartbeat } from '../lifecycle/socketLiveness';
import { SubprotocolRefusedError, openWebSocket } from '../transport/upgrade';
import { terminateWebSocket } from '../transport/wsControl';
import { serverPath, type ServerDoor } from './serverDoor';

type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments';
type Callback = (err?: Error) => void;
type Listener = (event: Record<string, unknown>) => void;
const EVENTS = ['open', 'message', 'close', 'error'] as const;
type EventName = (typeof EVENTS)[number];
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** A socket as its tracker sees it: where it goes, and how to close it at once. */
export interface TrackedSocket {
  readonly url: string;
  terminate(): void;
}

/** The sockets a door has handed out and not yet seen closed (what notebooks use; closed on a disconnect). */
export interface SocketTracker {
  add(socket: TrackedSocket): void;
  /** The socket's upgrade succeeded: it is open. */
  opened?(socket: TrackedSocket): void;
  delete(socket: TrackedSocket): void;
}

/** What `webSocketClassFor` returns: constructed as `new C(url, protocols?, options?)`, like `ws`. */
export type ProviderWebSocketClass = new (address: string | URL, protocols?: string | string[], options?: unknown) => ProviderWebSocket;

/**
 * A `ws@7`-compatible WebSocket class for the Jupyter extension, bound to one server. The extension subclasses
 * it (`KernelSocketWrapper`), overrides `emit` to see incoming messages, listens with `on`/`onmessage`, calls
 * `send(data, cb)` and `ping(cb)` every 30 s. Underneath is the transport's own WebSocket door (credentials or
 * cookie + `X-XSRFToken` on the upgrade, sign in again once, a typed error from the handshake), so no socket
 * leaves with anything the caller chose. Text frames are emitted as strings and binary ones per `binaryType`,
 * as `ws@7` does; a server that confirms none of the offered subprotocols (notebook 6.x) fails the socket with
 * "Server sent no subprotocol", as `ws` does, which is what makes the caller retry without one. Each frame is
 * use of the connection for idle expiry; pings are not. The socket is kept alive as our kernel sockets are
 * (`heartbeat`: a ping when none went out for an interval, `ping(cb)` being one of them; 'pong' emitted as `ws`
 * does): one from which nothing arrives in time is ended and closes with 1006, which makes the caller reconnect.
 */
export function webSocketClassFor(door: ServerDoor, tracker?: SocketTracker): ProviderWebSocketClass {
  return class extends ProviderWebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: unknown) {
      super(door, tracker, address, protocols, options);
    }
  };
}

export class ProviderWebSocket extends EventEmitter {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly url: string;
  binaryType: BinaryType = 'nodebuffer';
  readonly extensions = '';
  private state = 0;
  private socket: UndiciWebSocket | undefined;
  private readonly opening = new AbortController();
  private readonly handlers = new Map<EventName, { listener: Listener; wrapper: (...args: unknown[]) => void }>();
  private closeEmitted = false;
  private alive: Heartbeat | undefined;

  protected constructor(
    private readonly door: ServerDoor,
    private readonly tracker: SocketTracker | undefined,
    address: string | URL,
    protocols: string | string[] | undefined,
    _options: unknown,
  ) {
    super();
    this.url = String(address);
    const relative = serverPath(door.endpoint, this.url);
    const [pathname = '', search = ''] = relative.split(/\?(.*)/s);
    const offered = protocols === undefined ? [] : Array.isArray(protocols) ? protocols : [protocols];
    this.tracker?.add(this);
    void this.open(pathname, new URLSearchParams(search), offered);
  }

  get readyState(): number {
    return this.state;
  }

  /** The subprotocol the server confirmed ('' when none). */
  get protocol(): string {
    return this.socket?.protocol ?? '';
  }

  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  private async open(pathname: string, query: URLSearchParams, protocols: string[]): Promise<void> {
    let attempts = 0;
    // The caller's session_id on the first attempt; a retried upgrade needs a fresh one (a refused upgrade
    // leaves its id registered on the server, and reusing it hangs).
    const queryFor = (): Record<string, string> => {
      const q = Object.fromEntries(query);
      if (attempts++ > 0 && 'session_id' in q) q['session_id'] = randomUUID();
      return q;
    };
    try {
      const socket = await this.door.use(
        (client) => openWebSocket(client, pathname, { protocols, query: queryFor, signal: this.opening.signal, label: 'kernel' }),
        this.opening.signal,
      );
      if (this.state !== 0) {
        socket.close();
        return;
      }
      this.attach(socket);
    } catch (err) {
      // A socket closed while connecting has already reported its end.
      if (this.state === 3) return;
      this.fail(err instanceof SubprotocolRefusedError ? new Error('Server sent no subprotocol') : (err as Error));
    }
  }

  private attach(socket: UndiciWebSocket): void {
    this.socket = socket;
    this.alive = heartbeat(socket, this.door.liveness?.() ?? DEFAULT_LIVENESS, {
      onDead: () => this.finish(1006, ''),
      onPong: (payload) => this.emit('pong', payload ?? Buffer.alloc(0)),
    });
    socket.addEventListener('message', (ev) => {
      this.alive?.heard();
      this.door.noteActivity();
      const data = ev.data as unknown;
      if (typeof data === 'string') this.emit('message', data);
      else this.emit('message', this.binary(data as ArrayBuffer));
    });
    // An error after the close was reported (a socket ended as dead, or terminated) is not the caller's news.
    socket.addEventListener('error', (ev) => this.state !== 3 && this.emitError(new Error((ev as unknown as { message?: string }).message || 'WebSocket error')));
    socket.addEventListener('close', (ev) => this.finish(ev.code, ev.reason));
    this.state = 1;
    this.tracker?.opened?.(this);
    this.emit('open');
  }

  private binary(data: ArrayBuffer): ArrayBuffer | Buffer | Buffer[] {
    if (this.binaryType === 'arraybuffer') return data;
    const buf = Buffer.from(data);
    return this.binaryType === 'fragments' ? [buf] : buf;
  }

  send(data: unknown, optionsOrCb?: unknown, cb?: Callback): void {
    const callback = typeof optionsOrCb === 'function' ? (optionsOrCb as Callback) : cb;
    if (this.state === 0) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.state !== 1 || !this.socket) {
      this.notOpen(callback);
      return;
    }
    this.socket.send(payload(data));
    this.door.noteActivity();
    if (callback) process.nextTick(callback);
  }

  /** A ping frame (the Jupyter extension's 30 s keep-alive), through the socket's keep-alive; not use of the connection. */
  ping(data?: unknown, _mask?: unknown, cb?: Callback): void {
    const callback = [data, _mask, cb].find((a): a is Callback => typeof a === 'function');
    if (this.state === 0) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.state !== 1 || !this.socket) {
      this.notOpen(callback);
      return;
    }
    const body = typeof data === 'function' || data === undefined ? undefined : Buffer.from(payloadBytes(data));
    this.alive?.ping(body);
    if (callback) process.nextTick(callback);
  }

  /** Pong frames are answered by the transport itself. */
  pong(_data?: unknown, _mask?: unknown, cb?: Callback): void {
    const callback = [_data, _mask, cb].find((a): a is Callback => typeof a === 'function');
    if (callback) process.nextTick(callback);
  }

  close(code?: number, reason?: string): void {
    if (this.state === 3) return;
    if (this.state === 0) {
      this.state = 2;
      this.opening.abort();
      this.fail(new Error('WebSocket was closed before the connection was established'));
      return;
    }
    this.state = 2;
    try {
      this.socket?.close(code, reason);
    } catch {
      // undici accepts 1000 and 3000–4999 only; any other code closes normally.
      this.socket?.close();
    }
  }

  terminate(): void {
    if (this.state === 3) return;
    if (this.state === 0) {
      this.close();
      return;
    }
    this.state = 2;
    if (this.socket) terminateWebSocket(this.socket);
    // Terminated sockets report their close at once, as `ws` does.
    this.finish(1006, '');
  }

  private notOpen(callback: Callback | undefined): void {
    const err = new Error(`WebSocket is not open: readyState ${this.state} (${STATE_NAMES[this.state]})`);
    if (callback) process.nextTick(callback, err);
  }

  private fail(err: Error): void {
    this.emitError(err);
    this.finish(1006, '');
  }

  /** `ws` emits 'error' only to listeners; an EventEmitter without one would throw in the extension host. */
  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private finish(code: number, reason: string): void {
    this.state = 3;
    this.alive?.dispose();
    this.tracker?.delete(this);
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', code, reason);
  }

  // The WHATWG-style surface of `ws` (onopen/onmessage/onclose/onerror and addEventListener), over emit so a
  // subclass's emit override sees every event.
  get onopen(): Listener | null {
    return this.handlers.get('open')?.listener ?? null;
  }
  set onopen(listener: Listener | null) {
    this.setHandler('open', listener);
  }
  get onmessage(): Listener | null {
    return this.handlers.get('message')?.listener ?? null;
  }
  set onmessage(listener: Listener | null) {
    this.setHandler('message', listener);
  }
  get onclose(): Listener | null {
    return this.handlers.get('close')?.listener ?? null;
  }
  set onclose(listener: Listener | null) {
    this.setHandler('close', listener);
  }
  get onerror(): Listener | null {
    return this.handlers.get('error')?.listener ?? null;
  }
  set onerror(listener: Listener | null) {
    this.setHandler('error', listener);
  }

  addEventListener(type: string, listener: Listener, options?: { once?: boolean }): void {
    if (!(EVENTS as readonly string[]).includes(type) || typeof listener !== 'function') return;
    const wrapper = this.wrap(type as EventName, listener);
    (wrapper as { listener?: Listener }).listener = listener;
    if (options?.once) this.once(type, wrapper);
    else this.on(type, wrapper);
  }

  removeEventListener(type: string, listener: Listener): void {
    for (const l of this.listeners(type)) {
      if ((l as { listener?: Listener }).listener === listener) {
        this.removeListener(type, l as (...args: unknown[]) => void);
        return;
      }
    }
  }

  private setHandler(type: EventName, listener: Listener | null): void {
    const old = this.handlers.get(type);
    if (old) this.removeListener(type, old.wrapper);
    this.handlers.delete(type);
    if (typeof listener !== 'function') return;
    const wrapper = this.wrap(type, listener);
    this.handlers.set(type, { listener, wrapper });
    this.on(type, wrapper);
  }

  private wrap(type: EventName, listener: Listener): (...args: unknown[]) => void {
    const target = this;
    switch (type) {
      case 'message':
        return (data) => listener.call(target, { type, data, target });
      case 'close':
        return (code, reason) => listener.call(target, { type, code, reason, wasClean: code === 1000, target });
      case 'error':
        return (error) => listener.call(target, { type, error, message: (error as Error).message, target });
      default:
        return () => listener.call(target, { type, target });
    }
  }
}

function payload(data: unknown): string | ArrayBuffer | ArrayBufferView {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Uint8Array[]);
  return String(data);
}

function payloadBytes(data: unknown): Uint8Array {
  const p = payload(data);
  if (typeof p === 'string') return Buffer.from(p, 'utf8');
  if (p instanceof ArrayBuffer) return new Uint8Array(p);
  return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
}
