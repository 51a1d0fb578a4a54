import type { Disposable } from '../util/disposable';
import { Emitter } from '../util/event';
import type { SocketTracker, TrackedSocket } from './wsCompat';

const CHANNELS = /\/api\/kernels\/([^/?#]+)\/channels(?:[?#]|$)/;

/**
 * Which kernels the notebooks of this VS Code hold a socket to through our provider, per server: what the explorer
 * shows as "in use by a notebook". Sockets are counted from construction to their close; the same registry lets
 * a disconnect close them.
 */
export class NotebookUse implements Disposable {
  private readonly sockets = new Map<string, Set<TrackedSocket>>();
  private readonly changed = new Emitter<string>();
  /** Fires the server id whose notebook sockets changed. */
  readonly onDidChange = this.changed.event;

  trackerFor(serverId: string): SocketTracker {
    return {
      add: (s) => {
        let set = this.sockets.get(serverId);
        if (!set) this.sockets.set(serverId, (set = new Set()));
        const before = this.kernels(serverId).size;
        set.add(s);
        if (this.kernels(serverId).size !== before) this.changed.fire(serverId);
      },
      delete: (s) => {
        const set = this.sockets.get(serverId);
        if (!set?.delete(s)) return;
        if (set.size === 0) this.sockets.delete(serverId);
        // A reconnect opens the new socket before the old one's close arrives: only a kernel with no socket left
        // changes what is shown.
        if (![...(set ?? [])].some((o) => kernelOf(o.url) === kernelOf(s.url))) this.changed.fire(serverId);
      },
    };
  }

  /** The ids of the server's kernels a notebook holds a socket to. */
  kernels(serverId: string): ReadonlySet<string> {
    const out = new Set<string>();
    for (const s of this.sockets.get(serverId) ?? []) {
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
  }
}

function kernelOf(url: string): string | undefined {
  const m = CHANNELS.exec(url);
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
}
