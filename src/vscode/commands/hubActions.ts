import * as vscode from 'vscode';
import { describeServer, serverPhase, type HubConnection } from '../../core/hub/hub';
import type { ServerConnection } from '../../core/registry/connection';
import { hubOf } from '../../core/registry/serverSource';
import { isCancellation, showError } from '../platform/errors';
import { toAbortSignal } from '../platform/progress';
import { hubServerLabel } from '../presentation/hubPresentation';
import { isHubNode, isServerNode } from '../tree/nodes';
import { addHub } from './addHub';
import { confirmOption } from './serverActions';
import type { CommandDeps } from './deps';

/** Start Server, Stop Server, New Named Server…, Delete Named Server, Sign In to Hub…, Remove Hub. */

/** A hub's server a command applies to: a tree row, `{ hubId, serverName }`, a server id, or a quick pick. */
interface HubServerTarget {
  readonly hub: HubConnection;
  readonly serverName: string;
  readonly connection?: ServerConnection;
}

function resolveHub(deps: CommandDeps, arg: unknown): HubConnection | undefined {
  if (isHubNode(arg)) return arg.hub;
  if (typeof arg === 'string') return deps.hubs.get(arg) ?? deps.hubs.hubOfServer(arg);
  if (typeof arg === 'object' && arg !== null && typeof (arg as { hubId?: unknown }).hubId === 'string') return deps.hubs.get((arg as { hubId: string }).hubId);
  return undefined;
}

async function pickHub(deps: CommandDeps, arg: unknown, placeHolder: string): Promise<HubConnection | undefined> {
  const direct = resolveHub(deps, arg);
  if (direct || arg !== undefined) return direct;
  const hubs = deps.hubs.list();
  if (hubs.length <= 1) return hubs[0];
  const picked = await vscode.window.showQuickPick(hubs.map((hub) => ({ label: hub.label, description: hub.base.id, hub })), { placeHolder });
  return picked?.hub;
}

async function resolveHubServer(deps: CommandDeps, arg: unknown, want: (phase: ReturnType<typeof serverPhase>) => boolean, placeHolder: string): Promise<HubServerTarget | undefined> {
  if (isServerNode(arg)) {
    const src = hubOf(arg.server.source);
    const hub = src && deps.hubs.get(src.hub.id);
    return hub && src ? { hub, serverName: src.server.name, connection: arg.server } : undefined;
  }
  if (typeof arg === 'object' && arg !== null && typeof (arg as { hubId?: unknown }).hubId === 'string') {
    const hub = deps.hubs.get((arg as { hubId: string }).hubId);
    const serverName = (arg as { serverName?: unknown }).serverName;
    return hub ? { hub, serverName: typeof serverName === 'string' ? serverName : '' } : undefined;
  }
  if (typeof arg === 'string') {
    const c = deps.registry.get(arg);
    const src = c && hubOf(c.source);
    const hub = src && deps.hubs.get(src.hub.id);
    return hub && src && c ? { hub, serverName: src.server.name, connection: c } : undefined;
  }
  const candidates = deps.hubs.list().flatMap((hub) => hub.servers.filter((s) => want(serverPhase(s.model))).map((s) => ({ hub, s })));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No hub server to choose from.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map(({ hub, s }) => ({ label: hubServerLabel(s.model), description: hub.label, target: { hub, serverName: s.name } })),
    { placeHolder },
  );
  return picked?.target;
}

/**
 * Starts a hub server with the hub's progress (percent and message) in a cancellable notification, then connects
 * to it. Cancelling stops watching; the hub may still finish starting it. Returns the server's connection id.
 */
