import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { ServerEndpoint } from '../server/endpoint';
import type { ServerAuth } from '../session/serverAuth';
import { undici } from '../util/libs';
import type { Logger } from '../util/log';
import { HandshakeLog } from './handshakes';
import { authInterceptor, cookieInterceptor, loggingInterceptor, originGuard, xsrfInterceptor } from './interceptors';

/** Trust for one server, in addition to the system's roots. Verification itself is never turned off. */
export interface TlsTrust {
  /** PEM certificates (a private CA, or a self-signed server certificate) trusted for this server only. */
  ca?: readonly string[];
}

export interface TransportOptions {
  tls?: TlsTrust;
  connectTimeoutMs?: number;
  /** How long to wait for response headers (kernel starts can take a while). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export const DEFAULT_TRANSPORT: Required<Omit<TransportOptions, 'tls'>> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
};

export interface ServerTransport {
  /** The composed dispatcher: REST calls and WebSocket handshakes both go through it. */
  readonly dispatcher: Dispatcher;
  readonly handshakes: HandshakeLog;
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
  const connect: Record<string, unknown> = { timeout: o.connectTimeoutMs };
  if (endpoint.socketPath !== undefined) connect['socketPath'] = endpoint.socketPath;
  if (options.tls?.ca && options.tls.ca.length > 0) connect['ca'] = [...rootCertificates, ...options.tls.ca];
  const agent = new (undici().Agent)({
    connect,
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    keepAliveTimeout: 10_000,
  });
  const handshakes = new HandshakeLog();
  const dispatcher = agent.compose(
    loggingInterceptor(log),
    handshakes.interceptor(),
    xsrfInterceptor(auth),
    cookieInterceptor(auth),
    authInterceptor(auth),
    originGuard(endpoint),
  );
  return {
    dispatcher,
    handshakes,
    close: async () => {
      await agent.close().catch(() => agent.destroy());
    },
  };
}
