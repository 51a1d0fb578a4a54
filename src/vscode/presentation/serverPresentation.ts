import * as vscode from 'vscode';
import { isUsable, type ConnectionState } from '../../core/lifecycle/state';
import type { ServerConnection } from '../../core/registry/connection';
import { credentialKind, nameOf } from '../../core/registry/serverSource';

/** How a server is shown everywhere (tree, status bar, quick picks), in one place. Nothing here holds a secret. */

export function isOnline(c: ServerConnection): boolean {
  return isUsable(c.state) || c.state.kind === 'connecting';
}

export function isInsecure(c: ServerConnection): boolean {
  return isUsable(c.state) && c.insecure.length > 0;
}

/** The server's URL without scheme noise for a label: host:port/base (the id never carries a token). */
export function shortUrl(c: ServerConnection): string {
  if (c.endpoint.socketPath) return `${c.endpoint.socketPath}${c.endpoint.basePath === '/' ? '' : ` ${c.endpoint.basePath}`}`;
  const u = c.endpoint.baseUrl;
  return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

export function serverLabel(c: ServerConnection): string {
  return nameOf(c.source) ?? shortUrl(c);
}

export function stateLabel(state: ConnectionState): string {
  switch (state.kind) {
    case 'disconnected':
      return state.error ? vscode.l10n.t('Failed') : vscode.l10n.t('Disconnected');
    case 'connecting':
      return vscode.l10n.t('Connecting…');
    case 'connected':
      return vscode.l10n.t('Connected');
    case 'idle-expired':
      return vscode.l10n.t('Idle');
    case 'auth-expired':
      return vscode.l10n.t('Session expired');
    case 're-authenticating':
      return vscode.l10n.t('Signing in again…');
    case 'unreachable':
      return vscode.l10n.t('Unreachable');
    case 'kernel-lost':
      return vscode.l10n.t('Kernel lost');
  }
}

/** The state with what to know about it (the error is a typed error's redacted description). */
export function stateDetail(c: ServerConnection): string {
  const s = c.state;
  switch (s.kind) {
    case 'idle-expired':
      return vscode.l10n.t('Idle: the session was closed; it signs in again on next use.');
    case 'unreachable':
      return vscode.l10n.t('Unreachable (attempt {0}): {1}', s.attempt, s.error?.message ?? '');
    case 'kernel-lost':
      return vscode.l10n.t('{0} kernel(s) lost: the server restarted.', s.lostKernels?.length ?? 0);
    case 'connected':
      return c.insecure.length ? vscode.l10n.t('Connected, insecure: {0}', c.insecure.map((r) => r.text).join('; ')) : stateLabel(s);
    default:
      return s.error ? `${stateLabel(s)}: ${s.error.message}` : stateLabel(s);
  }
}

/** The local time of a state's timestamp (from the registry's clock: wall-clock ms). */
function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(vscode.env.language);
}

/** The tree row's state part: the label, plus when the next reconnect attempt is due. */
export function stateDescription(c: ServerConnection): string {
  const s = c.state;
  if (s.kind === 'unreachable' && s.retryAt !== undefined && c.lifecycle.isRetrying) return vscode.l10n.t('Unreachable, retrying at {0}', clockTime(s.retryAt));
  return stateLabel(s);
}

