import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { currentDirContext, jupyterRuntimeDir } from '../../../src/core/discovery/runtimeDirs';
import type { TestApi } from '../../../src/vscode/testApi';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, serverNodes, treeLines, waitFor } from './helpers';

/** POST with the token header (the test's own client, not the extension's). */
async function post(server: RunningJupyter, path: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `token ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, `POST ${path}: ${res.status}`);
  return (await res.json()) as { id: string };
}

describe('server explorer: a discovered server and its kernels', () => {
  let api: TestApi;
  let jupyter: RunningJupyter;

  before(async () => {
    api = await activate();
    // The runtime dir jupyter_core uses by default, under the scratch HOME: the one the extension watches.
    jupyter = await startJupyter({ flavor: 'server', runtimeDir: jupyterRuntimeDir(currentDirContext()) });
  });
  after(async () => {
    await jupyter?.stop();
  });

  it('shows the discovered server under Local and connects to it with the token from its runtime file', async () => {
    const row = await waitFor('the discovered server to connect', () => {
      const r = serverNodes(api).find((n) => n.server.id === jupyter.url);
      return r?.server.state.kind === 'connected' ? r : undefined;
    });
    assert.equal(row.group, 'local');
    assert.equal(row.server.savedEntry, undefined, 'discovered, not saved');
    const item = api.tree.getTreeItem(row.node);
    assert.equal(item.label, `127.0.0.1:${jupyter.port}`);
    assert.match(String(item.description), /^Jupyter Server 1\.23\.3 · token · Connected$/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'vm-active');
    assert.match(item.contextValue ?? '', /\bdiscovered\b/);
    assert.doesNotMatch(item.contextValue ?? '', /\bsaved\b/, 'Remove Server is not offered for a server that was never added');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.ok(tooltip.includes(String(jupyter.pid)), 'the tooltip shows the pid');
    assert.ok(tooltip.includes(jupyter.rootDir.replace(/[_*]/g, '')) || tooltip.includes('Root dir'), 'the tooltip shows the root dir');
    assert.ok(!tooltip.includes(jupyter.token), 'the tooltip holds no token');
    assert.ok(!String(item.description).includes(jupyter.token));
  });

  it('lists a kernel and a notebook session started on it (after Refresh)', async () => {
    const session = (await post(jupyter, 'api/sessions', { path: 'analysis.ipynb', name: 'analysis.ipynb', type: 'notebook', kernel: { name: 'python3' } })) as {
      id: string;
      kernel: { id: string };
    };
    await vscode.commands.executeCommand('secureJupyter.refresh');
    const lines = await waitFor('the kernel rows', async () => {
      const l = await treeLines(api);
      return l.some((x) => /^ {4}python3 — /.test(x)) && l.some((x) => x.startsWith('    analysis.ipynb')) ? l : undefined;
    });
    console.log(lines.map((l) => `      | ${l}`).join('\n'));
    const row = serverNodes(api).find((n) => n.server.id === jupyter.url);
    assert.ok(row);
    const children = api.tree.getChildren(row.node);
    const kernel = children.find((n) => n.kind === 'kernel');
    assert.ok(kernel && kernel.kind === 'kernel');
    assert.equal(kernel.kernel.id, session.kernel.id);
    const kItem = api.tree.getTreeItem(kernel);
    assert.match(String(kItem.description), /(idle|starting|busy) · .* · \d+ connection/);
    assert.equal(api.tree.getTreeItem(row.node).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    const sItem = api.tree.getTreeItem(children.find((n) => n.kind === 'session')!);
    assert.equal(sItem.label, 'analysis.ipynb');
    assert.match(String(sItem.description), new RegExp(`^python3 · ${session.kernel.id.slice(0, 8)}`));
  });

  it('Test Connection runs every check step on it and returns a passing report', async () => {
    const report = await vscode.commands.executeCommand<{ ok: boolean; steps: { name: string; ok: boolean }[] }>('secureJupyter.testConnection', jupyter.url);
    assert.ok(report, 'a report');
    assert.deepEqual(report.steps.map((s) => `${s.name}:${s.ok}`), ['reach:true', 'authenticate:true', 'xsrf:true', 'start-kernel:true', 'kernel-websocket:true', 'cleanup:true']);
    assert.equal(report.ok, true);
  });

  it('drops the server from the tree when it stops and was only discovered', async () => {
    await vscode.commands.executeCommand('secureJupyter.disconnect', jupyter.url);
    await jupyter.stop();
    await waitFor('the stopped server to leave the tree', () => !serverNodes(api).some((n) => n.server.id === jupyter.url));
  });
});
