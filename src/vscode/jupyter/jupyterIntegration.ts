import type { JupyterServer, JupyterServerCommand, JupyterServerCommandProvider } from '@vscode/jupyter-extension';
import * as vscode from 'vscode';
import type { ServerConnection } from '../../core/registry/connection';
import type { ServerRegistry } from '../../core/registry/registry';
import type { StateStore } from '../../core/registry/stateStore';
import type { NotebookUse } from '../../core/provider/notebookUse';
import { DisposableStore, type Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/log';
import { COMMANDS } from '../ids';
import { serverLabel } from '../presentation/serverPresentation';
import { JUPYTER_EXTENSION_ID, jupyterApi } from './jupyterApi';
import { ServerProvider } from './serverProvider';

export const COLLECTION_ID = 'secure-jupyter-connections';

/**
 * Registers our servers as a kernel source of the Jupyter extension when it is installed, now or later; a no-op
 * without it. "Add Server…" in its kernel picker runs our own flow.
 */
export function registerJupyterProvider(registry: ServerRegistry, notebooks: NotebookUse, state: StateStore, log: Logger): Disposable {
  const store = new DisposableStore();
  let registered = false;
  const tryRegister = async (): Promise<void> => {
    if (registered || !vscode.extensions.getExtension(JUPYTER_EXTENSION_ID)) return;
    registered = true;
    try {
      const api = await jupyterApi();
      if (!api) {
        log.warn(`${JUPYTER_EXTENSION_ID} offers no server collections API; notebooks cannot use our connections`);
        return;
      }
      const provider = new ServerProvider(registry, notebooks, state);
      let collection;
      try {
        collection = api.createJupyterServerCollection(COLLECTION_ID, vscode.l10n.t('Secure Jupyter Connections'), provider);
      } catch (err) {
        provider.dispose();
        throw err;
      }
      store.add(provider);
      collection.commandProvider = commandProvider(registry, provider);
      store.add(collection);
      log.info(`registered with ${JUPYTER_EXTENSION_ID} as a kernel source`);
    } catch (err) {
      registered = false;
      log.warn(`could not register with ${JUPYTER_EXTENSION_ID}: ${(err as Error).message}`);
    }
  };
  store.add(vscode.extensions.onDidChange(() => void tryRegister()));
  void tryRegister();
  return store;
}

/**
 * The picker's commands: "Add Server…" (our flow), and "Sign In to <server>…" for each server whose session
 * expired and needs the user (our sign-in flow; the server is returned when it is connected again).
 */
function commandProvider(registry: ServerRegistry, provider: ServerProvider): JupyterServerCommandProvider {
  const add: JupyterServerCommand = { label: vscode.l10n.t('Add Server…'), description: vscode.l10n.t('Secure Jupyter Connections') };
  const signInLabel = (c: ServerConnection): string => vscode.l10n.t('Sign In to {0}…', serverLabel(c));
  return {
    provideCommands: () => [add, ...provider.needingSignIn().map((c): JupyterServerCommand => ({ label: signInLabel(c), description: vscode.l10n.t('session expired') }))],
    handleCommand: async (command): Promise<JupyterServer | undefined> => {
      if (command.label === add.label) {
        // Add Server returns the id of the server it added (or re-added), undefined when cancelled.
        const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.addServer);
        const added = id === undefined ? undefined : registry.get(id);
        if (!added) return undefined; // back to the server list
        await provider.unhide(added.id);
        return { id: added.id, label: serverLabel(added) };
      }
      const conn = provider.needingSignIn().find((c) => signInLabel(c) === command.label);
      if (!conn) return undefined;
      // Our credential flow for a known server: asks, checks by connecting, and only then replaces the saved one.
      await vscode.commands.executeCommand(COMMANDS.addServer, {
        url: conn.id,
        askCredential: true,
        ...(conn.savedEntry?.name ? { name: conn.savedEntry.name } : {}),
        ...(conn.savedEntry?.authMode ? { authMode: conn.savedEntry.authMode } : {}),
      });
      const now = registry.get(conn.id);
      return now && now.state.kind !== 'auth-expired' ? { id: now.id, label: serverLabel(now) } : undefined;
    },
  };
}
