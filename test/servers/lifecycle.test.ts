import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getStatus, listKernels, shutdownKernel, startKernel } from '../../src/core/rest';
import { RuntimeScanner } from '../../src/core/discovery/scanner';
import { DiscoveryWatcher } from '../../src/core/discovery/watcher';
import { KernelConnection } from '../../src/core/kernel/kernelConnection';
import { DEFAULT_RETRY_POLICY } from '../../src/core/lifecycle/retryPolicy';
import type { ConnectionStateKind } from '../../src/core/lifecycle/state';
import type { ServerConnection } from '../../src/core/registry/connection';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { TokenRecovery, type TokenPromptRequest } from '../../src/core/registry/tokenRecovery';
import { MemorySecretStore, ServerSecrets } from '../../src/core/secrets/secretStore';
import { passwordCredential, tokenCredential } from '../../src/core/session/credentials';
import { Logger, MemorySink } from '../../src/core/util/log';
import { clientFor, testLogSink } from './helpers';
import { FLAVORS, freePort, startJupyter, stopAllJupyters, type Flavor } from './jupyter';
import { startTcpProxy } from './tcpProxy';
import { pollUntil } from '../support/pollUntil';

const FAST_RETRY = { ...DEFAULT_RETRY_POLICY, minDelayMs: 200, maxDelayMs: 1000, retries: 40 };

/** The states a connection went through, recorded from its change events. */
function recordStates(c: ServerConnection): ConnectionStateKind[] {
  const seen: ConnectionStateKind[] = [c.state.kind];
  c.onDidChange(() => {
    if (seen[seen.length - 1] !== c.state.kind) seen.push(c.state.kind);
  });
  return seen;
}

