import { serverUrl, type ServerEndpoint } from '../server/endpoint';
import type { LivenessSettings } from '../lifecycle/socketLiveness';
import type { JupyterClient } from '../transport/client';
import { CrossOriginBlockedError, InvalidInputError } from '../util/errors';

/**
 * How a foreign caller (the Jupyter extension, through our server provider) reaches one server: the server's
 * endpoint and its connection's `use` (connect if needed, sign in again, report failures to the lifecycle). The
 * caller is handed functions bound to this door, never a client: the client is replaced on reconnects and
 * token changes.
 */
export interface ServerDoor {
  readonly endpoint: ServerEndpoint;
  /** `background`: the caller's request is not the user's (a poll): connecting for it is not activity either. */
  use<T>(fn: (client: JupyterClient) => Promise<T>, signal?: AbortSignal, options?: { background?: boolean }): Promise<T>;
  /** A kernel frame went by: the connection is in use (idle expiry). */
  noteActivity(): void;
  /** True while the session is closed for inactivity (it signs in again on the next use). */
  isIdle?(): boolean;
  /** WebSocket pings and the dead-socket limit for sockets opened now (default 30 s / 75 s). */
  liveness?(): LivenessSettings;
}

/**
 * The server-relative path (with its query, as written) of a URL a foreign caller built from the base URL we
 * gave it. A URL on another origin or outside the base path is refused: credentials and cookies never go
 * anywhere but the server they belong to.
 */
export function serverPath(endpoint: ServerEndpoint, input: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new InvalidInputError(`The Jupyter extension asked for "${String(input).slice(0, 80)}", which is not a URL.`, { serverUrl: endpoint.id });
  }
  const http = new URL(url.href);
  if (http.protocol === 'ws:') http.protocol = 'http:';
  else if (http.protocol === 'wss:') http.protocol = 'https:';
  const base = endpoint.baseUrl;
  const under = (u: URL): boolean => u.origin === base.origin && u.pathname.startsWith(base.pathname);
  const relative = http.pathname.slice(base.pathname.length) + http.search;
  // Checked as asked and as the client will send it: a remainder that reads as a URL of its own
  // (…/base/http://other/…) must not leave the base path either (on a hub, the hub's API shares the origin).
  const why = !under(http) ? `it is not on ${endpoint.id}` : !under(serverUrl(endpoint, relative)) ? `it does not stay under ${endpoint.id}` : undefined;
  if (why) {
    throw new CrossOriginBlockedError(`Refused a request to ${http.origin}${http.pathname.slice(0, 120)}: ${why}, so it gets none of that server's credentials.`, {
      serverUrl: endpoint.id,
      hint: 'The notebook asked for a URL outside the server it is connected to; reconnect the notebook to the server.',
    });
  }
  return relative;
}
