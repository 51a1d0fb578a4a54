import * as vscode from 'vscode';
import type { TokenPromptPort, TokenPromptRequest } from '../../core/registry/tokenRecovery';

/**
 * The VS Code face of "the server's token no longer works": one warning saying so, with "Enter New Token…"; the
 * token is typed into a hidden input box and goes to the secret storage only after it was shown to work.
 */
export class NewTokenPrompt implements TokenPromptPort {
  async askForNewToken(request: TokenPromptRequest): Promise<string | undefined> {
    const enter = vscode.l10n.t('Enter New Token…');
    const message = request.previousAttemptError
      ? vscode.l10n.t('The new token for {0} did not work either: {1} The saved token was kept.', request.serverName, request.previousAttemptError)
      : vscode.l10n.t('{0} no longer accepts the saved token: it was probably restarted with a new one. {1}', request.serverName, request.reason);
    const choice = await vscode.window.showWarningMessage(message, enter);
    if (choice !== enter) return undefined;
    const token = await vscode.window.showInputBox({
      title: vscode.l10n.t('New token for {0}', request.serverName),
      prompt: vscode.l10n.t('The token the restarted server printed (…?token=…). Kept in VS Code’s secret storage, never in settings or logs.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() ? undefined : vscode.l10n.t('Enter a value, or press Escape to cancel.')),
    });
    return token?.trim() || undefined;
  }
}
