import { isLocalEndpoint, type ServerEndpoint } from '../server/endpoint';
import { fingerprintOf, normalisePin, type CertificateFacts } from '../transport/tlsTrust';
import { InvalidInputError } from '../util/errors';
import type { ReachChange } from './reach';
import { hubOf, type ServerSource } from './serverSource';
import type { ReachSettings, SavedTrust } from './transportFor';
import { readCertificates, readPrivateKey, readTrustFile } from './trustFiles';

/**
 * The trust changes a person can make for one server (Trust Certificate…, the CLI), each as a ReachChange for
 * `registry.updateReach`, which proves the server works that way before anything is saved. Every choice adds to
 * what the server already has, except `clearTrust`; none turns verification off.
 */

/** A server whose certificate is its own to trust: https, not a hub's (a hub's server is reached as its hub is). */
export function hasOwnCertificate(server: { readonly endpoint: ServerEndpoint; readonly source: ServerSource }): boolean {
  return server.endpoint.baseUrl.protocol === 'https:' && !server.endpoint.socketPath && !hubOf(server.source);
}

/** A server that can have its own proxy choice: not loopback or a unix socket (never proxied), not a hub's. */
export function hasOwnProxy(server: { readonly endpoint: ServerEndpoint; readonly source: ServerSource }): boolean {
  return !isLocalEndpoint(server.endpoint) && !hubOf(server.source);
}

/** A client certificate as chosen: PEM certificate + key files, or one PKCS#12 file. */
export type ClientCertChoice = NonNullable<SavedTrust['clientCert']>;

function pinsWith(trust: SavedTrust | undefined, cert: CertificateFacts): SavedTrust {
  const pins = [...new Set([...(trust?.pins ?? []).map(normalisePin), cert.fingerprint256])];
  return { ...trust, pins, pinIssuer: cert.issuer };
}

/**
 * "Trust this certificate for this server": a self-signed certificate the person compared is trusted as itself
 * (its PEM kept with the server) and pinned, so a different certificate with the same name is refused. A
 * certificate issued by a CA is not trusted this way (its CA must be): InvalidInput saying to choose the CA file.
 */
export function trustPresented(server: ReachSettings | undefined, cert: CertificateFacts): ReachChange {
  if (!cert.selfSigned) {
    throw new InvalidInputError(`The certificate of "${cert.subject}" is issued by "${cert.issuer}", which is not trusted here.`, {
      hint: "Trust the issuing CA instead: choose its PEM file (ask the server's administrator for it) with Trust Certificate… → Add a CA Certificate File.",
    });
  }
  const have = new Set((server?.trustedCertificates ?? []).map(fingerprintOf));
  const trustedCertificates = have.has(cert.fingerprint256) ? [...(server?.trustedCertificates ?? [])] : [...(server?.trustedCertificates ?? []), cert.pem];
  return { trustedCertificates, trust: pinsWith(server?.trust, cert) };
}

/** Pins the certificate the server presents now (which already verifies): any other certificate is refused later. */
export function pinPresented(server: ReachSettings | undefined, cert: CertificateFacts): ReachChange {
  return { trust: pinsWith(server?.trust, cert) };
}

/** Adds a PEM CA (or self-signed certificate) file; read now, so a file without a certificate is refused at once. */
export function addCaFile(server: ReachSettings | undefined, path: string): ReachChange {
  readCertificates(path);
  const caFiles = [...new Set([...(server?.trust?.caFiles ?? []), path])];
  return { trust: { ...server?.trust, caFiles } };
}

/**
 * Sets the client certificate (replacing any other); its files are read now. The passphrase goes to the secret
 * store; without one, a passphrase saved for an earlier certificate is deleted.
 */
export function setClientCert(server: ReachSettings | undefined, choice: ClientCertChoice, passphrase: string | undefined): ReachChange {
  if ('pfxFile' in choice) readTrustFile(choice.pfxFile, 'PKCS#12 file');
  else {
    readCertificates(choice.certFile, 'client certificate');
    readPrivateKey(choice.keyFile);
  }
  return { trust: { ...server?.trust, clientCert: choice }, passphrase: passphrase ?? null };
}

/** Back to the public and OS roots only: the server's certificates, CA files, client certificate and pins go. */
export function clearTrust(): ReachChange {
  return { trustedCertificates: [], trust: null };
}

/** A proxy choice for one server: `direct`, a proxy URL (checked by withReach), or the shared settings (`null`). */
export function proxyChoice(value: string): ReachChange {
  const v = value.trim();
  return { proxy: v === 'shared' ? null : v };
}

/** What a server's own trust is, in short phrases (the tooltip, the CLI); empty when it has none. */
export function describeTrust(server: ReachSettings | undefined): string[] {
  const out: string[] = [];
  const own = server?.trustedCertificates?.length ?? 0;
  if (own) out.push(`${own} trusted certificate${own === 1 ? '' : 's'}`);
  const files = server?.trust?.caFiles ?? [];
  if (files.length) out.push(`CA file${files.length === 1 ? '' : 's'} ${files.join(', ')}`);
  const cc = server?.trust?.clientCert;
  if (cc) out.push(`client certificate ${'pfxFile' in cc ? cc.pfxFile : cc.certFile}`);
  const pins = server?.trust?.pins ?? [];
  if (pins.length) out.push(`pinned to ${pins.map((p) => `${normalisePin(p).slice(0, 23)}…`).join(', ')}`);
  if (server?.proxy === 'direct') out.push('no proxy');
  else if (server?.proxy) out.push(`proxy ${server.proxy}`);
  return out;
}
