import { X509Certificate, createHash } from 'node:crypto';
import { checkServerIdentity, connect as tlsConnect, createSecureContext, rootCertificates, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { InvalidInputError, type PresentedCertificate } from '../util/errors';

/**
 * Trust for one server, in addition to the public roots (and the OS roots when given). Verification itself is never
 * turned off: every option here adds trust or narrows it (a pin), none skips the check.
 */
export interface TlsTrust {
  /** PEM certificates (a private CA, or a self-signed server certificate) trusted for this server only. */
  readonly ca?: readonly string[];
  /** The OS's trusted roots (`systemCertificates`), added to Node's bundled ones rather than replacing them. */
  readonly systemCa?: readonly string[];
  /** A client certificate the server asks for: PEM cert + key, or a PKCS#12 bundle; the passphrase is a secret. */
  readonly clientCert?: { readonly cert: string; readonly key: string; readonly passphrase?: string } | { readonly pfx: Buffer; readonly passphrase?: string };
  /** SHA-256 fingerprints (`AB:CD:…`) one of which the server's certificate must have, checked after normal verification. */
  readonly pins?: readonly string[];
  /**
   * The issuer (in `certificateFacts` form) of the certificate a pin was taken from, when known (SavedTrust.pinIssuer).
   * Not trust: `tlsOptions` ignores it. The audit compares it with the issuer of the certificate presented now.
   */
  readonly pinIssuer?: string;
}

/** `sha256:ab cd…`, `AB:CD:…` or plain hex → `AB:CD:…` (Node's `fingerprint256` form); InvalidInput otherwise. */
export function normalisePin(text: string): string {
  const hex = text.trim().replace(/^sha256[:/=]?/i, '').replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new InvalidInputError(`"${text.trim().slice(0, 120)}" is not a SHA-256 fingerprint.`, {
      hint: 'Give 64 hex digits, with or without colons, optionally prefixed with sha256: (e.g. sha256:AB:CD:…).',
    });
  }
  return hex.match(/../g)!.join(':');
}

/** The `verifyError` of a certificate refused by the pin check. */
export const PIN_MISMATCH_REASON = 'ERR_SJC_CERT_PIN_MISMATCH';

/**
 * An error the pin check raises; its message names both fingerprints. It has no `code`: a TLS failure is worded by
 * its code when it has one (toJupyterError), which would hide the fingerprints; `reason` tells it apart instead.
 */
export class PinMismatchError extends Error {
  readonly reason = PIN_MISMATCH_REASON;
}

/**
 * The `tls.connect` options for a server's trust: `rejectUnauthorized` stated (so no environment variable can turn
 * verification off for our connections: the Node environment variable for it only changes the default), `ca` as the
 * bundled roots plus the OS roots plus the server's own, the client certificate, and a pin check that runs after
 * Node's own verification and host-name check.
 */
export function tlsOptions(trust: TlsTrust | undefined): ConnectionOptions {
  const o: ConnectionOptions = { rejectUnauthorized: true };
  const extra = [...(trust?.systemCa ?? []), ...(trust?.ca ?? [])];
  if (extra.length > 0) o.ca = [...rootCertificates, ...extra];
  const cc = trust?.clientCert;
  if (cc) checkClientCert(cc);
  if (cc && 'pfx' in cc) {
    o.pfx = cc.pfx;
    if (cc.passphrase !== undefined) o.passphrase = cc.passphrase;
  } else if (cc) {
    o.cert = cc.cert;
    o.key = cc.key;
    if (cc.passphrase !== undefined) o.passphrase = cc.passphrase;
  }
  const pins = trust?.pins?.map(normalisePin);
  if (pins?.length) {
    o.checkServerIdentity = (host: string, cert: PeerCertificate): Error | undefined => {
      const identity = checkServerIdentity(host, cert);
      if (identity) return identity;
      if (pins.includes(cert.fingerprint256)) return undefined;
      return new PinMismatchError(`the server's certificate (SHA-256 ${cert.fingerprint256}) is not the pinned certificate (${pins.join(' or ')})`);
    };
  }
  return o;
}

/**
 * TLS to an https proxy: verified against the public and OS roots only (the server's own CAs, pins and client
 * certificate are for the server, not for the proxy; http.proxyStrictSSL cannot turn verification off).
 */
export function proxyTlsOptions(trust: TlsTrust | undefined): ConnectionOptions {
  return tlsOptions(trust?.systemCa ? { systemCa: trust.systemCa } : undefined);
}

