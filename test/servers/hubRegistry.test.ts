import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HubRegistry, type HubSettings } from '../../src/core/hub/hubs';
import { serverPhase, type HubConnection } from '../../src/core/hub/hub';
import type { SpawnProgress } from '../../src/core/hub/progress';
import { requestedScopes } from '../../src/core/hub/scopes';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { listKernels, startKernel } from '../../src/core/rest';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { isJupyterError } from '../../src/core/util/errors';
import { Logger, MemorySink } from '../../src/core/util/log';
import { startHub, stopAllHubs, type RunningHub } from './jupyterhub';
import { executeForResult } from './kernelExec';

/**
 * Hubs through our own core (HubRegistry, HubConnection, the server registry, the one transport) against Debian's
 * JupyterHub 3.0 started by the harness: sign-in, scopes and expiry, start with progress, a kernel, stop, named
 * servers, revocation on remove, renewal before expiry.
 */
const DAY = 86_400;

interface World {
  readonly secrets: MemorySecretStore;
  readonly state: MemoryStateStore;
  readonly sink: MemorySink;
  readonly registry: ServerRegistry;
  readonly hubs: HubRegistry;
  dispose(): void;
}

function world(settings: HubSettings = { tokenLifetimeDays: 7, silentRenewal: false }): World {
  const secrets = new MemorySecretStore();
  const state = new MemoryStateStore();
  const sink = new MemorySink();
  const log = new Logger(sink, 'trace');
  const registry = new ServerRegistry({ secrets, state, log });
  registry.init();
  const hubs = new HubRegistry({ registry, secrets, state, log, settings });
  hubs.init();
  return { secrets, state, sink, registry, hubs, dispose: () => (hubs.dispose(), registry.dispose()) };
}

/** Everything we keep, as text: the secret store's keys and values, the state store, the log. */
async function everythingKept(w: World): Promise<string> {
  const values = await Promise.all(w.secrets.keys().map(async (k) => `${k}=${await w.secrets.get(k)}`));
  return [...values, JSON.stringify(w.state.get('secure-jupyter-connections.hubs')), JSON.stringify(w.state.get('secure-jupyter-connections.servers')), ...w.sink.lines].join('\n');
}

async function hubSays(hub: RunningHub, token: string): Promise<number> {
  return (await fetch(new URL('hub/api/user', hub.url), { headers: { authorization: `token ${token}` } })).status;
}

async function tokenOf(w: World, h: HubConnection): Promise<string> {
  const t = await w.secrets.get(`secure-jupyter-connections/token/${h.id}`);
  assert.ok(t, 'the hub token is in the secret store');
  return t;
}

/** Runs code on a kernel of a hub server's connection and returns its execute_result. */
async function run(w: World, serverId: string, code: string): Promise<string> {
  const c = w.registry.get(serverId);
  assert.ok(c, `the registry lists ${serverId}`);
  await c.connect();
  const kernel = await c.use((client) => startKernel(client));
  const ks = await c.openKernelConnection(kernel.id);
  return executeForResult(ks, code);
}

