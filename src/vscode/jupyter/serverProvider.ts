import { isStoppedHubServer } from '../../core/registry/serverSource';
import type { JupyterServer, JupyterServerConnectionInformation, JupyterServerProvider } from '@vscode/jupyter-extension';
import * as vscode from 'vscode';
import { createFetch, type ProviderFetch } from '../../core/provider/fetchAdapter';
import type { ServerDoor } from '../../core/provider/serverDoor';
import type { NotebookUse } from '../../core/provider/notebookUse';
import { webSocketClassFor, type ProviderWebSocketClass } from '../../core/provider/wsCompat';
import type { ServerConnection } from '../../core/registry/connection';
import type { ServerRegistry } from '../../core/registry/registry';
import type { StateStore } from '../../core/registry/stateStore';
import type { Disposable } from '../../core/util/disposable';
import { AuthRequiredError, KernelLostError } from '../../core/util/errors';
import { serverLabel } from '../presentation/serverPresentation';

/** The proposed `jupyterSettings` API: a provider's own fetch and WebSocket (jupyter-extension-api.md, D). */
interface ConnectionInformation extends JupyterServerConnectionInformation {
  readonly fetch: ProviderFetch;
  readonly WebSocket: ProviderWebSocketClass;
}

const CHANGE_DEBOUNCE_MS = 100;
/** Servers the user removed from the Jupyter extension's kernel picker (ids; they stay in our view). */
export const PICKER_HIDDEN_KEY = 'secure-jupyter-connections.pickerHidden';

/**
 * Our registry's servers as a Jupyter server collection. A resolved server gets our `fetch` and `WebSocket`
 * bound to a door that looks the connection up by id on every call (the connection and its client are replaced
 * when a server is removed and added again), and no token, password or header: the Jupyter extension never holds
 * a secret. Its sockets are closed when the server is disconnected or removed.
 */
