import * as vscode from 'vscode';
import { hasOwnProxy, proxyChoice } from '../../core/registry/trustChoices';
import { proxyUri } from '../../core/transport/proxy';
import { InvalidInputError, isJupyterError } from '../../core/util/errors';
import { showError } from '../platform/errors';
import { withCancellableProgress } from '../platform/progress';
import { serverLabel } from '../presentation/serverPresentation';
import type { CommandDeps } from './deps';
import { resolveServer } from './target';

/**
 * Set Proxy for Server…: this server through VS Code's proxy settings (the default), directly, or through its own
 * proxy URL (credentials go in http.proxyAuthorization, never in the URL). Proven by connecting before it is saved.
 * `given` (`shared`, `direct` or a URL) skips the prompts; a failure is then thrown to the caller.
 */
export async function setServerProxy(deps: CommandDeps, arg: unknown, given?: string): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, hasOwnProxy, vscode.l10n.t('Set the proxy of which server?'));
  if (!c) return false;
  const label = serverLabel(c);
  try {
    if (!hasOwnProxy(c)) {
      throw new InvalidInputError(`${label} is never reached through a proxy (it is on this machine, or a JupyterHub's).`, { hint: 'Nothing to set for this server.' });
    }
    const value = given ?? (await ask(c.savedEntry?.proxy));
    if (value === undefined) return false;
    await withCancellableProgress(vscode.l10n.t('Connecting to {0}…', label), (signal) => deps.registry.updateReach(c.id, proxyChoice(value), signal));
    deps.log.info(`${c.id}: proxy set to ${value === 'shared' || value === 'direct' ? value : proxyUri(value).href}`);
    return true;
  } catch (err) {
    if (given !== undefined) throw err;
    showError(vscode.l10n.t('The proxy of {0} was not changed:', label), err, isJupyterError(err) ? c.id : undefined);
    return false;
  }
}

async function ask(current: string | undefined): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { value: string };
  const mark = (on: boolean): string => (on ? ` ${vscode.l10n.t('(current)')}` : '');
  const items: Item[] = [
    { label: vscode.l10n.t('Use VS Code\'s Proxy Settings') + mark(current === undefined), detail: vscode.l10n.t('http.proxy, http.noProxy and http.proxySupport; else HTTPS_PROXY and NO_PROXY.'), value: 'shared' },
    { label: vscode.l10n.t('Connect Directly') + mark(current === 'direct'), detail: vscode.l10n.t('Never through a proxy.'), value: 'direct' },
    { label: vscode.l10n.t('Use Its Own Proxy…') + mark(current !== undefined && current !== 'direct'), detail: current && current !== 'direct' ? current : vscode.l10n.t('An HTTP CONNECT proxy for this server only.'), value: 'url' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Proxy for this server'), ignoreFocusOut: true });
  if (picked?.value !== 'url') return picked?.value;
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Proxy URL for this server'),
    prompt: vscode.l10n.t('e.g. http://proxy.example.org:3128. Put a user name and password in http.proxyAuthorization, not here.'),
    ...(current && current !== 'direct' ? { value: current } : {}),
    ignoreFocusOut: true,
    validateInput: (text) => {
      try {
        return proxyUri(text).authorization ? vscode.l10n.t('Leave the user name and password out of the URL.') : undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
}
