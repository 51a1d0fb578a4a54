import * as vscode from 'vscode';
import { isJupyterError, toJupyterError } from '../../core/util/errors';
import { redact } from '../../core/util/redact';
import { COMMANDS } from '../ids';

/** The text shown for a failure: a typed error's redacted message and hint; anything else is redacted too. */
export function describeError(err: unknown, serverUrl?: string): string {
  if (isJupyterError(err)) return err.describe();
  if (serverUrl !== undefined) return toJupyterError(err, serverUrl).describe();
  return redact(err instanceof Error ? err.message : String(err));
}

/** True for a failure caused by the user cancelling (progress Cancel, an aborted signal). */
export function isCancellation(err: unknown): boolean {
  return isJupyterError(err, 'Cancelled') || (err instanceof Error && err.name === 'AbortError');
}

/**
 * Shows a failure as an error notification with a "Show Log" button; cancellations are silent. Does not wait
 * for the notification to be dismissed, so the command that failed finishes at once.
 */
export function showError(prefix: string, err: unknown, serverUrl?: string): void {
  if (isCancellation(err)) return;
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(`${prefix} ${describeError(err, serverUrl)}`, showLog).then((choice) => {
    if (choice === showLog) void vscode.commands.executeCommand(COMMANDS.showLog);
  });
}
