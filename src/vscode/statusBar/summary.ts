import * as vscode from 'vscode';
import { isUsable } from '../../core/lifecycle/state';
import type { ServerConnection } from '../../core/registry/connection';
import { isInsecure } from '../presentation/serverPresentation';

export type SummaryLevel = 'ok' | 'busy' | 'warning' | 'error' | 'none';

export interface ConnectionSummary {
  /** Status bar text with codicons, e.g. `$(plug) 2 Jupyter`. */
  text: string;
  level: SummaryLevel;
  /** One line saying why the item looks like this. */
  headline: string;
}

/**
 * One summary for every connection, worst first: a session that needs the user, a server lost while in use,
 * a silent re-login, someone connecting, an insecure connection, a lost kernel, every session idle-closed; else
 * the connected count.
 */
export function summarize(servers: readonly ServerConnection[]): ConnectionSummary {
  const count = (pred: (c: ServerConnection) => boolean): number => servers.filter(pred).length;
  const connected = count((c) => isUsable(c.state));
  const expired = count((c) => c.state.kind === 'auth-expired');
  const unreachable = servers.filter((c) => c.state.kind === 'unreachable');
  const busy = count((c) => c.state.kind === 'connecting');
  const reauth = count((c) => c.state.kind === 're-authenticating');
  const idle = count((c) => c.state.kind === 'idle-expired');
  const insecure = count(isInsecure);
  const lost = count((c) => c.state.kind === 'kernel-lost');
  const n = connected > 0 ? `${connected} ` : '';

  if (expired > 0) {
    return { text: `$(key) ${n}Jupyter: ${vscode.l10n.t('session expired')}`, level: 'error', headline: vscode.l10n.t('{0} server(s) need you to sign in again.', expired) };
  }
  if (unreachable.length > 0) {
    const retrying = unreachable.some((c) => c.lifecycle.isRetrying);
    return retrying
      ? { text: `$(sync~spin) ${n}Jupyter: ${vscode.l10n.t('reconnecting')}`, level: 'warning', headline: vscode.l10n.t('{0} server(s) cannot be reached; reconnecting.', unreachable.length) }
      : { text: `$(debug-disconnect) ${n}Jupyter: ${vscode.l10n.t('unreachable')}`, level: 'error', headline: vscode.l10n.t('{0} server(s) cannot be reached.', unreachable.length) };
  }
  if (reauth > 0) {
    return { text: `$(sync~spin) ${n}Jupyter: ${vscode.l10n.t('signing in again')}`, level: 'busy', headline: vscode.l10n.t('Signing in again to {0} server(s) with the saved credentials…', reauth) };
  }
  if (busy > 0) {
    return { text: `$(sync~spin) ${n}Jupyter`, level: 'busy', headline: vscode.l10n.t('Connecting to {0} server(s)…', busy) };
  }
  if (insecure > 0) {
    return { text: `$(unlock) ${n}Jupyter: ${vscode.l10n.t('insecure')}`, level: 'warning', headline: vscode.l10n.t('{0} connection(s) are insecure.', insecure) };
  }
  if (lost > 0) {
    return { text: `$(warning) ${n}Jupyter: ${vscode.l10n.t('kernel lost')}`, level: 'warning', headline: vscode.l10n.t('Kernels were lost on {0} server(s).', lost) };
  }
  if (idle > 0 && idle === connected) {
    // Not a problem (no background colour): the sessions were closed for inactivity and reopen on next use.
    return { text: `$(watch) ${n}Jupyter: ${vscode.l10n.t('idle')}`, level: 'ok', headline: vscode.l10n.t('{0} server(s) idle: sessions closed after inactivity; they sign in again on next use.', idle) };
  }
  if (connected > 0) {
    return { text: `$(plug) ${connected} Jupyter`, level: 'ok', headline: vscode.l10n.t('{0} of {1} server(s) connected.', connected, servers.length) };
  }
  return {
    text: '$(debug-disconnect) Jupyter',
    level: 'none',
    headline: servers.length ? vscode.l10n.t('No server connected ({0} known).', servers.length) : vscode.l10n.t('No Jupyter servers yet.'),
  };
}
