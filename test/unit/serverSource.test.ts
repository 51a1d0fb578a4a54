import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRuntimeInfo, type RuntimeServerInfo } from '../../src/core/discovery/runtimeFile';
import type { DiscoveredServer } from '../../src/core/discovery/scanner';
import { ServerRegistry } from '../../src/core/registry/registry';
import { SAVED_SERVERS_KEY } from '../../src/core/registry/savedServers';
import { listsOnTimer, withEntry, withRuntime, withRuntimeGone, withoutEntry } from '../../src/core/registry/serverSource';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { MemorySecretStore, secretKey } from '../../src/core/secrets/secretStore';

const ID = 'http://127.0.0.1:8899/';
const ENTRY = { id: ID, name: 'mine', authMode: 'cookie' as const, credential: 'token' as const, addedAt: '2026-01-01T00:00:00.000Z' };

function runtimeInfo(token: string): RuntimeServerInfo {
  const text = JSON.stringify({ url: ID, token, pid: 4242, port: 8899, hostname: '127.0.0.1', base_url: '/', root_dir: '/tmp' });
  return parseRuntimeInfo(text, '/run/jpserver-4242.json', 'jupyter-server');
}

function runtimeFile(token: string): DiscoveredServer {
  const info = runtimeInfo(token);
  return { file: info.source, state: 'live', reason: 'its process is running', pid: 4242, info };
}

async function savedRegistry(): Promise<ServerRegistry> {
  const state = new MemoryStateStore();
  await state.update(SAVED_SERVERS_KEY, [ENTRY]);
  const secrets = new MemorySecretStore();
  await secrets.store(secretKey(ID, 'token'), 'saved-token');
  const registry = new ServerRegistry({ secrets, state });
  registry.init();
  return registry;
}

/** The saved server, also found by its runtime file. */
async function withSavedAndDiscovered(fn: (registry: ServerRegistry) => Promise<void>): Promise<void> {
  const registry = await savedRegistry();
  registry.setDiscovered([runtimeFile('file-token')]);
  try {
    await fn(registry);
  } finally {
    registry.dispose();
  }
}

describe('registry/serverSource: where a server comes from', () => {
  it('saved, discovered, both: each step keeps what the other side knows', () => {
    const info = runtimeInfo('t1');
    const both = withRuntime(withEntry(undefined, ENTRY), info);
    assert.deepEqual(both, { kind: 'saved', entry: ENTRY, runtime: { info, gone: false } });
    const gone = withRuntimeGone(both);
    assert.equal(gone.runtime?.gone, true);
    assert.deepEqual(withoutEntry(gone), { kind: 'discovered', runtime: { info, gone: true } });
    assert.deepEqual(withEntry(withoutEntry(gone), ENTRY), gone, 'saved again: its runtime file stays');
    assert.equal(withoutEntry(withEntry(undefined, ENTRY)), undefined, 'neither saved nor discovered: nothing');
    assert.ok(listsOnTimer(both) && listsOnTimer(withoutEntry(gone) as NonNullable<ReturnType<typeof withoutEntry>>), 'saved and discovered servers are listed on the view\'s timer');
  });

  it('a saved server that is also discovered keeps its name, saved credential and entry; its file going leaves it listed', async () => {
    const registry = await savedRegistry();
    try {
      const c = registry.get(ID);
      assert.ok(c);
      let changes = 0;
      c.onDidChange(() => changes++);
      registry.setDiscovered([runtimeFile('file-token')]);
      assert.equal(c.source.kind, 'saved');
      assert.equal(c.runtime?.gone, false);
      assert.equal(c.name, 'mine');
      assert.equal(c.isLocal, true);
      assert.equal(c.authMode, 'cookie');
      assert.deepEqual(await c.credential(), { kind: 'token', token: 'saved-token' }, 'the saved secret wins over the runtime file');
      assert.equal(changes, 1);
      registry.setDiscovered([runtimeFile('file-token')]);
      assert.equal(changes, 1, 'an equal rescan is no change');
      registry.setDiscovered([]);
      assert.equal(registry.get(ID), c, 'saved: it stays when its runtime file goes');
      assert.equal(c.runtime?.gone, true);
      assert.equal(changes, 2);
    } finally {
      registry.dispose();
    }
  });

  it('removing a saved server that is discovered leaves the discovered one, with the token from its file', () =>
    withSavedAndDiscovered(async (registry) => {
      await registry.remove(ID);
      const c = registry.get(ID);
      assert.equal(c?.source.kind, 'discovered');
      assert.equal(c.savedEntry, undefined);
      assert.equal(c.name, ID);
      assert.deepEqual(await c.credential(), { kind: 'token', token: 'file-token' });
      registry.setDiscovered([]);
      assert.equal(registry.get(ID), undefined, 'neither saved nor in use: it leaves with its file');
    }));

  it('forgetting the credentials keeps the entry and falls back to the runtime file\'s token', () =>
    withSavedAndDiscovered(async (registry) => {
      await registry.forgetCredentials(ID);
      const c = registry.get(ID);
      assert.equal(c?.savedEntry?.credential, 'none');
      assert.equal(c.runtime?.gone, false);
      assert.deepEqual(await c.credential(), { kind: 'token', token: 'file-token' });
    }));
});
