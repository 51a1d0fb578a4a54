import * as vscode from 'vscode';
import type { ServerConnection } from '../../core/registry/connection';
import type { ServerRegistry } from '../../core/registry/registry';
import { nameOf } from '../../core/registry/serverSource';
import { endpointFromUrl } from '../../core/server/endpoint';
import { serverLabel, shortUrl, stateDetail, stateIcon } from '../presentation/serverPresentation';
import { isServerNode } from '../tree/nodes';

export type ServerFilter = (c: ServerConnection) => boolean;

/** The server a command applies to, from a tree row, a server id/URL (tests, other commands), or a quick pick. */
export async function resolveServer(
  registry: ServerRegistry,
  arg: unknown,
  filter: ServerFilter,
  placeHolder: string,
): Promise<ServerConnection | undefined> {
  if (isServerNode(arg)) return arg.server;
  if (typeof arg === 'string') return findServer(registry, arg);
  if (typeof arg === 'object' && arg !== null && typeof (arg as { id?: unknown }).id === 'string') {
    return findServer(registry, (arg as { id: string }).id);
  }
  return pickServer(registry.list().filter(filter), placeHolder);
}

function findServer(registry: ServerRegistry, idOrUrl: string): ServerConnection | undefined {
  const direct = registry.get(idOrUrl);
  if (direct) return direct;
  try {
    return registry.get(endpointFromUrl(idOrUrl).id);
  } catch {
    return undefined;
  }
}

export interface ServerPick extends vscode.QuickPickItem {
  server: ServerConnection;
}

export function serverPickItem(c: ServerConnection): ServerPick {
  return { label: serverLabel(c), ...(nameOf(c.source) ? { description: shortUrl(c) } : {}), detail: stateDetail(c), iconPath: stateIcon(c), server: c };
}

export async function pickServer(servers: readonly ServerConnection[], placeHolder: string): Promise<ServerConnection | undefined> {
  if (servers.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No server to choose from.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(servers.map(serverPickItem), { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return picked?.server;
}
