import type { WebSocket } from 'undici';
import { websocketUrl } from '../server/endpoint';
import { isOriginRejection } from '../session/forbidden';
import { CancelledError, OriginRejectedError, ServerUnreachableError, TimeoutError, WebSocketFailedError } from '../util/errors';
import { undici } from '../util/libs';
import type { JupyterClient } from './client';
import type { ServerTransport } from './dispatcher';
import { rememberStream } from './wsControl';

export interface WebSocketOptions {
  /** Subprotocols to offer; a server that confirms none of them fails the open with SubprotocolRefusedError. */
  protocols?: readonly string[];
  /** The query, made again for every attempt (Jupyter needs a fresh `session_id` each time). */
  query?: () => Record<string, string>;
  signal?: AbortSignal | undefined;
  /** How long the handshake may take (default 20 s). */
  timeoutMs?: number | undefined;
  /** What the socket is for, in messages: 'kernel' gives "the kernel WebSocket". */
  label?: string;
}

/** A 101 that confirmed none of the offered subprotocols (notebook 6.x ignores them), so undici failed it. */
export class SubprotocolRefusedError extends WebSocketFailedError {}

/**
 * The transport's WebSocket door. The handshake goes through the server's composed dispatcher, so it carries the
 * same credentials (Authorization header or login cookie) and X-XSRFToken as REST calls. The session is prepared
 * first and signed in again once when it has ended (the client's `withRelogin`); a failed handshake becomes a typed
 * error from what the server answered; a socket that failed, timed out or was cancelled is closed. Binary frames
 * arrive as ArrayBuffer.
 */
export function openWebSocket(client: JupyterClient, path: string, options: WebSocketOptions = {}): Promise<WebSocket> {
  return client.withRelogin('GET', options.signal, (wire) => attempt(client, wire, path, options));
}

function attempt(client: JupyterClient, wire: ServerTransport, path: string, options: WebSocketOptions): Promise<WebSocket> {
  const url = websocketUrl(client.endpoint, path, options.query?.());
  const key = url.pathname + url.search;
  const serverUrl = client.endpoint.id;
  const label = options.label ? `${options.label} ` : '';
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise<WebSocket>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new CancelledError(`Opening the ${label}connection was cancelled.`, { serverUrl }));
      return;
    }
    const ws = new (undici().WebSocket)(url, { dispatcher: wire.dispatcher, protocols: [...(options.protocols ?? [])] });
    ws.binaryType = 'arraybuffer';
    let settled = false;
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('close', onCloseBeforeOpen);
      if (err) reject(err);
      else resolve(ws);
    };
    const onOpen = (): void => {
      // The upgraded stream now belongs to the socket: kept so a socket found dead can be ended at once.
      const stream = wire.handshakes.take(key)?.socket;
      if (stream) rememberStream(ws, stream);
      finish(undefined);
    };
    const onCloseBeforeOpen = (): void => {
      handshakeError(client, wire, key, options.protocols ?? [], label).then(finish, (err: unknown) =>
        finish(err instanceof Error ? err : new Error(String(err))),
      );
    };
    const abandon = (err: Error): void => {
      ws.close();
      finish(err);
    };
    const onAbort = (): void => abandon(new CancelledError(`Opening the ${label}connection was cancelled.`, { serverUrl }));
    const timer = setTimeout(
      () => abandon(new TimeoutError(`The ${label}connection to ${serverUrl} did not open within ${timeoutMs} ms.`, { serverUrl })),
      timeoutMs,
    );
    ws.addEventListener('open', onOpen);
    ws.addEventListener('close', onCloseBeforeOpen);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Why an upgrade failed, from what the server actually answered (recorded by the handshake log). */
async function handshakeError(client: JupyterClient, wire: ServerTransport, key: string, protocols: readonly string[], label: string): Promise<Error> {
  const serverUrl = client.endpoint.id;
  const outcome = wire.handshakes.take(key);
  // A 101 the client then refused (no confirmed subprotocol) leaves the upgraded socket open: close it.
  outcome?.socket?.destroy();
  if (!outcome) {
    return new ServerUnreachableError(`The ${label}WebSocket to ${serverUrl} could not connect.`, {
      serverUrl,
      hint: 'Check that the server is running and reachable.',
    });
  }
  if (outcome.status === 101 && protocols.length > 0 && !outcome.protocol) {
    return new SubprotocolRefusedError(`${serverUrl} did not accept the ${protocols.join(', ')} subprotocol.`, { serverUrl });
  }
  if (outcome.status === 403) {
    if (isOriginRejection(outcome.body)) {
      return new OriginRejectedError(`${serverUrl} refused the ${label}WebSocket: cross-origin WebSockets are not allowed.`, {
        serverUrl,
        status: 403,
        hint: "The Origin header sent does not match the server; configure the server's allow_origin or connect without an Origin.",
      });
    }
    // Otherwise a refused Host or, by default, refused credentials.
    const cause = await client.classifyForbidden();
    return client.forbiddenError(cause === 'other' ? 'auth' : cause, false);
  }
  return new WebSocketFailedError(`${serverUrl} refused the ${label}WebSocket with ${outcome.status}.`, { serverUrl, status: outcome.status });
}
