import { FINDING_IDS, type FindingId } from '../server/findingIds';
import { redact } from '../util/redact';

/**
 * What the audit reports: one finding per insecure setting it could actually observe. Ids are stable (the UI,
 * CI gates and silencing lists key on them); the evidence is redacted and never carries a token or cookie value.
 */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export { FINDING_IDS, isFindingId, type FindingId, type HubFindingId, type TlsFindingId } from '../server/findingIds';

/**
 * Each id has one severity. error: exploitable as it stands (code execution or a credential exposed);
 * warning: a defence is missing or weakened; info: worth knowing, no action required.
 */
export const SEVERITY_OF: Readonly<Record<FindingId, Severity>> = {
  'auth-disabled': 'error',
  'plain-http-remote': 'error',
  'hub-plain-http': 'error',
  'tls-proxy-terminates': 'error',
  'cors-any-origin': 'error',
  'runtime-file-readable': 'error',
  'login-cookie-not-secure': 'error',
  'xsrf-check-disabled': 'warning',
  'login-cookie-not-httponly': 'warning',
  'login-cookie-samesite-none': 'warning',
  'login-cookie-no-samesite': 'warning',
  'login-cookie-long-lived': 'warning',
  'login-cookie-expiry-not-enforced': 'warning',
  'cookie-rejected': 'warning',
  'tls-self-signed-unpinned': 'warning',
  'tls-certificate-expiring': 'warning',
  'token-in-url': 'warning',
  'hub-token-in-url-accepted': 'warning',
  'hub-token-long-lived': 'warning',
  'hub-token-excess-scopes': 'warning',
  'token-in-page': 'info',
  'hub-token-can-mint': 'info',
};

/**
 * The exact server setting per server family, where they differ. A finding about the hub itself (`hub-…`: its
 * transport, its token) has no notebook or jupyter_server setting: those two are empty and left out of `fix`.
 * A finding about the route to the server (`tls-…`) may also be fixed on this side: `client` says how.
 */
export interface FixText {
  /** notebook 6.x (`c.NotebookApp.…`); empty for a hub finding. */
  notebook: string;
  /** jupyter_server 1.x and 2.x (`c.ServerApp.…`, `c.IdentityProvider.…`); empty for a hub finding. */
  jupyterServer: string;
  /** JupyterHub and its single-user servers (`c.JupyterHub.…`, `c.Spawner.…`). */
  jupyterHub: string;
  /** What to change in this client (the extension's commands, the CLI's options), when that is part of the fix. */
  client?: string;
}

export interface Finding {
  readonly id: FindingId;
  readonly severity: Severity;
  readonly title: string;
  /** What was observed, redacted: cookie names and attributes, statuses, headers, file modes. */
  readonly evidence: string;
  /** `fixFor` as one text, one line per server family (and one for this client). */
  readonly fix: string;
  readonly fixFor: FixText;
}

/** A finding with its fixed severity; the evidence is redacted here, whatever the caller passed. */
export function makeFinding(id: FindingId, title: string, evidence: string, fixFor: FixText): Finding {
  return { id, severity: SEVERITY_OF[id], title, evidence: redact(evidence), fix: renderFix(fixFor), fixFor };
}

/** One line per server family that has a setting for it, then the client's line if there is one. */
export function renderFix(fix: FixText): string {
  const lines: Array<[string, string]> = [
    ['notebook 6.x', fix.notebook],
    ['jupyter_server', fix.jupyterServer],
    ['JupyterHub', fix.jupyterHub],
    ['this client', fix.client ?? ''],
  ];
  return lines
    .filter(([, text]) => text !== '')
    .map(([family, text]) => `${family}: ${text}`)
    .join('\n');
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** True when `severity` is at least as serious as `level`. */
export function reaches(severity: Severity, level: Severity): boolean {
  return RANK[severity] <= RANK[level];
}

/** Most serious first, then in FINDING_IDS order. */
export function compareFindings(a: Finding, b: Finding): number {
  return RANK[a.severity] - RANK[b.severity] || FINDING_IDS.indexOf(a.id) - FINDING_IDS.indexOf(b.id);
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
