/**
 * Background traffic is not activity (issue 16): against real notebook 6.4 and jupyter-server 1.23, what no user
 * action caused (timed listings, automatic reconnects, the connection's probes, the Jupyter extension's polls
 * through our provider fetch) leaves the server's `last_activity` where it was; a Refresh, an execute or a
 * contents write moves it. And a server started with `shutdown_no_activity_timeout` shuts itself down on schedule
 * while our timed listings run against it.
 *
 * `last_activity` is read with `GET api/status?no_track_activity=1` (a background request), which does not move it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createFetch } from '../../src/core/provider/fetchAdapter';
import type { ServerDoor } from '../../src/core/provider/serverDoor';
import type { ServerConnection } from '../../src/core/registry/connection';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { shutdownKernel, startKernel, type ServerStatus } from '../../src/core/rest';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { tokenCredential } from '../../src/core/session/credentials';
import { Logger } from '../../src/core/util/log';
import { pollUntil } from '../support/pollUntil';
import { testLogSink } from './helpers';
import { executeForResult } from './kernelExec';
import { startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';

const FLAVORS = ['notebook', 'server'] as const;
/** The servers check for inactivity every 60 s (a PeriodicCallback in both apps); this is the idle limit. */
const SHUTDOWN_AFTER_S = 5;

function newRegistry(): ServerRegistry {
  const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug') });
  registry.init();
  return registry;
}

/** The server's own last activity, read without moving it. */
async function lastActivity(c: ServerConnection): Promise<string> {
  const client = c.client;
  assert.ok(client, 'connected');
  const reply = await client.send('GET', 'api/status', { background: true });
  assert.equal(reply.status, 200, reply.text);
  return (JSON.parse(reply.text) as ServerStatus).last_activity;
}

/** Waits until the server's last activity is later than `before`. */
function movedFrom(c: ServerConnection, before: string, what: string): Promise<string> {
  return pollUntil(what, async () => {
    const now = await lastActivity(c);
    return Date.parse(now) > Date.parse(before) ? now : undefined;
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A door as the VS Code provider builds one (src/vscode/jupyter/serverProvider.ts), on a core connection. */
function doorOf(c: ServerConnection): ServerDoor {
  return { endpoint: c.endpoint, use: (fn, signal, options) => c.use(fn, signal, options), noteActivity: () => c.client?.noteActivity() };
}

async function execute(c: ServerConnection, kernelId: string, code: string): Promise<void> {
  const ks = await c.openKernelConnection(kernelId);
  try {
    assert.equal(await executeForResult(ks, code), '42');
  } finally {
    ks.dispose();
  }
}

describe('background traffic is not activity (real servers)', { timeout: 300_000 }, () => {
  // Started first so that their idle shutdown (checked every 60 s) counts down while the other tests run.
  const sleepy = Promise.all(FLAVORS.map((flavor) => startJupyter({ flavor, extraArgs: [`--${flavor === 'notebook' ? 'NotebookApp' : 'ServerApp'}.shutdown_no_activity_timeout=${SHUTDOWN_AFTER_S}`] })));
  after(() => stopAllJupyters());

  for (const flavor of FLAVORS) {
    it(`${flavor}: timed listings, reconnects and probes leave last_activity alone; Refresh, execute and writes move it`, async () => {
      const server: RunningJupyter = await startJupyter({ flavor });
      const registry = newRegistry();
      try {
        const c = await registry.add({ url: server.url, credential: tokenCredential(server.token) });
        const before = await lastActivity(c);
        // What the explorer's timer does, several times; then what an automatic reconnect does.
        for (let i = 0; i < 4; i++) await c.refreshKernels(undefined, { background: true });
        await c.disconnect();
        await c.connect(undefined, { background: true });
        assert.equal(c.state.kind, 'connected');
        for (let i = 0; i < 3; i++) await c.refreshKernels(undefined, { background: true });
        assert.equal(await lastActivity(c), before, 'no background request moved the server\'s last_activity');

        // The Jupyter extension's periodic GETs through our provider fetch: untracked as well.
        const fetch = createFetch(doorOf(c));
        for (const path of ['api/kernels', 'api/sessions', 'api/kernelspecs', 'api/status']) {
          const res = await fetch(new URL(path, server.url).href);
          assert.equal(res.status, 200, path);
          await res.arrayBuffer();
        }
        assert.equal(await lastActivity(c), before, 'the Jupyter extension\'s polls did not move it');

        // A Refresh the user asked for is activity.
        await c.refreshKernels();
        const afterRefresh = await movedFrom(c, before, 'a Refresh to move last_activity');

        // A write through the provider fetch (the notebook saved) is activity.
        const put = await fetch(new URL('api/contents/activity.txt', server.url).href, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'file', format: 'text', content: 'saved' }),
        });
        assert.ok(put.status === 200 || put.status === 201, `PUT contents: ${put.status}`);
        await put.arrayBuffer();
        const afterWrite = await movedFrom(c, afterRefresh, 'a contents write to move last_activity');

        // Executing code is activity.
        const kernel = await c.use((client) => startKernel(client));
        try {
          const settled = await lastActivity(c);
          // Observed on notebook 6.4: its activity watcher subscribes to a new kernel's IOPub a moment after the
          // kernel starts and misses what comes before (the kernel model stays "starting"), so execute until one
          // is seen rather than once.
          await pollUntil('an execute to move last_activity', async () => {
            await execute(c, kernel.id, '6 * 7');
            return Date.parse(await lastActivity(c)) > Date.parse(settled);
          });
        } finally {
          await c.use((client) => shutdownKernel(client, kernel.id));
        }
        assert.ok(Date.parse(afterWrite) >= Date.parse(afterRefresh));
      } finally {
        registry.dispose();
        await server.stop();
      }
    });
  }

  it(`servers with shutdown_no_activity_timeout=${SHUTDOWN_AFTER_S} shut down on schedule while timed listings run`, async () => {
    const servers = await sleepy;
    const registry = newRegistry();
    const listings = new Map<string, number>();
    const conns = await Promise.all(servers.map((s) => registry.add({ url: s.url, credential: tokenCredential(s.token) })));
    // The explorer's timer, at a short interval (the product's default is 10 s).
    const timer = setInterval(() => {
      for (const c of conns) {
        void c
          .refreshKernels(undefined, { background: true })
          .then(() => listings.set(c.id, (listings.get(c.id) ?? 0) + 1))
          .catch(() => undefined);
      }
    }, 500);
    try {
      // The check runs every 60 s after start; two checks and a margin for a loaded machine.
      await pollUntil('both servers to shut themselves down', () => servers.every((s) => !alive(s.pid)), 200_000);
      for (const c of conns) assert.ok((listings.get(c.id) ?? 0) >= 3, `${c.id}: timed listings ran while it counted down (${listings.get(c.id) ?? 0})`);
      for (const s of servers) assert.match(s.log(), /shutting down/i, `${s.flavor} says why it stopped`);
    } finally {
      clearInterval(timer);
      registry.dispose();
    }
  });
});
