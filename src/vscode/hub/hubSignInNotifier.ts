import * as vscode from 'vscode';
import type { HubRegistry } from '../../core/hub/hubs';
import type { Disposable } from '../../core/util/disposable';
import { COMMANDS } from '../ids';
import { hubExpiry } from '../presentation/hubPresentation';

/**
 * Asks once per token (the hub decides "once"): a token that expires soon and may not renew itself, or one the hub
 * refused (revoked, expired). The button runs Sign In to Hub… for that hub.
 */
export class HubSignInNotifier implements Disposable {
  private readonly subscription: Disposable;

  constructor(hubs: HubRegistry) {
    this.subscription = hubs.onDidNeedSignIn(({ hub, reason }) => {
      const signIn = vscode.l10n.t('Sign In…');
      const message =
        reason === 'expiring'
          ? vscode.l10n.t('Your token for {0} cannot renew itself. {1} Sign in again to keep using its servers.', hub.label, hubExpiry(hub))
          : vscode.l10n.t('{0} no longer accepts your token (revoked or expired). Sign in again to use its servers.', hub.label);
      void vscode.window.showWarningMessage(message, signIn).then((choice) => {
        if (choice === signIn) void vscode.commands.executeCommand(COMMANDS.signInToHub, hub.id);
      });
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
