/** Literal observations for the audit rule tests. Not a test file (no `.test.` in the name). */
import type { CertificateObservation, ServerObservations } from '../../src/core/audit/observations';
import { endpointFromUrl } from '../../src/core/server/endpoint';

/** Set-Cookie lines as notebook 6.4 / jupyter_server 1.23 send them (from the facts sheet and the real servers). */
export const HMAC = '3eacc04b9d6b02fc8370acbe09db13d939d36624254beffc85535967ae5ddd06';
export const SIGNED = `"2|1:0|10:1795420612|24:username-127-0-0-1-8888|44:NjY1NDBhZTQ3ZjQ4NGRlNGIyYTEwYTRjODc5MzNkYTg=|${HMAC}"`;
export const DEFAULT_LINE = `username-127-0-0-1-8888=${SIGNED}; expires=Wed, 23 Dec 2026 07:56:52 GMT; HttpOnly; Path=/`;
/** The Date header of the response that carried DEFAULT_LINE (30 days before its Expires). */
export const ISSUED = new Date('Mon, 23 Nov 2026 07:56:52 GMT');

export function observations(url = 'http://127.0.0.1:8888/', extra: Partial<ServerObservations> = {}): ServerObservations {
  return { endpoint: endpointFromUrl(url), version: '1.23.3', cors: [], runtimeFiles: [], ...extra };
}

/** Observations with only a login cookie, issued at ISSUED (server clock) and received years later (client clock). */
export function withCookie(line: string, url = 'http://127.0.0.1:8888/'): ServerObservations {
  return observations(url, {
    loginCookie: { line, source: 'GET /api/status, token in the Authorization header', serverDate: ISSUED, receivedAt: new Date('2031-01-01T00:00:00Z') },
  });
}

/** A certificate as certificateFacts() words it; `days` from `OBSERVED_AT` to its end. */
export const OBSERVED_AT = new Date('2026-12-01T12:00:00.000Z');
export const SERVER_FP = 'AA:'.repeat(31) + 'AA';
export const OTHER_FP = 'BB:'.repeat(31) + 'BB';

export function certificate(
  o: { days?: number; selfSigned?: boolean; issuer?: string; subject?: string; fingerprint256?: string; verifyError?: string; pins?: string[]; pinIssuer?: string; proxy?: string } = {},
): CertificateObservation {
  const subject = o.subject ?? 'CN=jupyter.example.org';
  const selfSigned = o.selfSigned ?? false;
  const validTo = new Date(OBSERVED_AT.getTime() + (o.days ?? 200) * 86_400_000).toISOString();
  return {
    facts: {
      subject,
      issuer: o.issuer ?? (selfSigned ? subject : 'CN=Example CA, O=Example'),
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo,
      fingerprint256: o.fingerprint256 ?? SERVER_FP,
      selfSigned,
      pem: '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
      ...(o.verifyError ? { verifyError: o.verifyError } : {}),
    },
    route: o.proxy ? { kind: 'proxy', uri: o.proxy } : { kind: 'direct' },
    pins: o.pins ?? [],
    ...(o.pinIssuer !== undefined ? { pinIssuer: o.pinIssuer } : {}),
    observedAt: OBSERVED_AT,
  };
}

/** An https server's observations with only its certificate. */
export function withCertificate(c: CertificateObservation, url = 'https://jupyter.example.org/'): ServerObservations {
  return observations(url, { certificate: c });
}
