import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { headerValue } from './headers';

/**
 * undici's WebSocket reports a failed handshake only as a bare error event (no status, no body), so this
 * interceptor records what the server really answered to each upgrade request, keyed by its path (unique per
 * attempt: every attempt carries a fresh `session_id`).
 */
export interface HandshakeOutcome {
  status: number;
  /** The negotiated `Sec-WebSocket-Protocol`, if the server sent one. */
  protocol: string | undefined;
  /** The first bytes of a refusal's body (e.g. "Cross origin websockets not allowed"). */
  body: string;
  /**
   * The upgraded socket of a 101. When the client then fails the handshake (a subprotocol the server did not
   * confirm), undici leaves this socket open: whoever takes the outcome must destroy it. On success the door keeps
   * it with the WebSocket (wsControl), to end a socket found dead without a close handshake.
   */
  socket?: Duplex;
}

const MAX_BODY = 2048;
const MAX_ENTRIES = 64;

export class HandshakeLog {
  private readonly outcomes = new Map<string, HandshakeOutcome>();

  record(path: string, outcome: HandshakeOutcome): void {
    this.outcomes.set(path, outcome);
    while (this.outcomes.size > MAX_ENTRIES) {
      const first = this.outcomes.keys().next().value;
      if (first === undefined) break;
      this.outcomes.delete(first);
    }
  }

  /** The outcome for an upgrade path, removed from the log. */
  take(path: string): HandshakeOutcome | undefined {
    const o = this.outcomes.get(path);
    this.outcomes.delete(path);
    return o;
  }

  interceptor() {
    return (dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch =>
      (opts, handler) => {
        if (!opts.upgrade) return dispatch(opts, handler);
        const path = opts.path;
        const log = this;
        let status = 0;
        let body = '';
        const observer: Dispatcher.DispatchHandler = {
          onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
          onRequestUpgrade: (c, statusCode, headers: IncomingHttpHeaders, socket: Duplex) => {
            log.record(path, { status: statusCode, protocol: headerValue(headers, 'sec-websocket-protocol'), body: '', socket });
            handler.onRequestUpgrade?.(c, statusCode, headers, socket);
          },
          onResponseStart: (c, statusCode, headers, msg) => {
            status = statusCode;
            handler.onResponseStart?.(c, statusCode, headers, msg);
          },
          onResponseData: (c, chunk) => {
            if (body.length < MAX_BODY) body += chunk.toString('utf8', 0, Math.min(chunk.length, MAX_BODY - body.length));
            handler.onResponseData?.(c, chunk);
          },
          onResponseEnd: (c, trailers) => {
            log.record(path, { status, protocol: undefined, body });
            handler.onResponseEnd?.(c, trailers);
          },
          onResponseError: (c, err) => {
            if (status) log.record(path, { status, protocol: undefined, body });
            handler.onResponseError?.(c, err);
          },
        };
        return dispatch(opts, observer);
      };
  }
}
