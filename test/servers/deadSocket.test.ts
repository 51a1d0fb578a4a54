import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, describe, it } from 'node:test';
import { startKernel } from '../../src/core/rest';
import { KernelConnection, type KernelConnectionStatus } from '../../src/core/kernel/kernelConnection';
import { DEFAULT_RETRY_POLICY } from '../../src/core/lifecycle/retryPolicy';
import type { LivenessSettings } from '../../src/core/lifecycle/socketLiveness';
import type { ServerDoor } from '../../src/core/provider/serverDoor';
import { webSocketClassFor } from '../../src/core/provider/wsCompat';
import { tokenCredential } from '../../src/core/session/credentials';
import { Logger, MemorySink } from '../../src/core/util/log';
import { clientFor } from './helpers';
import { executeForResult } from './kernelExec';
import { FLAVORS, startJupyter, stopAllJupyters, type Flavor } from './jupyter';
import { startTcpProxy } from './tcpProxy';

// Short intervals so the test takes seconds: a ping every second, dead after three seconds of silence.
const FAST: LivenessSettings = { pingIntervalMs: 1000, deadAfterMs: 3000 };
const FAST_RETRY = { ...DEFAULT_RETRY_POLICY, minDelayMs: 200, maxDelayMs: 1000, retries: 40 };
// Detection may come up to a timer's lateness after the limit; a loaded machine (2 cores, other suites) is slow.
const SLACK_MS = 4000;

/** Resolves after `n` more pong frames arrived on any undici WebSocket of this process (undici's diagnostics channel). */
function pongs(n: number, what: string, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const onPong = (): void => {
      if (++seen < n) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${n} pongs (${what}); saw ${seen}`));
    }, ms);
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe('undici:websocket:pong', onPong);
    };
    subscribe('undici:websocket:pong', onPong);
  });
}

/** Resolves with the time `ks` reached `status` (checked now and on every status event). */
function statusReached(ks: KernelConnection, status: KernelConnectionStatus, ms = 30_000): Promise<number> {
  if (ks.status === status) return Promise.resolve(Date.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${status}; status is ${ks.status}`));
    }, ms);
    const sub = ks.onDidChangeStatus((e) => {
      if (e.status !== status) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(Date.now());
    });
  });
}


describe('dead kernel sockets are noticed (a relay that goes silent: no FIN, no RST)', { timeout: 180_000 }, () => {
  after(() => stopAllJupyters());

  for (const flavor of FLAVORS as readonly Flavor[]) {
    it(`${flavor}: a quiet socket is kept by its pongs (no activity noted); a silent one is reported dropped within the limit, reconnected, and the kernel runs again`, async () => {
      const server = await startJupyter({ flavor });
      // A hand-made TCP relay: a real server cannot make its connection go silent.
      const proxy = await startTcpProxy(server.port);
      const sink = new MemorySink();
      const client = clientFor({ ...server, url: proxy.url }, tokenCredential(server.token), 'auto', { logger: new Logger(sink, 'debug') });
      const ks = new KernelConnection(client, (await startKernel(client)).id, FAST_RETRY, FAST);
      const statuses: KernelConnectionStatus[] = [];
      ks.onDidChangeStatus((e) => statuses.push(e.status));
      try {
        await ks.open();
        // Each message is activity; what the activity stamp read after the last one is what it must still read.
        let activity = client.lastActivity;
        ks.onMessage(() => (activity = client.lastActivity));
        await ks.kernelInfo();
        // Quiet for longer than the dead limit (five pings a second apart): the pongs keep it, and pings are no use.
        await pongs(5, 'a quiet open socket');
        assert.equal(ks.status, 'open');
        assert.equal(ks.reconnects, 0, 'answered pings keep a quiet socket');
        assert.equal(client.lastActivity, activity, 'pings and pongs are not activity (idle expiry): the last message was');

        const dropped = statusReached(ks, 'reconnecting');
        const stalledAt = Date.now();
        assert.ok(proxy.stall('upgraded') >= 1, 'the kernel socket went silent');
        const lostAt = await dropped;
        assert.ok(lostAt - stalledAt <= FAST.deadAfterMs + SLACK_MS, `reported dropped after ${lostAt - stalledAt} ms`);
        await statusReached(ks, 'open');
        assert.equal(ks.reconnects, 1);
        assert.deepEqual(statuses.slice(-2), ['reconnecting', 'open']);
        assert.ok(sink.lines.some((l) => /pings unanswered/.test(l)), 'the log says why the socket was dropped');
        assert.equal((await ks.kernelInfo()).header.msg_type, 'kernel_info_reply');
        assert.equal(await executeForResult(ks, '1+1'), '2');
        assert.ok(!sink.lines.some((l) => l.includes(server.token)), 'the token is in no log line');
      } finally {
        ks.dispose();
        await client.close();
        await proxy.close();
      }
    });
  }

  it('the provider socket (ws-compatible): ping(cb) is answered with a pong event; a silent one closes with 1006 within the limit', async () => {
    const server = await startJupyter({ flavor: 'server' });
    const proxy = await startTcpProxy(server.port);
    const client = clientFor({ ...server, url: proxy.url }, tokenCredential(server.token));
    let activity = 0;
    const door: ServerDoor = { endpoint: client.endpoint, use: (fn) => fn(client), noteActivity: () => activity++, liveness: () => FAST };
    try {
      const kernel = await startKernel(client);
      const WebSocketClass = webSocketClassFor(door);
      const url = `${proxy.url.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels?session_id=${randomUUID()}`;
      const ws = new WebSocketClass(url, ['v1.kernel.websocket.jupyter.org']);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('close', (code: number) => reject(new Error(`closed (${code}) before opening`)));
      });
      const closes: number[] = [];
      ws.on('close', (code: number) => closes.push(code));
      // The server says a few things on connect; every message is use of the connection, pings are not.
      let messages = 0;
      ws.on('message', () => messages++);
      const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
      const called = new Promise<Error | undefined>((resolve) => ws.ping(Buffer.from('are you there'), undefined, resolve));
      assert.equal(await called, undefined, 'ping(data, mask, cb) calls back without an error');
      assert.equal((await pong).toString(), 'are you there', "the server's pong is emitted with the ping's body");
      await pongs(4, 'the quiet provider socket');
      assert.equal(ws.readyState, ws.OPEN, 'answered pings keep the socket');
      assert.equal(activity, messages, 'messages are use of the connection, pings are not');

      const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now())));
      const stalledAt = Date.now();
      assert.ok(proxy.stall('upgraded') >= 1);
      const closedAt = await closed;
      assert.ok(closedAt - stalledAt <= FAST.deadAfterMs + SLACK_MS, `closed after ${closedAt - stalledAt} ms`);
      assert.deepEqual(closes, [1006], 'one close, 1006 (what makes the caller reconnect)');
      assert.equal(ws.readyState, ws.CLOSED);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
