/**
 * The names of what can be insecure about a server: the audit's finding ids. They live below the audit so that a
 * connection can name its own insecure reasons (plain http to a remote host, authentication off) with the same
 * ids without depending on the audit. Ids are stable: the UI, CI gates and silencing lists key on them.
 */

/** Every finding the audit knows, in report order within a severity. */
export const FINDING_IDS = [
  'auth-disabled',
  'plain-http-remote',
  'hub-plain-http',
  'tls-proxy-terminates',
  'cors-any-origin',
  'runtime-file-readable',
  'login-cookie-not-secure',
  'xsrf-check-disabled',
  'login-cookie-not-httponly',
  'login-cookie-samesite-none',
  'login-cookie-no-samesite',
  'login-cookie-long-lived',
  'login-cookie-expiry-not-enforced',
  'cookie-rejected',
  'tls-self-signed-unpinned',
  'tls-certificate-expiring',
  'token-in-url',
  'hub-token-in-url-accepted',
  'hub-token-long-lived',
  'hub-token-excess-scopes',
  'token-in-page',
  'hub-token-can-mint',
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

/** The findings about a hub a server belongs to (its transport, its token), not about the server itself. */
export type HubFindingId = Extract<FindingId, `hub-${string}`>;

/** The findings about the certificate the server presents on its route (tlsRules.ts). */
export type TlsFindingId = Extract<FindingId, `tls-${string}`>;

export function isFindingId(value: string): value is FindingId {
  return (FINDING_IDS as readonly string[]).includes(value);
}
