import type { ServerEndpoint } from '../server/endpoint';
import { ServerCookieJar } from '../session/cookieJar';
import { noCredential } from '../session/credentials';
import { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import { headerValue } from '../transport/headers';
import { describeRequest, replyMessage, type HttpReply, type SendOptions } from '../transport/reply';
import type { Logger } from '../util/log';
import { redact, registerSecret } from '../util/redact';
import type { AuthProbe, CorsProbe, HubObservations, PageProbe, ProbeCredentials, ProbeReply, XsrfProbe } from './observations';
import { scanPageForToken } from './tokenRules';

/**
 * Side-effect-free probes. Every request either reads, or fails before anything happens (a POST to interrupt a
 * kernel id no server can have); all are `background` requests (`no_track_activity=1`), so they do not count as activity
 * (which would keep an idle server from shutting itself down). No kernel, session, file or terminal is created;
 * the server logs the 4xx replies, nothing more.
 */

/** Where to probe, and how to get there (TLS trust, unix socket). */
export interface ProbeTarget {
  endpoint: ServerEndpoint;
  transport?: TransportOptions;
  logger?: Logger;
}

/** A login cookie for a probe request: a Set-Cookie line as issued, or a name/value held by the client. */
export type CookieSeed = { line: string } | { name: string; value: string; path?: string };

/** An origin no server can have allowed on purpose (`.invalid` is reserved, RFC 2606). */
export const FOREIGN_ORIGIN = 'https://jupyter-secure-audit.invalid';

/** The nil UUID: never a uuid4, so never a kernel id. */
export const UNKNOWN_KERNEL_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Runs `fn` with a client that sends no credential and, if seeded, the login cookie alone: no token header,
 * no `_xsrf` (the jar is fresh, so the XSRF interceptor has nothing to echo).
 */
export async function withProbeClient<T>(target: ProbeTarget, seed: CookieSeed | undefined, fn: (client: JupyterClient) => Promise<T>): Promise<T> {
  const jar = new ServerCookieJar();
  const base = target.endpoint.baseUrl;
  if (seed && 'line' in seed) jar.setFromResponse(base, [seed.line]);
  else if (seed) jar.setClientCookie(base, seed.name, seed.value, seed.path ?? target.endpoint.basePath);
  const client = new JupyterClient({
    endpoint: target.endpoint,
    credential: noCredential,
    jar,
    ...(target.logger ? { logger: target.logger } : {}),
    ...(target.transport ? { transport: target.transport } : {}),
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function probeReply(reply: HttpReply, credentials: ProbeCredentials): ProbeReply {
  const message = replyMessage(reply);
  return { request: describeRequest(reply), credentials, status: reply.status, ...(message !== undefined ? { message } : {}) };
}

function opts(signal: AbortSignal | undefined, extra: SendOptions = {}): SendOptions {
  return { background: true, ...extra, ...(signal ? { signal } : {}) };
}

/** `GET api/status` without credentials. */
export async function probeAuth(target: ProbeTarget, signal?: AbortSignal): Promise<AuthProbe> {
  return withProbeClient(target, undefined, async (c) => probeReply(await c.send('GET', 'api/status', opts(signal)), 'none'));
}

/** A POST without X-XSRFToken, with the login cookie if there is one, that can only fail. */
export async function probeXsrf(target: ProbeTarget, seed: CookieSeed | undefined, signal?: AbortSignal): Promise<XsrfProbe> {
  return withProbeClient(target, seed, async (c) =>
    probeReply(await c.send('POST', `api/kernels/${UNKNOWN_KERNEL_ID}/interrupt`, opts(signal)), seed ? 'login cookie' : 'none'),
  );
}

function corsProbe(reply: HttpReply, credentials: ProbeCredentials): CorsProbe {
  const allowOrigin = headerValue(reply.headers, 'access-control-allow-origin');
  const allowCredentials = headerValue(reply.headers, 'access-control-allow-credentials');
  return {
    ...probeReply(reply, credentials),
    origin: FOREIGN_ORIGIN,
    ...(allowOrigin !== undefined ? { allowOrigin } : {}),
    ...(allowCredentials !== undefined ? { allowCredentials } : {}),
  };
}

/**
 * Requests with a foreign Origin: the public `GET api` without credentials, and `GET api/status` with the login
 * cookie (or without credentials when there is none). The Origin check answers 404 when it refuses.
 */
export async function probeCors(target: ProbeTarget, seed: CookieSeed | undefined, signal?: AbortSignal): Promise<CorsProbe[]> {
  const headers = { origin: FOREIGN_ORIGIN };
  const anonymous = await withProbeClient(target, undefined, async (c) => corsProbe(await c.send('GET', 'api', opts(signal, { headers })), 'none'));
  const status = await withProbeClient(target, seed, async (c) =>
    corsProbe(await c.send('GET', 'api/status', opts(signal, { headers })), seed ? 'login cookie' : 'none'),
  );
  return [anonymous, status];
}

/** A logged-in page (`tree`, else the base URL), through the signed-in client, scanned for the token. */
export async function probePage(client: JupyterClient, signal?: AbortSignal): Promise<PageProbe> {
  let last: HttpReply | undefined;
  for (const path of ['tree', '']) {
    last = await client.send('GET', path, signal ? { signal } : {});
    if (last.status === 200) break;
  }
  const reply = last as HttpReply;
  const scan = reply.status === 200 ? scanPageForToken(reply.text) : { apiTokenAttribute: false, tokenLinks: 0 };
  return { request: describeRequest(reply), status: reply.status, ...scan };
}

/**
 * A hub user's server: `GET api/status` with the hub token in `?token=` only (no Authorization header, a fresh jar:
 * no cookie, no `_xsrf`), through the same transport as every request to this server: its origin guard keeps the
 * request on the server's own origin. 200 = tokens in URLs are accepted (`allow_token_in_url`, on by default before
 * JupyterHub 5.0); 403 = refused. The token is registered for redaction first and never kept in the result.
 */
export async function probeTokenInUrl(target: ProbeTarget, token: string, signal?: AbortSignal): Promise<NonNullable<HubObservations['tokenInUrl']>> {
  registerSecret(token);
  return withProbeClient(target, undefined, async (c) => {
    const reply = await c.send('GET', 'api/status', opts(signal, { query: { token } }));
    const message = replyMessage(reply);
    return { request: describeRequest(reply), status: reply.status, ...(message !== undefined ? { message: redact(message) } : {}) };
  });
}
