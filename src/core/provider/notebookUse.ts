import type { Disposable } from '../util/disposable';
import { Emitter } from '../util/event';
import type { SocketTracker, TrackedSocket } from './wsCompat';

const CHANNELS = /\/api\/kernels\/([^/?#]+)\/channels(?:[?#]|$)/;

/**
 * Which kernels the notebooks of this VS Code hold an open socket to through our provider, per server: what the
 * explorer shows as "in use by a notebook". Every socket is known from construction to its close (so a disconnect
 * can close them all, connecting ones included); only open ones count as use.
 */
export class NotebookUse implements Disposable {
  private readonly sockets = new Map<string, Set<TrackedSocket>>();
  private readonly open = new Set<TrackedSocket>();
  private readonly changed = new Emitter<string>();
  /** Fires the server id whose notebook sockets changed. */
  readonly onDidChange = this.changed.event;

  trackerFor(serverId: string): SocketTracker {
    return {
      add: (s) => {
        let set = this.sockets.get(serverId);
        if (!set) this.sockets.set(serverId, (set = new Set()));
        set.add(s);
      },
      opened: (s) => {
        if (!this.sockets.get(serverId)?.has(s)) return;
        const before = this.kernels(serverId).size;
        this.open.add(s);
        if (this.kernels(serverId).size !== before) this.changed.fire(serverId);
      },
      delete: (s) => {
        const set = this.sockets.get(serverId);
        if (!set?.delete(s)) return;
        if (set.size === 0) this.sockets.delete(serverId);
        if (!this.open.delete(s)) return;
        // A reconnect opens the new socket before the old one's close arrives: only a kernel with no open socket
        // left changes what is shown.
        if (![...set].some((o) => this.open.has(o) && kernelOf(o.url) === kernelOf(s.url))) this.changed.fire(serverId);
      },
    };
  }

  /** The ids of the server's kernels a notebook holds a socket to. */
  kernels(serverId: string): ReadonlySet<string> {
    const out = new Set<string>();
    for (const s of this.sockets.get(serverId) ?? []) {
      if (!this.open.has(s)) continue;
      const k = kernelOf(s.url);
      if (k) out.add(k);
    }
    return out;
  }

  /** Closes every notebook socket of the server (it was disconnected or removed). */
  closeAll(serverId: string): void {
    for (const s of [...(this.sockets.get(serverId) ?? [])]) s.terminate();
  }

  serverIds(): string[] {
    return [...this.sockets.keys()];
  }

  dispose(): void {
    this.changed.dispose();
    this.sockets.clear();
    this.open.clear();
  }
}

function kernelOf(url: string): string | undefined {
  const m = CHANNELS.exec(url);
  if (m?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1]; // malformed escapes: the id as written
  }
}
