import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { KernelConnection } from '../../src/core/kernel/kernelConnection';
import type { KeepAliveLimit, KeepAliveSettings } from '../../src/core/lifecycle/keepAlive';
import { DEFAULT_RETRY_POLICY } from '../../src/core/lifecycle/retryPolicy';
import type { ServerConnection } from '../../src/core/registry/connection';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { startKernel } from '../../src/core/rest';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { tokenCredential } from '../../src/core/session/credentials';
import { Logger } from '../../src/core/util/log';
import { rawRequest, testLogSink } from './helpers';
import { FLAVORS, startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';
import { pollUntil } from '../support/pollUntil';

const FAST_RETRY = { ...DEFAULT_RETRY_POLICY, minDelayMs: 200, maxDelayMs: 1000, retries: 40 };
/** The core takes milliseconds (the setting is in minutes): a short beat for the test. */
const INTERVAL = 1500;
const OFF: KeepAliveSettings = { enabled: false, intervalMs: INTERVAL, maxMs: 600_000 };
const ON: KeepAliveSettings = { ...OFF, enabled: true };

/** The server's last_activity, read the way that never moves it (the status handler records no activity anyway). */
async function lastActivity(server: RunningJupyter): Promise<string> {
  const r = await rawRequest(`${server.url}api/status?no_track_activity=1`, { headers: { authorization: `token ${server.token}` } });
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text) as { last_activity: string }).last_activity;
}

