import { runAudit, type AuditReport } from '../core/audit/audit';
import { countBySeverity, reaches, type Finding, type Severity } from '../core/audit/findings';
import { auditPolicy } from '../core/audit/policy';
import { currentDirContext, runtimeDirsToScan } from '../core/discovery/runtimeDirs';
import { JupyterError, toJupyterError } from '../core/util/errors';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, json, pad, type Output } from './output';
import { resolveTarget, type TargetArgs } from './target';

export type FailOn = Extract<Severity, 'error' | 'warning'>;

export const FAIL_ON_LEVELS: readonly FailOn[] = ['error', 'warning'];

export interface AuditArgs extends TargetArgs {
  failOn: FailOn;
  /** undefined: the policy default. */
  maxCookieHours: number | undefined;
  /** undefined: the policy default. */
  certExpiryDays?: number | undefined;
  silenced: string[];
}

/**
 * `jupyter-secure audit`: the security audit as a CI gate. Exit 0 when no finding reaches `--fail-on`, 1 when
 * one does, 2 on bad usage or when the server cannot be audited (unreachable, TLS, not Jupyter, credential
 * refused). A server whose TLS stopped the probes after its certificate showed something (an intercepting proxy,
 * an expired certificate) is reported with those findings: 1 when one reaches `--fail-on`, else 2 (not audited).
 */
export async function auditCommand(args: AuditArgs, output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const policy = auditPolicy({
    ...(args.maxCookieHours !== undefined ? { maxCookieLifetimeHours: args.maxCookieHours } : {}),
    ...(args.certExpiryDays !== undefined ? { certificateExpiryDays: args.certExpiryDays } : {}),
    silenced: args.silenced,
  });
  const { target, source } = await resolveTarget(args, output, env);
  const runtimeDirs = runtimeDirsToScan({ ...currentDirContext(), env }, args.runtimeDirs);
  const id = target.endpoint.id;
  let report: AuditReport;
  try {
    report = await runAudit(target, policy, { signal: AbortSignal.timeout(args.timeoutSeconds * 1000), runtimeDirs });
  } catch (err) {
    const e = err instanceof JupyterError ? err : toJupyterError(err, id);
    output.err(`error: cannot audit ${id}: ${e.describe()}`);
    return EXIT_USAGE;
  }
  const failing = report.findings.some((f) => reaches(f.severity, args.failOn));
  if (args.json) {
    output.out(
      json({
        server: { ...report.server, credentialSource: source },
        findings: report.findings.map(({ id, severity, title, evidence, fix }) => ({ id, severity, title, evidence, fix })),
      }),
    );
  } else {
    printReport(report, source, args.failOn, failing, output);
  }
  return failing ? EXIT_FAILED : report.server.incomplete !== undefined ? EXIT_USAGE : EXIT_OK;
}

function printReport(report: AuditReport, source: string, failOn: FailOn, failing: boolean, output: Output): void {
  const s = report.server;
  output.out(`Audit of ${s.url} (Jupyter ${s.version ?? '?'} over ${s.transport}; signed in with ${s.auth}; credential: ${source})`);
  // Not "cookie:" — output redaction takes that for a Cookie header and masks the line.
  output.out(`  login cookie (as issued) ${s.loginCookie ?? 'none observed'}`);
  const p = s.probes;
  output.out(
    `  probes: authentication ${p.authentication}, XSRF ${p.xsrf}, cross-origin ${p.crossOrigin}` +
      `${p.tokenInPage === null ? '' : `, token in pages: ${p.tokenInPage ? 'yes' : 'no'}`}` +
      `${p.expiredCookieReplay === null ? '' : `, expired cookie replay: ${p.expiredCookieReplay}`}`,
  );
  output.out(`  runtime files: ${s.runtimeFiles.length === 0 ? 'none found for this server' : s.runtimeFiles.map((f) => `${f.path} ${f.mode}`).join(', ')}`);
  const cert = s.certificate;
  if (cert) {
    output.out(
      `  certificate: "${cert.subject}" issued by "${cert.issuer}"${cert.selfSigned ? ' (self-signed)' : ''}, valid until ${cert.validTo}, SHA-256 ${cert.fingerprint256}` +
        `; ${cert.route === 'direct' ? 'read directly' : `read through ${cert.route}`}; ${cert.pinned ? 'pinned' : 'not pinned'}${cert.verifyError ? `; refused: ${cert.verifyError}` : ''}`,
    );
  }
  if (s.incomplete !== undefined) output.out(`  not audited beyond the certificate: ${s.incomplete}`);
  output.out('');
  for (const f of report.findings) printFinding(f, output);
  const c = countBySeverity(report.findings);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const silenced = s.silenced.length > 0 ? ` (silenced: ${s.silenced.join(', ')})` : '';
  output.out(`${report.findings.length === 0 ? 'No findings.' : `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info.`}${silenced}`);
  output.out(
    failing
      ? `At least one finding is ${failOn === 'error' ? 'an error' : 'a warning or worse'} (--fail-on ${failOn}): exit 1.`
      : s.incomplete !== undefined
        ? `Nothing reaches --fail-on ${failOn}, but only the certificate could be audited: exit 2.`
        : `Nothing reaches --fail-on ${failOn}.`,
  );
}

function printFinding(f: Finding, output: Output): void {
  output.out(`${pad(f.severity.toUpperCase(), 9)}${f.id}: ${f.title}`);
  output.out(`  evidence: ${f.evidence}`);
  const [first, ...rest] = f.fix.split('\n');
  output.out(`  fix:      ${first ?? ''}`);
  for (const line of rest) output.out(`            ${line}`);
  output.out('');
}
