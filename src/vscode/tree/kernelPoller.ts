import type * as vscode from 'vscode';
import { isUsable } from '../../core/lifecycle/state';
import type { HubRegistry } from '../../core/hub/hubs';
import type { ServerRegistry } from '../../core/registry/registry';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/log';

/**
 * Re-lists kernels and sessions of connected servers only while the view is visible, at the configured interval
 * (0 = never), and once when the view becomes visible; hubs list their servers on the same beat (so a server the
 * hub culled shows stopped). No timer runs while the view is hidden.
 */
export class KernelPoller implements Disposable {
  private timer: NodeJS.Timeout | undefined;
  private intervalMs: number;
  private readonly subscription: vscode.Disposable;
  private running = false;

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly registry: ServerRegistry,
    private readonly log: Logger,
    intervalMs: number,
    private readonly hubs?: HubRegistry,
  ) {
    this.intervalMs = intervalMs;
    this.subscription = view.onDidChangeVisibility(() => this.reschedule(true));
    this.reschedule(false);
  }

  setInterval(ms: number): void {
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    this.reschedule(false);
  }

  /**
   * Lists kernels on every connected server now (Refresh, after actions: use, which reopens an idle-closed
   * session) or on the timer (`background`: not use, so it never keeps a session from going idle; a hub's servers
   * are left out, since the hub's proxy counts every request as activity: listsOnTimer).
   */
  async refreshAll(background = false): Promise<void> {
    await Promise.all(
      this.registry
        .list()
        .filter((c) => c.client && isUsable(c.state) && (!background || c.listsOnTimer))
        .map((c) => c.refreshKernels(undefined, { background }).catch((err: unknown) => this.log.debug(`${c.id}: listing kernels failed: ${(err as Error).message}`))),
    );
  }

  private reschedule(now: boolean): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.view.visible) return;
    if (now) void this.tick();
    if (this.intervalMs > 0) this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  private async tick(): Promise<void> {
    if (this.running) return; // a slow server never stacks up requests
    this.running = true;
    try {
      await Promise.all((this.hubs?.list() ?? []).filter((h) => h.status.kind !== 'signed-out').map((h) => this.hubs?.refresh(h).catch((err: unknown) => this.log.debug(`${h.id}: listing servers failed: ${(err as Error).message}`))));
      await this.refreshAll(true);
    } finally {
      this.running = false;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subscription.dispose();
  }
}
