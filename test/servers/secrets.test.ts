import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { shutdownKernel, startKernel } from '../../src/core/rest';
import { runCheck } from '../../src/core/check/check';
import { KernelChannel } from '../../src/core/kernel/channel';
import { passwordCredential, tokenCredential } from '../../src/core/session/credentials';
import type { JupyterClient } from '../../src/core/transport/client';
import { clientFor, testLogSink } from './helpers';
import { FLAVORS, startJupyter, stopAllJupyters } from './jupyter';

/**
 * The redaction promise, checked end to end: every log line (trace level, so every request is logged) and every
 * error message produced while talking to real servers is searched for every secret involved — the token, the
 * password, and each login cookie and XSRF value the jars held.
 */
describe('no secret reaches a log line or an error message', () => {
  after(() => stopAllJupyters());

  it('token, password, login cookies and _xsrf values never appear', async () => {
    const secrets = new Set<string>();
    const messages: string[] = [];
    const harvest = (client: JupyterClient): void => {
      for (const c of client.auth.jar.all()) {
        const v = c.value.replace(/^"|"$/g, '');
        if (v.length >= 8) secrets.add(v);
      }
    };
    const expectFailure = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
        assert.fail('expected a failure');
      } catch (err) {
        const e = err as Error & { hint?: string };
        messages.push(`${e.name}: ${e.message} ${e.hint ?? ''} ${String((e as { stack?: string }).stack)}`);
      }
    };

    for (const flavor of FLAVORS) {
      const password = `pw-${flavor}-s3cret-value`;
      const [tokenServer, passwordServer] = await Promise.all([startJupyter({ flavor }), startJupyter({ flavor, password })]);
      secrets.add(tokenServer.token);
      secrets.add(password);

      for (const [server, credential, mode] of [
        [tokenServer, tokenCredential(tokenServer.token), 'token'],
        [tokenServer, tokenCredential(tokenServer.token), 'cookie'],
        [passwordServer, passwordCredential(password), 'cookie'],
      ] as const) {
        const client = clientFor(server, credential, mode);
        try {
          const report = await runCheck(client);
          assert.equal(report.ok, true, JSON.stringify(report.steps));
          messages.push(...report.steps.map((s) => s.detail));
          const k = await startKernel(client);
          const ch = await KernelChannel.open(client, k.id);
          await ch.kernelInfo();
          ch.dispose();
          await shutdownKernel(client, k.id);
          harvest(client);
          // Failures that carry server replies: a kernel that does not exist, an XSRF rejection.
          await expectFailure(client.json('GET', 'api/kernels/00000000-0000-0000-0000-000000000000'));
          if (client.auth.usesCookies) {
            await expectFailure(client.request('POST', 'api/kernels', { json: {}, headers: { 'x-xsrftoken': '2|00000000|00000000000000000000000000000000|1' } }));
          }
        } finally {
          await client.close();
        }
      }
      // Wrong credentials: the errors must not echo what was sent.
      const wrongPassword = `${password}-wrong`;
      secrets.add(wrongPassword);
      const bad = clientFor(passwordServer, passwordCredential(wrongPassword), 'cookie');
      await expectFailure(bad.authenticate());
      harvest(bad);
      await bad.close();
      const wrongToken = `${tokenServer.token}-wrong`;
      secrets.add(wrongToken);
      const badToken = clientFor(tokenServer, tokenCredential(wrongToken), 'token');
      await expectFailure(badToken.json('GET', 'api/status'));
      await badToken.close();
    }

    assert.ok(secrets.size >= 10, `collected ${secrets.size} secrets to look for`);
    assert.ok(testLogSink.lines.length > 50, `trace logging produced ${testLogSink.lines.length} lines`);
    const haystack = [...testLogSink.lines, ...messages].join('\n');
    for (const s of secrets) {
      assert.ok(!haystack.includes(s), `secret ${s.slice(0, 4)}… found in:\n${haystack.split('\n').filter((l) => l.includes(s)).slice(0, 3).join('\n')}`);
    }
  });
});
