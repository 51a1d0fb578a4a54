import * as vscode from 'vscode';
import type { HubRegistry } from '../../core/hub/hubs';
import type { ServerRegistry } from '../../core/registry/registry';
import type { Disposable } from '../../core/util/disposable';
import { VIEW_ID } from '../ids';
import { GROUPS, groupOf, type TreeNode } from './nodes';
import { isUsable } from '../../core/lifecycle/state';
import { emptyItem, groupItem, hubItem, kernelItem, serverItem, sessionItem } from './treeItems';
import type { SecurityState } from '../security/securityState';
import type { NotebookUse } from '../../core/provider/notebookUse';
import { findingItem, securityItem } from '../security/securityItems';

const REFRESH_DEBOUNCE_MS = 100;

/**
 * The "Servers" view: owns its TreeView, follows the registry's change events (debounced, so a burst of state
 * changes repaints once), and disposes what it made.
 */
export class ServerTreeView implements vscode.TreeDataProvider<TreeNode>, Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  private resolvePending: (() => void) | undefined;

  constructor(
    private readonly registry: ServerRegistry,
    private readonly security?: SecurityState,
    private readonly notebooks?: NotebookUse,
    private readonly hubs?: HubRegistry,
  ) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(this.view, this.changed, registry.onDidChange(() => this.scheduleRefresh()));
    if (security) this.disposables.push(security.onDidChange(() => void this.scheduleRefresh()));
    if (hubs) this.disposables.push(hubs.onDidChange(() => void this.scheduleRefresh()));
    if (notebooks) {
      // A notebook opened or closed a kernel socket: list the server's kernels and sessions again (the new
      // kernel and the notebook's session path show), without that counting as use.
      this.disposables.push(
        notebooks.onDidChange((id) => {
          void this.scheduleRefresh();
          void registry.get(id)?.refreshKernels(undefined, { background: true }).catch(() => undefined);
        }),
      );
    }
    this.updateBadge();
  }

  /** Repaints soon; resolves after the repaint was requested (tests await it instead of sleeping). */
  scheduleRefresh(): Promise<void> {
    if (!this.pending) {
      this.pending = new Promise((resolve) => (this.resolvePending = resolve));
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refreshNow(), REFRESH_DEBOUNCE_MS);
    return this.pending;
  }

  private refreshNow(): void {
    this.timer = undefined;
    this.updateBadge();
    this.changed.fire(undefined);
    const resolve = this.resolvePending;
    this.pending = undefined;
    this.resolvePending = undefined;
    resolve?.();
  }

  private updateBadge(): void {
    const needsUser = this.registry.list().filter((c) => c.state.kind === 'auth-expired').length + (this.hubs?.list().filter((h) => h.status.kind === 'signed-out').length ?? 0);
    this.view.badge = needsUser > 0 ? { value: needsUser, tooltip: vscode.l10n.t('{0} server(s) need you to sign in again', needsUser) } : undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return groupItem(node.group, this.registry.list().filter((c) => groupOf(c) === node.group).length);
      case 'hub':
        return hubItem(node.hub, this.registry.hubServers(node.hub.id).length);
      case 'server':
        return serverItem(node.server, this.notebooks?.kernels(node.server.id).size ?? 0);
      case 'kernel':
        return kernelItem(node.server, node.kernel, this.notebooks?.kernels(node.server.id).has(node.kernel.id) ?? false);
      case 'session':
        return sessionItem(node.server, node.session);
      case 'empty':
        return emptyItem(node.server);
      case 'security':
        return securityItem(node.server, node.view);
      case 'finding':
        return findingItem(node.server, node.finding);
    }
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const servers = this.registry.list();
    if (!node) {
      // No servers: an empty tree, so the welcome view (viewsWelcome) shows.
      const groups = (['local', 'remote'] as const).filter((g) => servers.some((c) => groupOf(c) === g));
      return [...groups.map((g) => GROUPS[g]), ...(this.hubs?.list() ?? []).map((hub): TreeNode => ({ kind: 'hub', hub }))];
    }
    switch (node.kind) {
      case 'group':
        return servers.filter((c) => groupOf(c) === node.group).map((server) => ({ kind: 'server', server }));
      case 'hub':
        return this.registry.hubServers(node.hub.id).map((server): TreeNode => ({ kind: 'server', server }));
      case 'server': {
        const c = node.server;
        const children = [
          ...c.kernels.map((kernel): TreeNode => ({ kind: 'kernel', server: c, kernel })),
          ...c.sessions.map((session): TreeNode => ({ kind: 'session', server: c, session })),
        ];
        const rows: TreeNode[] = children.length === 0 && isUsable(c.state) && c.kernelsListedAt !== undefined ? [{ kind: 'empty', server: c }] : children;
        const view = this.security?.view(c.id);
        // Last: the rows of running kernels keep their places when an audit finishes.
        return view ? [...rows, { kind: 'security', server: c, view }] : rows;
      }
      case 'security':
        return ((this.security?.view(node.server.id) ?? node.view).report?.findings ?? []).map((finding): TreeNode => ({ kind: 'finding', server: node.server, finding }));
      default:
        return [];
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.resolvePending?.();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
