import * as vscode from 'vscode';
import type { ServerConnection } from '../../core/registry/connection';
import { savedSecretOf } from '../../core/registry/serverSource';
import { isOnline, serverLabel } from '../presentation/serverPresentation';
import { summarize } from '../statusBar/summary';
import type { CommandDeps } from './deps';
import { COMMANDS } from '../ids';
import { serverPickItem, type ServerPick } from './target';

interface ActionPick extends vscode.QuickPickItem {
  command: string;
  args?: unknown[];
}

/** The status bar's quick pick: every server with its state, then the general actions. */
export async function showConnections(deps: CommandDeps): Promise<void> {
  const servers = deps.registry.list();
  const items: (ServerPick | ActionPick | vscode.QuickPickItem)[] = [];
  if (servers.length) {
    items.push({ label: vscode.l10n.t('Servers'), kind: vscode.QuickPickItemKind.Separator });
    items.push(...servers.map(serverPickItem));
  }
  items.push({ label: vscode.l10n.t('Actions'), kind: vscode.QuickPickItemKind.Separator });
  items.push(
    { label: `$(add) ${vscode.l10n.t('Add Server…')}`, command: COMMANDS.addServer },
    { label: `$(refresh) ${vscode.l10n.t('Refresh')}`, command: COMMANDS.refresh },
    { label: `$(output) ${vscode.l10n.t('Show Log')}`, command: COMMANDS.showLog },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Jupyter Connections'),
    placeHolder: summarize(servers).headline,
    matchOnDescription: true,
  });
  if (!picked) return;
  if ('server' in picked) return showServerActions(picked.server);
  if ('command' in picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
}

/** What can be done with one server, as a second quick pick. */
async function showServerActions(c: ServerConnection): Promise<void> {
  const a = (icon: string, label: string, command: string, when: boolean): ActionPick | undefined =>
    when ? { label: `$(${icon}) ${label}`, command, args: [c.id] } : undefined;
  const actions = [
    a('plug', vscode.l10n.t('Connect'), COMMANDS.connect, !isOnline(c)),
    a('debug-disconnect', vscode.l10n.t('Disconnect'), COMMANDS.disconnect, isOnline(c)),
    a('beaker', vscode.l10n.t('Test Connection'), COMMANDS.testConnection, true),
    a('copy', vscode.l10n.t('Copy Server URL'), COMMANDS.copyServerUrl, true),
    a('sign-out', vscode.l10n.t('Sign Out'), COMMANDS.signOut, c.client !== undefined),
    a('key', vscode.l10n.t('Forget Credentials'), COMMANDS.forgetCredentials, savedSecretOf(c.source) !== 'none'),
    a('trash', vscode.l10n.t('Remove Server'), COMMANDS.removeServer, c.savedEntry !== undefined),
  ].filter((x): x is ActionPick => x !== undefined);
  const picked = await vscode.window.showQuickPick(actions, { title: serverLabel(c), placeHolder: c.id });
  if (picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
}
