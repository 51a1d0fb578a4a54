import type * as vscode from 'vscode';
import type { HubRegistry } from '../core/hub/hubs';
import type { ServerRegistry } from '../core/registry/registry';
import type { TokenRecovery } from '../core/registry/tokenRecovery';
import type { SecretStore } from '../core/secrets/secretStore';
import type { DiscoveryService } from './discovery/discoveryService';
import type { SecurityState } from './security/securityState';
import type { ConnectionSummary } from './statusBar/summary';
import type { TreeNode } from './tree/nodes';

/**
 * What activate() returns when the extension runs its integration tests (ExtensionMode.Test) — and only then:
 * it reaches the registry and the secret storage, which no other extension may see.
 */
export interface TestApi {
  readonly registry: ServerRegistry;
  readonly hubs: HubRegistry;
  readonly secrets: SecretStore;
  /** The extension's globalState, to check that it holds nothing secret. */
  readonly globalState: vscode.Memento;
  readonly discovery: DiscoveryService;
  /** The security audit's per-server results. */
  readonly security: SecurityState;
  /** "The saved token no longer works" prompts; tests stub the prompt with `setPort`. */
  readonly tokenRecovery: TokenRecovery;
  readonly tree: {
    getChildren(node?: TreeNode): TreeNode[];
    getTreeItem(node: TreeNode): vscode.TreeItem;
    /** Resolves once the debounced repaint that is due has been requested. */
    settled(): Promise<void>;
  };
  readonly statusBar: {
    readonly item: vscode.StatusBarItem;
    readonly summary: ConnectionSummary;
    /** Recomputes now instead of after the debounce. */
    update(): void;
  };
}
