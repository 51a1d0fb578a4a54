import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ServerEndpoint } from '../server/endpoint';
import { undici } from '../util/libs';
import { proxyFor, proxyPlan, type ProxyHop } from './proxy';
import type { TransportOptions } from './dispatcher';
import { inspectCertificate, proxyTlsOptions, readPresentedCertificate, serverNameFor, tlsOptions, type CertificateFacts, type TlsTrust } from './tlsTrust';

/** How the certificate of a server is read: straight from it, or through the proxy its client goes through. */
export type CertificateRoute = { readonly kind: 'direct' } | ({ readonly kind: 'proxy' } & ProxyHop);

/**
 * The route the server's client takes to an https server (the dispatcher's plan, with a shared plan's NO_PROXY and
 * environment proxies resolved as undici resolves them: proxyFor), or undefined for a server that has no
 * certificate to read (plain http, a unix socket).
 */
export function certificateRoute(endpoint: ServerEndpoint, transport: TransportOptions, env: NodeJS.ProcessEnv = process.env): CertificateRoute | undefined {
  const url = endpoint.baseUrl;
  if (url.protocol !== 'https:' || endpoint.socketPath) return undefined;
  const hop = proxyFor(url, proxyPlan(endpoint, transport.proxyOverride, transport.proxy, env), env);
  return hop ? { kind: 'proxy', ...hop } : { kind: 'direct' };
}

/**
 * The certificate an https server presents on the route its client would take, read with the server's own trust
 * (verification on, nothing sent to the server): what a person compares before trusting or pinning it, and what
 * the audit checks. Through a proxy, the certificate is read inside a CONNECT tunnel, as the client's own requests
 * are: a proxy that terminates TLS shows its own certificate here too. Undefined for a plain-http or unix-socket
 * server, and when no certificate could be read (the server or the proxy is down, the proxy refused the tunnel).
 */
export async function readServerCertificate(endpoint: ServerEndpoint, transport: TransportOptions, timeoutMs = 10_000): Promise<CertificateFacts | undefined> {
  try {
    const route = certificateRoute(endpoint, transport);
    if (!route) return undefined;
    const url = endpoint.baseUrl;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    if (route.kind === 'direct') return await inspectCertificate(host, port, transport.tls, timeoutMs);
    return await readThroughTunnel(route, `${url.hostname}:${port}`, host, transport.tls, timeoutMs);
  } catch {
    return undefined;
  }
}

/**
 * The TLS alert an https server sends after the handshake, on the route its client takes, or undefined when it
 * answers (or closes, or says nothing within `timeoutMs`). Over TLS 1.3 a server that requires a client certificate
 * refuses a missing or unknown one only after the handshake has completed, and undici reports that as a closed
 * socket ("other side closed"), the alert lost: this asks again with the same trust (client certificate included)
 * and one public `GET api` without credentials, and returns the alert's Node code (e.g.
 * `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`).
 */
export async function readPostHandshakeAlert(endpoint: ServerEndpoint, transport: TransportOptions, timeoutMs = 10_000): Promise<string | undefined> {
  let route: CertificateRoute | undefined;
  let options: ConnectionOptions;
  try {
    route = certificateRoute(endpoint, transport);
    options = tlsOptions(transport.tls);
  } catch {
    return undefined; // a proxy URL or client certificate the client refuses itself, saying why
  }
  if (!route) return undefined;
  const url = endpoint.baseUrl;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const tunnel = route.kind === 'proxy' ? await openTunnel(route, `${url.hostname}:${port}`, transport.tls, timeoutMs) : undefined;
  if (route.kind === 'proxy' && !tunnel) return undefined;
  const servername = serverNameFor(host);
  return new Promise((resolve) => {
    const socket = tlsConnect({ ...options, host, port, ...(servername ? { servername } : {}), ...(tunnel ? { socket: tunnel } : {}) });
    const done = (alert?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      tunnel?.destroy();
      resolve(alert);
    };
    const timer = setTimeout(() => done(), timeoutMs);
    socket.once('secureConnect', () => socket.write(`GET ${url.pathname}api HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`));
    socket.once('data', () => done());
    socket.once('close', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(typeof err.code === 'string' && /^ERR_SSL_.*ALERT_/.test(err.code) ? err.code : undefined));
  });
}

async function readThroughTunnel(proxy: ProxyHop, target: string, host: string, trust: TlsTrust | undefined, timeoutMs: number): Promise<CertificateFacts | undefined> {
  const started = Date.now();
  const tunnel = await openTunnel(proxy, target, trust, timeoutMs);
  if (!tunnel) return undefined;
  try {
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    return await readPresentedCertificate((options) => tlsConnect({ ...options, socket: tunnel }), host, trust, left);
  } finally {
    tunnel.destroy();
  }
}

/**
 * A CONNECT tunnel through `proxy` to `target` (`host:port`, an IPv6 host in brackets), opened with undici's own
 * CONNECT as its ProxyAgent opens one: the `Proxy-Authorization` value if there is one, TLS to an https proxy with
 * `proxyTlsOptions`. Undefined when the proxy answers anything but 200 (a 407 for a missing credential, a 403, a
 * 502), cannot be reached, or does not answer within `timeoutMs`. The agent is closed once the tunnel is open: the
 * tunnel's socket is handed over and lives on until the caller destroys it.
 */
async function openTunnel(proxy: ProxyHop, target: string, trust: TlsTrust | undefined, timeoutMs: number): Promise<Duplex | undefined> {
  const origin = new URL(proxy.uri).origin;
  const connect: Record<string, unknown> = { ...proxyTlsOptions(trust), timeout: timeoutMs };
  const agent = new (undici().Agent)({ connections: 1, connect });
  try {
    const { statusCode, socket } = await agent.connect({
      origin,
      path: target,
      headers: { host: target, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (statusCode === 200) return socket;
    socket.destroy();
    return undefined;
  } catch {
    return undefined;
  } finally {
    void agent.close().catch(() => undefined);
  }
}