export class ServerProvider implements JupyterServerProvider, Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeServers = this.changed.event;
  private readonly subscription: Disposable;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastIds = '';
  private readonly resuming = new Set<string>();

  constructor(
    private readonly registry: ServerRegistry,
    private readonly notebooks: NotebookUse,
    private readonly state: StateStore,
  ) {
    this.subscription = registry.onDidChange(() => this.onRegistryChange());
  }

  /** Servers a notebook can use now: not hidden from the picker, and not waiting for the user to sign in again. */
  provideJupyterServers(): JupyterServer[] {
    const hidden = this.hidden();
    return this.registry
      .list()
      // A hub's server that is not running is not offered: picking it must never start it (Start Server does).
      .filter((c) => !hidden.has(c.id) && c.state.kind !== 'auth-expired' && !isStoppedHubServer(c.source))
      .map((c) => ({ id: c.id, label: serverLabel(c) }));
  }

  /** Servers that need the user to sign in again (the picker offers a command for each). */
  needingSignIn(): ServerConnection[] {
    const hidden = this.hidden();
    return this.registry.list().filter((c) => !hidden.has(c.id) && c.state.kind === 'auth-expired');
  }

  /** The proposed `removeJupyterServer`: the server leaves the kernel picker only; it stays in our view. */
  async removeJupyterServer(server: JupyterServer): Promise<void> {
    const hidden = this.hidden();
    hidden.add(server.id);
    await this.saveHidden(hidden);
    this.changed.fire();
  }

  /** Back in the picker (the user chose it again through Add Server… or a sign-in command). */
  async unhide(id: string): Promise<void> {
    const hidden = this.hidden();
    if (!hidden.delete(id)) return;
    await this.saveHidden(hidden);
    this.changed.fire();
  }

  /** Saves the hidden ids, dropping those of servers no longer in the list (so the list does not only grow). */
  private saveHidden(hidden: Set<string>): Promise<void> {
    return this.state.update(PICKER_HIDDEN_KEY, [...hidden].filter((id) => this.registry.get(id) !== undefined));
  }

  private hidden(): Set<string> {
    const ids = this.state.get<unknown>(PICKER_HIDDEN_KEY);
    return new Set(Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : []);
  }

  async resolveJupyterServer(server: JupyterServer, token: vscode.CancellationToken): Promise<JupyterServer> {
    const conn = this.connection(server.id);
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      await conn.connect(abort.signal, { background: true });
    } finally {
      sub.dispose();
    }
    const door = this.door(conn);
    const info: ConnectionInformation = {
      baseUrl: vscode.Uri.parse(conn.endpoint.baseUrl.href),
      fetch: createFetch(door),
      WebSocket: webSocketClassFor(door, this.notebooks.trackerFor(conn.id)),
    };
    return { id: conn.id, label: serverLabel(conn), connectionInformation: info };
  }

  private door(conn: ServerConnection): ServerDoor {
    const id = conn.id;
    return {
      endpoint: conn.endpoint,
      use: (fn, signal, options) => this.usable(id).use(fn, signal, options),
      noteActivity: () => this.noteActivity(id),
      isIdle: () => this.registry.get(id)?.state.kind === 'idle-expired',
      liveness: () => (this.registry.get(id) ?? conn).lifecycle.liveness,
    };
  }

  /**
   * Kernel traffic of a notebook is use. On a session closed for inactivity it also signs in again (silently, with
   * the saved credential), so the status bar shows it back in use and the notebook's next REST call finds a session.
   */
  private noteActivity(id: string): void {
    const conn = this.registry.get(id);
    conn?.client?.noteActivity();
    if (conn?.state.kind !== 'idle-expired' || this.resuming.has(id)) return;
    this.resuming.add(id);
    void conn
      .refreshKernels()
      .catch(() => undefined)
      .finally(() => this.resuming.delete(id));
  }

  /**
   * The connection, unless the user has to act first: a server they disconnected (Disconnect, Sign Out) or one whose
   * session needs a new sign-in is not connected again by the notebook's reconnects and 10 s polls (that would undo
   * Disconnect, and retry a refused password every 10 s). Choosing the server again in the kernel picker connects.
   */
  private usable(id: string): ServerConnection {
    const conn = this.connection(id);
    const k = conn.state.kind;
    if (k === 'disconnected') {
      throw new AuthRequiredError(`${serverLabel(conn)} is disconnected.`, {
        serverUrl: conn.id,
        hint: 'Connect it in the Jupyter Servers view, or choose it again in the kernel picker.',
      });
    }
    if (k === 'auth-expired') {
      throw new AuthRequiredError(`The session to ${serverLabel(conn)} expired and needs you to sign in again.`, {
        serverUrl: conn.id,
        hint: 'Choose "Sign In to …" in the kernel picker, or Connect in the Jupyter Servers view.',
      });
    }
    return conn;
  }

  private connection(id: string): ServerConnection {
    const conn = this.registry.get(id);
    if (!conn) throw new KernelLostError(`${id} is no longer in the Jupyter Servers list; add it again to use it.`, { serverUrl: id });
    return conn;
  }

  private onRegistryChange(): void {
    for (const id of this.notebooks.serverIds()) {
      const k = this.registry.get(id)?.state.kind;
      // A disconnect or removal closes the notebook's sockets. Idle expiry does not: the Jupyter extension reopens
      // a closed kernel socket at once, which would sign in again at once and turn every idle expiry into a
      // re-login loop; the session is dropped instead and the notebook's next frame signs in again.
      if (k === undefined || k === 'disconnected') this.notebooks.closeAll(id);
    }
    // What the picker lists changes with the servers, their labels, and whether they need a sign-in.
    const ids = this.registry.list().map((c) => `${c.id} ${serverLabel(c)} ${c.state.kind === 'auth-expired'}`).join('\n');
    if (ids === this.lastIds) return;
    this.lastIds = ids;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), CHANGE_DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