export async function startHubServer(deps: CommandDeps, arg: unknown): Promise<string | undefined> {
  const t = await resolveHubServer(deps, arg, (p) => p === 'stopped', vscode.l10n.t('Start which server?'));
  if (!t) return undefined;
  const what = describeServer(t.serverName);
  try {
    const server = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting {0} on {1}', hubLabelOf(t), t.hub.label), cancellable: true },
      async (progress, token) => {
        const abort = toAbortSignal(token);
        let reported = 0;
        try {
          return await t.hub.start(
            t.serverName,
            (e) => {
              const p = e.progress ?? reported;
              progress.report({ increment: Math.max(0, p - reported), message: e.message });
              reported = Math.max(reported, p);
            },
            abort.signal,
          );
        } finally {
          abort.dispose();
        }
      },
    );
    await deps.hubs.refresh(t.hub).catch(() => undefined);
    const c = deps.registry.get(server.endpoint.id);
    if (c) {
      await c.connect();
      await c.refreshKernels().catch(() => undefined);
    }
    await deps.tree.scheduleRefresh();
    return server.endpoint.id;
  } catch (err) {
    if (isCancellation(err)) return undefined;
    showError(vscode.l10n.t('Could not start {0} on {1}:', what, t.hub.label), err);
    return undefined;
  }
}

/** Stops a hub server (its kernels end with it). `{ confirm: false }` skips the question. */
export async function stopHubServer(deps: CommandDeps, arg: unknown, options?: unknown): Promise<boolean> {
  const t = await resolveHubServer(deps, arg, (p) => p === 'running' || p === 'starting', vscode.l10n.t('Stop which server?'));
  if (!t) return false;
  const kernels = t.connection?.kernels.length ?? 0;
  if (kernels > 0 && confirmOption(options)) {
    const stop = vscode.l10n.t('Stop Server');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Stop {0} on {1}?', hubLabelOf(t), t.hub.label),
      { modal: true, detail: vscode.l10n.t('{0} running kernel(s) end with it; unsaved kernel state is lost.', kernels) },
      stop,
    );
    if (choice !== stop) return false;
  }
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Stopping {0} on {1}…', hubLabelOf(t), t.hub.label) }, () => t.hub.stop(t.serverName));
    await deps.tree.scheduleRefresh();
    return true;
  } catch (err) {
    showError(vscode.l10n.t('Could not stop {0}:', describeServer(t.serverName)), err);
    return false;
  }
}

/** New Named Server…: asks a name, then starts it (the hub creates it). Returns its connection id. */
export async function newNamedServer(deps: CommandDeps, arg: unknown, name?: unknown): Promise<string | undefined> {
  const hub = await pickHub(deps, arg, vscode.l10n.t('On which hub?'));
  if (!hub) return undefined;
  const taken = new Set(hub.servers.map((s) => s.name));
  const serverName =
    typeof name === 'string'
      ? name
      : await vscode.window.showInputBox({
          title: vscode.l10n.t('New named server on {0}', hub.label),
          prompt: vscode.l10n.t('Letters, digits, "-", "_" and "."; the hub must allow named servers.'),
          ignoreFocusOut: true,
          validateInput: (v) => validServerName(v, taken),
        });
  if (!serverName) return undefined;
  const invalid = validServerName(serverName, taken);
  if (invalid) {
    void vscode.window.showErrorMessage(invalid);
    return undefined;
  }
  return startHubServer(deps, { hubId: hub.id, serverName });
}

/** Delete Named Server: stops it and removes it from the hub. `{ confirm: false }` skips the question. */
export async function deleteNamedServer(deps: CommandDeps, arg: unknown, options?: unknown): Promise<boolean> {
  const t = await resolveHubServer(deps, arg, () => true, vscode.l10n.t('Delete which named server?'));
  if (!t || !t.serverName) return false;
  if (confirmOption(options)) {
    const del = vscode.l10n.t('Delete');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Delete the named server "{0}" on {1}?', t.serverName, t.hub.label),
      { modal: true, detail: vscode.l10n.t('The hub stops it and forgets it. Files in your home directory stay.') },
      del,
    );
    if (choice !== del) return false;
  }
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Deleting "{0}"…', t.serverName) }, () => t.hub.stop(t.serverName, { remove: true }));
    await deps.tree.scheduleRefresh();
    return true;
  } catch (err) {
    showError(vscode.l10n.t('Could not delete "{0}":', t.serverName), err);
    return false;
  }
}