/** The SNI name for `host`: none for an IP address (RFC 6066 forbids it). */
export function serverNameFor(host: string): string | undefined {
  return /^[\d.]+$|:/.test(host) ? undefined : host;
}

/**
 * A client certificate that cannot be loaded (a wrong or missing passphrase, a key that is not the certificate's)
 * is refused here, as InvalidInput naming what is wrong: otherwise it fails inside every connection attempt with
 * OpenSSL's bare text ("mac verify failure"), which reads as an unreachable server. The passphrase is never in it.
 */
function checkClientCert(cc: NonNullable<TlsTrust['clientCert']>): void {
  try {
    createSecureContext('pfx' in cc ? { pfx: cc.pfx, passphrase: cc.passphrase ?? '' } : { cert: cc.cert, key: cc.key, ...(cc.passphrase !== undefined ? { passphrase: cc.passphrase } : {}) });
  } catch (err) {
    const detail = String((err as Error)?.message ?? err).replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, '');
    const what = 'pfx' in cc ? 'The client certificate (PKCS#12)' : 'The client certificate and key';
    throw new InvalidInputError(`${what} could not be loaded (${detail}).`, {
      hint: /mac verify|decrypt|passphrase|password|interrupted|cancelled/i.test(detail)
        ? "The passphrase is wrong or missing: set the client certificate's passphrase again."
        : 'Check that the certificate and its matching key are PEM (or one PKCS#12 bundle) and that the passphrase is right.',
    });
  }
}

/** What a server's certificate says, for a person to compare before trusting it (the PEM included, to trust it). */
export interface CertificateFacts extends PresentedCertificate {
  readonly subjectAltName?: string;
}

export function certificateFacts(x: X509Certificate, verifyError?: string): CertificateFacts {
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
    fingerprint256: x.fingerprint256,
    selfSigned: x.issuer === x.subject && x.checkIssued(x),
    ...(x.subjectAltName ? { subjectAltName: x.subjectAltName } : {}),
    pem: x.toString(),
    ...(verifyError ? { verifyError } : {}),
  };
}

/** SHA-256 fingerprint of a PEM certificate, as `AB:CD:…`. */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** Hex SHA-256 of bytes (for comparing files). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Looks at the certificate a server presents, with verification on: the handshake runs with the server's trust
 * and nothing is sent. When verification fails, the certificate is read just before Node tears the socket down
 * (it is gone once the error is emitted), so a person can compare its fingerprint before trusting it.
 * A direct connection; `readServerCertificate` (certificateProbe.ts) takes the server's route, proxies included.
 */
export function inspectCertificate(host: string, port: number, trust: TlsTrust | undefined, timeoutMs = 10_000): Promise<CertificateFacts | undefined> {
  return readPresentedCertificate((options) => tlsConnect({ ...options, port }), host, trust, timeoutMs);
}

/**
 * The handshake `inspectCertificate` makes, on the TLS socket `open` starts from the given options (host, SNI name
 * and the trust's `tlsOptions`): straight to the server, or over an already open tunnel (`{ ...options, socket }`).
 * Resolves with what the presented certificate says (`verifyError` when the trust refused it), or undefined when no
 * certificate arrived within `timeoutMs`. The socket is destroyed before it resolves.
 */
export function readPresentedCertificate(
  open: (options: ConnectionOptions) => TLSSocket,
  host: string,
  trust: TlsTrust | undefined,
  timeoutMs: number,
): Promise<CertificateFacts | undefined> {
  return new Promise((resolve) => {
    let facts: CertificateFacts | undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(facts);
    };
    const servername = serverNameFor(host);
    const socket = open({ ...tlsOptions(trust), host, ...(servername ? { servername } : {}) });
    const read = (error?: Error): void => {
      if (facts) return;
      try {
        const x = socket.getPeerX509Certificate();
        if (x) facts = certificateFacts(x, error ? String(error instanceof PinMismatchError ? error.reason : ((error as { code?: unknown }).code ?? error.message)) : undefined);
      } catch {
        // no certificate to read (the handshake did not get that far)
      }
    };
    const destroy = socket.destroy.bind(socket);
    socket.destroy = (error?: Error) => {
      read(error);
      return destroy(error);
    };
    socket.once('secureConnect', () => (read(), finish()));
    socket.once('error', finish);
    socket.once('close', finish);
    const timer = setTimeout(finish, timeoutMs);
    timer.unref?.();
  });
}
