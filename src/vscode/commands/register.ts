import * as vscode from 'vscode';
import { addServer } from './addServer';
import { showConnections } from './connectionsMenu';
import type { CommandDeps } from './deps';
import { COMMANDS, VIEW_ID } from '../ids';
import { connect, copyServerUrl, disconnect, forgetCredentials, removeServer, signOut } from './serverActions';
import { testConnection } from './testConnection';
import { addHub } from './addHub';
import { deleteNamedServer, newNamedServer, removeHub, signInToHub, startHubServer, stopHubServer } from './hubActions';
import { runSecurityAudit, showSecurityReport } from './securityCommands';
import { setServerProxy } from './serverProxy';
import { trustCertificate, type TrustArgs } from './trustCertificate';

/** Add JupyterHub…'s second argument (Add Server hands over a pasted hub URL): only its string fields. */
function prefillOf(v: unknown): { url?: string; user?: string } {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  return { ...(typeof o['url'] === 'string' ? { url: o['url'] } : {}), ...(typeof o['user'] === 'string' ? { user: o['user'] } : {}) };
}

/** Registers every command of package.json; the returned disposables go into context.subscriptions. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const refresh = async (): Promise<void> => {
    await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, async () => {
      await deps.discovery.rescan();
      await Promise.all(deps.hubs.list().map((h) => deps.hubs.refresh(h).catch((err: unknown) => deps.log.debug(`${h.id}: listing servers failed: ${(err as Error).message}`))));
      await deps.poller.refreshAll();
      // Audits run in the background; the Security rows show their progress.
      for (const c of deps.registry.list()) if (c.state.kind === 'connected') void deps.security.audit(c);
      await deps.tree.scheduleRefresh();
    });
  };
  const handlers: Record<(typeof COMMANDS)[keyof typeof COMMANDS], (...args: unknown[]) => unknown> = {
    [COMMANDS.addServer]: (arg) => addServer(deps, arg),
    [COMMANDS.removeServer]: (arg, options) => removeServer(deps, arg, options),
    [COMMANDS.connect]: (arg) => connect(deps, arg),
    [COMMANDS.disconnect]: (arg) => disconnect(deps, arg),
    [COMMANDS.signOut]: (arg) => signOut(deps, arg),
    [COMMANDS.forgetCredentials]: (arg, options) => forgetCredentials(deps, arg, options),
    [COMMANDS.refresh]: refresh,
    [COMMANDS.copyServerUrl]: (arg) => copyServerUrl(deps, arg),
    [COMMANDS.testConnection]: (arg) => testConnection(deps, arg),
    [COMMANDS.showLog]: () => deps.output.show(),
    [COMMANDS.showConnections]: () => showConnections(deps),
    [COMMANDS.showSecurityReport]: (arg) => showSecurityReport(deps, arg),
    [COMMANDS.runSecurityAudit]: (arg) => runSecurityAudit(deps, arg),
    [COMMANDS.addHub]: (arg, prefill) => addHub(deps, arg, prefillOf(prefill)),
    [COMMANDS.signInToHub]: (arg, signIn) => signInToHub(deps, arg, signIn),
    [COMMANDS.removeHub]: (arg, options) => removeHub(deps, arg, options),
    [COMMANDS.startHubServer]: (arg) => startHubServer(deps, arg),
    [COMMANDS.stopHubServer]: (arg, options) => stopHubServer(deps, arg, options),
    [COMMANDS.newNamedServer]: (arg, name) => newNamedServer(deps, arg, name),
    [COMMANDS.deleteNamedServer]: (arg, options) => deleteNamedServer(deps, arg, options),
    [COMMANDS.trustCertificate]: (arg, given) => trustCertificate(deps, arg, given as TrustArgs | undefined),
    [COMMANDS.setServerProxy]: (arg, given) => setServerProxy(deps, arg, typeof given === 'string' ? given : undefined),
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
