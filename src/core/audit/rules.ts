import { expiryEnforcementFindings, loginCookieFindings, rejectedCookieFindings } from './cookieRules';
import { compareFindings, type Finding, type FindingId } from './findings';
import { hubFindings } from './hubRules';
import type { ServerObservations } from './observations';
import { DEFAULT_AUDIT_POLICY, type AuditPolicy } from './policy';
import { runtimeFindings } from './runtimeRules';
import { authFindings, corsFindings, transportFindings, xsrfFindings } from './serverRules';
import { tlsFindings } from './tlsRules';
import { tokenFindings } from './tokenRules';

export interface Evaluation {
  /** Most serious first; silenced ones left out. */
  findings: Finding[];
  /** Ids that fired but are silenced by the policy. */
  silenced: FindingId[];
}

/** The pure audit: observations in, findings out. No I/O, no clock. */
export function evaluateAudit(obs: ServerObservations, policy: AuditPolicy = DEFAULT_AUDIT_POLICY): Evaluation {
  const all = [
    ...transportFindings(obs),
    ...tlsFindings(obs, policy),
    ...authFindings(obs),
    ...corsFindings(obs),
    ...xsrfFindings(obs),
    ...loginCookieFindings(obs, policy),
    ...expiryEnforcementFindings(obs, policy),
    ...rejectedCookieFindings(obs),
    ...tokenFindings(obs),
    ...runtimeFindings(obs),
    ...hubFindings(obs),
  ].sort(compareFindings);
  return {
    findings: all.filter((f) => !policy.silenced.has(f.id)),
    silenced: all.filter((f) => policy.silenced.has(f.id)).map((f) => f.id),
  };
}
