import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditService, runtimeDirsFor } from '../../src/core/audit/auditService';
import { auditPolicy } from '../../src/core/audit/policy';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { tokenCredential } from '../../src/core/session/credentials';
import { Logger } from '../../src/core/util/log';
import { testLogSink } from './helpers';
import { startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';

describe('the audit service over registry connections (real servers)', () => {
  let insecure: RunningJupyter;
  let registry: ServerRegistry;
  const log = new Logger(testLogSink, 'debug');

  before(async () => {
    insecure = await startJupyter({ flavor: 'notebook', traits: { cookie_options: '{"httponly": False}', allow_origin: "'*'" } });
    registry = new ServerRegistry({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), log });
    registry.init();
  });
  after(async () => {
    registry.dispose();
    await stopAllJupyters();
  });

  it('audits with the connection credential; a second request joins the running audit; the maximum lifetime comes from the policy', async () => {
    const c = await registry.add({ url: insecure.url, credential: tokenCredential(insecure.token) });
    let hours = 24 * 31;
    const service = new AuditService({ log, policy: () => auditPolicy({ maxCookieLifetimeHours: hours }), runtimeDirs: (s) => runtimeDirsFor(s, [insecure.runtimeDir]) });
    const events: string[] = [];
    service.onDidChange((id) => events.push(`${id}:${service.get(id)?.status}`));
    try {
      const first = service.run(c);
      assert.equal(service.isRunning(c.id), true);
      const second = service.run(c);
      assert.equal(second, first, 'one audit per server at a time');
      const entry = await first;
      assert.equal(entry.status, 'done');
      assert.deepEqual(entry.report?.findings.map((f) => f.id), ['cors-any-origin', 'login-cookie-not-httponly', 'login-cookie-no-samesite', 'token-in-page']);
      assert.equal(entry.report?.server.auth, 'token in the Authorization header');
      assert.deepEqual(events, [`${c.id}:running`, `${c.id}:done`]);
      assert.ok(!JSON.stringify(entry).includes(insecure.token), 'no token in the entry');

      hours = 8;
      const stricter = await service.run(c);
      assert.ok(stricter.report?.findings.some((f) => f.id === 'login-cookie-long-lived'), 'a 30-day cookie is over 8 hours');
    } finally {
      service.dispose();
    }
  });

  it('a cancelled audit fails as Cancelled and keeps the previous report; forget drops the entry', async () => {
    const c = registry.get(insecure.url)!;
    const service = new AuditService({ log, policy: () => auditPolicy(), runtimeDirs: () => [] });
    try {
      const done = await service.run(c);
      assert.equal(done.status, 'done');
      const controller = new AbortController();
      const running = service.run(c, controller.signal);
      controller.abort();
      const cancelled = await running;
      assert.equal(cancelled.status, 'failed');
      assert.match(cancelled.error ?? '', /cancelled/);
      assert.deepEqual(cancelled.report, done.report, 'the previous report stays');
      service.forget(c.id);
      assert.equal(service.get(c.id), undefined);
    } finally {
      service.dispose();
    }
  });

  it('a caller that cancels only leaves a shared audit: the run goes on for the caller that did not cancel', async () => {
    const c = registry.get(insecure.url)!;
    const service = new AuditService({ log, policy: () => auditPolicy(), runtimeDirs: () => [] });
    try {
      const automatic = service.run(c);
      const controller = new AbortController();
      const fromReport = service.run(c, controller.signal);
      controller.abort();
      const left = await fromReport;
      assert.equal(left.status, 'running', 'the cancelling caller stops waiting at once');
      assert.ok(service.isRunning(c.id), 'the shared run was not cancelled');
      const done = await automatic;
      assert.equal(done.status, 'done');
      assert.ok(done.report && done.report.findings.length > 0);
      // Two cancellable callers: the run is cancelled only when both have left.
      const a = new AbortController();
      const b = new AbortController();
      const first = service.run(c, a.signal);
      const second = service.run(c, b.signal);
      a.abort();
      assert.equal((await first).status, 'running');
      assert.ok(service.isRunning(c.id));
      b.abort();
      const cancelled = await second;
      assert.equal(cancelled.status, 'failed');
      assert.match(cancelled.error ?? '', /cancelled/);
    } finally {
      service.dispose();
    }
  });

  it('a server that cannot be reached fails with the typed reason, nothing thrown', async () => {
    const gone = await startJupyter({ flavor: 'server' });
    const c = await registry.add({ url: gone.url, credential: tokenCredential(gone.token) });
    await gone.stop();
    const service = new AuditService({ log, policy: () => auditPolicy(), runtimeDirs: () => [] });
    try {
      const entry = await service.run(c);
      assert.equal(entry.status, 'failed');
      assert.match(entry.error ?? '', /reach|refused|ECONNREFUSED/i);
      assert.equal(entry.report, undefined);
    } finally {
      service.dispose();
      await registry.remove(c.id);
    }
  });
});
