import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockJumpDetector } from '../../src/core/lifecycle/clockJump';
import { IdleMonitor } from '../../src/core/lifecycle/idleMonitor';
import { DEFAULT_RETRY_POLICY, baseDelay, retryWithPolicy, shouldReconnect } from '../../src/core/lifecycle/retryPolicy';
import { initialState, transition, type ConnectionEvent, type ConnectionState } from '../../src/core/lifecycle/state';
import { ConnectionSupervisor, type Supervised } from '../../src/core/lifecycle/supervisor';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { passwordCredential, tokenCredential, type Credential } from '../../src/core/session/credentials';
import { JupyterClient } from '../../src/core/transport/client';
import { ServerUnreachableError, WrongPasswordError } from '../../src/core/util/errors';
import { nullLogger } from '../../src/core/util/log';
import { FakeClock } from '../support/fakeClock';

/** Retry delays use unref'd timers (a retry never keeps a process alive), so a test waiting on one holds the loop. */
async function holdingLoop<T>(fn: () => Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 1000);
  try {
    return await fn();
  } finally {
    clearInterval(hold);
  }
}

const MIN = 60_000;

describe('lifecycle/idleMonitor (fake clock)', () => {
  it('fires once after the limit without activity, and not before', () => {
    const clock = new FakeClock();
    let last = clock.now();
    let fired = 0;
    const m = new IdleMonitor(clock, 15 * MIN, () => last, () => fired++);
    clock.advance(15 * MIN - 1);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
    clock.advance(60 * MIN);
    assert.equal(fired, 1, 'quiet until re-armed');
    last = clock.now();
    m.rearm();
    clock.advance(15 * MIN);
    assert.equal(fired, 2);
    m.dispose();
  });

  it('activity postpones expiry (read when the timer fires, no per-request cost)', () => {
    const clock = new FakeClock();
    let last = clock.now();
    let fired = 0;
    const m = new IdleMonitor(clock, 10 * MIN, () => last, () => fired++);
    clock.advance(9 * MIN);
    last = clock.now(); // a request
    clock.advance(9 * MIN);
    assert.equal(fired, 0, '9 minutes after the last request');
    clock.advance(MIN);
    assert.equal(fired, 1);
    m.dispose();
  });

  it('a limit of 0 turns it off; changing the limit takes effect', () => {
    const clock = new FakeClock();
    let fired = 0;
    const start = clock.now();
    const m = new IdleMonitor(clock, 0, () => start, () => fired++);
    clock.advance(1000 * MIN);
    assert.equal(fired, 0);
    assert.equal(clock.pendingTimers, 0);
    m.setLimit(MIN);
    clock.advance(MIN);
    assert.equal(fired, 1);
    m.dispose();
    assert.equal(clock.pendingTimers, 0, 'dispose clears its timer');
  });
});

