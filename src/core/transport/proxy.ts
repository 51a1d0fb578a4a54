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
 */
export type ProxyPlan =
  | { readonly kind: 'direct' }
  | { readonly kind: 'proxy'; readonly uri: string; readonly authorization?: string }
  | { readonly kind: 'shared'; readonly uri?: string; readonly authorization?: string; readonly noProxy: string };

export function proxyPlan(endpoint: ServerEndpoint, override: ProxyOverride, shared: ProxySettings | undefined): ProxyPlan {
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
  return { kind: 'shared', ...(u ? { uri: u.href } : {}), ...(authorization ? { authorization } : {}), noProxy: (shared?.noProxy ?? []).join(',') };
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
