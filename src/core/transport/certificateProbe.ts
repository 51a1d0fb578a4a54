import type { ServerEndpoint } from '../server/endpoint';
import { proxyPlan } from './proxy';
import type { TransportOptions } from './dispatcher';
import { inspectCertificate, type CertificateFacts, type TlsTrust } from './tlsTrust';

/**
 * The certificate an https server presents on the route its client would take, read with the server's own trust
 * (verification on, nothing sent): what a person compares before trusting or pinning it, and what the audit checks.
 * Undefined for a plain-http or unix-socket server, and when no certificate could be read (the server is down, or
 * the route goes through a proxy, which this does not tunnel through).
 */
export async function readServerCertificate(endpoint: ServerEndpoint, transport: TransportOptions, timeoutMs?: number): Promise<CertificateFacts | undefined> {
  if (proxyPlan(endpoint, transport.proxyOverride, transport.proxy).kind !== 'direct') return undefined;
  return readCertificateDirect(endpoint, transport.tls, timeoutMs);
}

/** The same, for a caller that knows its route is direct (a client whose dispatcher connects straight to the server). */
export async function readCertificateDirect(endpoint: ServerEndpoint, tls: TlsTrust | undefined, timeoutMs?: number): Promise<CertificateFacts | undefined> {
  const url = endpoint.baseUrl;
  if (url.protocol !== 'https:' || endpoint.socketPath) return undefined;
  return inspectCertificate(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 443), tls, timeoutMs).catch(() => undefined);
}
