import * as vscode from 'vscode';
import type { Finding, Severity } from '../../core/audit/findings';
import type { ServerConnection } from '../../core/registry/connection';
import type { SecurityView } from './securityState';

/** Tree rows of the "Security" node and its findings; Markdown tooltips escape everything from the report. */

const SEVERITY_ICON: Record<Severity, [string, string]> = {
  error: ['error', 'list.errorForeground'],
  warning: ['warning', 'list.warningForeground'],
  info: ['info', 'notificationsInfoIcon.foreground'],
};

export function severityIcon(severity: Severity): vscode.ThemeIcon {
  const [id, color] = SEVERITY_ICON[severity];
  return new vscode.ThemeIcon(id, new vscode.ThemeColor(color));
}

export function severityLabel(severity: Severity): string {
  switch (severity) {
    case 'error':
      return vscode.l10n.t('Error');
    case 'warning':
      return vscode.l10n.t('Warning');
    case 'info':
      return vscode.l10n.t('Info');
  }
}

/** "1 error · 2 warnings · 1 info", or "No issues found". */
export function countsLabel(view: SecurityView): string {
  const c = view.counts;
  const parts: string[] = [];
  if (c.error) parts.push(vscode.l10n.t('{0} error(s)', c.error));
  if (c.warning) parts.push(vscode.l10n.t('{0} warning(s)', c.warning));
  if (c.info) parts.push(vscode.l10n.t('{0} info', c.info));
  return parts.length ? parts.join(' · ') : vscode.l10n.t('No issues found');
}

export function securityItem(c: ServerConnection, view: SecurityView): vscode.TreeItem {
  const findings = view.report?.findings ?? [];
  const state = findings.length === 0
    ? vscode.TreeItemCollapsibleState.None
    : view.counts.error > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(vscode.l10n.t('Security'), state);
  item.id = `security:${c.id}`;
  const silenced = view.report?.server.silenced.length ?? 0;
  const parts = [view.report ? countsLabel(view) : undefined];
  if (silenced) parts.push(vscode.l10n.t('{0} silenced', silenced));
  if (view.status === 'running') parts.push(vscode.l10n.t('auditing…'));
  if (view.status === 'failed') parts.push(vscode.l10n.t('audit failed'));
  item.description = parts.filter((p): p is string => p !== undefined).join(' · ');
  item.iconPath =
    view.status === 'running' && !view.report ? new vscode.ThemeIcon('loading~spin')
    : view.status === 'failed' && !view.report ? new vscode.ThemeIcon('shield', new vscode.ThemeColor('list.errorForeground'))
    : view.counts.error > 0 ? new vscode.ThemeIcon('shield', new vscode.ThemeColor('list.errorForeground'))
    : view.counts.warning > 0 ? new vscode.ThemeIcon('shield', new vscode.ThemeColor('list.warningForeground'))
    : new vscode.ThemeIcon('shield', new vscode.ThemeColor('charts.green'));
  item.tooltip = securityTooltip(view);
  item.contextValue = `security ${view.status}`;
  item.accessibilityInformation = { label: `${vscode.l10n.t('Security')}, ${item.description}` };
  return item;
}

function securityTooltip(view: SecurityView): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown('$(shield) **');
  md.appendText(vscode.l10n.t('Security audit'));
  md.appendMarkdown('**  \n');
  if (view.report) {
    md.appendText(countsLabel(view));
    md.appendMarkdown('  \n');
    for (const f of view.report.findings) {
      md.appendMarkdown(`$(${SEVERITY_ICON[f.severity][0]}) \``);
      md.appendText(f.id);
      md.appendMarkdown('` ');
      md.appendText(f.title);
      md.appendMarkdown('  \n');
    }
    if (view.report.server.silenced.length) {
      md.appendText(vscode.l10n.t('Silenced: {0}', view.report.server.silenced.join(', ')));
      md.appendMarkdown('  \n');
    }
  }
  if (view.status === 'failed' && view.error) {
    md.appendText(vscode.l10n.t('The last audit failed: {0}', view.error));
    md.appendMarkdown('  \n');
  }
  if (view.finishedAt !== undefined) {
    md.appendText(vscode.l10n.t('Audited {0}', new Date(view.finishedAt).toLocaleString(vscode.env.language)));
  }
  return md;
}

export function findingItem(c: ServerConnection, f: Finding): vscode.TreeItem {
  const item = new vscode.TreeItem(f.title, vscode.TreeItemCollapsibleState.None);
  item.id = `finding:${c.id}:${f.id}`;
  item.description = f.id;
  item.iconPath = severityIcon(f.severity);
  item.tooltip = findingTooltip(f);
  item.contextValue = `finding ${f.severity}`;
  item.accessibilityInformation = { label: `${severityLabel(f.severity)}: ${f.title} (${f.id})` };
  return item;
}

export function findingTooltip(f: Finding): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`$(${SEVERITY_ICON[f.severity][0]}) **`);
  md.appendText(`${severityLabel(f.severity)}: ${f.title}`);
  md.appendMarkdown('**  \n`');
  md.appendText(f.id);
  md.appendMarkdown('`\n\n**');
  md.appendText(vscode.l10n.t('Evidence'));
  md.appendMarkdown('**\n');
  md.appendCodeblock(f.evidence, 'text');
  md.appendMarkdown('\n**');
  md.appendText(vscode.l10n.t('Fix'));
  md.appendMarkdown('**\n');
  md.appendCodeblock(f.fix, 'text');
  return md;
}
