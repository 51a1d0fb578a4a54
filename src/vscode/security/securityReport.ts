import * as vscode from 'vscode';
import type { AuditServerSummary } from '../../core/audit/audit';
import type { Finding } from '../../core/audit/findings';
import { countsLabel, severityLabel } from './securityItems';
import type { SecurityView } from './securityState';

/**
 * The security report as Markdown, to read in the preview and to share: the server, what the probes saw, each
 * finding with its evidence and fix, and what is silenced. Everything in it comes from the core's report, whose
 * evidence and login cookie are redacted; text from the server is escaped or fenced.
 */

/** Escapes Markdown in inline text (a server's version string, a path). */
export function inline(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~-]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** A fenced block that no backtick run in `text` can close. */
export function fenced(text: string): string[] {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}text`, text, fence];
}

function serverLines(s: AuditServerSummary, maxHours: number): string[] {
  const p = s.probes;
  const row = (name: string, value: string): string => `| ${name} | ${value} |`;
  const yesNo = (v: boolean | null): string => (v === null ? vscode.l10n.t('not observed') : v ? vscode.l10n.t('yes') : vscode.l10n.t('no'));
  return [
    `| ${vscode.l10n.t('Server')} | |`,
    '|---|---|',
    row(vscode.l10n.t('URL'), inline(s.url)),
    row(vscode.l10n.t('Version'), s.version ? inline(`Jupyter ${s.version}`) : vscode.l10n.t('unknown')),
    row(vscode.l10n.t('Transport'), inline(s.transport)),
    row(vscode.l10n.t('Signed in with'), inline(s.auth)),
    row(vscode.l10n.t('Login cookie (as issued, value redacted)'), s.loginCookie ? `\`${s.loginCookie.replace(/[`|]/g, "'")}\`` : vscode.l10n.t('none observed')),
    row(vscode.l10n.t('Authentication'), inline(p.authentication)),
    row(vscode.l10n.t('XSRF check'), inline(p.xsrf)),
    row(vscode.l10n.t('Cross-origin requests'), inline(p.crossOrigin)),
    row(vscode.l10n.t('Token in pages'), yesNo(p.tokenInPage)),
    row(vscode.l10n.t('Expired login cookie replayed'), p.expiredCookieReplay === null ? vscode.l10n.t('not observed') : inline(p.expiredCookieReplay)),
    row(
      vscode.l10n.t('Runtime files'),
      s.runtimeFiles.length ? s.runtimeFiles.map((f) => `${inline(f.path)} ${inline(f.mode)}`).join('<br>') : vscode.l10n.t('none found for this server'),
    ),
    row(vscode.l10n.t('Maximum login-cookie lifetime'), vscode.l10n.t('{0} hours', maxHours)),
    ...certificateRows(s, row),
  ];
}

function certificateRows(s: AuditServerSummary, row: (name: string, value: string) => string): string[] {
  const c = s.certificate;
  if (!c) return s.transport === 'https' ? [row(vscode.l10n.t('Certificate'), vscode.l10n.t('not read'))] : [];
  return [
    row(vscode.l10n.t('Certificate'), `${inline(c.subject)}${c.selfSigned ? ` (${vscode.l10n.t('self-signed')})` : ''}`),
    row(vscode.l10n.t('Issued by'), inline(c.issuer)),
    row(vscode.l10n.t('Valid until'), inline(c.validTo)),
    row(vscode.l10n.t('SHA-256 fingerprint'), `\`${c.fingerprint256}\``),
    row(vscode.l10n.t('Read'), c.route === 'direct' ? vscode.l10n.t('directly') : vscode.l10n.t('through the proxy {0}', inline(c.route))),
    row(vscode.l10n.t('Pinned'), c.pinned ? vscode.l10n.t('yes') : vscode.l10n.t('no')),
    ...(c.verifyError ? [row(vscode.l10n.t('Refused by this server\'s trust'), inline(c.verifyError))] : []),
    row(vscode.l10n.t('Certificate expiry warning'), vscode.l10n.t('{0} days', s.certificateExpiryDays)),
  ];
}

function findingLines(f: Finding): string[] {
  return [
    `### ${severityLabel(f.severity)}: ${inline(f.title)}`,
    '',
    `${vscode.l10n.t('Finding id')}: \`${f.id}\``,
    '',
    `**${vscode.l10n.t('Evidence')}**`,
    '',
    ...fenced(f.evidence),
    '',
    `**${vscode.l10n.t('Fix')}**`,
    '',
    // One line per server family, fenced: the settings are copied from here as they are.
    ...fenced(f.fix),
    '',
  ];
}

export function securityReportMarkdown(view: SecurityView, label: string, at: Date): string {
  const report = view.report;
  const lines = [`# ${vscode.l10n.t('Security audit')}: ${inline(label)}`, ''];
  if (!report) {
    lines.push(view.error ? vscode.l10n.t('The audit failed: {0}', view.error) : vscode.l10n.t('The server has not been audited yet.'), '');
    return lines.join('\n');
  }
  const audited = view.finishedAt !== undefined ? new Date(view.finishedAt) : at;
  lines.push(`${vscode.l10n.t('Audited {0}', audited.toLocaleString(vscode.env.language))} · **${countsLabel(view)}**`, '');
  if (view.status === 'failed' && view.error) lines.push(`> ${inline(vscode.l10n.t('The latest audit failed, this is the one before: {0}', view.error))}`, '');
  const s = report.server;
  if (s.incomplete !== undefined) lines.push(`> ${inline(vscode.l10n.t('Only the certificate could be audited; the other probes did not run: {0}', s.incomplete))}`, '');
  lines.push(`${inline(s.url)} · ${s.version ? inline(`Jupyter ${s.version}`) : vscode.l10n.t('unknown version')} · ${inline(s.transport)} · ${inline(s.auth)}`, '');
  // What to act on first; the probe details follow for whoever checks the findings.
  lines.push(`## ${vscode.l10n.t('Findings')}`, '');
  if (report.findings.length === 0) lines.push(vscode.l10n.t('No issues found.'), '');
  for (const f of report.findings) lines.push(...findingLines(f));
  lines.push(`## ${vscode.l10n.t('Silenced')}`, '');
  lines.push(
    s.silenced.length
      ? vscode.l10n.t('These findings fired and are silenced by the setting {0}: {1}', '`secureJupyter.security.silencedFindings`', s.silenced.map((id) => `\`${id}\``).join(', '))
      : vscode.l10n.t('Nothing is silenced for this server.'),
    '',
  );
  lines.push(`## ${vscode.l10n.t('Server and probes')}`, '', ...serverLines(s, s.maxCookieHours), '');
  lines.push('---', '', vscode.l10n.t('The probes are side-effect free: no kernel started, no file written. Evidence is redacted: no token, password or cookie value appears here.'), '');
  return lines.join('\n');
}
