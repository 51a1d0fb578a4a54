import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepAlive, type KeepAliveLimit, type KeepAliveSettings, type KeepAliveTarget, type WatchedKernel } from '../../src/core/lifecycle/keepAlive';
import { initialState, type ConnectionState, type ConnectionStateKind } from '../../src/core/lifecycle/state';
import type { KernelModel } from '../../src/core/rest';
import type { JupyterClient } from '../../src/core/transport/client';
import { Emitter } from '../../src/core/util/event';
import { Logger, MemorySink } from '../../src/core/util/log';
import { FakeClock } from '../support/fakeClock';

const MIN = 60_000;
const ON: KeepAliveSettings = { enabled: true, intervalMs: 5 * MIN, maxMs: 60 * MIN };

/** A connection stand-in and a server whose kernels' states the test sets; every listing is recorded. */
function world(settings: KeepAliveSettings, kind: ConnectionStateKind = 'connected', listsOnTimer = true) {
  const clock = new FakeClock();
  const changed = new Emitter<void>();
  const server = new Map<string, string>([['k1', 'idle']]);
  const requests: { at: number; tracked: boolean }[] = [];
  const target = {
    id: 'http://127.0.0.1:8888/',
    state: { ...initialState(clock.now()), kind } as ConnectionState,
    client: {} as JupyterClient,
    kernels: [] as KernelModel[],
    kernelsListedAt: undefined as number | undefined,
    onDidChange: changed.event,
    listsOnTimer,
  } satisfies KeepAliveTarget;
  const sink = new MemorySink();
  const ka = new KeepAlive(target, clock, settings, new Logger(sink, 'debug'), async (_c, tracked) => {
    requests.push({ at: clock.now(), tracked });
    return [...server].map(([id, execution_state]) => ({ id, name: 'python3', execution_state }));
  });
  const limits: KeepAliveLimit[] = [];
  ka.onDidReachLimit((l) => limits.push(l));
  /** Moves time, letting each listing's reply arrive. */
  const step = async (ms: number, by = MIN): Promise<void> => {
    for (let t = 0; t < ms; t += by) {
      clock.advance(Math.min(by, ms - t));
      await new Promise((r) => setImmediate(r));
    }
  };
  /** The connection listed kernels (its connect, the view's timer). */
  const listed = (): void => {
    target.kernels = [...server].map(([id, execution_state]) => ({ id, name: 'python3', execution_state }));
    target.kernelsListedAt = clock.now();
    changed.fire();
  };
  const tracked = (): number[] => requests.filter((r) => r.tracked).map((r) => r.at - 1_000_000);
  return { clock, server, requests, target, ka, limits, step, listed, tracked, sink, changed };
}

function socket(kernelId: string) {
  const messages = new Emitter<{ channel: string; header: { msg_type: string }; content: Record<string, unknown> }>();
  const statuses = new Emitter<{ status: string }>();
  const k: WatchedKernel & { status: string } = { kernelId, status: 'open', onMessage: messages.event, onDidChangeStatus: statuses.event };
  return {
    k,
    report: (execution_state: string) => messages.fire({ channel: 'iopub', header: { msg_type: 'status' }, content: { execution_state } }),
    close: (status: string) => {
      k.status = status;
      statuses.fire({ status });
    },
  };
}