describe('JupyterHub 3.0 through our hub support', { timeout: 300_000 }, () => {
  let hub: RunningHub;
  before(async () => {
    hub = await startHub();
  });
  after(() => stopAllHubs());

  it('a server URL on the hub (…/user/NAME/…) is recognised as the hub\'s, without credentials; other URLs are not', async () => {
    const w = world();
    try {
      const found = await w.hubs.detect(`${hub.url}user/alice/lab/tree/x.ipynb`);
      assert.match(found?.version ?? '', /^3\./);
      assert.equal(found?.user, 'alice');
      assert.equal(await w.hubs.detect(hub.url), undefined, 'the hub URL itself is no server URL');
      assert.equal(await w.hubs.detect(`http://127.0.0.1:${hub.port + 0}/user/`), undefined);
      assert.equal(w.secrets.keys().length, 0);
    } finally {
      w.dispose();
    }
  });

  it('a wrong password is a clear WrongPassword and nothing is saved; a failed sign-in again keeps the token that works', async () => {
    const w = world();
    try {
      await assert.rejects(w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: 'not-the-password' } }), (e: unknown) => {
        assert.ok(isJupyterError(e, 'WrongPassword'), String(e));
        assert.match((e as Error).message, /did not accept the user name and password for alice/);
        return true;
      });
      assert.equal(w.hubs.list().length, 0);
      assert.equal(w.secrets.keys().length, 0, 'no secret kept');
      assert.equal(w.state.get('secure-jupyter-connections.hubs'), undefined, 'no hub entry kept');
      const h = await w.hubs.add({ url: `${hub.url}hub/login`, signIn: { user: 'alice', password: hub.password } });
      const token = await tokenOf(w, h);
      await assert.rejects(w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: 'wrong-again' } }));
      assert.equal(await tokenOf(w, h), token, 'the working token was kept');
      assert.equal(w.hubs.list().length, 1);
    } finally {
      w.dispose();
    }
  });

  it('a password is exchanged once for a token with exactly the requested scopes and expiry, kept only in the secret store; the password is kept nowhere', async () => {
    const w = world({ tokenLifetimeDays: 2, silentRenewal: false });
    try {
      const before = Date.now();
      // A single-user URL names the hub too.
      const h = await w.hubs.add({ url: `${hub.url}user/alice/lab/tree`, signIn: { user: 'alice', password: hub.password } });
      assert.equal(h.id, `${hub.url}hub/`);
      assert.equal(h.user, 'alice');
      assert.equal(h.entry.signIn, 'password');
      assert.match(h.entry.tokenId ?? '', /^a\d+$/);
      // 3.0 expands `servers` into read:/delete:servers and adds the read scopes it implies; nothing else.
      assert.deepEqual([...h.entry.scopes].sort(), [...requestedScopes({ user: 'alice' }), 'read:servers!user=alice', 'delete:servers!user=alice', 'read:users:groups!user=alice'].sort());
      assert.deepEqual(h.scopes.excess, [], 'nothing beyond what the servers need');
      assert.equal(h.scopes.canMintTokens, false);
      const expires = h.expiresAt ?? 0;
      assert.ok(Math.abs(expires - (before + 2 * DAY * 1000)) < 120_000, `expires in 2 days (${h.entry.expiresAt})`);
      const token = await tokenOf(w, h);
      assert.equal(await hubSays(hub, token), 200, 'the hub accepts the token');
      const kept = await everythingKept(w);
      assert.ok(!kept.includes(hub.password), 'the password is not in the secret store, the state or the log');
      assert.ok(!JSON.stringify(w.state.get('secure-jupyter-connections.hubs')).includes(token), 'the token is not in the state');
      assert.ok(!w.sink.lines.join('\n').includes(token), 'nor in the log');
      assert.deepEqual(w.secrets.keys(), [`secure-jupyter-connections/token/${h.id}`], 'one secret: the hub token');
    } finally {
      w.dispose();
    }
  });

  it('the default server: listed stopped, started with progress to ready, a kernel runs 1+1 → 2, stopped again (shows stopped, not unreachable)', async () => {
    const w = world();
    try {
      const h = await w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
      const serverId = `${hub.url}user/alice/`;
      assert.equal(serverPhase(h.servers[0]!.model), 'stopped');
      const c = w.registry.get(serverId);
      assert.ok(c, 'the stopped default server is a connection in the registry');
      assert.equal(c.name, 'alice@127.0.0.1:' + hub.port);
      await assert.rejects(c.connect(), (e: unknown) => isJupyterError(e, 'ServerStopped'), 'connecting never starts it');
      const events: SpawnProgress[] = [];
      const ready = await h.start('', (e) => events.push(e));
      assert.equal(ready.endpoint.id, serverId);
      assert.ok(events.some((e) => e.ready === true || e.progress === 100), `progress reached ready: ${JSON.stringify(events)}`);
      assert.equal(await run(w, serverId, '1+1'), '2');
      assert.equal(c.state.kind, 'connected');
      assert.equal(c.client?.auth.plan, 'token-header', 'the hub token in the header: no cookies, no XSRF');
      assert.equal(c.client?.auth.jar.size ?? 0, 0, 'no cookie was kept from the single-user server');
      assert.ok((await c.use((cl) => listKernels(cl))).length >= 1);
      await h.stop('');
      assert.equal(serverPhase(h.servers[0]!.model), 'stopped');
      assert.equal(c.state.kind, 'disconnected', 'stopped, not unreachable');
      await assert.rejects(c.connect(), (e: unknown) => isJupyterError(e, 'ServerStopped'));
    } finally {
      w.dispose();
    }
  });

  it('a server stopped on the hub behind our back (a culler, the web UI) shows stopped, not unreachable, once we notice', async () => {
    const w = world();
    try {
      const h = await w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
      const s = await h.start('');
      const c = w.registry.get(s.endpoint.id);
      assert.ok(c);
      await c.connect();
      const token = await tokenOf(w, h);
      // As the culler does: the hub stops it; we are not told.
      const res = await fetch(new URL('hub/api/users/alice/server', hub.url), { method: 'DELETE', headers: { authorization: `token ${token}` } });
      assert.ok(res.status === 204 || res.status === 202, `stop: ${res.status}`);
      const stopped = new Promise<void>((resolve) => {
        const sub = w.registry.onDidChange(() => {
          const now = w.registry.get(s.endpoint.id);
          if (now?.source.kind === 'hub' && !now.source.server.ready && now.source.server.pending === null) (sub.dispose(), resolve());
        });
      });
      // Our next use fails; the hub is asked and says stopped.
      await c.refreshKernels().catch(() => undefined);
      await stopped;
      assert.notEqual(c.state.kind, 'unreachable');
      await assert.rejects(c.connect(), (e: unknown) => isJupyterError(e, 'ServerStopped'));
    } finally {
      w.dispose();
    }
  });

  it('a named server: created by starting it, used, deleted', async () => {
    const w = world();
    try {
      const h = await w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
      const s = await h.start('scratch');
      assert.equal(s.endpoint.id, `${hub.url}user/alice/scratch/`);
      assert.equal(w.registry.get(s.endpoint.id)?.name, `alice@127.0.0.1:${hub.port}: scratch`);
      assert.equal(await run(w, s.endpoint.id, '6*7'), '42');
      await h.stop('scratch', { remove: true });
      assert.equal(h.servers.some((x) => x.name === 'scratch'), false, 'the hub no longer lists it');
      assert.equal(w.registry.get(s.endpoint.id), undefined, 'nor does the registry');
    } finally {
      w.dispose();
    }
  });

  it('remove revokes the token: with the password for a token that may not revoke itself; the hub then refuses it; without, it says why', async () => {
    const w = world();
    try {
      const h = await w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
      const token = await tokenOf(w, h);
      const outcome = await w.hubs.remove(h.id, { password: hub.password });
      assert.deepEqual(outcome, { revoked: true });
      assert.equal(await hubSays(hub, token), 403, 'the hub refuses the removed token');
      assert.equal(w.secrets.keys().length, 0, 'nothing kept');
      assert.deepEqual(w.state.get('secure-jupyter-connections.hubs'), []);
      assert.equal(w.registry.list().length, 0);

      const h2 = await w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
      const token2 = await tokenOf(w, h2);
      const unrevoked = await w.hubs.remove(h2.id);
      assert.equal(unrevoked.revoked, false);
      assert.match((unrevoked as { reason: string }).reason, /may not revoke itself.*lapses at/);
      assert.equal(await hubSays(hub, token2), 200, 'not revoked, as it said');
      assert.ok(!(await everythingKept(w)).includes(hub.password));
    } finally {
      w.dispose();
    }
  });

  it('with silent renewal on: a short-lived token is renewed before it lapses (the old one revoked), and remove revokes without asking', async () => {
    const w = world({ tokenLifetimeDays: 30 / DAY, silentRenewal: true });
    try {
      const h = await w.hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
      assert.equal(h.scopes.canMintTokens, true);
      const first = { id: h.entry.tokenId, token: await tokenOf(w, h), expiresAt: h.expiresAt ?? 0 };
      assert.ok(first.expiresAt - Date.now() <= 31_000, `a 30 s token (${h.entry.expiresAt})`);
      await new Promise<void>((resolve) => {
        const sub = h.onDidChange(() => {
          if (h.entry.tokenId !== first.id) (sub.dispose(), resolve());
        });
      });
      const renewedAt = Date.now();
      assert.ok(renewedAt < first.expiresAt, `renewed ${first.expiresAt - renewedAt} ms before the old token lapsed`);
      const second = await tokenOf(w, h);
      assert.notEqual(second, first.token);
      assert.ok((h.expiresAt ?? 0) > first.expiresAt, 'the new token lives longer');
      assert.equal(await hubSays(hub, second), 200);
      // Revoked before the new entry was announced.
      assert.equal(await hubSays(hub, first.token), 403, 'the old token was revoked');
      assert.deepEqual(await w.hubs.remove(h.id), { revoked: true });
      assert.equal(await hubSays(hub, second), 403);
    } finally {
      w.dispose();
    }
  });

  it('a pasted token: the user is learned from the hub; a token with every scope of the user is flagged as broader than needed', async () => {
    const res = await fetch(new URL('hub/api/users/alice/tokens', hub.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { username: 'alice', password: hub.password }, expires_in: 600, note: 'pasted by the test' }),
    });
    const pasted = ((await res.json()) as { token: string }).token;
    const w = world();
    try {
      const h = await w.hubs.add({ url: `${hub.url}hub/token`, signIn: { token: pasted } });
      assert.equal(h.user, 'alice');
      assert.equal(h.entry.signIn, 'token');
      assert.ok(h.scopes.excess.length > 0, `excess scopes: ${h.scopes.excess.join(', ')}`);
      assert.ok(h.scopes.canMintTokens);
      assert.equal(serverPhase(h.servers[0]!.model), 'stopped');
      await assert.rejects(w.hubs.add({ url: hub.url, signIn: { token: 'not-a-token-0000' } }), (e: unknown) => isJupyterError(e, 'InvalidToken'));
      assert.equal(await tokenOf(w, h), pasted, 'a refused token replaces nothing');
    } finally {
      w.dispose();
    }
  });
});
