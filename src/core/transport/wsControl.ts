import { subscribe } from 'node:diagnostics_channel';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'undici';
import { toDisposable, type Disposable } from '../util/disposable';
import { undici } from '../util/libs';

/**
 * WebSocket control frames and the socket underneath, which undici's WHATWG WebSocket does not show: pings go out
 * through undici's `ping` export, arriving pings and pongs are seen on undici's diagnostics channels
 * (`undici:websocket:ping` / `:pong`, published with the socket they arrived on), and a socket whose network
 * path died can be ended at once by destroying its TCP/TLS stream (a close handshake would wait on the dead
 * path). Only sockets opened by our door (`openWebSocket`) have their stream recorded.
 */
export type ControlFrame = 'ping' | 'pong';
type ControlListener = (kind: ControlFrame, payload: Buffer | undefined) => void;

const listeners = new WeakMap<object, ControlListener>();
const streams = new WeakMap<object, Duplex>();
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  // Channels are global by name: other undici copies in the process publish here too; only our sockets are
  // looked up.
  const forward = (kind: ControlFrame) => (message: unknown) => {
    const m = message as { websocket?: object; payload?: Buffer } | undefined;
    if (m?.websocket) listeners.get(m.websocket)?.(kind, m.payload);
  };
  subscribe('undici:websocket:ping', forward('ping'));
  subscribe('undici:websocket:pong', forward('pong'));
}

/** Calls `fn` for every ping and pong frame that arrives on `ws` (one listener per socket). */
export function onControlFrame(ws: WebSocket, fn: ControlListener): Disposable {
  subscribeOnce();
  listeners.set(ws, fn);
  return toDisposable(() => {
    if (listeners.get(ws) === fn) listeners.delete(ws);
  });
}

/** Sends a ping frame (a body of at most 125 bytes); nothing when the socket is not open. */
export function sendPing(ws: WebSocket, body?: Buffer): void {
  if (streams.get(ws)?.destroyed) return;
  undici().ping(ws, body);
}

/** Records the upgraded stream under an open WebSocket (the door does this when the handshake succeeds). */
export function rememberStream(ws: WebSocket, stream: Duplex): void {
  streams.set(ws, stream);
}

/**
 * Ends a socket at once, without a close handshake: its stream is destroyed, so undici reports the close (1006)
 * itself. Returns false when the stream is unknown (then only a normal close was started).
 */
export function terminateWebSocket(ws: WebSocket): boolean {
  const stream = streams.get(ws);
  if (stream && !stream.destroyed) {
    stream.destroy();
    return true;
  }
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
  return stream !== undefined;
}