describe('keep-alive while busy', () => {
  it('a hub server (every request through its proxy is activity): no untracked looks; a busy socket still gets tracked beats', async () => {
    const w = world(ON, 'connected', false);
    await w.step(30 * MIN);
    assert.equal(w.requests.length, 0, 'nothing is sent to an idle hub server');
    const s = socket('k1');
    w.ka.watchKernel(s.k);
    s.report('busy');
    await w.step(15 * MIN);
    assert.equal(w.tracked().length, 3, `tracked beats while busy: ${JSON.stringify(w.requests)}`);
    assert.ok(w.requests.every((r) => r.tracked));
    s.report('idle');
    const before = w.requests.length;
    await w.step(30 * MIN);
    assert.equal(w.requests.length, before, 'idle again: nothing sent');
  });

  it('off: nothing is sent at all, busy or not', async () => {
    const w = world({ ...ON, enabled: false });
    const s = socket('k1');
    w.ka.watchKernel(s.k);
    s.report('busy');
    w.server.set('k1', 'busy');
    w.listed();
    await w.step(60 * MIN);
    assert.equal(w.requests.length, 0);
    assert.equal(w.clock.pendingTimers, 0, 'no timer runs while off');
    assert.equal(w.ka.status.kind, 'off');
  });

  it('starts on busy (a socket status): one tracked request per interval; stops when the kernel goes idle', async () => {
    const w = world(ON);
    const s = socket('k1');
    w.ka.watchKernel(s.k);
    await w.step(12 * MIN);
    assert.deepEqual(w.tracked(), [], 'idle: only untracked looks');
    assert.ok(w.requests.length >= 2, 'the untracked look runs once per interval');
    let changes = 0;
    w.ka.onDidChange(() => changes++);
    s.report('busy');
    w.server.set('k1', 'busy');
    assert.equal(w.ka.status.kind, 'keeping');
    assert.equal(changes, 1, 'the row changes at once');
    await w.step(16 * MIN);
    assert.deepEqual(w.tracked(), [15 * MIN, 20 * MIN, 25 * MIN], 'tracked on the beat, every 5 minutes');
    s.report('idle');
    w.server.set('k1', 'idle');
    assert.equal(w.ka.status.kind, 'watching');
    await w.step(30 * MIN);
    assert.deepEqual(w.tracked(), [15 * MIN, 20 * MIN, 25 * MIN], 'nothing tracked once idle');
    assert.deepEqual(w.limits, []);
  });

  it('starts on busy seen in a listing (a notebook kernel, no socket of ours), stops when a beat sees it idle', async () => {
    const w = world(ON);
    w.server.set('k1', 'busy');
    w.listed();
    assert.equal(w.ka.keepingAlive, true);
    await w.step(11 * MIN);
    assert.deepEqual(w.tracked(), [5 * MIN, 10 * MIN]);
    w.server.set('k1', 'idle'); // the next tracked listing says so
    await w.step(20 * MIN);
    assert.deepEqual(w.tracked(), [5 * MIN, 10 * MIN, 15 * MIN]);
    assert.equal(w.ka.status.kind, 'watching');
  });

  it('stops at the maximum and reports it once; a new busy stretch after idle is kept alive again', async () => {
    const w = world({ ...ON, maxMs: 22 * MIN });
    const s = socket('k1');
    w.ka.watchKernel(s.k);
    s.report('busy');
    w.server.set('k1', 'busy');
    await w.step(120 * MIN);
    assert.deepEqual(w.tracked(), [5 * MIN, 10 * MIN, 15 * MIN, 20 * MIN], 'nothing tracked after 22 minutes');
    assert.equal(w.limits.length, 1, 'reported once');
    assert.deepEqual(w.limits[0], { serverId: w.target.id, kernelIds: ['k1'], maxMs: 22 * MIN });
    assert.equal(w.sink.lines.filter((l) => /keep-alive maximum/.test(l)).length, 1, 'one log line');
    assert.equal(w.ka.status.kind, 'stopped-at-maximum');
    s.report('idle');
    s.report('busy');
    const before = w.tracked().length;
    await w.step(6 * MIN);
    assert.equal(w.tracked().length, before + 1, 'a new stretch is kept alive');
    assert.equal(w.limits.length, 1);
  });

  it('turned off while keeping alive: stops at once; turned on again: resumes; a longer maximum resumes a stopped stretch', async () => {
    const w = world(ON);
    const s = socket('k1');
    w.ka.watchKernel(s.k);
    s.report('busy');
    await w.step(6 * MIN);
    assert.equal(w.tracked().length, 1);
    w.ka.update({ ...ON, enabled: false });
    assert.equal(w.ka.status.kind, 'off');
    assert.equal(w.clock.pendingTimers, 0);
    await w.step(30 * MIN);
    assert.equal(w.tracked().length, 1, 'nothing while off');
    w.ka.update({ ...ON, maxMs: 7 * MIN });
    await w.step(30 * MIN);
    assert.equal(w.tracked().length, 2, 'on again: kept alive until the (short) maximum');
    assert.equal(w.limits.length, 1);
    w.ka.update({ ...ON, maxMs: 60 * MIN });
    assert.equal(w.ka.status.kind, 'keeping', 'a longer maximum resumes');
    await w.step(6 * MIN);
    assert.equal(w.tracked().length, 3);
  });

  it('pauses while the connection is not up, and forgets everything on disconnect; a closed socket stops counting its kernel', async () => {
    const w = world(ON);
    const s = socket('k1');
    w.ka.watchKernel(s.k);
    s.report('busy');
    w.target.state = { ...w.target.state, kind: 'unreachable' };
    w.changed.fire();
    await w.step(20 * MIN);
    assert.deepEqual(w.tracked(), [], 'no request while unreachable');
    w.target.state = { ...w.target.state, kind: 'connected' };
    w.changed.fire();
    await w.step(6 * MIN);
    assert.equal(w.tracked().length, 1);
    s.close('disposed');
    assert.equal(w.ka.status.kind, 'watching', 'its socket is gone: the kernel is no longer known busy');
    w.target.state = { ...w.target.state, kind: 'disconnected' };
    w.changed.fire();
    assert.equal(w.clock.pendingTimers, 0);
  });
});
