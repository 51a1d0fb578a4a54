import * as vscode from 'vscode';
import { parsePastedUrl } from '../../core/discovery/pastedUrl';
import type { ServerConnection } from '../../core/registry/connection';
import type { ReachChange } from '../../core/registry/reach';
import { AUTH_MODES, noCredential, passwordCredential, tokenCredential, type AuthMode, type Credential } from '../../core/session/credentials';
import { InvalidInputError } from '../../core/util/errors';
import { showError } from '../platform/errors';
import { withCancellableProgress } from '../platform/progress';
import { versionLabel } from '../presentation/serverPresentation';
import { askCredential, askServerUrl } from './credentialPrompts';
import type { CommandDeps } from './deps';
import { COMMANDS } from '../ids';
import { trustForAdd } from './trustCertificate';

/**
 * Arguments that skip every prompt (tests, other extensions' links, "Enter Credentials" after a failure):
 * `{ url, credential?: {kind:'token',token} | {kind:'password',password} | {kind:'none'}, name?, authMode? }`.
 */
export interface AddServerArgs {
  url: string;
  credential?: Credential;
  name?: string;
  authMode?: AuthMode;
  /** Ask for a credential even when the URL has a token (updating a rejected one). */
  askCredential?: boolean;
}

function parseArgs(arg: unknown): AddServerArgs | undefined {
  if (typeof arg !== 'object' || arg === null || typeof (arg as { url?: unknown }).url !== 'string') return undefined;
  const a = arg as Record<string, unknown>;
  const out: AddServerArgs = { url: a['url'] as string };
  const c = a['credential'] as { kind?: unknown; token?: unknown; password?: unknown } | undefined;
  if (c?.kind === 'token' && typeof c.token === 'string') out.credential = tokenCredential(c.token);
  else if (c?.kind === 'password' && typeof c.password === 'string') out.credential = passwordCredential(c.password);
  else if (c?.kind === 'none') out.credential = noCredential;
  else if (c !== undefined) throw new InvalidInputError('The credential argument is not valid.', { hint: 'Use {kind:"token",token}, {kind:"password",password} or {kind:"none"}.' });
  if (typeof a['name'] === 'string' && a['name']) out.name = a['name'];
  if (AUTH_MODES.includes(a['authMode'] as AuthMode)) out.authMode = a['authMode'] as AuthMode;
  if (a['askCredential'] === true) out.askCredential = true;
  return out;
}

/**
 * Add Server: paste a URL; a token or password is asked only when the URL has none (and no runtime file of a
 * local server provides one); the server is validated by connecting before anything is saved.
 * Returns the server's id, or undefined when cancelled or failed. Called with arguments, it asks nothing
 * and a failure is thrown to the caller instead of shown.
 */
export async function addServer(deps: CommandDeps, arg?: unknown): Promise<string | undefined> {
  const given = parseArgs(arg);
  const interactive = given === undefined || given.askCredential === true;
  try {
    const url = given?.url ?? (await askServerUrl());
    if (!url?.trim()) return undefined;
    const pasted = parsePastedUrl(url);
    // A server on a JupyterHub without a token in its URL: signing in to the hub is what works there.
    if (given === undefined && pasted.token === undefined && (await offerHub(deps, url))) return undefined;
    let credential = given?.askCredential ? undefined : given?.credential;
    if (!credential && (pasted.token === undefined || given?.askCredential)) {
      const discovered = deps.registry.get(pasted.endpoint.id)?.runtime?.info.token;
      if (discovered && !given?.askCredential) credential = tokenCredential(discovered);
      else if (interactive) {
        credential = await askCredential(pasted.endpoint.id);
        if (!credential) return undefined;
      }
    }
    const input = { url, ...(credential ? { credential } : {}), ...(given?.name ? { name: given.name } : {}), ...(given?.authMode ? { authMode: given.authMode } : {}) };
    const add = (change?: ReachChange): Thenable<ServerConnection> =>
      withCancellableProgress(vscode.l10n.t('Connecting to {0}…', pasted.endpoint.id), (signal) => deps.registry.add({ ...input, ...change }, signal));
    let c: ServerConnection;
    try {
      c = await add();
    } catch (err) {
      // A refused certificate: shown, and trusted for this server only if the person says so after comparing it.
      const change = interactive ? await trustForAdd(pasted.endpoint.id, err, deps.registry.get(pasted.endpoint.id)?.savedEntry) : undefined;
      if (change === null) return undefined;
      if (!change) throw err;
      c = await add(change);
    }
    deps.log.info(`added ${c.id} (${c.savedEntry?.credential ?? 'none'} credential)`);
    if (interactive) announce(c, pasted.notes);
    return c.id;
  } catch (err) {
    if (!interactive) throw err;
    showError(vscode.l10n.t('Could not add the server:'), err);
    return undefined;
  }
}

/** True when the user chose to add the URL's hub instead (Add JupyterHub… runs with the URL). */
async function offerHub(deps: CommandDeps, url: string): Promise<boolean> {
  const hub = await deps.hubs.detect(url, AbortSignal.timeout(10_000));
  if (!hub) return false;
  type Item = vscode.QuickPickItem & { hub: boolean };
  const items: Item[] = [
    { label: vscode.l10n.t('Add the JupyterHub'), detail: vscode.l10n.t('Sign in once; start, stop and use your servers on it (JupyterHub {0}).', hub.version), hub: true },
    { label: vscode.l10n.t('Add this server only'), detail: vscode.l10n.t('With a token for this one server.'), hub: false },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('This server runs on a JupyterHub'), ignoreFocusOut: true });
  if (!picked) return true;
  if (!picked.hub) return false;
  await vscode.commands.executeCommand(COMMANDS.addHub, undefined, { url });
  return true;
}

function announce(c: ServerConnection, notes: readonly string[]): void {
  const what = [versionLabel(c), ...notes].filter((p): p is string => p !== undefined).join(' ');
  void vscode.window.showInformationMessage(vscode.l10n.t('Added {0}. {1}', c.id, what).trim());
}