/** What happens next, or what the user can do, in each state (tooltips). Undefined: nothing to add. */
export function stateHint(c: ServerConnection): string | undefined {
  const s = c.state;
  switch (s.kind) {
    case 'disconnected':
      return vscode.l10n.t('Use Connect to open a session.');
    case 'idle-expired':
      return c.savedEntry && credentialKind(c.source) === 'none'
        ? vscode.l10n.t('Closed after {0} without use (setting secureJupyter.session.idleTimeout). The next use asks for credentials.', idleSpan(c))
        : vscode.l10n.t('Closed after {0} without use (setting secureJupyter.session.idleTimeout). The next use signs in again silently.', idleSpan(c));
    case 'auth-expired':
      return s.error?.code === 'InvalidToken'
        ? vscode.l10n.t('The saved token was refused (the server may have restarted with a new one). Use Connect, then Enter Credentials, to give the new one.')
        : vscode.l10n.t('The server ended the session and there is no saved credential that works. Use Connect to sign in again.');
    case 're-authenticating':
      return vscode.l10n.t('Signing in again with the saved credential; requests wait for it.');
    case 'unreachable':
      return s.retryAt !== undefined && c.lifecycle.isRetrying
        ? vscode.l10n.t('Next attempt at {0}.', clockTime(s.retryAt))
        : vscode.l10n.t('Not retrying any more. Use Connect to try again.');
    case 'kernel-lost':
      return vscode.l10n.t('The server restarted: the kernels’ state is gone. Start a new kernel.');
    default:
      return undefined;
  }
}

function idleSpan(c: ServerConnection): string {
  const minutes = c.lifecycle.idleTimeoutMs / 60_000;
  return minutes >= 1 ? vscode.l10n.t('{0} min', Math.round(minutes * 10) / 10) : vscode.l10n.t('{0} s', Math.round(minutes * 60));
}

/** How requests are authenticated: the live plan when connected, else what is saved or discovered. */
export function authLabel(c: ServerConnection): string {
  switch (isUsable(c.state) ? c.client?.auth.plan : undefined) {
    case 'token-header':
      return vscode.l10n.t('token');
    case 'token-login':
      return vscode.l10n.t('token login');
    case 'password-login':
      return vscode.l10n.t('password');
    case 'anonymous':
      return vscode.l10n.t('no auth');
  }
  const kind = credentialKind(c.source);
  return kind === 'password' ? vscode.l10n.t('password') : kind === 'token' ? vscode.l10n.t('token') : vscode.l10n.t('no credential');
}

export function versionLabel(c: ServerConnection): string | undefined {
  const info = c.runtime?.info;
  const v = c.version ?? info?.version;
  if (!v) return undefined;
  const kind = info?.kind === 'notebook' ? 'Notebook' : info?.kind === 'jupyter-server' ? 'Jupyter Server' : 'Jupyter';
  return `${kind} ${v}`;
}

export function stateIcon(c: ServerConnection): vscode.ThemeIcon {
  const color = (id: string): vscode.ThemeColor => new vscode.ThemeColor(id);
  const s = c.state;
  switch (s.kind) {
    case 'connected':
      return c.insecure.length > 0
        ? new vscode.ThemeIcon('unlock', color('list.warningForeground'))
        : new vscode.ThemeIcon('vm-active', color('charts.green'));
    case 'connecting':
      return new vscode.ThemeIcon('loading~spin');
    case 're-authenticating':
      return new vscode.ThemeIcon('sync~spin', color('charts.green'));
    case 'idle-expired':
      return new vscode.ThemeIcon('watch', color('descriptionForeground'));
    case 'auth-expired':
      return new vscode.ThemeIcon('key', color('list.warningForeground'));
    case 'unreachable':
      return new vscode.ThemeIcon('debug-disconnect', color('list.errorForeground'));
    case 'kernel-lost':
      return new vscode.ThemeIcon('warning', color('list.warningForeground'));
    case 'disconnected':
      return s.error ? new vscode.ThemeIcon('error', color('list.errorForeground')) : new vscode.ThemeIcon('vm-outline');
  }
}

/** A short relative time ("3 minutes ago") from an ISO date, in the UI language. */
export function relativeTime(iso: string | undefined, now = Date.now()): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return undefined;
  const seconds = Math.round((t - now) / 1000);
  const fmt = new Intl.RelativeTimeFormat(vscode.env.language, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return fmt.format(seconds, 'second');
  if (abs < 3600) return fmt.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return fmt.format(Math.round(seconds / 3600), 'hour');
  return fmt.format(Math.round(seconds / 86400), 'day');
}
