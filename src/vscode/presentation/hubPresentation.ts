import * as vscode from 'vscode';
import { serverPhase, type HubConnection } from '../../core/hub/hub';
import type { HubServerModel } from '../../core/server/hubServer';
import { relativeTime } from './serverPresentation';

/** How hubs and their servers are shown (tree, notifications, quick picks). Nothing here holds a secret. */

export function phaseLabel(m: HubServerModel): string {
  switch (serverPhase(m)) {
    case 'running':
      return vscode.l10n.t('Running');
    case 'starting':
      return vscode.l10n.t('Starting…');
    case 'stopping':
      return vscode.l10n.t('Stopping…');
    case 'stopped':
      return vscode.l10n.t('Stopped');
  }
}

export function phaseIcon(m: HubServerModel): vscode.ThemeIcon {
  switch (serverPhase(m)) {
    case 'running':
      return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('charts.green'));
    case 'starting':
    case 'stopping':
      return new vscode.ThemeIcon('loading~spin');
    case 'stopped':
      return new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('descriptionForeground'));
  }
}

/** The server's name within its hub: "Default server" or the named server's name. */
export function hubServerLabel(m: HubServerModel): string {
  return m.name || vscode.l10n.t('Default server');
}

/** "Token expires in 6 days" / "Token never expires" / "Token expired". */
export function hubExpiry(hub: HubConnection, now = Date.now()): string {
  const at = hub.expiresAt;
  if (at === undefined) return hub.entry.signIn === 'token' && !hub.entry.tokenId ? vscode.l10n.t('Token expiry unknown.') : vscode.l10n.t('Token never expires.');
  if (at <= now) return vscode.l10n.t('Token expired.');
  return vscode.l10n.t('Token expires {0}.', relativeTime(new Date(at).toISOString(), now) ?? '');
}

export function hubStatusLabel(hub: HubConnection): string | undefined {
  const s = hub.status;
  switch (s.kind) {
    case 'signed-out':
      return vscode.l10n.t('Sign in again');
    case 'unreachable':
      return vscode.l10n.t('Unreachable');
    default:
      return undefined;
  }
}