/** Resolves once `cond()` holds, checked now and on every change event of the connection. */
function waitFor(c: ServerConnection, cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const sub = c.onDidChange(() => {
      if (!cond()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

/**
 * Runs `time.sleep(seconds)` through our kernel connection. `started` resolves when the kernel echoed the code
 * (it is busy, and the server has recorded that message's activity); `running()` is true until `seconds - 1.5` s
 * after that (samples later than that could see the end of the cell, which is kernel activity).
 */
function sleepOn(ks: KernelConnection, seconds: number) {
  let startedAt = 0;
  let finished = false;
  const started = new Promise<void>((resolve) => {
    const sub = ks.onMessage((m) => {
      if (m.header.msg_type !== 'execute_input') return;
      sub.dispose();
      startedAt = Date.now();
      resolve();
    });
  });
  const done = ks
    .request('execute_request', { code: `import time; time.sleep(${seconds})`, silent: false, store_history: false, user_expressions: {}, allow_stdin: false })
    .then((reply) => {
      finished = true;
      assert.equal((reply.content as { status: string }).status, 'ok');
    });
  return { started, done, running: () => !finished && Date.now() < startedAt + (seconds - 1.5) * 1000 };
}

/** Samples last_activity while the cell runs (a poll with a deadline, no fixed sleep); returns the distinct values in order. */
async function sampleWhileRunning(server: RunningJupyter, run: ReturnType<typeof sleepOn>): Promise<string[]> {
  const seen: string[] = [];
  await pollUntil(
    'the cell to reach its end',
    async () => {
      if (!run.running()) return true;
      const v = await lastActivity(server);
      if (run.running() && seen[seen.length - 1] !== v) seen.push(v);
      return false;
    },
    120_000,
  );
  return seen;
}

async function scenario(flavor: (typeof FLAVORS)[number]): Promise<void> {
  const server = await startJupyter({ flavor });
  const registry = new ServerRegistry({
    secrets: new MemorySecretStore(),
    state: new MemoryStateStore(),
    log: new Logger(testLogSink, 'debug'),
    lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY, keepAlive: OFF },
  });
  registry.init();
  const limits: KeepAliveLimit[] = [];
  registry.onDidReachKeepAliveLimit((l) => limits.push(l));
  try {
    const c = await registry.add({ url: server.url, credential: tokenCredential(server.token) });
    const kind = (): string => c.keepAlive.status.kind; // read anew each time (no narrowing across the steps)
    const kernel = await c.use((client) => startKernel(client));
    const ks = await c.openKernelConnection(kernel.id);
    await ks.kernelInfo();

    // Off: a sleeping kernel leaves last_activity where its start put it.
    const off = sleepOn(ks, 6);
    await off.started;
    const offSamples = await sampleWhileRunning(server, off);
    await off.done;
    assert.equal(offSamples.length, 1, `${flavor}, off: last_activity did not move during the sleep (${offSamples.join(', ')})`);
    assert.equal(c.keepAlive.trackedRequests, 0, `${flavor}, off: no keep-alive request`);
    assert.equal(kind(), 'off');

    // On (a settings change, no reconnect): it moves at the interval while the kernel sleeps.
    registry.updateLifecycle({ idleTimeoutMs: 0, retry: FAST_RETRY, keepAlive: ON });
    const on = sleepOn(ks, 12);
    await on.started;
    await waitFor(c, () => c.keepAlive.keepingAlive, 'keep-alive to start on busy', 10_000);
    const onSamples = await sampleWhileRunning(server, on);
    await on.done;
    assert.ok(onSamples.length >= 4, `${flavor}, on: last_activity moved at least 3 times during a 12 s sleep at a 1.5 s interval (${onSamples.join(', ')})`);
    const steps = onSamples.slice(1).map((v, i) => Date.parse(v) - Date.parse(onSamples[i] as string));
    for (const s of steps.slice(1)) assert.ok(s >= INTERVAL * 0.6, `${flavor}, on: one tracked request per interval, not more (steps ${steps.join(', ')} ms)`);
    assert.ok(c.keepAlive.trackedRequests >= 3);

    // The kernel went idle: it stops (the idle status from our socket ends it at once).
    await waitFor(c, () => !c.keepAlive.keepingAlive, 'keep-alive to stop on idle', 10_000);
    const sent = c.keepAlive.trackedRequests;
    const idleAt = await lastActivity(server);
    const until = Date.now() + 3 * INTERVAL;
    const idleSamples = new Set<string>();
    await pollUntil('three intervals to pass', async () => {
      idleSamples.add(await lastActivity(server));
      return Date.now() > until;
    });
    assert.deepEqual([...idleSamples], [idleAt], `${flavor}: with the kernel idle last_activity stays (the untracked looks do not move it)`);
    assert.equal(c.keepAlive.trackedRequests, sent, `${flavor}: no tracked request once idle`);
    assert.equal(kind(), 'watching');

    // The maximum: kept alive for 3 s, then stopped and reported once.
    registry.updateLifecycle({ idleTimeoutMs: 0, retry: FAST_RETRY, keepAlive: { ...ON, maxMs: 3000 } });
    const long = sleepOn(ks, 9);
    await long.started;
    await waitFor(c, () => limits.length > 0, 'the keep-alive maximum', 20_000);
    const sentAtLimit = c.keepAlive.trackedRequests;
    assert.ok(sentAtLimit >= sent + 1, `${flavor}: kept alive until the maximum`);
    assert.equal(kind(), 'stopped-at-maximum');
    const afterLimit = await sampleWhileRunning(server, long);
    await long.done;
    assert.ok(afterLimit.length <= 1, `${flavor}: after the maximum last_activity no longer moves (${afterLimit.join(', ')})`);
    assert.equal(c.keepAlive.trackedRequests, sentAtLimit);
    assert.deepEqual(limits.map((l) => [l.serverId, l.kernelIds, l.maxMs]), [[c.id, [kernel.id], 3000]], `${flavor}: reported once`);
  } finally {
    registry.dispose();
  }
}

describe('keep-alive while busy against real servers', { timeout: 300_000 }, () => {
  after(() => stopAllJupyters());

  for (const flavor of FLAVORS) {
    it(`${flavor}: a kernel in time.sleep keeps last_activity moving at the interval only with the setting on, until idle or the maximum`, () => scenario(flavor));
  }
});
