import { redactCookieLine } from '../session/cookieJar';
import { describePlan, type AuthPlan } from '../session/credentials';
import { redact } from '../util/redact';
import type { Finding, FindingId } from './findings';
import type { CertificateObservation, HubObservations, ReplayOutcome, ServerObservations } from './observations';
import { observeServer, type AuditTarget, type ObserveOptions } from './observe';
import { DEFAULT_AUDIT_POLICY, type AuditPolicy } from './policy';
import { evaluateAudit } from './rules';
import { modeString } from './runtimeRules';
import { allowsForeignOrigin, xsrfVerdict, type XsrfVerdict } from './serverRules';

/** What was audited and what the probes said, secret-free (the login cookie is shown redacted). */
export interface AuditServerSummary {
  url: string;
  version: string | null;
  /** How the audit signed in. */
  auth: string;
  transport: 'https' | 'http' | 'unix socket';
  loginCookie: string | null;
  probes: {
    authentication: 'required' | 'off' | 'unknown';
    xsrf: XsrfVerdict;
    crossOrigin: 'refused' | 'allowed' | 'unknown';
    tokenInPage: boolean | null;
    expiredCookieReplay: ReplayOutcome | null;
  };
  runtimeFiles: Array<{ path: string; mode: string }>;
  maxCookieHours: number;
  /** Certificates that expire within this many days are reported. */
  certificateExpiryDays: number;
  /** The certificate an https server presented on its route; null when none was read (plain http, a socket, none). */
  certificate: AuditCertificateSummary | null;
  silenced: FindingId[];
  /** A hub user's server: its hub and token as audited (no token value). */
  hub?: AuditHubSummary;
  /**
   * Set when only the certificate could be observed: why the other probes did not run (the TLS failure, redacted).
   * The findings are then the certificate's alone.
   */
  incomplete?: string;
}

export interface AuditCertificateSummary {
  subject: string;
  issuer: string;
  validTo: string;
  fingerprint256: string;
  selfSigned: boolean;
  /** Why the server's trust refused it (a Node/OpenSSL code, or the pin mismatch); null: accepted. */
  verifyError: string | null;
  /** `direct`, or the proxy URL it was read through (no credential in it). */
  route: string;
  pinned: boolean;
}

function certificateSummary(c: CertificateObservation): AuditCertificateSummary {
  return {
    subject: c.facts.subject,
    issuer: c.facts.issuer,
    validTo: c.facts.validTo,
    fingerprint256: c.facts.fingerprint256,
    selfSigned: c.facts.selfSigned,
    verifyError: c.facts.verifyError ?? null,
    route: c.route.kind === 'proxy' ? c.route.uri : 'direct',
    pinned: c.pins.length > 0,
  };
}

export interface AuditHubSummary {
  base: string;
  user: string;
  scopes: string[];
  /** ISO time, 'never', or 'unknown' (a pasted token whose model could not be read). */
  tokenExpires: string;
  /** The single-user server given the token in `?token=` only. */
  tokenInUrl: 'accepted' | 'refused' | 'unknown' | 'not probed';
}

function hubSummary(hub: HubObservations): AuditHubSummary {
  const p = hub.tokenInUrl;
  return {
    base: hub.base,
    user: hub.user,
    scopes: [...hub.scopes],
    tokenExpires: hub.expiresAt === null ? 'never' : hub.expiresAt ?? 'unknown',
    tokenInUrl: !p ? 'not probed' : p.status === 200 ? 'accepted' : p.status === 403 ? 'refused' : 'unknown',
  };
}

export interface AuditReport {
  server: AuditServerSummary;
  findings: Finding[];
}

export function summarizeServer(obs: ServerObservations, plan: AuthPlan, policy: AuditPolicy, silenced: FindingId[]): AuditServerSummary {
  const url = obs.endpoint.baseUrl;
  const auth = obs.auth;
  return {
    url: obs.endpoint.id,
    version: obs.version ?? null,
    auth: describePlan(plan),
    transport: obs.endpoint.socketPath !== undefined ? 'unix socket' : url.protocol === 'https:' ? 'https' : 'http',
    loginCookie: obs.loginCookie ? redactCookieLine(obs.loginCookie.line) : null,
    probes: {
      authentication: !auth ? 'unknown' : auth.status === 200 ? 'off' : auth.status === 403 ? 'required' : 'unknown',
      xsrf: xsrfVerdict(obs.xsrf),
      crossOrigin: obs.cors.length === 0 ? 'unknown' : obs.cors.some(allowsForeignOrigin) ? 'allowed' : 'refused',
      tokenInPage: obs.page && obs.page.status === 200 ? obs.page.apiTokenAttribute || obs.page.tokenLinks > 0 : null,
      expiredCookieReplay: obs.expiredReplay?.outcome ?? null,
    },
    runtimeFiles: obs.runtimeFiles.map((f) => ({ path: f.path, mode: modeString(f.mode) })),
    maxCookieHours: policy.maxCookieLifetimeHours,
    certificateExpiryDays: policy.certificateExpiryDays,
    certificate: obs.certificate ? certificateSummary(obs.certificate) : null,
    silenced,
    ...(obs.hub ? { hub: hubSummary(obs.hub) } : {}),
  };
}

/**
 * Observe the server (side-effect-free probes) and evaluate the rules: the audit behind the CLI and the extension.
 * When TLS stopped the probes after the certificate was read, the report holds what the certificate shows (an
 * intercepting proxy, an expired certificate), marked `incomplete`; a certificate that shows nothing leaves the
 * TLS failure to be thrown, as any failure to reach the server is.
 */
export async function runAudit(target: AuditTarget, policy: AuditPolicy = DEFAULT_AUDIT_POLICY, options: ObserveOptions = {}): Promise<AuditReport> {
  const { observations, plan, failure } = await observeServer(target, options);
  const { findings, silenced } = evaluateAudit(observations, policy);
  if (failure && findings.length === 0 && silenced.length === 0) throw failure;
  const server = summarizeServer(observations, plan, policy, silenced);
  return { server: failure ? { ...server, incomplete: redact(failure.describe()) } : server, findings };
}
