import * as vscode from 'vscode';
import type { ServerConnection } from '../../core/registry/connection';
import { isJupyterError, needsUser } from '../../core/util/errors';
import { describeError, isCancellation, showError } from '../platform/errors';
import { withCancellableProgress } from '../platform/progress';
import { isOnline, serverLabel } from '../presentation/serverPresentation';
import type { CommandDeps } from './deps';
import { COMMANDS } from '../ids';
import { resolveServer } from './target';
import { offerTrust } from './trustCertificate';

/** Connect, Disconnect, Sign Out, Forget Credentials, Remove Server, Copy Server URL. Each returns whether it acted. */

export async function connect(deps: CommandDeps, arg: unknown): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, (s) => !isOnline(s), vscode.l10n.t('Connect to which server?'));
  if (!c) return false;
  deps.autoConnect.userConnected(c.id);
  try {
    await withCancellableProgress(vscode.l10n.t('Connecting to {0}…', serverLabel(c)), (signal) => c.connect(signal));
    return true;
  } catch (err) {
    if (isCancellation(err)) return false;
    if (isJupyterError(err, 'ServerStopped')) {
      const start = vscode.l10n.t('Start Server');
      void vscode.window.showWarningMessage(describeError(err), start).then((choice) => {
        if (choice === start) void vscode.commands.executeCommand(COMMANDS.startHubServer, c.id);
      });
      return false;
    }
    if (isJupyterError(err) && needsUser(err)) {
      const enter = vscode.l10n.t('Enter Credentials');
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not connect to {0}: {1}', serverLabel(c), describeError(err)), enter).then((choice) => {
        if (choice === enter) void vscode.commands.executeCommand(COMMANDS.addServer, { url: c.id, askCredential: true, ...(c.savedEntry?.name ? { name: c.savedEntry.name } : {}) });
      });
      return false;
    }
    const prefix = vscode.l10n.t('Could not connect to {0}:', serverLabel(c));
    if (!offerTrust(prefix, err, c)) showError(prefix, err, c.id);
    return false;
  }
}

export async function disconnect(deps: CommandDeps, arg: unknown): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, isOnline, vscode.l10n.t('Disconnect which server?'));
  if (!c) return false;
  // Not reconnected automatically in this window, nor at the next start-up.
  deps.autoConnect.forget(c.id);
  await c.disconnect();
  return true;
}

export async function signOut(deps: CommandDeps, arg: unknown): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, (s) => s.client !== undefined, vscode.l10n.t('Sign out of which server?'));
  if (!c) return false;
  deps.autoConnect.forget(c.id);
  await c.signOut();
  void vscode.window.showInformationMessage(vscode.l10n.t('Signed out of {0}. The saved credential was kept.', serverLabel(c)));
  return true;
}

interface ConfirmOptions {
  /** false skips the confirmation dialog (tests, scripted use). */
  confirm?: boolean;
}

/** False when the options say `{ confirm: false }` (tests, scripted use): skip the confirmation dialog. */
export function confirmOption(arg: unknown): boolean {
  return !(typeof arg === 'object' && arg !== null && !Array.isArray(arg) && (arg as ConfirmOptions).confirm === false);
}

async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
  return choice === action;
}

export async function forgetCredentials(deps: CommandDeps, arg: unknown, options?: unknown): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, (s) => s.savedEntry !== undefined, vscode.l10n.t('Forget the credentials of which server?'));
  if (!c) return false;
  const ok = !confirmOption(options) || (await confirm(
    vscode.l10n.t('Forget the credentials of {0}?', serverLabel(c)),
    vscode.l10n.t('The saved token or password and the cookie session are deleted from the secret storage. The server stays in the list and asks for credentials on the next connect.'),
    vscode.l10n.t('Forget'),
  ));
  if (!ok) return false;
  deps.autoConnect.forget(c.id);
  await deps.registry.forgetCredentials(c.id);
  return true;
}

export async function removeServer(deps: CommandDeps, arg: unknown, options?: unknown): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, (s) => s.savedEntry !== undefined, vscode.l10n.t('Remove which server?'));
  if (!c) return false;
  const ok = !confirmOption(options) || (await confirm(
    vscode.l10n.t('Remove {0}?', serverLabel(c)),
    vscode.l10n.t('Its saved token or password and its cookie session are deleted. A server discovered on this machine keeps showing while it runs.'),
    vscode.l10n.t('Remove'),
  ));
  if (!ok) return false;
  deps.autoConnect.forget(c.id);
  try {
    await deps.registry.remove(c.id);
    return true;
  } catch (err) {
    showError(vscode.l10n.t('Could not remove {0}:', serverLabel(c)), err);
    return false;
  }
}

/** Copies the server's URL: its canonical id, which never carries a token. Returns what was copied. */
export async function copyServerUrl(deps: CommandDeps, arg: unknown): Promise<string | undefined> {
  const c: ServerConnection | undefined = await resolveServer(deps.registry, arg, () => true, vscode.l10n.t('Copy the URL of which server?'));
  if (!c) return undefined;
  await vscode.env.clipboard.writeText(c.id);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0} (without credentials)', c.id), 3000);
  return c.id;
}
