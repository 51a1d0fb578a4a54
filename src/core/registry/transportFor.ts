import type { TransportOptions } from '../transport/dispatcher';
import type { ProxyOverride } from '../transport/proxy';
import { normalisePin, type TlsTrust } from '../transport/tlsTrust';
import { readCertificates, readPrivateKey, readTrustFile } from './trustFiles';

/** A server's own trust as saved: file paths and fingerprints (the passphrase is a secret, kept apart). */
export interface SavedTrust {
  /** PEM files of CAs (or the server's self-signed certificate) trusted for this server only. */
  readonly caFiles?: readonly string[];
  /** A client certificate: PEM cert + key files, or a PKCS#12 file. */
  readonly clientCert?: { readonly certFile: string; readonly keyFile: string } | { readonly pfxFile: string };
  /** SHA-256 fingerprints the server's certificate must match (after normal verification). */
  readonly pins?: readonly string[];
  /** The issuer of the certificate pinned from a presented one (not known for a pin typed in): the audit compares it. */
  readonly pinIssuer?: string;
}

/** What a server's entry says about reaching it (a saved server, or one being added). */
export interface ReachSettings {
  /** PEM certificates trusted for this server only (saved as text). */
  readonly trustedCertificates?: readonly string[] | undefined;
  readonly trust?: SavedTrust | undefined;
  /** `direct`, a proxy URL (no credentials in it), or undefined for the shared proxy settings. */
  readonly proxy?: ProxyOverride;
}

/** Secrets a server's reach needs, read from the secret store by the caller. */
export interface ReachSecrets {
  readonly passphrase?: string | undefined;
}

/**
 * How to reach one server: the defaults every client shares (timeouts, OS roots, the proxy settings) plus the
 * server's own trust and proxy choice. The only place a server's settings become transport options: connections and
 * the add-server probe (through `clientFor`) and the audit's probe clients (through `ServerConnection.transport`)
 * all get theirs here, so none of them reaches a server differently from the others. Trust files are read here
 * (bounded, regular files only); a file that cannot be read is an InvalidInput error naming it.
 */
export function transportFor(server: ReachSettings | undefined, defaults: TransportOptions = {}, secrets: ReachSecrets = {}): TransportOptions {
  const ca = [...(server?.trustedCertificates ?? []), ...(server?.trust?.caFiles ?? []).flatMap((f) => readCertificates(f))];
  const tls: { -readonly [K in keyof TlsTrust]: TlsTrust[K] } = { ...defaults.tls };
  if (ca.length) tls.ca = [...(defaults.tls?.ca ?? []), ...ca];
  const cc = server?.trust?.clientCert;
  if (cc) {
    const passphrase = secrets.passphrase !== undefined ? { passphrase: secrets.passphrase } : {};
    tls.clientCert = 'pfxFile' in cc
      ? { pfx: readTrustFile(cc.pfxFile, 'PKCS#12 file'), ...passphrase }
      : { cert: readCertificates(cc.certFile, 'client certificate').join('\n'), key: readPrivateKey(cc.keyFile), ...passphrase };
  }
  if (server?.trust?.pins?.length) {
    tls.pins = server.trust.pins.map(normalisePin);
    // For the audit only (tls-proxy-terminates): tlsOptions ignores it.
    if (server.trust.pinIssuer) tls.pinIssuer = server.trust.pinIssuer;
  }
  const out: TransportOptions = { ...defaults };
  if (Object.keys(tls).length) out.tls = tls;
  else delete out.tls;
  if (server?.proxy !== undefined) out.proxyOverride = server.proxy;
  return out;
}
