// A stand-in for the Jupyter extension (ms-toolsai.jupyter), loaded beside ours by `scripts/test-host.sh provider`.
// It offers the stable `createJupyterServerCollection` and, for the test, a consumer that uses a collection's
// servers the way the real extension does (jupyter-extension-api.md, D and G). Everything it is handed or
// receives is written to a transcript, so the test can assert that no secret ever reached it.
import type * as vscode from 'vscode';
import type { JupyterServerCollection, JupyterServerCommandProvider, JupyterServerProvider } from '@vscode/jupyter-extension';
import { NotebookSession } from './notebookSession';

interface Registered {
  readonly collection: JupyterServerCollection;
  readonly provider: JupyterServerProvider;
  changes: number;
}

export interface FixtureJupyterApi {
  createJupyterServerCollection(id: string, label: string, provider: JupyterServerProvider): JupyterServerCollection;
  readonly consumer: FixtureConsumer;
}

export interface FixtureConsumer {
  /** The collections registered so far: id and label. */
  collections(): { id: string; label: string; commands: boolean }[];
  /** How often the collection's onDidChangeServers fired. */
  changes(collectionId: string): number;
  servers(collectionId: string): Promise<{ id: string; label: string }[]>;
  commands(collectionId: string): Promise<string[]>;
  /** The picker's "remove" on a server (the proposed removeJupyterServer). */
  remove(collectionId: string, serverId: string): Promise<void>;
  /** Resolves the server and opens a notebook session on it, as the kernel picker's choice does. */
  open(collectionId: string, serverId: string): Promise<NotebookSession>;
}

const cancel: vscode.CancellationToken = {
  isCancellationRequested: false,
  onCancellationRequested: () => ({ dispose: () => undefined }),
};

export function activate(): FixtureJupyterApi {
  const registered = new Map<string, Registered>();
  const get = (id: string): Registered => {
    const r = registered.get(id);
    if (!r) throw new Error(`no collection ${id}; registered: ${[...registered.keys()].join(', ') || 'none'}`);
    return r;
  };
  return {
    createJupyterServerCollection(id, label, provider) {
      // The caller sets commandProvider (and documentation) on the object afterwards, as on the real one.
      const collection: JupyterServerCollection & { commandProvider?: JupyterServerCommandProvider } = {
        id,
        label,
        dispose: () => {
          registered.delete(id);
          sub?.dispose();
        },
      };
      const entry: Registered = { collection, provider, changes: 0 };
      const sub = provider.onDidChangeServers?.(() => (entry.changes += 1));
      registered.set(id, entry);
      return collection;
    },
    consumer: {
      collections: () => [...registered.values()].map((r) => ({ id: r.collection.id, label: r.collection.label, commands: r.collection.commandProvider !== undefined })),
      changes: (id) => get(id).changes,
      servers: async (id) => ((await get(id).provider.provideJupyterServers(cancel)) ?? []).map((s) => ({ id: s.id, label: s.label })),
      commands: async (id) => ((await get(id).collection.commandProvider?.provideCommands(undefined, cancel)) ?? []).map((c) => c.label),
      remove: async (id, serverId) => {
        const provider = get(id).provider as JupyterServerProvider & { removeJupyterServer?(s: { id: string; label: string }): Promise<void> };
        if (!provider.removeJupyterServer) throw new Error('the provider has no removeJupyterServer');
        const server = ((await provider.provideJupyterServers(cancel)) ?? []).find((s) => s.id === serverId);
        if (!server) throw new Error(`${serverId} is not listed`);
        await provider.removeJupyterServer(server);
      },
      open: async (id, serverId) => {
        const r = get(id);
        const servers = (await r.provider.provideJupyterServers(cancel)) ?? [];
        const server = servers.find((s) => s.id === serverId);
        if (!server) throw new Error(`${serverId} is not among the servers of ${id}`);
        const resolved = await r.provider.resolveJupyterServer(server, cancel);
        if (!resolved?.connectionInformation) throw new Error(`${serverId} resolved without connection information`);
        return new NotebookSession(resolved.connectionInformation as never);
      },
    },
  };
}

export function deactivate(): void {
  // nothing to release: sessions are disposed by the test
}