/** Resolves once `cond()` holds, checked now and on every change event of the connection. */
function waitFor(c: ServerConnection, cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}; state is ${c.state.kind} (${c.describe()})`));
    }, ms);
    const sub = c.onDidChange(() => {
      if (cond()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

function waitForState(c: ServerConnection, pred: (k: ConnectionStateKind) => boolean, what: string, ms = 30_000): Promise<void> {
  return waitFor(c, () => pred(c.state.kind), what, ms);
}

function tokenInUse(c: ServerConnection): string | undefined {
  const cred = c.client?.auth.credential;
  return cred?.kind === 'token' ? cred.token : undefined;
}

describe('session lifecycle against real servers', () => {
  after(() => stopAllJupyters());

  it('server-side expiry (~1 minute cookies): 50 concurrent requests after expiry succeed with exactly one login; a session in use is renewed before it lapses', async () => {
    // cookie_options.expires_days only shapes Expires; get_secure_cookie_kwargs.max_age_days makes the server enforce it.
    const traits = { cookie_options: '{"expires_days": 0.0007}', get_secure_cookie_kwargs: '{"max_age_days": 0.0007}' };
    const results = await Promise.all(
      FLAVORS.map(async (flavor: Flavor) => {
        const server = await startJupyter({ flavor, password: 'expiry-pass', traits });
        // A: the client's clock sees the expiry (the cookie's Expires passed): it signs in before sending.
        const byClientClock = clientFor(server, passwordCredential('expiry-pass'), 'cookie', { renewBeforeMs: 0 });
        // B: a client whose clock is 10 minutes slow still trusts the cookie: the server answers 403 and clears it.
        const slowClock = clientFor(server, passwordCredential('expiry-pass'), 'cookie', { renewBeforeMs: 0, now: () => Date.now() - 10 * 60_000 });
        // C: in active use, with renewal 30 s before expiry: it must never see the server refuse its cookie.
        const activeLog = new MemorySink();
        const active = clientFor(server, passwordCredential('expiry-pass'), 'cookie', { renewBeforeMs: 30_000, logger: new Logger(activeLog, 'debug') });
        let cleared = 0;
        active.auth.onDidClearLogin(() => cleared++);
        await Promise.all([byClientClock.authenticate(), slowClock.authenticate(), active.authenticate()]);
        const expiry = byClientClock.auth.jar.loginExpiry(byClientClock.endpoint.baseUrl);
        assert.ok(expiry && expiry.getTime() - Date.now() < 70_000, `a ~1 minute cookie (expires ${expiry?.toISOString()})`);

        let activeFailures = 0;
        let activeCalls = 0;
        const until = expiry.getTime() + 3_000;
        while (Date.now() < until) {
          activeCalls++;
          await getStatus(active).catch(() => activeFailures++);
          await new Promise((r) => setTimeout(r, 2_000));
        }

        const burst = async (client: typeof active) => {
          const before = client.auth.loginCount;
          const replies = await Promise.allSettled(Array.from({ length: 50 }, () => getStatus(client)));
          return { failed: replies.filter((r) => r.status === 'rejected').length, logins: client.auth.loginCount - before };
        };
        const [a, b] = await Promise.all([burst(byClientClock), burst(slowClock)]);
        for (const c of [byClientClock, slowClock, active]) await c.close();
        return { flavor, a, b, activeFailures, activeCalls, activeLogins: active.auth.loginCount, cleared, reloginLines: activeLog.lines.filter((l) => /no longer accepted/.test(l)).length };
      }),
    );
    for (const r of results) {
      assert.deepEqual(r.a, { failed: 0, logins: 1 }, `${r.flavor}: expired by the client's clock`);
      assert.deepEqual(r.b, { failed: 0, logins: 1 }, `${r.flavor}: refused by the server (403 + clearing Set-Cookie)`);
      assert.equal(r.activeFailures, 0, `${r.flavor}: the session in use never failed (${r.activeCalls} calls)`);
      assert.ok(r.activeLogins >= 2, `${r.flavor}: renewed before expiry (${r.activeLogins} logins)`);
      assert.equal(r.cleared, 0, `${r.flavor}: the server never had to clear the renewed session`);
      assert.equal(r.reloginLines, 0, `${r.flavor}: no re-login after a refusal was needed`);
    }
  });

  it('client-side idle expiry with a short real timeout: cookies dropped, sockets closed, silent re-login on next use', async () => {
    const server = await startJupyter({ flavor: 'server', password: 'idle-pass' });
    const registry = new ServerRegistry({
      secrets: new MemorySecretStore(),
      state: new MemoryStateStore(),
      log: new Logger(testLogSink, 'debug'),
      lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY },
    });
    registry.init();
    try {
      const c = await registry.add({ url: server.url, credential: passwordCredential('idle-pass'), authMode: 'cookie' });
      const states = recordStates(c);
      const kernel = await c.use((client) => startKernel(client));
      const ks = await c.openKernelConnection(kernel.id);
      await ks.kernelInfo();
      // The limit is set once the kernel socket is open (a slow kernel start on a busy machine must not be the idle span).
      registry.updateLifecycle({ idleTimeoutMs: 1500, retry: FAST_RETRY });
      await waitForState(c, (k) => k === 'idle-expired', 'idle expiry', 10_000);
      assert.equal(c.client?.auth.hasLoginCookie(), false, 'the session cookie was dropped');
      assert.equal(ks.status, 'idle-closed', 'the kernel socket was closed');
      const logins = c.client?.auth.loginCount ?? 0;
      const reply = await ks.kernelInfo(); // the next use
      assert.equal(reply.header.msg_type, 'kernel_info_reply');
      assert.equal(c.state.kind, 'connected');
      assert.equal(c.client?.auth.loginCount, logins + 1, 'one silent re-login with the saved password');
      assert.deepEqual(states.slice(-3), ['idle-expired', 're-authenticating', 'connected']);
    } finally {
      registry.dispose();
    }
  });

  it('a background listing (the view’s timer) is not use: it never keeps a session from going idle', async () => {
    const server = await startJupyter({ flavor: 'server' });
    let now = 1_000;
    const client = clientFor(server, tokenCredential(server.token), 'auto', { now: () => now });
    try {
      await listKernels(client);
      const used = client.lastActivity;
      now += 60_000;
      await listKernels(client, { background: true });
      assert.equal(client.lastActivity, used, 'the background listing left the last activity alone');
      await listKernels(client);
      assert.equal(client.lastActivity, now, 'a listing the user asked for is use');
    } finally {
      await client.close();
    }
  });

  it('a local server SIGKILLed and restarted with a new token on the same port is reconnected without user action; its kernel is reported lost', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'sjc-rt-'));
    const port = await freePort();
    const first = await startJupyter({ flavor: 'server', runtimeDir, port, token: 'token-before-restart' });
    const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug'), lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY } });
    registry.init();
    const watcher = new DiscoveryWatcher(new RuntimeScanner(), [runtimeDir], { pidPollMs: 200 });
    watcher.onDidChange((list) => registry.setDiscovered(list));
    try {
      await watcher.start();
      registry.setDiscovered(watcher.servers);
      const c = registry.get(first.url);
      assert.ok(c);
      await c.connect();
      const states = recordStates(c);
      const kernel = await c.use((client) => startKernel(client));
      const ks = await c.openKernelConnection(kernel.id);
      await ks.kernelInfo();

      await first.kill();
      await waitForState(c, (k) => k === 'unreachable', 'unreachable after SIGKILL');
      const second = await startJupyter({ flavor: 'server', runtimeDir, port, token: 'token-after-restart' });
      await waitForState(c, (k) => k === 'connected' || k === 'kernel-lost', 'reconnected after the restart');
      await waitForState(c, (k) => k === 'kernel-lost', 'the old kernel reported lost');
      assert.equal(ks.status, 'lost');
      assert.match(ks.lastError?.message ?? '', /no longer exists/);
      assert.match(ks.lastError?.hint ?? '', /Start a new kernel/);
      // jupyter-server opens its port before it writes the runtime file, and the cookie secret lives in the runtime
      // dir: the reconnect can succeed on the old login cookie before discovery reports the new file. The new token
      // is adopted when it does (or sooner, when the reconnect itself asks for a rescan).
      await waitFor(c, () => tokenInUse(c) === second.token, 'the new token from the new runtime file');
      assert.ok(!states.includes('auth-expired'), `no prompt was needed (states: ${states.join(' → ')})`);
      await c.use((client) => getStatus(client));
      c.acknowledgeLostKernels();
      assert.equal(c.state.kind, 'connected');
    } finally {
      watcher.dispose();
      registry.dispose();
    }
  });

  it('a lost kernel stays reported through a reconnect (as when a new runtime file is adopted): the connection does not go back to plain connected', async () => {
    const server = await startJupyter({ flavor: 'server' });
    // A hand-made TCP proxy: the only way to drop the kernel's socket at a chosen moment.
    const proxy = await startTcpProxy(server.port);
    const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug'), lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY } });
    registry.init();
    try {
      const c = await registry.add({ url: proxy.url, credential: tokenCredential(server.token) });
      const kernel = await c.use((client) => startKernel(client));
      const ks = await c.openKernelConnection(kernel.id);
      await ks.kernelInfo();
      // Shut down behind the session's back (jupyter-server keeps the socket open), then the socket drops: the
      // session's reconnect finds the kernel gone.
      const other = clientFor(server, tokenCredential(server.token));
      await shutdownKernel(other, kernel.id);
      await other.close();
      assert.ok(proxy.dropAll() > 0, 'the kernel socket was dropped');
      await waitForState(c, (k) => k === 'kernel-lost', 'the shut-down kernel reported lost');
      assert.equal(ks.status, 'lost');
      // Adopting a restarted server's token reconnects (kernel-lost → connecting → connected); the lost kernel was
      // not acknowledged, so it must be reported again, not hidden behind "connected".
      const seen = recordStates(c);
      await c.connect();
      assert.equal(c.state.kind, 'kernel-lost', `states: ${seen.join(' → ')}`);
      assert.deepEqual(c.state.lostKernels, [kernel.id]);
      c.acknowledgeLostKernels();
      await c.connect();
      assert.equal(c.state.kind, 'connected', 'an acknowledged kernel is not reported again');
    } finally {
      registry.dispose();
      await proxy.close();
    }
  });

  it('a restarted local server whose new runtime file was not reported yet: the refused token triggers one rescan, every request succeeds; kernel sockets waiting out a retry delay are kicked when the connection is back', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'sjc-rt-'));
    const port = await freePort();
    const first = await startJupyter({ flavor: 'server', runtimeDir, port, token: 'token-before-rescan' });
    // Retry delays of ten minutes: a kernel socket only reconnects within this test if the connection kicks it.
    const SLOW = { ...DEFAULT_RETRY_POLICY, minDelayMs: 600_000, maxDelayMs: 600_000, retries: 3, jitter: false };
    const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug'), lifecycle: { idleTimeoutMs: 0, retry: SLOW } });
    registry.init();
    // No watcher: discovery only looks when the registry asks (what a missed or late file event looks like).
    const scanner = new RuntimeScanner();
    let rescans = 0;
    registry.setRediscover(async () => {
      rescans++;
      registry.setDiscovered(await scanner.scan([runtimeDir], { parseStale: false }));
    });
    registry.setDiscovered(await scanner.scan([runtimeDir], { parseStale: false }));
    // Retry delays use unref'd timers; this test waits on them, so it holds the event loop itself.
    const hold = setInterval(() => undefined, 1000);
    try {
      const c = registry.get(first.url);
      assert.ok(c);
      await c.connect();
      const kernel = await c.use((client) => startKernel(client));
      const ks = await c.openKernelConnection(kernel.id);
      await ks.kernelInfo();
      const statuses: string[] = [];
      ks.onDidChangeStatus((e) => statuses.push(e.status));

      await first.kill();
      await new Promise<void>((resolve) => {
        if (ks.status === 'reconnecting') return resolve();
        const sub = ks.onDidChangeStatus((e) => e.status === 'reconnecting' && (sub.dispose(), resolve()));
      });
      const second = await startJupyter({ flavor: 'server', runtimeDir, port, token: 'token-after-rescan' });
      assert.equal(rescans, 0);
      // The cookie secret lives in the runtime dir, so the old login cookie would still be accepted: drop it, as a
      // session that ended while the server was down (the worst case: only the new token signs in).
      c.client?.auth.dropCookies();
      const replies = await Promise.all(Array.from({ length: 10 }, () => c.use((client) => getStatus(client))));
      assert.equal(replies.length, 10, 'every request succeeded with the token from the new runtime file');
      assert.ok(rescans >= 1 && rescans <= 10, `rescans: ${rescans}`);
      const cred = c.client?.auth.credential;
      assert.equal(cred?.kind === 'token' ? cred.token : '', second.token);
      await waitForState(c, (k) => k === 'kernel-lost', 'the kicked kernel socket found its kernel gone');
      assert.equal(ks.status, 'lost');
      assert.deepEqual(statuses, ['reconnecting', 'lost']);
    } finally {
      clearInterval(hold);
      registry.dispose();
    }
  });

  it('a remote server restarted with a new token asks once for the new one', async () => {
    const port = await freePort();
    const first = await startJupyter({ flavor: 'notebook', port, token: 'remote-token-1' });
    const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug'), lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY } });
    registry.init();
    try {
      const c = await registry.add({ url: first.url, credential: tokenCredential('remote-token-1') });
      const states = recordStates(c);
      await first.kill();
      await assert.rejects(c.use((client) => getStatus(client)));
      await waitForState(c, (k) => k === 'unreachable', 'unreachable');
      await startJupyter({ flavor: 'notebook', port, token: 'remote-token-2' });
      await waitForState(c, (k) => k === 'auth-expired', 'the saved token rejected by the restarted server');
      assert.equal(c.state.error?.code, 'InvalidToken');
      assert.match(c.state.error?.message ?? '', /rejected the token.*restarted with a new token/);
      // A refused token is not retried: the reconnect loop ends, with no attempt scheduled, and nothing else asks.
      // The end of a retry loop: no event announces it.
      await pollUntil('the reconnect attempts to stop', () => !c.lifecycle.isRetrying);
      assert.equal(c.state.kind, 'auth-expired');
      assert.equal(c.state.retryAt, undefined, 'no further attempt scheduled');
      assert.equal(states.filter((s) => s === 'auth-expired').length, 1, `asked once, no retry storm (states: ${states.join(' → ')})`);
      await registry.add({ url: first.url, credential: tokenCredential('remote-token-2') });
      assert.equal(c.state.kind, 'connected');
    } finally {
      registry.dispose();
    }
  });

  it('a remote server restarted with a new token: one prompt (stub port); a wrong entry keeps the saved token and is offered again; the right one is saved and reconnects', async () => {
    const port = await freePort();
    const first = await startJupyter({ flavor: 'server', port, token: 'prompt-token-1' });
    const secrets = new MemorySecretStore();
    const registry = new ServerRegistry({ secrets, state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug'), lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY } });
    registry.init();
    const requests: TokenPromptRequest[] = [];
    let savedWhenAskedAgain: string | undefined;
    let c: ServerConnection | undefined;
    // A stub of the VS Code prompt (hand-made): records what it was asked and answers like a user would.
    const recovery = new TokenRecovery(
      registry,
      {
        askForNewToken: async (r) => {
          requests.push(r);
          if (requests.length === 1) {
            // While the prompt is open the server is used again and refuses again: the same failure, no new prompt.
            await assert.rejects(c!.use((client) => getStatus(client)), /rejected the token/);
            return 'not-the-token';
          }
          savedWhenAskedAgain = await new ServerSecrets(secrets, r.serverId).get('token');
          return 'prompt-token-2';
        },
      },
      new Logger(testLogSink, 'debug'),
    );
    try {
      c = await registry.add({ url: first.url, credential: tokenCredential('prompt-token-1'), name: 'remote box' });
      const states = recordStates(c);
      await first.kill();
      await assert.rejects(c.use((client) => getStatus(client)));
      await startJupyter({ flavor: 'server', port, token: 'prompt-token-2' });
      // The reconnect loop can reach the new server before startJupyter's own readiness poll does, and the whole
      // recovery (refusal, both prompts, the new token saved) can be over by the time it returns: judge by the
      // states the connection went through, not by the one it is in now.
      await waitFor(c, () => states.includes('auth-expired') && c!.state.kind === 'connected', 'the saved token refused after the restart, then a reconnect with the token entered');
      // Between going down and the refusal the connection never worked: the old token was not accepted.
      const down = states.indexOf('unreachable');
      const refused = states.indexOf('auth-expired');
      assert.ok(down >= 0 && refused > down && !states.slice(down, refused).includes('connected'), `down, refused, then connected (states: ${states.join(' → ')})`);
      assert.equal(requests.length, 2, 'asked, then offered again after the wrong entry');
      assert.equal(requests[0]?.serverName, 'remote box');
      assert.match(requests[0]?.reason ?? '', /rejected the token/);
      assert.equal(requests[0]?.previousAttemptError, undefined);
      assert.match(requests[1]?.previousAttemptError ?? '', /token/i);
      assert.equal(savedWhenAskedAgain, 'prompt-token-1', 'the wrong entry did not replace the saved token');
      assert.equal(await new ServerSecrets(secrets, c.id).get('token'), 'prompt-token-2');
      assert.equal(recovery.prompts, 2);
      await c.use((client) => getStatus(client));
    } finally {
      recovery.dispose();
      registry.dispose();
    }
  });

  it('an open kernel WebSocket reconnects after a server-side drop (hand-made TCP proxy drops every connection)', async () => {
    const server = await startJupyter({ flavor: 'server' });
    const proxy = await startTcpProxy(server.port);
    const client = clientFor({ ...server, url: proxy.url }, tokenCredential(server.token), 'token');
    try {
      const kernel = await startKernel(client);
      const ks = new KernelConnection(client, kernel.id, FAST_RETRY);
      await ks.open();
      const firstSession = ks.sessionId;
      await ks.kernelInfo();
      const statuses: string[] = [];
      ks.onDidChangeStatus((e) => statuses.push(e.status));
      assert.ok(proxy.dropAll() > 0, 'connections were dropped');
      const reply = await ks.kernelInfo();
      assert.equal(reply.header.msg_type, 'kernel_info_reply');
      assert.equal(ks.reconnects, 1);
      assert.notEqual(ks.sessionId, firstSession, 'a fresh session_id on the new connection');
      assert.deepEqual(statuses, ['reconnecting', 'open']);
      ks.dispose();
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('after a clock jump (sleep) every connection is re-validated', async () => {
    const server = await startJupyter({ flavor: 'notebook', password: 'jump-pass' });
    const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log: new Logger(testLogSink, 'debug'), lifecycle: { idleTimeoutMs: 0, retry: FAST_RETRY } });
    registry.init();
    try {
      const c = await registry.add({ url: server.url, credential: passwordCredential('jump-pass'), authMode: 'cookie' });
      const states = recordStates(c);
      registry.revalidateAll(45 * 60_000);
      assert.equal(c.state.kind, 'connecting', 'not trusted any more');
      await waitForState(c, (k) => k === 'connected', 'connected again');
      assert.deepEqual(states, ['connected', 'connecting', 'connected']);
    } finally {
      registry.dispose();
    }
  });
});
