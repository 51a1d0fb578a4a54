import * as vscode from 'vscode';
import type { KernelModel, SessionModel } from '../../core/rest';
import type { ServerConnection } from '../../core/registry/connection';
import { serverPhase, type HubConnection } from '../../core/hub/hub';
import { hubOf, nameOf, savedSecretOf } from '../../core/registry/serverSource';
import { hasOwnCertificate, hasOwnProxy } from '../../core/registry/trustChoices';
import { hubExpiry, hubServerLabel, hubStatusLabel, phaseIcon, phaseLabel } from '../presentation/hubPresentation';
import { authLabel, isOnline, relativeTime, serverLabel, shortUrl, stateDescription, stateIcon, versionLabel } from '../presentation/serverPresentation';
import type { ServerGroup } from './nodes';
import { hubTooltip, keepAliveLabel, kernelTooltip, serverTooltip, sessionPath } from './tooltips';

/**
 * `viewItem` context values: "server" followed by flags the menus match with regular expressions
 * (`viewItem =~ /^server\b.*\bonline\b/`): online|offline, saved, credential, discovered, https (its certificate
 * is its own to trust), certificateRefused (the last connection refused its certificate), proxiable, keptAlive (a busy
 * kernel keeps it alive: secureJupyter.keepAliveWhileBusy).
 */
export function serverContextValue(c: ServerConnection): string {
  const hub = hubOf(c.source);
  if (hub) {
    // A hub's server: online|offline only while the hub says it runs (Connect is no way to start it).
    const phase = serverPhase(hub.server);
    const flags = ['server', 'hub', phase];
    if (phase === 'running') flags.push(isOnline(c) ? 'online' : 'offline');
    if (hub.server.name) flags.push('named');
    if (c.keepAlive.keepingAlive) flags.push('keptAlive');
    return flags.join(' ');
  }
  const flags = ['server', isOnline(c) ? 'online' : 'offline'];
  if (c.savedEntry) flags.push('saved');
  if (savedSecretOf(c.source) !== 'none') flags.push('credential');
  if (c.runtime) flags.push('discovered');
  if (hasOwnCertificate(c)) flags.push('https');
  if (c.state.error?.certificate) flags.push('certificateRefused');
  if (hasOwnProxy(c)) flags.push('proxiable');
  if (c.keepAlive.keepingAlive) flags.push('keptAlive');
  return flags.join(' ');
}

