import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { USAGE, main } from '../../src/cli/main';
import type { Output } from '../../src/cli/output';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { closedPort, fakeHttpServer, makeTempDir } from './helpers';

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

describe('cli: audit (no Jupyter server needed)', () => {
  let dir: string;
  let cleanup: () => void;
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
    return { code: await main(argv, out, env), out };
  }

  it('the usage lists the audit command and its options', () => {
    assert.match(USAGE, /jupyter-secure audit URL \[--json\] \[--fail-on error\|warning\] \[--auth token\|cookie\|auto\] \[--ca FILE\]\.\.\./);
    assert.match(USAGE, /\[--runtime-dir DIR\]\.\.\. \[--max-cookie-hours N\] \[--silence ID\]\.\.\./);
  });

  it('a token in the URL → 2, never echoed', async () => {
    for (const url of ['http://127.0.0.1:1/lab?token=audit-argv-secret-1', 'http://127.0.0.1:1/#token=audit-argv-secret-1']) {
      const { code, out } = await run('audit', url, '--json');
      assert.equal(code, 2, url);
      assert.match(out.stderr[0] ?? '', /contains a token.*JUPYTER_TOKEN/);
      assert.ok(!out.all.includes('audit-argv-secret-1'));
      assert.equal(out.stdout.length, 0);
    }
  });

  const bad: Array<[string[], RegExp]> = [
    [[], /audit takes exactly one URL/],
    [['http://127.0.0.1:1/', 'http://127.0.0.1:2/'], /audit takes exactly one URL/],
    [['http://127.0.0.1:1/', '--fail-on', 'info'], /--fail-on must be one of error, warning, not "info"/],
    [['http://127.0.0.1:1/', '--auth', 'bearer'], /--auth must be one of token, cookie, auto/],
    [['http://127.0.0.1:1/', '--max-cookie-hours', '0'], /--max-cookie-hours must be a positive number of hours/],
    [['http://127.0.0.1:1/', '--max-cookie-hours', 'a day'], /--max-cookie-hours must be a positive number of hours/],
    [['http://127.0.0.1:1/', '--max-cookie-hours='], /--max-cookie-hours must be a positive number of hours/],
    [['http://127.0.0.1:1/', '--silence', 'xsrf-disabled'], /"xsrf-disabled" is not an audit finding id\. Known ids: auth-disabled, /],
    [['http://127.0.0.1:1/', '--timeout=-1'], /--timeout must be a positive number of seconds/],
    [['http://127.0.0.1:1/', '--ca', '/nonexistent/ca.pem'], /cannot read the CA file/],
    [['ftp://127.0.0.1/'], /Unsupported URL scheme/],
  ];
  for (const [args, message] of bad) {
    it(`audit ${args.join(' ')} → 2`, async () => {
      const { code, out } = await run('audit', ...args);
      assert.equal(code, 2, out.all);
      assert.match(out.stderr[0] ?? '', message);
    });
  }

  it('an unreachable server → 2 (not 1: nothing was audited), the token never printed', async () => {
    const port = await closedPort();
    env['JUPYTER_TOKEN'] = 'audit-env-secret-77';
    const { code, out } = await run('audit', `http://127.0.0.1:${port}/`, '--json', '--timeout', '5');
    assert.equal(code, 2, out.all);
    assert.equal(out.stdout.length, 0, 'no report for a server that was not audited');
    assert.match(out.stderr[0] ?? '', /^error: cannot audit http:\/\/127\.0\.0\.1:\d+\/: Cannot reach .*nothing is listening there/);
    assert.ok(!out.all.includes('audit-env-secret-77'));
  });

  it('something that is not a Jupyter server → 2', async () => {
    const srv = await fakeHttpServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>nope</h1>');
    });
    try {
      const { code, out } = await run('audit', srv.url);
      assert.equal(code, 2, out.all);
      assert.match(out.stderr[0] ?? '', /does not answer as a Jupyter server/);
    } finally {
      await srv.close();
    }
  });
});
