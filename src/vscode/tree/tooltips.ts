import * as vscode from 'vscode';
import type { HubConnection } from '../../core/hub/hub';
import type { KernelModel, SessionModel } from '../../core/rest';
import type { ServerConnection } from '../../core/registry/connection';
import { describeTrust } from '../../core/registry/trustChoices';
import { describePlan } from '../../core/session/credentials';
import { hubExpiry } from '../presentation/hubPresentation';
import { authLabel, relativeTime, serverLabel, stateDetail, stateHint, versionLabel } from '../presentation/serverPresentation';

/** Markdown tooltips. Values go through appendText (escaped); nothing secret is known to these functions' inputs. */

function field(md: vscode.MarkdownString, name: string, value: string | number | undefined): void {
  if (value === undefined || value === '') return;
  md.appendMarkdown(`**${name}:** `);
  md.appendText(String(value));
  md.appendMarkdown('  \n');
}

/** A hub: where it is, who is signed in, the token's expiry and scopes, and why it needs the user, if it does. */
export function hubTooltip(hub: HubConnection, servers: number): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown('$(server-environment) **');
  md.appendText(hub.label);
  md.appendMarkdown('**  \n');
  field(md, vscode.l10n.t('Hub'), hub.base.id);
  field(md, vscode.l10n.t('User'), hub.user);
  field(md, vscode.l10n.t('Token'), hubExpiry(hub));
  field(md, vscode.l10n.t('Token scopes'), hub.entry.scopes.join(', ') || vscode.l10n.t('unknown'));
  field(md, vscode.l10n.t('Servers'), servers);
  if (hub.status.kind === 'signed-out' || hub.status.kind === 'unreachable') field(md, vscode.l10n.t('State'), hub.status.error);
  return md;
}

export function serverTooltip(c: ServerConnection, notebookKernels = 0): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown('$(server) **');
  md.appendText(serverLabel(c));
  md.appendMarkdown('**  \n');
  field(md, vscode.l10n.t('URL'), c.id);
  field(md, vscode.l10n.t('State'), stateDetail(c));
  field(md, vscode.l10n.t('Next'), stateHint(c));
  field(md, vscode.l10n.t('Version'), versionLabel(c));
  if (notebookKernels > 0) field(md, vscode.l10n.t('Notebooks'), vscode.l10n.t('{0} kernel(s) in use by notebooks in VS Code, through this connection', notebookKernels));
  const plan = c.client?.auth.plan;
  field(md, vscode.l10n.t('Authentication'), plan ? describePlan(plan) : authLabel(c));
  const runtime = c.runtime?.info;
  field(md, vscode.l10n.t('Root dir'), runtime?.rootDir);
  field(md, vscode.l10n.t('PID'), runtime?.pid);
  field(md, vscode.l10n.t('Runtime file'), runtime?.source);
  const auth = c.client?.auth;
  if (auth?.usesCookies) {
    const expiry = auth.jar.loginExpiry(c.endpoint.baseUrl);
    field(md, vscode.l10n.t('Login cookie expires'), expiry ? expiry.toLocaleString(vscode.env.language) : vscode.l10n.t('no login cookie'));
  }
  if (c.kernelsListedAt !== undefined) {
    field(md, vscode.l10n.t('Kernels'), vscode.l10n.t('{0} (listed {1})', c.kernels.length, relativeTime(new Date(c.kernelsListedAt).toISOString()) ?? ''));
  }
  const saved = c.savedEntry;
  if (saved) field(md, vscode.l10n.t('Added'), new Date(saved.addedAt).toLocaleString(vscode.env.language));
  const trust = describeTrust(c.savedEntry);
  if (trust.length) field(md, vscode.l10n.t('Trust'), trust.join('; '));
  field(md, vscode.l10n.t('Keep-alive'), keepAliveDetail(c));
  if (c.state.error) field(md, vscode.l10n.t('Last error'), c.state.error.message);
  const refused = c.state.error?.certificate;
  if (refused) {
    field(md, vscode.l10n.t('Refused certificate'), `${refused.subject}${refused.selfSigned ? vscode.l10n.t(' (self-signed)') : ''}`);
    field(md, vscode.l10n.t('Issued by'), refused.issuer);
    field(md, vscode.l10n.t('Valid'), `${refused.validFrom.slice(0, 10)} – ${refused.validTo.slice(0, 10)}`);
    field(md, vscode.l10n.t('SHA-256'), refused.fingerprint256);
    field(md, vscode.l10n.t('To trust it'), vscode.l10n.t('Compare the fingerprint with the one the administrator gives you, then use Trust Certificate… on this server.'));
  }
  for (const reason of c.insecure) {
    md.appendMarkdown('$(warning) ');
    md.appendText(vscode.l10n.t('Insecure: {0}', reason.text));
    md.appendMarkdown('  \n');
  }
  return md;
}

/** The server row's suffix while a busy kernel keeps it alive (or no longer does, at the maximum). */
export function keepAliveLabel(c: ServerConnection): string | undefined {
  const s = c.keepAlive.status;
  if (s.kind === 'keeping') return vscode.l10n.t('kept alive');
  if (s.kind === 'stopped-at-maximum') return vscode.l10n.t('keep-alive stopped');
  return undefined;
}

function keepAliveDetail(c: ServerConnection): string | undefined {
  const s = c.keepAlive.status;
  const time = (ms: number): string => new Date(ms).toLocaleString(vscode.env.language);
  switch (s.kind) {
    case 'off':
      return undefined;
    case 'watching':
      return vscode.l10n.t('on: kept alive while one of its kernels is busy');
    case 'keeping':
      return vscode.l10n.t('a kernel is busy since {0}: a request every {1} min keeps the server from idle shutdown and culling, until {2} at the latest', time(s.since), Math.round((s.intervalMs / 60_000) * 100) / 100, time(s.until));
    case 'stopped-at-maximum':
      return vscode.l10n.t('stopped after {0} h (the maximum) with a kernel still busy: idle shutdown or a culler may stop the server', Math.round((s.maxMs / 3_600_000) * 100) / 100);
  }
}

export function kernelTooltip(k: KernelModel, sessions: readonly SessionModel[], inNotebook = false): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown('$(symbol-event) **');
  md.appendText(k.name);
  md.appendMarkdown('**  \n');
  field(md, vscode.l10n.t('ID'), k.id);
  field(md, vscode.l10n.t('State'), k.execution_state);
  field(md, vscode.l10n.t('Last activity'), k.last_activity ? `${new Date(k.last_activity).toLocaleString(vscode.env.language)} (${relativeTime(k.last_activity) ?? ''})` : undefined);
  field(md, vscode.l10n.t('Connections'), k.connections);
  const used = sessions.filter((s) => s.kernel?.id === k.id).map(sessionPath);
  if (used.length) field(md, vscode.l10n.t('Used by'), used.join(', '));
  if (inNotebook) field(md, vscode.l10n.t('In VS Code'), vscode.l10n.t('a notebook runs on this kernel through this connection'));
  return md;
}

/**
 * A session's notebook path as the user knows it. The Jupyter extension names its sessions on remote servers
 * `<notebook>-jvsc-<uuid>.ipynb`; the suffix is dropped.
 */
export function sessionPath(s: SessionModel): string {
  return (s.path ?? s.notebook?.path ?? s.name ?? s.id).replace(/-jvsc-[0-9a-f-]{32,}(\.ipynb)$/i, '$1');
}
