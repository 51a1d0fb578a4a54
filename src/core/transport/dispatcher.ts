import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import type { ServerEndpoint } from '../server/endpoint';
import type { ServerAuth } from '../session/serverAuth';
import { ProxyAuthRequiredError, ServerUnreachableError } from '../util/errors';
import { undici } from '../util/libs';
import type { Logger } from '../util/log';
import { HandshakeLog } from './handshakes';
import { authInterceptor, cookieInterceptor, loggingInterceptor, originGuard, xsrfInterceptor } from './interceptors';
import { proxyPlan, type ProxyOverride, type ProxyPlan, type ProxySettings } from './proxy';
import { proxyTlsOptions, tlsOptions, type TlsTrust } from './tlsTrust';

export type { TlsTrust };

export interface TransportOptions {
  tls?: TlsTrust;
  /** The editor's (or environment's) proxy settings, shared by every server. */
  proxy?: ProxySettings;
  /** This server's own choice: `direct` or a proxy URL. */
  proxyOverride?: ProxyOverride;
  connectTimeoutMs?: number;
  /** How long to wait for response headers (kernel starts can take a while). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export const DEFAULT_TRANSPORT: Required<Omit<TransportOptions, 'tls' | 'proxy' | 'proxyOverride'>> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
};

export interface ServerTransport {
  /** The composed dispatcher: REST calls and WebSocket handshakes both go through it. */
  readonly dispatcher: Dispatcher;
  readonly handshakes: HandshakeLog;
  /** How it reaches the server (direct, or which proxy): for logs, the audit and error messages. */
  readonly route: ProxyPlan;
  close(): Promise<void>;
}

/**
 * One undici Agent per server (TCP or unix socket, per-server TLS trust), composed with the interceptors.
 * The outermost interceptor is the origin guard; the innermost logs what goes on the wire.
 */
export function createServerTransport(
  endpoint: ServerEndpoint,
  auth: ServerAuth,
  log: Logger,
  options: TransportOptions = {},
): ServerTransport {
  const o = { ...DEFAULT_TRANSPORT, ...options };
  const route = proxyPlan(endpoint, options.proxyOverride, options.proxy);
  const agent = baseDispatcher(endpoint, route, options.tls, {
    connectTimeout: o.connectTimeoutMs,
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
  });
  const handshakes = new HandshakeLog();
  const interceptors = [
    loggingInterceptor(log),
    handshakes.interceptor(),
    xsrfInterceptor(auth),
    cookieInterceptor(auth),
    authInterceptor(auth),
    originGuard(endpoint),
  ];
  // Innermost: a proxy's refusal of the tunnel becomes an error saying so before anything else sees it.
  const dispatcher = agent.compose(...(route.kind === 'direct' ? interceptors : [proxyRefusal(endpoint, route), ...interceptors]));
  return {
    dispatcher,
    handshakes,
    route,
    close: async () => {
      await agent.close().catch(() => agent.destroy());
    },
  };
}

interface Timeouts {
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
}

/**
 * The undici dispatcher under the interceptors: an Agent (direct, TCP or unix socket), a ProxyAgent (this server's
 * own proxy) or an EnvHttpProxyAgent (the shared settings, their NO_PROXY applied by undici). Every TLS connection
 * (to the server, and to an https proxy) verifies with the server's trust; a pin disables TLS session reuse, since
 * Node skips `checkServerIdentity` on resumed sessions.
 */
function baseDispatcher(endpoint: ServerEndpoint, route: ProxyPlan, trust: TlsTrust | undefined, t: Timeouts): Dispatcher {
  const tls = tlsOptions(trust);
  const pinned = (trust?.pins?.length ?? 0) > 0;
  const connect: Record<string, unknown> = { ...tls, timeout: t.connectTimeout, ...(pinned ? { maxCachedSessions: 0 } : {}) };
  if (endpoint.socketPath !== undefined) connect['socketPath'] = endpoint.socketPath;
  const common = { headersTimeout: t.headersTimeout, bodyTimeout: t.bodyTimeout, keepAliveTimeout: 10_000 };
  switch (route.kind) {
    case 'direct':
      return new (undici().Agent)({ ...common, connect });
    case 'proxy':
      return new (undici().ProxyAgent)({
        ...common,
        uri: route.uri,
        ...(route.authorization ? { token: route.authorization } : {}),
        requestTls: connect,
        proxyTls: proxyTls(trust, t),
      });
    case 'shared':
      return new (undici().EnvHttpProxyAgent)({
        ...common,
        ...(route.uri ? { httpProxy: route.uri, httpsProxy: route.uri } : {}),
        noProxy: route.noProxy,
        ...(route.authorization ? { token: route.authorization } : {}),
        connect,
        requestTls: connect,
        proxyTls: proxyTls(trust, t),
      } as ConstructorParameters<typeof Undici.EnvHttpProxyAgent>[0]);
  }
}

/** TLS to an https proxy (proxyTlsOptions: the public and OS roots), with the connect timeout. */
function proxyTls(trust: TlsTrust | undefined, t: Timeouts): Record<string, unknown> {
  return { ...proxyTlsOptions(trust), timeout: t.connectTimeout };
}

/**
 * undici reports a proxy that refuses the CONNECT tunnel (a 407 for a missing or wrong credential, a 403, a 502) as
 * a RequestAbortedError ("Proxy response (407) !== 200 when HTTP Tunneling"), which reads as a cancelled operation.
 * This turns it into ServerUnreachable naming the proxy (its URL holds no credential) and its status.
 */
function proxyRefusal(endpoint: ServerEndpoint, route: Exclude<ProxyPlan, { kind: 'direct' }>) {
  return (dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch =>
    (opts, handler) =>
      dispatch(opts, new ProxyRefusalHandler(handler, endpoint, route));
}

class ProxyRefusalHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly endpoint: ServerEndpoint,
    private readonly route: Exclude<ProxyPlan, { kind: 'direct' }>,
  ) {}
  onRequestStart(c: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(c, context);
  }
  onRequestUpgrade(c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.inner.onRequestUpgrade?.(c, statusCode, headers, socket);
  }
  onResponseStart(c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.inner.onResponseStart?.(c, statusCode, headers, statusMessage);
  }
  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(c, chunk);
  }
  onResponseEnd(c: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.inner.onResponseEnd?.(c, trailers);
  }
  onResponseError(c: Dispatcher.DispatchController, error: Error): void {
    const status = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/.exec(error?.message ?? '')?.[1];
    if (status === undefined) {
      this.inner.onResponseError?.(c, error);
      return;
    }
    const proxy = this.route.uri ? `The proxy ${this.route.uri}` : 'The proxy (from the environment)';
    const serverUrl = this.endpoint.id;
    const details = { serverUrl, status: Number(status), cause: error };
    this.inner.onResponseError?.(
      c,
      status === '407'
        ? new ProxyAuthRequiredError(`${proxy} refused to connect to ${serverUrl} (407 Proxy Authentication Required).`, {
            ...details,
            hint: 'The proxy wants a (different) credential: set http.proxyAuthorization (or the user and password in the proxy URL of HTTPS_PROXY), or check the user name and password. The server is tried again when a proxy setting changes.',
          })
        : new ServerUnreachableError(`${proxy} refused to connect to ${serverUrl} (${status}).`, {
            ...details,
            hint: 'Check the proxy setting, and that the proxy may connect to this server (or add it to http.noProxy).',
          }),
    );
  }
}
