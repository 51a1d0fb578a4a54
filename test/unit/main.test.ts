import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { USAGE, main } from '../../src/cli/main';
import type { Output } from '../../src/cli/output';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { DEAD_PID, closedPort, makeTempDir } from './helpers';

/** Captures what the CLI prints, unredacted: whatever a test finds here is what a user would see on a raw stream. */
class Capture implements Output {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  out(line: string): void {
    this.stdout.push(line);
  }
  err(line: string): void {
    this.stderr.push(line);
  }
  get all(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }
}

function runtimeJson(pid: number, port: number, token: string): string {
  return JSON.stringify({ base_url: '/', hostname: '127.0.0.1', password: false, pid, port, root_dir: '/nbroot', secure: false, sock: '', token, url: `http://127.0.0.1:${port}/`, version: '1.23.3' });
}

describe('cli/main', () => {
  let dir: string;
  let cleanup: () => void;
  /** An environment that points jupyter_core's rules at an empty dir, so the real runtime dir is never read. */
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    mkdirSync(join(dir, 'empty-runtime'));
    env = { JUPYTER_RUNTIME_DIR: join(dir, 'empty-runtime'), PATH: process.env['PATH'] ?? '' };
  });
  afterEach(() => {
    cleanup();
    clearRegisteredSecrets();
  });

  async function run(...argv: string[]): Promise<{ code: number; out: Capture }> {
    const out = new Capture();
    const code = await main(argv, out, env);
    return { code, out };
  }

  describe('usage', () => {
    it('no arguments → 2 with the usage text', async () => {
      const { code, out } = await run();
      assert.equal(code, 2);
      assert.equal(out.stdout.join('\n'), USAGE);
    });

    it('--help → 0 with the usage text; version → 0', async () => {
      for (const flag of ['--help', '-h', 'help']) {
        const { code, out } = await run(flag);
        assert.equal(code, 0, flag);
        assert.match(out.stdout.join('\n'), /Exit codes: 0 all good, 1 a check failed, 2 bad usage or input/);
      }
      const v = await run('--version');
      assert.equal(v.code, 0);
      assert.equal(v.out.stdout.length, 1);
    });

    it('an unknown command → 2 naming it and pointing at --help', async () => {
      const { code, out } = await run('frobnicate');
      assert.equal(code, 2);
      assert.deepEqual(out.stderr, ['error: unknown command "frobnicate".', 'Run "jupyter-secure --help" for usage.']);
    });

    it('an unknown option → 2', async () => {
      const { code, out } = await run('discover', '--bogus');
      assert.equal(code, 2);
      assert.match(out.stderr[0] ?? '', /^error: .*--bogus/);
    });
  });

  describe('check: bad input never touches the network', () => {
    it('a URL with ?token= → 2, says to use JUPYTER_TOKEN, never prints the token', async () => {
      for (const url of ['http://127.0.0.1:1/lab?token=cli-secret-tok-123', 'http://127.0.0.1:1/lab#token=cli-secret-tok-123']) {
        const { code, out } = await run('check', url);
        assert.equal(code, 2, url);
        assert.match(out.stderr[0] ?? '', /contains a token.*JUPYTER_TOKEN/);
        assert.ok(!out.all.includes('cli-secret-tok-123'), out.all);
      }
    });

    it('a URL with user:password@ → 2 without printing the password', async () => {
      const { code, out } = await run('check', 'http://alice:cli-pw-secret-9@127.0.0.1:1/');
      assert.equal(code, 2);
      assert.match(out.stderr[0] ?? '', /user name or password/);
      assert.ok(!out.all.includes('cli-pw-secret-9'), out.all);
    });

    it('a bad --auth → 2 listing the modes', async () => {
      const { code, out } = await run('check', 'http://127.0.0.1:1/', '--auth', 'bearer');
      assert.equal(code, 2);
      assert.match(out.stderr[0] ?? '', /--auth must be one of token, cookie, auto, not "bearer"/);
    });

    for (const timeout of ['abc', '0', '-5', '']) {
      it(`--timeout=${JSON.stringify(timeout)} → 2`, async () => {
        const { code, out } = await run('check', 'http://127.0.0.1:1/', `--timeout=${timeout}`);
        assert.equal(code, 2);
        assert.match(out.stderr[0] ?? '', /--timeout must be a positive number of seconds/);
      });
    }

    it('no URL or two URLs → 2', async () => {
      assert.equal((await run('check')).code, 2);
      const two = await run('check', 'http://127.0.0.1:1/', 'http://127.0.0.1:2/');
      assert.equal(two.code, 2);
      assert.match(two.out.stderr[0] ?? '', /exactly one URL/);
    });

    it('something that is not a URL, or an unsupported scheme → 2 with the reason and a hint', async () => {
      const bad = await run('check', 'not a url');
      assert.equal(bad.code, 2);
      assert.match(bad.out.stderr[0] ?? '', /is not a valid URL\. Paste the URL/);
      const ftp = await run('check', 'ftp://127.0.0.1/');
      assert.equal(ftp.code, 2);
      assert.match(ftp.out.stderr[0] ?? '', /Unsupported URL scheme/);
    });

    it('an unreadable --ca file → 2', async () => {
      const { code, out } = await run('check', 'http://127.0.0.1:1/', '--ca', join(dir, 'missing.pem'));
      assert.equal(code, 2);
      assert.match(out.stderr[0] ?? '', /cannot read the CA file/i);
    });

    it('--auth token with only JUPYTER_PASSWORD set → 2 without printing the password', async () => {
      env['JUPYTER_PASSWORD'] = 'env-pw-secret-42';
      const { code, out } = await run('check', 'http://127.0.0.1:1/', '--auth', 'token');
      assert.equal(code, 2);
      assert.match(out.stderr[0] ?? '', /--auth token needs a token/);
      assert.ok(!out.all.includes('env-pw-secret-42'));
    });
  });

  describe('check: a failing check', () => {
    it('a closed loopback port → 1, JSON says not ok, the JUPYTER_TOKEN never printed (even with --verbose)', async () => {
      const port = await closedPort();
      env['JUPYTER_TOKEN'] = 'env-tok-secret-77';
      const { code, out } = await run('check', `http://127.0.0.1:${port}/`, '--json', '--timeout', '5', '--verbose');
      assert.equal(code, 1, out.all);
      const report = JSON.parse(out.stdout.join('\n')) as { ok: boolean; steps: Array<{ ok: boolean; error?: string }> };
      assert.equal(report.ok, false);
      assert.equal(report.steps[0]?.ok, false);
      assert.equal(report.steps[0]?.error, 'ServerUnreachable');
      assert.ok(!out.all.includes('env-tok-secret-77'), out.all);
    });
  });

  describe('discover', () => {
    let rt: string;
    beforeEach(() => {
      rt = join(dir, 'runtime');
      mkdirSync(rt);
    });

    it('--json with a malformed, a stale and a recycled-pid file → 0, states and reasons, no token anywhere', async () => {
      const port = await closedPort();
      writeFileSync(join(rt, `jpserver-${DEAD_PID}.json`), runtimeJson(DEAD_PID, 18802, 'tok-stale-secret-1'));
      writeFileSync(join(rt, `nbserver-${DEAD_PID - 1}.json`), '{"token": "tok-malformed-secret-2", "url": ');
      writeFileSync(join(rt, `jpserver-${process.pid}.json`), runtimeJson(process.pid, port, 'tok-recycled-secret-3'));
      writeFileSync(join(rt, `jpserver-${process.pid}-open.html`), `<meta content="1;url=http://127.0.0.1:${port}/?token=tok-recycled-secret-3" />`);

      const { code, out } = await run('discover', '--runtime-dir', rt, '--json');
      assert.equal(code, 0, out.all);
      const parsed = JSON.parse(out.stdout.join('\n')) as {
        dirs: Array<{ path: string; exists: boolean }>;
        servers: Array<Record<string, unknown>>;
      };
      assert.deepEqual(parsed.dirs, [
        { path: join(dir, 'empty-runtime'), exists: true },
        { path: rt, exists: true },
      ]);
      const byFile = new Map(parsed.servers.map((s) => [s['file'], s]));
      assert.equal(byFile.size, 3);

      const stale = byFile.get(join(rt, `jpserver-${DEAD_PID}.json`));
      assert.equal(stale?.['state'], 'stale');
      assert.match(String(stale?.['reason']), /is not running/);
      assert.equal(stale?.['url'], 'http://127.0.0.1:18802/');
      assert.equal(stale?.['hasToken'], true);

      const malformed = byFile.get(join(rt, `nbserver-${DEAD_PID - 1}.json`));
      assert.equal(malformed?.['state'], 'malformed');
      assert.match(String(malformed?.['reason']), /is not valid JSON/);
      assert.equal(malformed?.['url'], null);

      const recycled = byFile.get(join(rt, `jpserver-${process.pid}.json`));
      assert.equal(recycled?.['state'], 'stale');
      assert.match(String(recycled?.['reason']), /does not answer as Jupyter.*reused/);

      for (const secret of ['tok-stale-secret-1', 'tok-malformed-secret-2', 'tok-recycled-secret-3']) assert.ok(!out.all.includes(secret), `${secret} leaked`);
    });

    it('--no-probe lists a running pid as live; the text output says the token is in the file without showing it', async () => {
      writeFileSync(join(rt, `jpserver-${process.pid}.json`), runtimeJson(process.pid, 18999, 'tok-live-secret-4'));
      const { code, out } = await run('discover', '--runtime-dir', rt, '--no-probe');
      assert.equal(code, 0);
      const text = out.stdout.join('\n');
      assert.match(text, /^live\s+jupyter-server\s+1\.23\.3\s+http:\/\/127\.0\.0\.1:18999\/\s+pid \d+\s+root \/nbroot\s+token: in file \(not shown\)$/m);
      assert.match(text, /process \d+ is running/);
      assert.ok(!out.all.includes('tok-live-secret-4'));
    });

    it('says so when there are no runtime files, and marks missing dirs', async () => {
      const { code, out } = await run('discover', '--runtime-dir', join(dir, 'nope'));
      assert.equal(code, 0);
      assert.match(out.stdout[0] ?? '', new RegExp(`${join(dir, 'nope').replace(/[/\\]/g, '.')} \\(missing\\)`));
      assert.ok(out.stdout.includes('No Jupyter runtime files found.'));
    });

    it('--jupyter-list runs the given command with the environment: servers listed, failures as warnings, no token', { skip: process.platform === 'win32' ? 'needs /bin/sh' : false }, async () => {
      const jupyter = join(dir, 'jupyter');
      writeFileSync(
        jupyter,
        `#!/bin/sh\nif [ "$1" = server ]; then echo '${runtimeJson(12811, 18802, 'tok-listed-secret-5')}'; exit 0; fi\necho "Jupyter command \\\`jupyter-notebook\\\` not found." >&2\nexit 1\n`,
      );
      chmodSync(jupyter, 0o755);
      const json = await run('discover', '--jupyter-list', '--jupyter', jupyter, '--json');
      assert.equal(json.code, 0);
      const parsed = JSON.parse(json.out.stdout.join('\n')) as { listed: Array<Record<string, unknown>>; problems: string[] };
      assert.deepEqual(parsed.listed.map((l) => [l['url'], l['pid'], l['hasToken']]), [['http://127.0.0.1:18802/', 12811, true]]);
      assert.equal(parsed.problems.length, 1);
      assert.match(parsed.problems[0] ?? '', /notebook list --json: Jupyter command `jupyter-notebook` not found\./);

      const text = await run('discover', '--jupyter-list', '--jupyter', jupyter);
      assert.match(text.out.stdout.join('\n'), /^listed\s+jupyter-server\s+http:\/\/127\.0\.0\.1:18802\/\s+pid 12811/m);
      assert.match(text.out.stderr.join('\n'), /^warning: .*not found\./m);
      for (const o of [json.out, text.out]) assert.ok(!o.all.includes('tok-listed-secret-5'));
    });
  });
});
