import type { HttpMethod, HttpReply } from '../transport/reply';
import { InvalidInputError } from '../util/errors';
import { serverPath, type ServerDoor } from './serverDoor';

/** What a foreign `fetch` is called with: a node-fetch v2 or WHATWG `Request`, or a URL and an init. */
export type FetchInput = string | URL | RequestLike;

interface RequestLike {
  readonly url: string;
  readonly method?: string;
  readonly headers?: unknown;
  readonly signal?: unknown;
  arrayBuffer?(): Promise<ArrayBuffer>;
}

export interface FetchInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  signal?: unknown;
}

export type ProviderFetch = (input: FetchInput, init?: FetchInit) => Promise<Response>;

/**
 * Headers the caller may not set: the credential, the cookies and the XSRF token are ours to add (the
 * interceptors do, and an explicit header would win over them), and the hop-by-hop ones belong to the wire.
 */
const DROPPED = new Set(['authorization', 'cookie', 'x-xsrftoken', 'host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect']);
const METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/**
 * The Jupyter extension (@jupyterlab/services) polls these on timers while a notebook is open: that is not the user
 * working, so they go as background requests (`no_track_activity=1`) and do not keep the server awake.
 */
const POLLS = new Set(['api/sessions', 'api/kernels', 'api/kernelspecs', 'api/status']);
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the Jupyter extension that sends every request through the server's own client: its
 * credential, cookie jar, `X-XSRFToken`, origin guard, re-login with replay and idle tracking. What it answers
 * is a WHATWG `Response`; a reply status is returned as is (404, 500 …), while a session the client could not
 * recover (a refused token, a failed re-login) or a network failure rejects with our typed, redacted error.
 * The caller never sees our `Set-Cookie`.
 */
export function createFetch(door: ServerDoor): ProviderFetch {
  // The last answer to each poll. While the session is closed for inactivity a poll is answered from here: sent,
  // it would sign in again (a cookie session) and so keep an unattended notebook's session open for ever.
  const lastPoll = new Map<string, HttpReply>();
  return async (input, init) => {
    const request = await readRequest(door, input, init);
    const pollKey = request.path.split('?')[0] as string;
    const poll = request.method === 'GET' && POLLS.has(pollKey);
    const cached = poll ? lastPoll.get(pollKey) : undefined;
    if (cached && door.isIdle?.()) return toResponse(cached);
    const reply = await door.use((client) =>
      client.request(request.method, request.path, {
        headers: request.headers,
        ...(request.body ? { body: request.body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        background: poll,
        acceptAll: true,
      }),
      request.signal,
      { background: poll },
    );
    if (poll && reply.status === 200) lastPoll.set(pollKey, reply);
    return toResponse(reply);
  };
}

interface ForeignRequest {
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  signal: AbortSignal | undefined;
}

async function readRequest(door: ServerDoor, input: FetchInput, init: FetchInit | undefined): Promise<ForeignRequest> {
  const request = typeof input === 'string' || input instanceof URL ? undefined : input;
  const url = request ? request.url : String(input);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  if (!METHODS.has(method as HttpMethod)) {
    throw new InvalidInputError(`The Jupyter extension asked for an unsupported method ${method.slice(0, 20)}.`, { serverUrl: door.endpoint.id });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of headerPairs(init?.headers ?? request?.headers)) {
    const key = name.toLowerCase();
    if (!DROPPED.has(key)) headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    if (init?.body !== undefined && init.body !== null) body = await bodyBytes(init.body);
    else if (request?.arrayBuffer) body = new Uint8Array(await request.arrayBuffer());
    if (body?.byteLength === 0) body = undefined;
  }
  const signal = init?.signal ?? request?.signal;
  return {
    method: method as HttpMethod,
    path: serverPath(door.endpoint, url),
    headers,
    body,
    signal: signal instanceof AbortSignal ? signal : undefined,
  };
}

/** Name/value pairs from a WHATWG or node-fetch `Headers`, a plain object or an array of pairs. */
function headerPairs(headers: unknown): Array<[string, string]> {
  if (!headers) return [];
  const out: Array<[string, string]> = [];
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers)) {
    (headers as { forEach(cb: (value: string, name: string) => void): void }).forEach((value, name) => out.push([name, String(value)]));
  } else if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) if (Array.isArray(pair) && pair.length === 2) out.push([String(pair[0]), String(pair[1])]);
  } else if (typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (value !== undefined) out.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
    }
  }
  return out;
}

async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  throw new InvalidInputError('The Jupyter extension sent a request body of a kind this connection cannot send (a stream?).');
}

function toResponse(reply: HttpReply): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(reply.headers)) {
    // Our cookies stay in our jar.
    if (value === undefined || name === 'set-cookie') continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const response = new Response(NULL_BODY.has(reply.status) || reply.method === 'HEAD' ? null : reply.body, { status: reply.status, headers });
  // A constructed Response has no URL; @jupyterlab/services names it in its errors.
  Object.defineProperty(response, 'url', { value: reply.url.href });
  return response;
}
