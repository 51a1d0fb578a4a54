import type { JupyterServer, JupyterServerCommand, JupyterServerCommandProvider } from '@vscode/jupyter-extension';
import * as vscode from 'vscode';
import type { ServerRegistry } from '../../core/registry/registry';
import type { NotebookUse } from '../../core/provider/notebookUse';
import { DisposableStore, type Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/log';
import { COMMANDS } from '../ids';
import { JUPYTER_EXTENSION_ID, jupyterApi } from './jupyterApi';
import { ServerProvider } from './serverProvider';

export const COLLECTION_ID = 'secure-jupyter-connections';

/**
 * Registers our servers as a kernel source of the Jupyter extension when it is installed, now or later; a no-op
 * without it. "Add Server…" in its kernel picker runs our own flow.
 */
export function registerJupyterProvider(registry: ServerRegistry, notebooks: NotebookUse, log: Logger): Disposable {
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
      const provider = store.add(new ServerProvider(registry, notebooks));
      const collection = api.createJupyterServerCollection(COLLECTION_ID, vscode.l10n.t('Secure Jupyter Connections'), provider);
      collection.commandProvider = commandProvider(registry);
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

function commandProvider(registry: ServerRegistry): JupyterServerCommandProvider {
  const add: JupyterServerCommand = { label: vscode.l10n.t('Add Server…'), description: vscode.l10n.t('Secure Jupyter Connections') };
  return {
    provideCommands: () => [add],
    handleCommand: async (command): Promise<JupyterServer | undefined> => {
      if (command.label !== add.label) return undefined;
      const before = new Set(registry.list().map((c) => c.id));
      await vscode.commands.executeCommand(COMMANDS.addServer);
      const added = registry.list().find((c) => !before.has(c.id));
      // Back to the server list when nothing was added (cancelled).
      return added ? { id: added.id, label: added.name } : undefined;
    },
  };
}
