// Shared by the extension-host suites (not a test file: mocha loads *.test.js only).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConnectionStateKind } from '../../../src/core/lifecycle/state';
import type { ServerConnection } from '../../../src/core/registry/connection';
import type { TestApi } from '../../../src/vscode/testApi';
import type { TreeNode } from '../../../src/vscode/tree/nodes';

export const EXTENSION_ID = 'secure-jupyter-connections.secure-jupyter-connections';

/** Activates the extension and returns its test API (exported in ExtensionMode.Test only). */
export async function activate(): Promise<TestApi> {
  const ext = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  assert.ok(api, 'the extension exports its test API in test mode');
  return api;
}

export function packageJson(): { contributes: { commands: { command: string; title: string; category?: string }[] } } & Record<string, unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext);
  return ext.packageJSON as never;
}

export { pollUntil as waitFor } from '../../support/pollUntil';

/** Resolves when the connection enters a state `pred` accepts: driven by its change events, no fixed delays. */
export function whenState(c: ServerConnection, pred: (k: ConnectionStateKind) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  if (pred(c.state.kind)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}; the state is ${c.state.kind}`));
    }, timeoutMs);
    const sub = c.onDidChange(() => {
      if (!pred(c.state.kind)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}


/** The tree as text lines, indented by depth: "Local", "  127.0.0.1:8888 — …", "    python3 — idle · …". */
export async function treeLines(api: TestApi): Promise<string[]> {
  await api.tree.settled();
  const out: string[] = [];
  const walk = (nodes: TreeNode[], depth: number): void => {
    for (const n of nodes) {
      const item = api.tree.getTreeItem(n);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      out.push(`${'  '.repeat(depth)}${label}${item.description ? ` — ${String(item.description)}` : ''}`);
      walk(api.tree.getChildren(n), depth + 1);
    }
  };
  walk(api.tree.getChildren(), 0);
  return out;
}

export function serverNodes(api: TestApi): { node: TreeNode; server: ServerConnection; group: string }[] {
  const out: { node: TreeNode; server: ServerConnection; group: string }[] = [];
  for (const g of api.tree.getChildren()) {
    for (const n of api.tree.getChildren(g)) if (n.kind === 'server' && g.kind === 'group') out.push({ node: n, server: n.server, group: g.group });
  }
  return out;
}

/**
 * The harness's scratch folder (HOME is <scratch>/home; user data, server data and extensions are siblings),
 * or the folder test:desktop set up the same way.
 */
export function scratchDir(): string {
  const home = process.env['HOME'] ?? '';
  assert.match(home, /sjc-(vscode|desktop)-/, 'HOME is a scratch folder of the test runner');
  return path.dirname(home);
}

/** Every file under dir (recursively) whose bytes contain needle. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle, 'utf8');
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          if (fs.readFileSync(p).includes(bytes)) hits.push(p);
        } catch {
          // vanished or unreadable (a socket, a lock): nothing to read
        }
      }
    }
  };
  walk(dir);
  return hits;
}
