import { isUsable } from '../../core/lifecycle/state';
import type { ServerConnection } from '../../core/registry/connection';
import type { ServerRegistry } from '../../core/registry/registry';
import type { StateStore } from '../../core/registry/stateStore';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/log';
import type { Settings } from '../config';

/** globalState key: ids (secret-free URLs) of added servers that were connected, to reconnect after a reload. */
export const RECONNECT_KEY = 'secure-jupyter-connections.reconnect';

/**
 * Connects without being asked, once per server and window: servers discovered on this machine (their runtime
 * file holds the token), and added servers that were connected when the window closed (their cookie session
 * is restored from the secret storage, so a reload does not sign in again). A server the user disconnected is
 * left alone.
 */
export class AutoConnect implements Disposable {
  private readonly attempted = new Set<string>();
  private readonly subscription: Disposable;
  private remembered: Set<string>;

  constructor(
    private readonly registry: ServerRegistry,
    private readonly state: StateStore,
    private readonly log: Logger,
    private settings: Settings,
  ) {
    this.remembered = new Set(state.get<string[]>(RECONNECT_KEY) ?? []);
    this.subscription = registry.onDidChange(() => this.onChange());
  }

  update(settings: Settings): void {
    this.settings = settings;
    this.onChange();
  }

  /** The user disconnected (or removed) it: no automatic connection for it any more. */
  forget(id: string): void {
    this.attempted.add(id);
    this.setRemembered(id, false);
  }

  /** The user connected it (it is remembered for the next start-up once connected). */
  userConnected(id: string): void {
    this.attempted.add(id);
  }

  private onChange(): void {
    const servers = this.registry.list();
    // A server that left the list (stopped, removed) is a new server when it comes back.
    const present = new Set(servers.map((c) => c.id));
    for (const id of this.attempted) if (!present.has(id)) this.attempted.delete(id);
    for (const c of servers) {
      if (c.savedEntry && isUsable(c.state)) this.setRemembered(c.id, true);
      if (this.shouldConnect(c)) {
        this.attempted.add(c.id);
        this.log.debug(`${c.id}: connecting automatically`);
        c.connect(undefined, { background: true }).catch((err: unknown) => this.log.info(`${c.id}: automatic connection failed: ${(err as Error).message}`));
      }
    }
  }

  private shouldConnect(c: ServerConnection): boolean {
    if (this.attempted.has(c.id) || c.state.kind !== 'disconnected' || c.state.error || c.client) return false;
    if (c.runtime?.gone === false && this.settings.autoConnectDiscovered) return true;
    return c.savedEntry !== undefined && this.remembered.has(c.id) && this.settings.reconnectOnStartup;
  }

  private setRemembered(id: string, on: boolean): void {
    if (this.remembered.has(id) === on) return;
    if (on) this.remembered.add(id);
    else this.remembered.delete(id);
    this.state.update(RECONNECT_KEY, [...this.remembered]).catch((err: unknown) => this.log.warn(`could not remember the servers to reconnect: ${(err as Error).message}`));
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