/** Sign In to Hub…: a new token for a hub already added (same prompts as Add Hub, the user name filled in). */
export async function signInToHub(deps: CommandDeps, arg: unknown, signIn?: unknown): Promise<string | undefined> {
  const hub = await pickHub(deps, arg, vscode.l10n.t('Sign in to which hub?'));
  if (!hub) return undefined;
  if (signIn !== undefined) return addHub(deps, { url: hub.base.id, signIn });
  return addHub(deps, undefined, { url: hub.base.id, user: hub.user });
}

/**
 * Remove Hub: revokes our token on the hub, then forgets the hub, its token and its servers' connections. A token
 * that may not revoke itself (the default: it only reaches the servers) is revoked with the password, asked for
 * here; "Remove Only" leaves it to lapse at its expiry. Says what happened to the token either way.
 * Scripted: `removeHub(hub, { confirm: false, password? })`.
 */
export async function removeHub(deps: CommandDeps, arg: unknown, options?: unknown): Promise<boolean> {
  const hub = await pickHub(deps, arg, vscode.l10n.t('Remove which hub?'));
  if (!hub) return false;
  const o = (typeof options === 'object' && options !== null ? options : {}) as { confirm?: boolean; password?: unknown };
  let password = typeof o.password === 'string' ? o.password : undefined;
  if (o.confirm !== false) {
    const canSelf = hub.scopes.canMintTokens;
    const revokeWith = vscode.l10n.t('Remove and Revoke Token…');
    const remove = canSelf ? vscode.l10n.t('Remove and Revoke Token') : vscode.l10n.t('Remove Only');
    const choices = canSelf ? [remove] : [revokeWith, remove];
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove {0}?', hub.label),
      {
        modal: true,
        detail: canSelf
          ? vscode.l10n.t('Its token is revoked on the hub and deleted from the secret storage. Its servers keep running on the hub.')
          : vscode.l10n.t('The token only reaches your servers and cannot revoke itself: revoking it asks for your password once. Removing only deletes it here; it lapses on the hub at its expiry. Its servers keep running on the hub.'),
      },
      ...choices,
    );
    if (choice === undefined) return false;
    if (choice === revokeWith) {
      password = await vscode.window.showInputBox({
        title: vscode.l10n.t('Password for {0} on {1}', hub.user, hub.base.baseUrl.host),
        prompt: vscode.l10n.t('Used once to revoke the token; never stored.'),
        password: true,
        ignoreFocusOut: true,
      });
      if (!password) return false;
    }
  }
  try {
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Removing {0}…', hub.label) }, () =>
      deps.hubs.remove(hub.id, password !== undefined ? { password } : {}),
    );
    if (outcome.revoked) void vscode.window.showInformationMessage(vscode.l10n.t('Removed {0}; its token was revoked on the hub.', hub.label));
    else void vscode.window.showWarningMessage(vscode.l10n.t('Removed {0}. Its token was not revoked: {1}.', hub.label, outcome.reason));
    await deps.tree.scheduleRefresh();
    return true;
  } catch (err) {
    showError(vscode.l10n.t('Could not remove {0}:', hub.label), err);
    return false;
  }
}

function hubLabelOf(t: HubServerTarget): string {
  return t.serverName ? `"${t.serverName}"` : vscode.l10n.t('the default server');
}

function validServerName(v: string, taken: ReadonlySet<string>): string | undefined {
  const name = v.trim();
  if (!name) return vscode.l10n.t('Enter a name, or press Escape to cancel.');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) return vscode.l10n.t('Use letters, digits, "-", "_" and "." (up to 63), starting with a letter or digit.');
  if (taken.has(name)) return vscode.l10n.t('There is already a server named "{0}".', name);
  return undefined;
}
