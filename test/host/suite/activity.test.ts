import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import type { ServerConnection } from '../../../src/core/registry/connection';
import type { ServerStatus } from '../../../src/core/rest';
import type { TestApi } from '../../../src/vscode/testApi';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, waitFor } from './helpers';

/**
 * The explorer's timed listings in the real extension host (the view shown, `secureJupyter.kernels.refreshInterval`
 * at 1 s) leave a real server's `last_activity` where it was; Refresh moves it. `last_activity` is read with
 * `no_track_activity=1` (a background request), which does not move it.
 */
describe('idle servers: the view\'s timed listings are not activity', function () {
  let api: TestApi;
  let jupyter: RunningJupyter;
  let c: ServerConnection;
  const settings = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('secureJupyter');
  const lastActivity = async (): Promise<string> => {
    const reply = await c.client!.send('GET', 'api/status', { background: true });
    assert.equal(reply.status, 200);
    return (JSON.parse(reply.text) as ServerStatus).last_activity;
  };

  before(async () => {
    api = await activate();
    jupyter = await startJupyter({ flavor: 'server' });
    await settings().update('kernels.refreshInterval', 1, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('secureJupyter.servers.focus');
    const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: jupyter.url, credential: { kind: 'token', token: jupyter.token } });
    c = api.registry.get(id)!;
    assert.equal(c.state.kind, 'connected');
  });
  after(async () => {
    await settings().update('kernels.refreshInterval', undefined, vscode.ConfigurationTarget.Global);
    if (jupyter) await vscode.commands.executeCommand('secureJupyter.removeServer', jupyter.url, { confirm: false }).then(undefined, () => undefined);
    await jupyter?.stop();
  });

  it('several timed listings leave last_activity alone; Refresh moves it', async () => {
    const before = await lastActivity();
    let listings = 0;
    let seen = c.kernelsListedAt;
    await waitFor('three timed listings of the visible view', () => {
      if (c.kernelsListedAt !== seen) {
        seen = c.kernelsListedAt;
        listings++;
      }
      return listings >= 3;
    }, 60_000);
    assert.equal(await lastActivity(), before, 'the timed listings did not move the server\'s last_activity');
    await vscode.commands.executeCommand('secureJupyter.refresh');
    await waitFor('Refresh to move last_activity', async () => Date.parse(await lastActivity()) > Date.parse(before), 30_000);
  });
});
