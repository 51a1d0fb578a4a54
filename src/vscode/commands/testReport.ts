import * as vscode from 'vscode';
import type { CheckReport, CheckStep, CheckStepName } from '../../core/check/check';

export function stepTitle(name: CheckStepName): string {
  switch (name) {
    case 'reach':
      return vscode.l10n.t('Reach the API');
    case 'authenticate':
      return vscode.l10n.t('Authenticate');
    case 'xsrf':
      return vscode.l10n.t('XSRF protection');
    case 'start-kernel':
      return vscode.l10n.t('Start a kernel');
    case 'kernel-websocket':
      return vscode.l10n.t('Kernel WebSocket');
    case 'cleanup':
      return vscode.l10n.t('Clean up');
  }
}

export function stepMark(s: CheckStep): string {
  return s.skipped ? '–' : s.ok ? '✓' : '✗';
}

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The report as Markdown. Step details are redacted by the core; nothing else here comes from a server. */
export function reportMarkdown(report: CheckReport, label: string, at: Date): string {
  const passed = report.steps.filter((s) => s.ok).length;
  const lines = [
    `# ${vscode.l10n.t('Test Connection')}: ${cell(label)}`,
    '',
    `${cell(report.server.url)} · ${report.server.version ? `Jupyter ${cell(report.server.version)} · ` : ''}${cell(report.server.auth)} · ${at.toLocaleString(vscode.env.language)}`,
    '',
    `| | ${vscode.l10n.t('Step')} | ${vscode.l10n.t('Time')} | ${vscode.l10n.t('Detail')} |`,
    '|---|---|---:|---|',
    ...report.steps.map((s) => `| ${stepMark(s)} | ${stepTitle(s.name)} | ${s.skipped ? '' : `${s.ms}\u00a0ms`} | ${cell(s.detail)} |`),
    '',
    report.ok
      ? `**${vscode.l10n.t('All {0} steps passed.', passed)}**`
      : `**${vscode.l10n.t('{0} of {1} steps passed.', passed, report.steps.length)}**`,
    '',
  ];
  return lines.join('\n');
}
