import type { ServerEndpoint } from '../server/endpoint';
import { isLocalEndpoint } from '../server/endpoint';
import { InvalidInputError } from '../util/errors';
import { registerSecret } from '../util/redact';

/**
 * Where a server's traffic goes: straight to it, or through an HTTP(S) proxy (CONNECT tunnels for https and for
 * WebSockets). Resolved once per server from its own override, then the editor's proxy settings, then the
 * environment; loopback and unix-socket servers are never proxied.
 */
export interface ProxySettings {
  /** `http://proxy:3128` (credentials, if any, go in `authorization`). */
  readonly uri?: string;
  /** The `Proxy-Authorization` value (e.g. `Basic …`): a secret. */
  readonly authorization?: string;
  /** Hosts that go direct: `example.org`, `.example.org`, `*.example.org`, `host:port`, `*` (everything). */
  readonly noProxy?: readonly string[];
}

/** A server's own choice: `direct`, a proxy URL, or undefined (use the shared settings). */
export type ProxyOverride = 'direct' | string | undefined;

/**
 * How one server is reached: `direct`; through one `proxy` (its own override); or by the `shared` settings, whose
 * NO_PROXY list undici's EnvHttpProxyAgent applies (and which falls back to HTTPS_PROXY/HTTP_PROXY/NO_PROXY from
 * the environment when no proxy is set). Loopback and unix-socket servers are always direct.
 * `noProxy` is the list the agent is given: the shared settings' own, or, when they name neither a proxy nor a
 * list, the environment's no_proxy/NO_PROXY (the agent is always given a list, which replaces the environment's).
 */
export type ProxyPlan =
  | { readonly kind: 'direct' }
  | { readonly kind: 'proxy'; readonly uri: string; readonly authorization?: string }
  | { readonly kind: 'shared'; readonly uri?: string; readonly authorization?: string; readonly noProxy: string };

export function proxyPlan(endpoint: ServerEndpoint, override: ProxyOverride, shared: ProxySettings | undefined, env: NodeJS.ProcessEnv = process.env): ProxyPlan {
  if (isLocalEndpoint(endpoint) || override === 'direct') return { kind: 'direct' };
  if (override) {
    const u = proxyUri(override);
    const authorization = u.authorization ?? shared?.authorization;
    if (authorization) registerSecret(authorization);
    return { kind: 'proxy', uri: u.href, ...(authorization ? { authorization } : {}) };
  }
  const u = shared?.uri ? proxyUri(shared.uri) : undefined;
  const authorization = u?.authorization ?? shared?.authorization;
  if (authorization) registerSecret(authorization);
  const list = shared?.noProxy ?? [];
  const noProxy = list.length > 0 || u ? list.join(',') : (env['no_proxy'] ?? env['NO_PROXY'] ?? '');
  return { kind: 'shared', ...(u ? { uri: u.href } : {}), ...(authorization ? { authorization } : {}), noProxy };
}

/** A proxy one connection goes through: its URL (no credential in it) and the `Proxy-Authorization` value, if any. */
export interface ProxyHop {
  readonly uri: string;
  readonly authorization?: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/**
 * The proxy a connection to `url` goes through on `plan`, or undefined for a direct one: decided as the undici agent
 * the dispatcher builds for the plan decides it (lib/dispatcher/env-http-proxy-agent.js, 7.x), so that what is
 * read beside the client (the certificate the server presents) comes over the same route. A `shared` plan without
 * a proxy takes https_proxy/HTTPS_PROXY (https) or http_proxy/HTTP_PROXY (http, and https when no https proxy is
 * set) from `env`, lower case first; the plan's NO_PROXY list is matched as undici matches it (entries split on
 * commas and spaces, a leading `.` or `*.` dropped, an optional `:port`, a host equal to the entry or under it, `*`
 * = everything). Credentials in an environment proxy URL become its authorization, as undici's ProxyAgent sends
 * them (a plan's own authorization wins, as its `token` does).
 */
export function proxyFor(url: URL, plan: ProxyPlan, env: NodeJS.ProcessEnv = process.env): ProxyHop | undefined {
  if (plan.kind === 'direct') return undefined;
  if (plan.kind === 'proxy') return { uri: plan.uri, ...(plan.authorization ? { authorization: plan.authorization } : {}) };
  const httpProxy = plan.uri ?? env['http_proxy'] ?? env['HTTP_PROXY'];
  const httpsProxy = plan.uri ?? env['https_proxy'] ?? env['HTTPS_PROXY'];
  const chosen = url.protocol === 'https:' ? httpsProxy || httpProxy : httpProxy;
  if (!chosen) return undefined;
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  if (excludedByNoProxy(url.host.replace(/:\d*$/, '').toLowerCase(), port, plan.noProxy)) return undefined;
  const u = proxyUri(chosen);
  const authorization = plan.authorization ?? u.authorization;
  return { uri: u.href, ...(authorization ? { authorization } : {}) };
}

/** undici's NO_PROXY match (EnvHttpProxyAgent#shouldProxy, negated): `hostname` keeps an IPv6 address's brackets. */
export function excludedByNoProxy(hostname: string, port: number, noProxy: string): boolean {
  const entries = noProxy
    .split(/[,\s]/)
    .filter((e) => e !== '')
    .map((e) => {
      const m = /^(.+):(\d+)$/.exec(e);
      return { host: (m ? (m[1] as string) : e).replace(/^\*?\./, '').toLowerCase(), port: m ? Number.parseInt(m[2] as string, 10) : 0 };
    });
  if (entries.length === 0) return false;
  if (noProxy === '*') return true;
  return entries.some((e) => (!e.port || e.port === port) && (hostname === e.host || hostname.endsWith(`.${e.host}`)));
}

/**
 * A proxy URL, checked: http(s) only; `user:pass@` in it moves to a Basic `Proxy-Authorization` value (a secret)
 * and out of the URL, so the URL can be logged.
 */
export function proxyUri(text: string): { href: string; authorization?: string } & URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? text.trim() : `http://${text.trim()}`);
  } catch {
    // Quoted without any user:password@ part: the text is not a URL, so its password was never registered for redaction.
    const shown = text.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1…@').slice(0, 200);
    throw new InvalidInputError(`The proxy "${shown}" is not a valid URL.`, { hint: 'Use the form http://proxy.example.org:3128/.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(`The proxy scheme ${url.protocol} is not supported.`, { hint: 'Use an http:// or https:// proxy (SOCKS is not supported).' });
  }
  let authorization: string | undefined;
  if (url.username || url.password) {
    authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    registerSecret(authorization);
    registerSecret(decodeURIComponent(url.password));
    url.username = '';
    url.password = '';
  }
  return Object.assign(url, authorization ? { authorization } : {});
}
