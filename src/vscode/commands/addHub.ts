import * as vscode from 'vscode';
import type { HubConnection } from '../../core/hub/hub';
import type { HubSignIn } from '../../core/hub/hubs';
import { parseHubUrl } from '../../core/hub/hubUrl';
import { registerSecret } from '../../core/util/redact';
import { InvalidInputError } from '../../core/util/errors';
import { describeError, showError } from '../platform/errors';
import { withCancellableProgress } from '../platform/progress';
import { hubExpiry } from '../presentation/hubPresentation';
import type { CommandDeps } from './deps';

/**
 * Arguments that skip every prompt (tests, scripted use): `{ url, signIn: {user, password} | {token}, name? }`.
 * A failure is then thrown to the caller instead of shown.
 */
export interface AddHubArgs {
  url: string;
  signIn?: HubSignIn;
  name?: string;
}

function parseArgs(arg: unknown): AddHubArgs | undefined {
  if (typeof arg !== 'object' || arg === null || typeof (arg as { url?: unknown }).url !== 'string') return undefined;
  const a = arg as Record<string, unknown>;
  const out: AddHubArgs = { url: a['url'] as string };
  const s = a['signIn'] as { user?: unknown; password?: unknown; token?: unknown } | undefined;
  if (s && typeof s.user === 'string' && typeof s.password === 'string') {
    registerSecret(s.password);
    out.signIn = { user: s.user, password: s.password };
  } else if (s && typeof s.token === 'string') {
    registerSecret(s.token);
    out.signIn = { token: s.token, ...(typeof s.user === 'string' ? { user: s.user } : {}) };
  } else if (s !== undefined) {
    throw new InvalidInputError('The signIn argument is not valid.', { hint: 'Use {user, password} or {token}.' });
  }
  if (typeof a['name'] === 'string' && a['name']) out.name = a['name'];
  return out;
}

/**
 * Add Hub… (and Sign In to Hub…): the hub's URL (with or without hub/, or a server URL on it), then a user name and
 * password (exchanged once for a scoped, expiring token; the password is never kept) or a token made on the hub's
 * token page (a button opens it). Nothing is saved until the hub accepted the sign-in. Returns the hub's id.
 */
export async function addHub(deps: CommandDeps, arg?: unknown, prefill: { url?: string; user?: string } = {}): Promise<string | undefined> {
  const given = parseArgs(arg);
  const interactive = given?.signIn === undefined;
  try {
    const url = given?.url ?? prefill.url ?? (await askHubUrl());
    if (!url?.trim()) return undefined;
    const pasted = parseHubUrl(url);
    const signIn = given?.signIn ?? (pasted.token !== undefined ? { token: pasted.token } : await askSignIn(pasted.base.baseUrl, prefill.user ?? pasted.user));
    if (!signIn) return undefined;
    const hub = await withCancellableProgress(vscode.l10n.t('Signing in to {0}…', pasted.base.id), (signal) =>
      deps.hubs.add({ url, signIn, ...(given?.name ? { name: given.name } : {}) }, signal),
    );
    if (interactive) announce(hub);
    await deps.tree.scheduleRefresh();
    return hub.id;
  } catch (err) {
    if (!interactive) throw err;
    showError(vscode.l10n.t('Could not sign in to the hub:'), err);
    return undefined;
  }
}

function askHubUrl(): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Add JupyterHub'),
    prompt: vscode.l10n.t("The hub's address, or the URL of your server on it (…/user/<name>/)."),
    placeHolder: 'https://hub.example.org/',
    ignoreFocusOut: true,
    validateInput: (text) => {
      if (!text.trim()) return undefined;
      try {
        parseHubUrl(text);
        return undefined;
      } catch (err) {
        return describeError(err);
      }
    },
  });
}

/** Password or token; undefined when cancelled. */
async function askSignIn(base: URL, user: string | undefined): Promise<HubSignIn | undefined> {
  type Item = vscode.QuickPickItem & { how: 'password' | 'token' };
  const items: Item[] = [
    {
      label: vscode.l10n.t('User name and password'),
      detail: vscode.l10n.t('Exchanged once for a token that only reaches your servers and expires; the password is not kept.'),
      how: 'password',
    },
    {
      label: vscode.l10n.t('A token made on the hub'),
      detail: vscode.l10n.t('For hubs that sign in through another site (GitHub, your organisation): make one on the hub\'s token page.'),
      how: 'token',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Sign in to {0}', base.host), ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.how === 'password') {
    const name = await vscode.window.showInputBox({
      title: vscode.l10n.t('User name on {0}', base.host),
      ignoreFocusOut: true,
      ...(user ? { value: user } : {}),
      validateInput: (t) => (t.trim() ? undefined : vscode.l10n.t('Enter your user name, or press Escape to cancel.')),
    });
    if (!name?.trim()) return undefined;
    const password = await vscode.window.showInputBox({
      title: vscode.l10n.t('Password for {0} on {1}', name.trim(), base.host),
      prompt: vscode.l10n.t('Sent once to the hub to make a token; never stored.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (t) => (t ? undefined : vscode.l10n.t('Enter the password, or press Escape to cancel.')),
    });
    if (!password) return undefined;
    registerSecret(password);
    return { user: name.trim(), password };
  }
  const tokenPage = new URL('hub/token', base);
  const open: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('link-external'), tooltip: vscode.l10n.t("Open the hub's token page") };
  return new Promise<HubSignIn | undefined>((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = vscode.l10n.t('Token for {0}', base.host);
    box.prompt = vscode.l10n.t("Paste a token made on {0} (the button opens it). Kept in VS Code's secret storage only.", tokenPage.href);
    box.password = true;
    box.ignoreFocusOut = true;
    box.buttons = [open];
    let done = false;
    const finish = (v: HubSignIn | undefined): void => {
      if (done) return;
      done = true;
      resolve(v);
      box.dispose();
    };
    box.onDidTriggerButton(() => void vscode.env.openExternal(vscode.Uri.parse(tokenPage.href)));
    box.onDidAccept(() => {
      const token = box.value.trim();
      if (!token) {
        box.validationMessage = vscode.l10n.t('Paste the token, or press Escape to cancel.');
        return;
      }
      registerSecret(token);
      finish({ token, ...(user ? { user } : {}) });
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

function announce(hub: HubConnection): void {
  const scopes = hub.scopes;
  const broad = scopes.excess.length > 0 ? ' ' + vscode.l10n.t('The token can do more than its servers need ({0}); the security audit says more.', scopes.excess.join(', ')) : '';
  void vscode.window.showInformationMessage(vscode.l10n.t('Signed in to {0} as {1}. {2}', hub.base.id, hub.user, hubExpiry(hub)) + broad);
}