describe('lifecycle/clockJump (fake clock)', () => {
  it('reports a jump beyond the threshold (sleep) and ignores normal ticks', () => {
    const clock = new FakeClock();
    const gaps: number[] = [];
    const d = new ClockJumpDetector(clock, (g) => gaps.push(g), 5_000, 30_000);
    clock.advance(60_000);
    assert.deepEqual(gaps, []);
    clock.jump(10 * MIN); // the machine slept: no timer ran
    clock.advance(5_000);
    assert.equal(gaps.length, 1);
    assert.ok(gaps[0]! >= 10 * MIN - 5_000, `gap ${gaps[0]}`);
    d.dispose();
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('lifecycle/retryPolicy', () => {
  it('reconnects after abnormal closes, not after a normal one', () => {
    assert.ok(shouldReconnect(DEFAULT_RETRY_POLICY, 1006));
    assert.ok(shouldReconnect(DEFAULT_RETRY_POLICY, 1012));
    assert.ok(!shouldReconnect(DEFAULT_RETRY_POLICY, 1000));
  });

  it('delays grow exponentially up to the maximum', () => {
    const p = { ...DEFAULT_RETRY_POLICY, minDelayMs: 100, factor: 2, maxDelayMs: 1000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => baseDelay(p, n)), [100, 200, 400, 800, 1000, 1000]);
  });

  it('retries until success, stops on a final error, and stops when aborted', () => holdingLoop(async () => {
    const p = { ...DEFAULT_RETRY_POLICY, minDelayMs: 1, maxDelayMs: 2, retries: 5 };
    let calls = 0;
    assert.equal(await retryWithPolicy(p, async () => (++calls < 3 ? Promise.reject(new ServerUnreachableError('down')) : 'up')), 'up');
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      retryWithPolicy(p, async () => {
        calls++;
        throw new WrongPasswordError('no');
      }, { shouldRetry: (e) => !(e instanceof WrongPasswordError) }),
      WrongPasswordError,
    );
    assert.equal(calls, 1, 'a final error is not retried');
    const abort = new AbortController();
    calls = 0;
    await assert.rejects(
      retryWithPolicy(p, async () => {
        if (++calls === 2) abort.abort();
        throw new ServerUnreachableError('down');
      }, { signal: abort.signal }),
    );
    assert.ok(calls <= 3, `stopped after abort (${calls} calls)`);
  }));

  it('announces each next attempt with its jittered delay (×1–2 of the exponential delay, capped); none after the last', () => holdingLoop(async () => {
    const p = { ...DEFAULT_RETRY_POLICY, minDelayMs: 2, factor: 2, maxDelayMs: 10, retries: 4, jitter: true };
    const announced: (number | undefined)[] = [];
    await assert.rejects(
      retryWithPolicy(p, async () => Promise.reject(new ServerUnreachableError('down')), {
        random: () => 0.5,
        onFailedAttempt: (_err, _attempt, _left, next) => announced.push(next),
      }),
      ServerUnreachableError,
    );
    assert.deepEqual(announced, [3, 6, 10, 10, undefined]);
    const plain: (number | undefined)[] = [];
    await assert.rejects(
      retryWithPolicy({ ...p, jitter: false }, async () => Promise.reject(new ServerUnreachableError('down')), { onFailedAttempt: (_e, _a, _l, next) => plain.push(next) }),
    );
    assert.deepEqual(plain, [2, 4, 8, 10, undefined]);
  }));
});

class FakeConnection implements Supervised {
  readonly id = 'http://127.0.0.1:1/';
  state: ConnectionState;
  client: JupyterClient;
  connectCalls = 0;
  connectResults: Array<'ok' | 'down'> = [];
  kernelsClosedForIdle = 0;
  readonly events: string[] = [];
  /** Called on a transition to connected (ServerConnection tells its supervisor). */
  onConnected: (() => void) | undefined;

  constructor(private readonly clock: FakeClock, credential: Credential) {
    this.client = new JupyterClient({ endpoint: endpointFromUrl(this.id), credential, now: () => clock.now() });
    this.state = transition(transition(initialState(clock.now()), { type: 'connect' }, clock.now()), { type: 'connected' }, clock.now());
  }
  apply(e: ConnectionEvent): boolean {
    const next = transition(this.state, e, this.clock.now());
    if (next === this.state) return false;
    this.events.push(`${e.type}→${next.kind}`);
    const was = this.state.kind;
    this.state = next;
    if (next.kind === 'connected' && was !== 'connected') this.onConnected?.();
    return true;
  }
  async connect(): Promise<void> {
    this.connectCalls++;
    this.apply({ type: 'connect' });
    if ((this.connectResults.shift() ?? 'ok') === 'down') {
      this.apply({ type: 'failed', error: { code: 'ServerUnreachable', message: 'down' }, retryable: true, needsUser: false });
      throw new ServerUnreachableError('down');
    }
    this.apply({ type: 'connected' });
  }
  closeKernelsForIdle(): void {
    this.kernelsClosedForIdle++;
  }
}

describe('lifecycle/supervisor (fake clock, no network)', () => {
  it('idle expiry drops the cookies, closes kernel sockets, and a token session resumes on next use', () => {
    const clock = new FakeClock();
    const conn = new FakeConnection(clock, tokenCredential('tok-idle-1'));
    const sup = new ConnectionSupervisor(conn, clock, { idleTimeoutMs: 15 * MIN, retry: DEFAULT_RETRY_POLICY }, nullLogger);
    sup.attach(conn.client);
    conn.client.auth.jar.setFromResponse(conn.id, ['username-127-0-0-1-1="2|1:0|10:1|x"; Path=/']);
    clock.advance(14 * MIN);
    conn.client.noteActivity();
    clock.advance(14 * MIN);
    assert.equal(conn.state.kind, 'connected', 'activity 14 min ago keeps the session');
    clock.advance(MIN);
    assert.equal(conn.state.kind, 'idle-expired');
    assert.equal(conn.client.auth.jar.size, 0, 'session cookies dropped');
    assert.equal(conn.kernelsClosedForIdle, 1, 'kernel sockets closed');
    conn.client.noteActivity(); // the next use
    assert.equal(conn.state.kind, 'connected', 'a token session needs no login to resume');
    assert.deepEqual(conn.events, ['idle-timeout→idle-expired', 'reauth-start→re-authenticating', 'reauth-ok→connected']);
    clock.advance(15 * MIN);
    assert.equal(conn.state.kind, 'idle-expired', 'and it is watched again');
    sup.dispose();
  });

  it('a cookie session shows re-authenticating while it signs in again, then connected', async () => {
    const clock = new FakeClock();
    const conn = new FakeConnection(clock, passwordCredential('pw-idle-1'));
    const sup = new ConnectionSupervisor(conn, clock, { idleTimeoutMs: MIN, retry: DEFAULT_RETRY_POLICY }, nullLogger);
    sup.attach(conn.client);
    clock.advance(MIN);
    assert.equal(conn.state.kind, 'idle-expired');
    let release!: () => void;
    const login = conn.client.auth.singleFlightLogin(() => new Promise<void>((r) => (release = r)));
    assert.equal(conn.state.kind, 're-authenticating');
    release();
    await login;
    assert.equal(conn.state.kind, 'connected');
    sup.dispose();
  });

  it('a failed silent re-login without a saved secret needs the user (auth-expired)', async () => {
    const clock = new FakeClock();
    const conn = new FakeConnection(clock, passwordCredential('pw-2'));
    const sup = new ConnectionSupervisor(conn, clock, { idleTimeoutMs: 0, retry: DEFAULT_RETRY_POLICY }, nullLogger);
    sup.attach(conn.client);
    await assert.rejects(conn.client.auth.singleFlightLogin(async () => Promise.reject(new WrongPasswordError('rejected'))));
    assert.equal(conn.state.kind, 'auth-expired');
    assert.equal(conn.state.error?.code, 'WrongPassword');
    sup.dispose();
  });

  it('a network failure is unreachable and retried by the policy until the server answers', () => holdingLoop(async () => {
    const clock = new FakeClock();
    const conn = new FakeConnection(clock, tokenCredential('tok-net'));
    const sup = new ConnectionSupervisor(conn, clock, { idleTimeoutMs: 0, retry: { ...DEFAULT_RETRY_POLICY, minDelayMs: 1, maxDelayMs: 2 } }, nullLogger);
    conn.connectResults = ['down', 'down', 'ok'];
    sup.reportFailure(new ServerUnreachableError('gone'));
    assert.equal(conn.state.kind, 'unreachable');
    while (sup.isRetrying) await new Promise((r) => setTimeout(r, 5));
    assert.equal(conn.connectCalls, 3);
    assert.equal(conn.state.kind, 'connected');
    assert.equal(conn.events.filter((e) => e.endsWith('→unreachable') && !e.startsWith('retry-scheduled')).length, 3, 'each failed attempt is visible');
    assert.equal(conn.events.filter((e) => e === 'retry-scheduled→unreachable').length, 2, 'the time of each next attempt is shown');
    sup.dispose();
  }));

  it('a retry loop waiting out its delay ends when the connection is back by another path, without another attempt', () => holdingLoop(async () => {
    const clock = new FakeClock();
    const conn = new FakeConnection(clock, tokenCredential('tok-back'));
    // Long delays: the loop is certainly waiting when the connection comes back.
    const sup = new ConnectionSupervisor(conn, clock, { idleTimeoutMs: 0, retry: { ...DEFAULT_RETRY_POLICY, minDelayMs: 60_000, maxDelayMs: 60_000 } }, nullLogger);
    conn.onConnected = () => sup.connectionRestored();
    conn.connectResults = ['down'];
    sup.reportFailure(new ServerUnreachableError('gone'));
    while (conn.connectCalls < 1 || !conn.events.includes('retry-scheduled→unreachable')) await new Promise((r) => setTimeout(r, 1));
    assert.ok(sup.isRetrying);
    // A new token adopted, or the user: connected, then a kernel found lost.
    conn.apply({ type: 'connect' });
    conn.apply({ type: 'connected' });
    assert.equal(sup.isRetrying, false, 'the loop ended');
    conn.apply({ type: 'kernel-lost', kernelId: 'k1' });
    assert.equal(conn.connectCalls, 1, 'no further attempt');
    assert.equal(conn.state.kind, 'kernel-lost', 'the lost kernel stays in sight');
    sup.dispose();
  }));

  it('an attempt that finds the connection already back does not connect again', () => holdingLoop(async () => {
    const clock = new FakeClock();
    const conn = new FakeConnection(clock, tokenCredential('tok-back-2'));
    const sup = new ConnectionSupervisor(conn, clock, { idleTimeoutMs: 0, retry: { ...DEFAULT_RETRY_POLICY, minDelayMs: 1, maxDelayMs: 2 } }, nullLogger);
    conn.connectResults = ['down'];
    sup.reportFailure(new ServerUnreachableError('gone'));
    while (conn.connectCalls < 1 || !conn.events.includes('retry-scheduled→unreachable')) await new Promise((r) => setTimeout(r, 1));
    // Back without telling the supervisor (as if its notice were still on the way), and a kernel lost.
    conn.apply({ type: 'connect' });
    conn.apply({ type: 'connected' });
    conn.apply({ type: 'kernel-lost', kernelId: 'k1' });
    while (sup.isRetrying) await new Promise((r) => setTimeout(r, 1));
    assert.equal(conn.connectCalls, 1, 'the due attempt saw the connection back and did nothing');
    assert.equal(conn.state.kind, 'kernel-lost');
    sup.dispose();
  }));
});
