import * as vscode from 'vscode';
import type { ServerRegistry } from '../../core/registry/registry';
import type { Disposable } from '../../core/util/disposable';
import { SETTINGS_SECTION } from '../ids';
import { serverLabel } from '../presentation/serverPresentation';

/**
 * Says once per busy stretch that a server is no longer kept alive: its kernel outlasted the keep-alive maximum
 * (secureJupyter.keepAliveWhileBusy.maxHours), so the server's idle shutdown or a hub's culler may now stop it.
 * The core logs the same once.
 */
export class KeepAliveNotifier implements Disposable {
  private readonly subscription: Disposable;

  constructor(registry: ServerRegistry) {
    this.subscription = registry.onDidReachKeepAliveLimit(({ serverId, maxMs }) => {
      const c = registry.get(serverId);
      const name = c ? serverLabel(c) : serverId;
      const settings = vscode.l10n.t('Settings');
      const hoursText = String(Math.round((maxMs / 3_600_000) * 100) / 100);
      const message = vscode.l10n.t(
        'A kernel on {0} has been busy for {1} h, the keep-alive maximum: the server is no longer kept alive, so its idle shutdown or a hub culler may stop it.',
        name,
        hoursText,
      );
      void vscode.window.showWarningMessage(message, settings).then((choice) => {
        if (choice === settings) void vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.keepAliveWhileBusy`);
      });
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
