import { redactCookieLine } from '../session/cookieJar';
import { describePlan, type AuthPlan } from '../session/credentials';
import type { Finding, FindingId } from './findings';
import type { HubObservations, ReplayOutcome, ServerObservations } from './observations';
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
  silenced: FindingId[];
  /** A hub user's server: its hub and token as audited (no token value). */
  hub?: AuditHubSummary;
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
    silenced,
    ...(obs.hub ? { hub: hubSummary(obs.hub) } : {}),
  };
}

/** Observe the server (side-effect-free probes) and evaluate the rules: the audit behind the CLI and the extension. */
export async function runAudit(target: AuditTarget, policy: AuditPolicy = DEFAULT_AUDIT_POLICY, options: ObserveOptions = {}): Promise<AuditReport> {
  const { observations, plan } = await observeServer(target, options);
  const { findings, silenced } = evaluateAudit(observations, policy);
  return { server: summarizeServer(observations, plan, policy, silenced), findings };
}
