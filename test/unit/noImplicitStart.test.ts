/**
 * No implicit starts (issue 16): nothing we do without an explicit user action starts a stopped server. Against the
 * HAND-MADE FAKE JupyterHub 5.x (test/unit/fakeHub5.ts: it records every request, and `POST …/server` is the only
 * way to start a server there): activation with a saved hub, the explorer's timed listings, the Jupyter
 * extension's `resolveJupyterServer` (a background connect), its polls through our provider fetch and our own
 * reconnect attempts all leave the stopped server stopped and send no start; Start Server does start it.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HubRegistry } from '../../src/core/hub/hubs';
import { createFetch } from '../../src/core/provider/fetchAdapter';
import type { ServerConnection } from '../../src/core/registry/connection';
import { ServerRegistry } from '../../src/core/registry/registry';
import { listsOnTimer } from '../../src/core/registry/serverSource';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { listKernels } from '../../src/core/rest';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { Logger, MemorySink } from '../../src/core/util/log';
import { FAKE_HUB_PASSWORD, FakeHub5, type SeenRequest } from './fakeHub5';

interface World {
  readonly registry: ServerRegistry;
  readonly hubs: HubRegistry;
  dispose(): void;
}

/** One window's core, on the given stores: a second one on the same stores is the next activation. */
function world(secrets: MemorySecretStore, state: MemoryStateStore): World {
  const log = new Logger(new MemorySink(), 'debug');
  const registry = new ServerRegistry({ secrets, state, log });
  registry.init();
  const hubs = new HubRegistry({ registry, secrets, state, log, settings: { tokenLifetimeDays: 7, silentRenewal: false } });
  hubs.init();
  return { registry, hubs, dispose: () => (hubs.dispose(), registry.dispose()) };
}

const isStart = (r: SeenRequest): boolean => r.method === 'POST' && /^\/hub\/api\/users\/[^/]+\/servers?(\/[^/]*)?$/.test(r.path);

describe('no implicit starts (a stopped server on a HAND-MADE FAKE hub)', () => {
  let fake: FakeHub5;
  beforeEach(async () => {
    fake = await FakeHub5.start();
  });
  afterEach(() => fake.close());

  it('activation, timed listings, resolve, provider polls and reconnects send no start; Start Server does', async () => {
    const secrets = new MemorySecretStore();
    const state = new MemoryStateStore();
    const first = world(secrets, state);
    const h = await first.hubs.add({ url: `${fake.url}hub/login`, signIn: { user: 'alice', password: FAKE_HUB_PASSWORD } });
    const serverId = `${fake.url}user/alice/`;
    first.dispose();

    const seen: SeenRequest[] = [];
    const sub = fake.onRequest((r) => seen.push(r));
    // The next activation: saved hubs are loaded and listed in the background.
    const w = world(secrets, state);
    try {
      const hub = w.hubs.get(h.id);
      assert.ok(hub, 'the saved hub is restored');
      await w.hubs.refresh(hub);
      const conn = w.registry.get(serverId) as ServerConnection | undefined;
      assert.ok(conn, 'its stopped default server is listed');
      assert.equal(fake.serverState('alice')?.ready ?? false, false);
      // The hub's proxy counts every request as activity, no_track_activity or not: the view's timer leaves it out.
      assert.equal(listsOnTimer(conn.source), false, 'a hub server is not listed on the timer');

      // The explorer's timer.
      for (let i = 0; i < 3; i++) {
        await w.hubs.refresh(hub);
        await conn.refreshKernels(undefined, { background: true });
      }
      // The Jupyter extension opening a notebook whose saved kernel is on this server: resolveJupyterServer.
      await assert.rejects(conn.connect(undefined, { background: true }), (e: { code?: string }) => e.code === 'ServerStopped');
      // Its polls through our provider fetch.
      const fetch = createFetch({ endpoint: conn.endpoint, use: (fn, signal, options) => conn.use(fn, signal, options), noteActivity: () => undefined });
      await assert.rejects(fetch(`${serverId}api/kernels`), (e: { code?: string }) => e.code === 'ServerStopped');
      // Our own reconnect attempts.
      conn.lifecycle.startRetrying();
      await conn.use((c) => listKernels(c), undefined, { background: true }).catch(() => undefined);

      assert.deepEqual(seen.filter(isStart).map((r) => `${r.method} ${r.path}`), [], 'no request started a server');
      assert.equal(fake.serverState('alice')?.ready ?? false, false, 'the server is still stopped');
      assert.ok(seen.length > 0, 'the hub was listed');
      assert.equal(conn.state.kind, 'disconnected', conn.describe());
      assert.match(conn.describe(), /stopped/i);

      // The explicit action does start it.
      await hub.start('', () => undefined);
      assert.equal(seen.filter(isStart).length, 1, 'Start Server sent one start');
      assert.equal(fake.serverState('alice')?.ready, true);
    } finally {
      sub.dispose();
      w.dispose();
    }
  });
});
