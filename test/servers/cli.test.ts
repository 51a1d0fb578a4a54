import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FLAVORS, startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';

const CLI = resolve(__dirname, '../../../dist/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: mkdtempSync(join(tmpdir(), 'sjc-home-')), ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface CheckJson {
  ok: boolean;
  server: { url: string; version: string; auth: string };
  steps: { name: string; ok: boolean; ms: number; detail: string; error?: string; skipped?: boolean }[];
}

function assertNoSecrets(run: Run, secrets: string[]): void {
  for (const s of secrets) {
    assert.ok(!run.stdout.includes(s) && !run.stderr.includes(s), `a secret reached the CLI output:\n${run.stdout}\n${run.stderr}`);
  }
}

for (const flavor of FLAVORS) {
  describe(`jupyter-secure CLI against ${flavor}`, () => {
    let tokenServer: RunningJupyter;
    let passwordServer: RunningJupyter;
    before(async () => {
      [tokenServer, passwordServer] = await Promise.all([startJupyter({ flavor }), startJupyter({ flavor, password: 'cli-pass-42' })]);
    });
    after(() => stopAllJupyters());

    for (const auth of ['token', 'cookie', 'auto'] as const) {
      it(`check --auth ${auth} --json with JUPYTER_TOKEN: every step ok, exit 0`, async () => {
        const run = await cli(['check', tokenServer.url, '--auth', auth, '--json', '--verbose'], { JUPYTER_TOKEN: tokenServer.token });
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const report = JSON.parse(run.stdout) as CheckJson;
        assert.equal(report.ok, true);
        assert.deepEqual(report.steps.map((s) => s.name), ['reach', 'authenticate', 'xsrf', 'start-kernel', 'kernel-websocket', 'cleanup']);
        assert.ok(report.steps.every((s) => s.ok && typeof s.ms === 'number' && s.detail.length > 0));
        assert.equal(report.server.version, flavor === 'notebook' ? '6.4.12' : '1.23.3');
        assert.match(report.server.auth, auth === 'cookie' ? /token used as password/ : /Authorization header/);
        assertNoSecrets(run, [tokenServer.token]);
      });
    }

    it('check with JUPYTER_PASSWORD: a cookie session with XSRF; human output', async () => {
      const run = await cli(['check', passwordServer.url, '--verbose'], { JUPYTER_PASSWORD: 'cli-pass-42' });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /✓ xsrf .*X-XSRFToken/);
      assert.match(run.stdout, /All 6 steps passed\./);
      assertNoSecrets(run, ['cli-pass-42']);
      // --verbose logs every request at debug level to stderr: the headers are named, never shown.
      assert.match(run.stderr, /POST \/login \[cookie, x-xsrftoken\] → 302/);
    });

    it('check takes the token from a live runtime file with the same URL', async () => {
      const run = await cli(['check', tokenServer.url, '--json'], { JUPYTER_RUNTIME_DIR: tokenServer.runtimeDir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /runtime file .*server-\d+\.json/);
      assertNoSecrets(run, [tokenServer.token]);
    });

    it('a wrong password fails the authenticate step with exit 1 and a clear message', async () => {
      const run = await cli(['check', passwordServer.url, '--json'], { JUPYTER_PASSWORD: 'wrong-pass-99' });
      assert.equal(run.code, 1);
      const report = JSON.parse(run.stdout) as CheckJson;
      assert.equal(report.ok, false);
      const authStep = report.steps.find((s) => s.name === 'authenticate');
      assert.equal(authStep?.ok, false);
      assert.equal(authStep?.error, 'WrongPassword');
      assert.match(authStep?.detail ?? '', /rejected the password/);
      assert.ok(report.steps.filter((s) => s.skipped).length >= 3);
      assertNoSecrets(run, ['wrong-pass-99']);
    });
  });
}

describe('jupyter-secure CLI input errors', () => {
  it('a token in the URL is refused with exit 2 and never echoed', async () => {
    const run = await cli(['check', 'http://127.0.0.1:8888/lab?token=tok-in-argv-123']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /never taken from the command line/);
    assertNoSecrets(run, ['tok-in-argv-123']);
  });

  it('a malformed URL is exit 2 with what is wrong and what to do', async () => {
    const run = await cli(['check', 'ftp://example.com/']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unsupported URL scheme "ftp:".*http:\/\//);
  });

  it('discover --json reports live, stale and malformed runtime files without tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sjc-rt-'));
    const server = await startJupyter({ flavor: 'server', runtimeDir: dir });
    try {
      writeFileSync(join(dir, 'nbserver-999998.json'), JSON.stringify({ url: 'http://127.0.0.1:1/', pid: 999998, port: 1, token: 'stale-token-77', base_url: '/' }));
      writeFileSync(join(dir, 'jpserver-999997.json'), '[1, 2]');
      const run = await cli(['discover', '--runtime-dir', dir, '--json'], { JUPYTER_RUNTIME_DIR: dir });
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout) as { servers: { state: string; pid: number | null; hasToken: boolean; reason: string }[] };
      const states = Object.fromEntries(out.servers.map((s) => [String(s.pid), s.state]));
      assert.equal(states[String(server.pid)], 'live');
      assert.equal(states['999998'], 'stale');
      assert.ok(out.servers.some((s) => s.state === 'malformed' && /is not a JSON object/.test(s.reason)));
      assert.equal(out.servers.find((s) => s.pid === server.pid)?.hasToken, true);
      assertNoSecrets(run, [server.token, 'stale-token-77']);
    } finally {
      await stopAllJupyters();
    }
  });
});
