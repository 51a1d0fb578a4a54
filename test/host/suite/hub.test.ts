import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { SAVED_HUBS_KEY } from '../../../src/core/hub/savedHubs';
import { startKernel } from '../../../src/core/rest';
import { secretKey } from '../../../src/core/secrets/secretStore';
import type { TestApi } from '../../../src/vscode/testApi';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { startHub, type RunningHub } from '../../servers/jupyterhub';
import { activate, filesContaining, packageJson, scratchDir, treeLines, waitFor } from './helpers';

/** The explorer's rows for a hub: the hub row and its server rows, as the view hands them to commands. */
function hubRows(api: TestApi, hubId: string): { hub: TreeNode; servers: TreeNode[] } {
  const hub = api.tree.getChildren().find((n) => n.kind === 'hub' && n.hub.id === hubId);
  assert.ok(hub, 'the explorer shows the hub');
  return { hub, servers: api.tree.getChildren(hub) };
}

/** Whether a command's context-menu entry shows on a row (its `when` regex against the row's contextValue). */
function menuShows(command: string, contextValue: string, group?: RegExp): boolean {
  const menus = (packageJson()['contributes'] as unknown as { menus: Record<string, { command: string; when?: string; group?: string }[]> }).menus['view/item/context'] ?? [];
  return menus.some((m) => {
    if (m.command !== command || (group && !group.test(m.group ?? ''))) return false;
    const re = /viewItem =~ \/(.+)\//.exec(m.when ?? '')?.[1];
    return re !== undefined && new RegExp(re).test(contextValue);
  });
}

describe('JupyterHub in the explorer: add a hub, start its server, see kernels, stop it (Debian JupyterHub 3.0)', function () {
  this.timeout(180_000);
  let api: TestApi;
  let hub: RunningHub;
  let hubId: string;

  before(async () => {
    api = await activate();
    hub = await startHub();
  });
  after(async () => {
    if (hubId && api.hubs.get(hubId)) await vscode.commands.executeCommand('secureJupyter.removeHub', hubId, { confirm: false, password: hub.password });
    await hub?.stop();
  });

  it('Add JupyterHub… signs in with a password: the hub row and its stopped default server show; only the token is kept, in SecretStorage', async () => {
    hubId = (await vscode.commands.executeCommand<string>('secureJupyter.addHub', { url: `${hub.url}hub/login`, signIn: { user: 'alice', password: hub.password } }))!;
    assert.equal(hubId, `${hub.url}hub/`);
    const { hub: row, servers } = hubRows(api, hubId);
    const item = api.tree.getTreeItem(row);
    assert.equal(item.label, `alice@127.0.0.1:${hub.port}`);
    assert.match(String(item.description), /JupyterHub 3\.\d+\.\d+ · Token expires in 7 days/);
    assert.equal(servers.length, 1);
    const server = api.tree.getTreeItem(servers[0]!);
    assert.equal(server.label, 'Default server');
    assert.match(String(server.description), /^Stopped/);
    assert.ok(menuShows('secureJupyter.startHubServer', server.contextValue ?? '', /^inline/), `Start Server is on the row (${server.contextValue})`);
    assert.ok(!menuShows('secureJupyter.connect', server.contextValue ?? ''), 'Connect is not offered for a stopped hub server');
    assert.ok(menuShows('secureJupyter.removeHub', item.contextValue ?? ''), 'Remove Hub is on the hub row');

    const token = await api.secrets.get(secretKey(hubId, 'token'));
    assert.ok(token, 'the hub token is in SecretStorage');
    const state = JSON.stringify(api.globalState.keys().map((k) => [k, api.globalState.get(k)]));
    assert.match(state, new RegExp(SAVED_HUBS_KEY.replace(/\./g, '\\.')), 'the hub entry is in globalState');
    assert.ok(!state.includes(token) && !state.includes(hub.password), 'globalState holds neither the token nor the password');
    const scratch = scratchDir();
    const outsideHub = (files: string[]): string[] => files.filter((f) => !f.startsWith(hub.dir));
    assert.deepEqual(outsideHub(filesContaining(scratch, hub.password)), [], 'no file in user data, server data or HOME holds the password');
    assert.deepEqual(outsideHub(filesContaining(scratch, token)), [], 'nor the token');
  });

  it('Start Server from the row: the hub starts it, we connect with the hub token, its kernels show; Stop Server stops it and the row says Stopped', async () => {
    const serverId = `${hub.url}user/alice/`;
    const startedId = await vscode.commands.executeCommand<string>('secureJupyter.startHubServer', hubRows(api, hubId).servers[0]);
    assert.equal(startedId, serverId);
    const c = api.registry.get(serverId);
    assert.ok(c);
    assert.equal(c.state.kind, 'connected');
    assert.equal(c.client?.auth.plan, 'token-header');
    const kernel = await c.use((client) => startKernel(client));
    await c.refreshKernels();
    const lines = await treeLines(api);
    const at = lines.findIndex((l) => /^ {2}Default server — Running · Jupyter \S+ · Connected/.test(l));
    assert.ok(at >= 0, `the row says running and connected:\n${lines.join('\n')}`);
    assert.ok(lines.slice(at + 1).some((l) => /^ {4}python3\b/.test(l)), `the kernel shows under it:\n${lines.join('\n')}`);
    const running = api.tree.getTreeItem(hubRows(api, hubId).servers[0]!);
    assert.ok(menuShows('secureJupyter.stopHubServer', running.contextValue ?? '', /^inline/), `Stop Server is on the row (${running.contextValue})`);
    assert.ok(kernel.id);

    const stopped = await vscode.commands.executeCommand<boolean>('secureJupyter.stopHubServer', hubRows(api, hubId).servers[0], { confirm: false });
    assert.equal(stopped, true);
    await waitFor('the row to say Stopped', () => /^Stopped/.test(String(api.tree.getTreeItem(hubRows(api, hubId).servers[0]!).description)));
    assert.equal(c.state.kind, 'disconnected', 'stopped, not unreachable');
    assert.equal((await treeLines(api)).some((l) => /Unreachable/.test(l)), false);
  });
});
