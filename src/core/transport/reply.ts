import type { IncomingHttpHeaders } from 'node:http';
import { UnexpectedReplyError } from '../util/errors';
import { redact } from '../util/redact';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export const MUTATING_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SendOptions {
  query?: Record<string, string>;
  /** A JSON body (sets Content-Type). */
  json?: unknown;
  /** A form body (application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  /** A body sent as is, its Content-Type (if any) given in `headers` (a foreign caller's request). */
  body?: Uint8Array | string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the transport's headers timeout for this request. */
  timeoutMs?: number;
  /**
   * Not caused by the user (the view's timed listings, connection probes, automatic reconnects, the Jupyter
   * extension's polls): it carries `no_track_activity=1`, so the server's own activity (`api_last_activity`, which
   * feeds `shutdown_no_activity_timeout` and a hub's culler) does not move, and the client's idle expiry does not
   * count it either. The one place this is decided is JupyterClient.send.
   */
  background?: boolean;
  /**
   * A keep-alive beat (KeepAlive, while a kernel computes): tracked by the server, which is its point, but not the
   * user's use here, so the client's idle expiry still closes an unattended session.
   */
  keepAlive?: boolean;
  /**
   * A streamed reply (server-sent events): each body chunk goes here as it arrives and the reply's `body` stays
   * empty. The request still ends when the server ends the body (or `signal` aborts it).
   */
  onData?: (chunk: Buffer) => void;
}

export interface HttpReply {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body's bytes (`text` is them as UTF-8). */
  readonly body: Buffer;
}

/** The server's `{"message": …}` from a Jupyter API error body, if it is one. */
export function replyMessage(reply: HttpReply): string | undefined {
  if (!reply.text) return undefined;
  try {
    const body = JSON.parse(reply.text) as { message?: unknown };
    if (typeof body?.message === 'string') return body.message;
  } catch {
    // Not JSON: HTML error pages carry the message in <pre class="traceback"> or the title.
    const pre = /<pre[^>]*>([\s\S]*?)<\/pre>/i.exec(reply.text)?.[1] ?? /<title>([\s\S]*?)<\/title>/i.exec(reply.text)?.[1];
    if (pre) return decodeEntities(pre.trim()).slice(0, 300);
  }
  return undefined;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function describeRequest(reply: Pick<HttpReply, 'method' | 'url'>): string {
  return `${reply.method} ${redact(reply.url.pathname)}`;
}

/** Parses a JSON reply; a non-JSON body is an UnexpectedReplyError naming the request. */
export function parseJson<T>(reply: HttpReply, serverUrl: string): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch (err) {
    const snippet = reply.text.slice(0, 80).replace(/\s+/g, ' ');
    throw new UnexpectedReplyError(`${describeRequest(reply)} returned ${reply.status} with a body that is not JSON ("${snippet}").`, {
      serverUrl,
      status: reply.status,
      cause: err,
      hint: 'Check that the URL points at a Jupyter server (including its base URL).',
    });
  }
}
