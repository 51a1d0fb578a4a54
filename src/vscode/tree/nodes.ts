import type { KernelModel, SessionModel } from '../../core/rest';
import type { Finding } from '../../core/audit/findings';
import type { HubConnection } from '../../core/hub/hub';
import type { ServerConnection } from '../../core/registry/connection';
import type { SecurityView } from '../security/securityState';

/** The elements of the server tree. Servers are the registry's own objects, so a row is always current. */
export type ServerGroup = 'local' | 'remote';

export type TreeNode =
  | { readonly kind: 'group'; readonly group: ServerGroup }
  /** A hub the user added; children are the user's servers on it. */
  | { readonly kind: 'hub'; readonly hub: HubConnection }
  | { readonly kind: 'server'; readonly server: ServerConnection }
  | { readonly kind: 'kernel'; readonly server: ServerConnection; readonly kernel: KernelModel }
  | { readonly kind: 'session'; readonly server: ServerConnection; readonly session: SessionModel }
  /** A connected server with nothing running (so an expanded row never looks empty). */
  | { readonly kind: 'empty'; readonly server: ServerConnection }
  /** The server's security audit (present once audited); children are its active findings. */
  | { readonly kind: 'security'; readonly server: ServerConnection; readonly view: SecurityView }
  | { readonly kind: 'finding'; readonly server: ServerConnection; readonly finding: Finding };

export type ServerNode = Extract<TreeNode, { kind: 'server' }>;

export const GROUPS: Record<ServerGroup, TreeNode> = {
  local: { kind: 'group', group: 'local' },
  remote: { kind: 'group', group: 'remote' },
};

/** Local: discovered from a runtime file, or on loopback / a unix socket. Remote: everything else. A hub's servers are under their hub. */
export function groupOf(server: ServerConnection): ServerGroup | undefined {
  if (server.source.kind === 'hub') return undefined;
  return server.isLocal ? 'local' : 'remote';
}

export type HubNode = Extract<TreeNode, { kind: 'hub' }>;

export function isHubNode(value: unknown): value is HubNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'hub' && 'hub' in value;
}

export function isServerNode(value: unknown): value is ServerNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'server' && 'server' in value;
}
