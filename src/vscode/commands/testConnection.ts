import * as vscode from 'vscode';
import { runCheck, type CheckReport } from '../../core/check/check';
import { showError } from '../platform/errors';
import { withCancellableProgress } from '../platform/progress';
import { serverLabel } from '../presentation/serverPresentation';
import type { CommandDeps } from './deps';
import { COMMANDS } from '../ids';
import { resolveServer } from './target';
import { offerTrust } from './trustCertificate';
import { reportMarkdown, stepMark, stepTitle } from './testReport';

/**
 * Test Connection: the core's check (reach, authenticate, XSRF, start a kernel, kernel WebSocket, clean up) on
 * the server's own client, each step shown in the progress notification; the result is a notification whose
 * "Show Details" opens the report. Returns the report (tests read it).
 */
export async function testConnection(deps: CommandDeps, arg: unknown): Promise<CheckReport | undefined> {
  const c = await resolveServer(deps.registry, arg, () => true, vscode.l10n.t('Test the connection to which server?'));
  if (!c) return undefined;
  const label = serverLabel(c);
  const hadClient = c.client !== undefined;
  let report: CheckReport;
  try {
    report = await withCancellableProgress(vscode.l10n.t('Testing {0}', label), async (signal, progress) => {
      const client = await c.ensureClient();
      return runCheck(client, { signal, onStep: (s) => progress.report(`${stepMark(s)} ${stepTitle(s.name)}`) });
    });
  } catch (err) {
    const prefix = vscode.l10n.t('Test Connection to {0} did not finish:', label);
    if (!offerTrust(prefix, err, c)) showError(prefix, err, c.id);
    return undefined;
  } finally {
    // A check on a server that was not connected leaves it as it was.
    if (!hadClient && c.client) await c.disconnect();
  }
  deps.log.info(`test connection ${c.id}: ${report.steps.map((s) => `${s.name} ${s.ok ? 'ok' : s.skipped ? 'skipped' : 'FAILED'}`).join(', ')}`);
  void deps.poller.refreshAll();
  void presentResult(deps, report, label, c.id);
  return report;
}

async function presentResult(deps: CommandDeps, report: CheckReport, label: string, id: string): Promise<void> {
  const details = vscode.l10n.t('Show Details');
  const showLog = vscode.l10n.t('Show Log');
  const trust = vscode.l10n.t('Trust Certificate…');
  const passed = report.steps.filter((s) => s.ok).length;
  let choice: string | undefined;
  if (report.ok) {
    choice = await vscode.window.showInformationMessage(vscode.l10n.t('Test Connection to {0}: all {1} steps passed.', label, passed), details);
  } else {
    const failed = report.steps.find((s) => !s.ok && !s.skipped);
    const why = failed ? `${stepTitle(failed.name)}: ${failed.detail}` : '';
    // A refused certificate (named in the detail): trusting it is the way on, after comparing it there.
    const offer = failed?.certificate ? [trust] : [];
    choice = await vscode.window.showWarningMessage(vscode.l10n.t('Test Connection to {0} failed at {1}', label, why), ...offer, details, showLog);
  }
  if (choice === details) await deps.reports.show(`test-${label}`, reportMarkdown(report, label, new Date()));
  else if (choice === showLog) await vscode.commands.executeCommand(COMMANDS.showLog);
  else if (choice === trust) await vscode.commands.executeCommand(COMMANDS.trustCertificate, id);
}
