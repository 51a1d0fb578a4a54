import * as vscode from 'vscode';
import { parsePastedUrl } from '../../core/discovery/pastedUrl';
import { noCredential, passwordCredential, tokenCredential, type Credential } from '../../core/session/credentials';
import { describeError } from '../platform/errors';

/** Asks for the server URL; validates as the user types (the URL may carry ?token=, which is taken out later). */
export function askServerUrl(value?: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Add Jupyter Server'),
    prompt: vscode.l10n.t('Paste the server URL, as the server printed it (a ?token=… in it is moved to the secret storage).'),
    placeHolder: 'https://jupyter.example.org/?token=…',
    ignoreFocusOut: true,
    ...(value !== undefined ? { value } : {}),
    validateInput: (text) => {
      if (!text.trim()) return undefined;
      try {
        parsePastedUrl(text);
        return undefined;
      } catch (err) {
        return describeError(err);
      }
    },
  });
}

/** Asks whether the server wants a token or a password, then for it (hidden input). Undefined: cancelled. */
export async function askCredential(serverId: string): Promise<Credential | undefined> {
  type Kind = vscode.QuickPickItem & { kind2: 'token' | 'password' | 'none' };
  const items: Kind[] = [
    { label: vscode.l10n.t('Token'), detail: vscode.l10n.t('The token the server printed (…?token=…) or was started with.'), kind2: 'token' },
    { label: vscode.l10n.t('Password'), detail: vscode.l10n.t('The password set with `jupyter server password`: signs in for a cookie session.'), kind2: 'password' },
    { label: vscode.l10n.t('No credentials'), detail: vscode.l10n.t('The server has authentication turned off.'), kind2: 'none' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('How does {0} authenticate?', serverId),
    placeHolder: vscode.l10n.t('The URL has no token: choose how to sign in'),
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  if (picked.kind2 === 'none') return noCredential;
  const isToken = picked.kind2 === 'token';
  const secret = await vscode.window.showInputBox({
    title: isToken ? vscode.l10n.t('Token for {0}', serverId) : vscode.l10n.t('Password for {0}', serverId),
    prompt: vscode.l10n.t('Kept in VS Code’s secret storage, never in settings or logs.'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (text) => (text ? undefined : vscode.l10n.t('Enter a value, or press Escape to cancel.')),
  });
  if (!secret) return undefined;
  return isToken ? tokenCredential(secret.trim()) : passwordCredential(secret);
}
