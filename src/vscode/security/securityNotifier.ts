import * as vscode from 'vscode';
import { findingSetKey } from '../../core/audit/silencing';
import type { ServerRegistry } from '../../core/registry/registry';
import type { StateStore } from '../../core/registry/stateStore';
import type { Disposable } from '../../core/util/disposable';
import { COMMANDS } from '../ids';
import { serverLabel } from '../presentation/serverPresentation';
import type { SecurityState } from './securityState';

/** globalState key: the finding sets already shown (server id + sorted finding ids; no secrets). */
export const NOTIFIED_KEY = 'secureJupyter.security.notified';
/** Oldest records are dropped beyond this many. */
const MAX_RECORDS = 200;

/**
 * Tells the user once per server and finding set when an audit finds an error-level problem that is not
 * silenced, with a "Show Report" button. Warnings alone are shown in the tree only (a default Jupyter server
 * has some). A changed finding set (fixed, new, or silenced) is a new set.
 */
export class SecurityNotifier implements Disposable {
  private readonly subscription: Disposable;

  constructor(
    private readonly security: SecurityState,
    private readonly registry: ServerRegistry,
    private readonly state: StateStore,
  ) {
    this.subscription = security.onDidChange((id) => void this.consider(id));
  }

  shown(): string[] {
    const v = this.state.get<unknown>(NOTIFIED_KEY) ?? [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  private async consider(serverId: string): Promise<void> {
    const view = this.security.view(serverId);
    const server = this.registry.get(serverId);
    if (!view || view.status !== 'done' || !view.report || view.counts.error === 0 || !server) return;
    const key = findingSetKey(serverId, view.report.findings);
    const shown = this.shown();
    if (shown.includes(key)) return;
    await this.state.update(NOTIFIED_KEY, [...shown, key].slice(-MAX_RECORDS));
    const showReport = vscode.l10n.t('Show Report');
    const ids = view.report.findings.filter((f) => f.severity === 'error').map((f) => f.id).join(', ');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('The security audit of {0} found {1} error-level problem(s): {2}.', serverLabel(server), view.counts.error, ids),
      showReport,
    );
    if (choice === showReport) await vscode.commands.executeCommand(COMMANDS.showSecurityReport, serverId);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
