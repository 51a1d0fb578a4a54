import * as vscode from 'vscode';
import type { ServerConnection } from '../../core/registry/connection';
import type { ServerRegistry } from '../../core/registry/registry';
import type { ReportDocuments } from './reportDocuments';
import { resolveServer } from './target';
import { withCancellableProgress } from '../platform/progress';
import { isOnline, serverLabel } from '../presentation/serverPresentation';
import { securityReportMarkdown } from '../security/securityReport';
import type { SecurityState, SecurityView } from '../security/securityState';

export interface SecurityCommandDeps {
  readonly registry: ServerRegistry;
  readonly security: SecurityState;
  readonly reports: ReportDocuments;
}

/** A Security or finding row carries its server; anything else goes to the usual resolution. */
function serverOf(deps: SecurityCommandDeps, arg: unknown, placeHolder: string): Promise<ServerConnection | undefined> {
  if (typeof arg === 'object' && arg !== null) {
    const node = arg as { kind?: unknown; server?: ServerConnection };
    if ((node.kind === 'security' || node.kind === 'finding') && node.server) return Promise.resolve(node.server);
  }
  // Prefer servers that were audited or can be: online ones first in the pick.
  return resolveServer(deps.registry, arg, (c) => deps.security.view(c.id) !== undefined || isOnline(c), placeHolder);
}

async function auditWithProgress(deps: SecurityCommandDeps, c: ServerConnection): Promise<SecurityView | undefined> {
  return withCancellableProgress(vscode.l10n.t('Auditing the security of {0}', serverLabel(c)), (signal) => deps.security.audit(c, signal));
}

/**
 * Run Security Audit: audits the server now (safe probes only) and returns its view; a failure is shown with
 * the reason. The tree, status bar and notification follow by themselves.
 */
export async function runSecurityAudit(deps: SecurityCommandDeps, arg: unknown): Promise<SecurityView | undefined> {
  const c = await serverOf(deps, arg, vscode.l10n.t('Audit which server?'));
  if (!c) return undefined;
  const view = await auditWithProgress(deps, c);
  if (view?.status === 'failed') void vscode.window.showWarningMessage(vscode.l10n.t('The security audit of {0} failed: {1}', serverLabel(c), view.error ?? ''));
  return view;
}

/**
 * Show Security Report: the server's last audit (audited first when it never was) as a Markdown preview.
 * Returns the document's URI (tests open it).
 */
export async function showSecurityReport(deps: SecurityCommandDeps, arg: unknown): Promise<vscode.Uri | undefined> {
  const c = await serverOf(deps, arg, vscode.l10n.t('Show the security report of which server?'));
  if (!c) return undefined;
  let view = deps.security.view(c.id);
  // Never audited, or an audit is running: (join and) wait for it.
  if (!view?.report || deps.security.service.isRunning(c.id)) view = await auditWithProgress(deps, c);
  if (!view) return undefined;
  const label = serverLabel(c);
  return deps.reports.show(`security-${label}`, securityReportMarkdown(view, label, new Date()));
}