export function groupItem(group: ServerGroup, count: number): vscode.TreeItem {
  const item = new vscode.TreeItem(group === 'local' ? vscode.l10n.t('Local') : vscode.l10n.t('Remote'), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${group}`;
  item.description = String(count);
  item.iconPath = new vscode.ThemeIcon(group === 'local' ? 'device-desktop' : 'globe');
  item.tooltip = group === 'local'
    ? vscode.l10n.t('Servers on this machine: discovered from Jupyter runtime files, or on loopback or a unix socket')
    : vscode.l10n.t('Servers you added on other machines');
  item.contextValue = `group ${group}`;
  return item;
}

/** A hub row: who is signed in, the hub's version, when the token lapses; children are the user's servers. */
export function hubItem(hub: HubConnection, servers: number): vscode.TreeItem {
  const item = new vscode.TreeItem(hub.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `hub:${hub.id}`;
  const status = hubStatusLabel(hub);
  const parts = [hub.entry.version ? `JupyterHub ${hub.entry.version}` : undefined, status, hubExpiry(hub).replace(/\.$/, '')];
  item.description = parts.filter((p): p is string => p !== undefined).join(' · ');
  item.iconPath = new vscode.ThemeIcon(hub.status.kind === 'signed-out' ? 'key' : 'server-environment', hub.status.kind === 'ok' || hub.status.kind === 'unknown' ? undefined : new vscode.ThemeColor('list.warningForeground'));
  item.tooltip = hubTooltip(hub, servers);
  item.contextValue = hub.status.kind === 'signed-out' ? 'hub signedOut' : 'hub';
  item.accessibilityInformation = { label: `${hub.label}, ${item.description}` };
  return item;
}

/** `notebookKernels`: how many of its kernels notebooks in this VS Code use through our provider. */
export function serverItem(c: ServerConnection, notebookKernels = 0): vscode.TreeItem {
  const hub = hubOf(c.source);
  if (hub && serverPhase(hub.server) !== 'running') return hubServerItem(c, hub.server);
  // Expandable as soon as it is connecting: its kernels then show when listed (a None→Expanded change later
  // would depend on what the tree remembers of the row).
  const item = new vscode.TreeItem(hub ? hubServerLabel(hub.server) : serverLabel(c), isOnline(c) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  item.id = `server:${c.id}`;
  const parts = hub
    ? [phaseLabel(hub.server), versionLabel(c), stateDescription(c), relativeTime(hub.server.last_activity)]
    : [nameOf(c.source) ? shortUrl(c) : undefined, versionLabel(c), authLabel(c), stateDescription(c)];
  if (notebookKernels > 0) parts.push(vscode.l10n.t('in use by notebooks ({0})', notebookKernels));
  if (c.insecure.length > 0 && isOnline(c)) parts.push(vscode.l10n.t('insecure'));
  parts.push(keepAliveLabel(c));
  item.description = parts.filter((p): p is string => p !== undefined).join(' · ');
  item.iconPath = stateIcon(c);
  item.tooltip = serverTooltip(c, notebookKernels);
  item.contextValue = serverContextValue(c);
  item.accessibilityInformation = { label: `${serverLabel(c)}, ${item.description}` };
  return item;
}

/** A hub's server that is not running: its phase and last activity; Start Server is its action. */
function hubServerItem(c: ServerConnection, m: Extract<ServerConnection['source'], { kind: 'hub' }>['server']): vscode.TreeItem {
  const item = new vscode.TreeItem(hubServerLabel(m), vscode.TreeItemCollapsibleState.None);
  item.id = `server:${c.id}`;
  const last = relativeTime(m.last_activity);
  item.description = [phaseLabel(m), last ? vscode.l10n.t('last active {0}', last) : undefined].filter((p): p is string => p !== undefined).join(' · ');
  item.iconPath = phaseIcon(m);
  item.tooltip = vscode.l10n.t('{0} at {1}: {2}. Start it with Start Server (nothing starts it implicitly).', hubServerLabel(m), c.id, phaseLabel(m));
  item.contextValue = serverContextValue(c);
  item.accessibilityInformation = { label: `${hubServerLabel(m)}, ${item.description}` };
  return item;
}

/** `inNotebook`: a notebook in this VS Code holds a socket to this kernel through our provider. */
export function kernelItem(c: ServerConnection, k: KernelModel, inNotebook = false): vscode.TreeItem {
  const item = new vscode.TreeItem(k.name, vscode.TreeItemCollapsibleState.None);
  item.id = `kernel:${c.id}:${k.id}`;
  const paths = c.sessions.filter((s) => s.kernel?.id === k.id).map(sessionPath);
  const notebook = inNotebook ? (paths.length > 0 ? vscode.l10n.t('in use by {0}', paths.join(', ')) : vscode.l10n.t('in use by a notebook')) : undefined;
  const parts = [notebook, k.execution_state, relativeTime(k.last_activity)];
  if (k.connections !== undefined) parts.push(vscode.l10n.t('{0} connection(s)', k.connections));
  item.description = parts.filter((p): p is string => p !== undefined).join(' · ');
  item.iconPath = new vscode.ThemeIcon(k.execution_state === 'busy' ? 'loading~spin' : 'symbol-event');
  item.tooltip = kernelTooltip(k, c.sessions, inNotebook);
  item.contextValue = inNotebook ? 'kernel notebook' : 'kernel';
  return item;
}

export function sessionItem(c: ServerConnection, s: SessionModel): vscode.TreeItem {
  const path = sessionPath(s);
  const item = new vscode.TreeItem(path, vscode.TreeItemCollapsibleState.None);
  item.id = `session:${c.id}:${s.id}`;
  item.description = s.kernel ? `${s.kernel.name} · ${s.kernel.id.slice(0, 8)}` : vscode.l10n.t('no kernel');
  item.iconPath = new vscode.ThemeIcon(s.type === 'console' ? 'terminal' : 'notebook');
  item.tooltip = s.kernel ? vscode.l10n.t('{0}: kernel {1} ({2})', path, s.kernel.name, s.kernel.id) : path;
  item.contextValue = 'session';
  return item;
}

export function emptyItem(c: ServerConnection): vscode.TreeItem {
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  item.id = `empty:${c.id}`;
  item.description = vscode.l10n.t('No kernels running');
  item.contextValue = 'empty';
  return item;
}
