import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { secretKey } from '../../../src/core/secrets/secretStore';
import { SAVED_SERVERS_KEY } from '../../../src/core/registry/savedServers';
import type { TestApi } from '../../../src/vscode/testApi';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, filesContaining, scratchDir, serverNodes, waitFor } from './helpers';

describe('Add Server, Copy Server URL, Remove Server (token in the URL)', () => {
  let api: TestApi;
  let jupyter: RunningJupyter;
  let id: string;

  before(async () => {
    api = await activate();
    // Its runtime dir is outside the scratch folder and not watched: this server is only known by being added.
    jupyter = await startJupyter({ flavor: 'server' });
  });
  after(async () => {
    if (id && api.registry.get(id)?.savedEntry) await vscode.commands.executeCommand('secureJupyter.removeServer', id, { confirm: false });
    await jupyter?.stop();
  });

  it('adds a server from a pasted URL with ?token= and connects to it', async () => {
    id = (await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: `${jupyter.url}lab?token=${jupyter.token}`, name: 'added by URL' }))!;
    assert.equal(id, jupyter.url);
    const c = api.registry.get(id);
    assert.equal(c?.state.kind, 'connected');
    assert.equal(c?.savedEntry?.credential, 'token');
    const rows = serverNodes(api);
    const row = rows.find((r) => r.server.id === id);
    assert.ok(row, 'the tree shows the added server');
    const item = api.tree.getTreeItem(row.node);
    assert.equal(item.label, 'added by URL');
    assert.match(String(item.description), /Jupyter 1\.23\.3 · token · Connected/);
    assert.match(item.contextValue ?? '', /^server\b.*\bonline\b.*\bsaved\b.*\bcredential\b/);
  });

  it('keeps the token in SecretStorage only: not in globalState, settings.json or any file on disk', async () => {
    assert.equal(await api.secrets.get(secretKey(id, 'token')), jupyter.token);
    const saved = JSON.stringify(api.registry.get(id)?.savedEntry);
    assert.ok(!saved.includes(jupyter.token));
    const state = JSON.stringify(api.globalState.keys().map((k) => [k, api.globalState.get(k)]));
    assert.match(state, new RegExp(SAVED_SERVERS_KEY.replace(/\./g, '\\.')), 'the server list is in globalState');
    assert.ok(!state.includes(jupyter.token), 'globalState holds no token');
    // The extension's log on disk has caught up with the add (VS Code writes it asynchronously): what was written
    // about this server so far is on disk for the scan below.
    const scratch = scratchDir();
    const logDirs = [path.join(scratch, 'server-data'), path.join(scratch, 'user-data')];
    await waitFor('the extension log on disk to show the add', () => logDirs.some((d) => filesContaining(d, `added ${id} (token credential)`).some((f) => f.endsWith('.log'))));
    const settings = path.join(scratch, 'user-data', 'User', 'settings.json');
    assert.ok(fs.existsSync(settings));
    assert.ok(!fs.readFileSync(settings, 'utf8').includes(jupyter.token), 'settings.json holds no token');
    const stateDb = path.join(scratch, 'user-data', 'User', 'globalStorage', 'state.vscdb');
    // Desktop VS Code keeps globalState in state.vscdb; the web workbench keeps it in the browser (the UI test checks it there).
    if (fs.existsSync(stateDb)) assert.ok(!fs.readFileSync(stateDb).includes(Buffer.from(jupyter.token)), 'state.vscdb holds no token');
    assert.deepEqual(filesContaining(scratch, jupyter.token), [], 'no file in the user data, server data, extensions or HOME holds the token');
  });

  it('picks up a token changed in the secret storage (as by another window)', async () => {
    const c = api.registry.get(id);
    assert.ok(c?.client);
    await api.secrets.store(secretKey(id, 'token'), 'changed-elsewhere-1');
    await waitFor('the client to use the new token', () => {
      const cred = c.client?.auth.credential;
      return cred?.kind === 'token' && cred.token === 'changed-elsewhere-1';
    });
    await api.secrets.store(secretKey(id, 'token'), jupyter.token);
    await waitFor('the client to use the real token again', () => {
      const cred = c.client?.auth.credential;
      return cred?.kind === 'token' && cred.token === jupyter.token;
    });
  });

  it('copies the server URL without the token', async () => {
    const copied = await vscode.commands.executeCommand<string>('secureJupyter.copyServerUrl', id);
    assert.equal(copied, jupyter.url);
    const clip = await vscode.env.clipboard.readText();
    if (clip) assert.equal(clip, jupyter.url);
    assert.ok(!copied.includes(jupyter.token));
  });

  it('Remove Server deletes its secrets and its entry', async () => {
    assert.equal(await vscode.commands.executeCommand<boolean>('secureJupyter.removeServer', id, { confirm: false }), true);
    assert.equal(await api.secrets.get(secretKey(id, 'token')), undefined);
    assert.equal(await api.secrets.get(secretKey(id, 'cookies')), undefined);
    assert.equal(api.registry.get(id), undefined);
    await waitFor('the row to leave the tree', () => !serverNodes(api).some((r) => r.server.id === id));
  });
});
