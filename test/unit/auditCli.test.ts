import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { USAGE, main } from '../../src/cli/main';
import { json, redactLine, type Output } from '../../src/cli/output';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { closedPort, fakeHttpServer, makeTempDir, type FakeHttpServer } from './helpers';

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

/** What the CLI really prints: each line as processOutput writes it (redacted), not as the command passed it. */
class Printed extends Capture {
  override out(line: string): void {
    super.out(redactLine(line));
  }
  override err(line: string): void {
    super.err(redactLine(line));
  }
}

/**
 * A hand-made jupyter_server 1.23 with a token: the token header gets a login cookie (as the real one issues it),
 * the cookie alone is let through to the kernel handler when `xsrf` is false, refused with the XSRF message when it
 * is true. Foreign origins get 404, as from the real Origin check.
 */
async function fakeJupyter(token: string, xsrf: boolean): Promise<FakeHttpServer> {
  const signed = '"2|1:0|10:1795420612|24:username-127-0-0-1-1|44:ZmFrZS1zZXNzaW9uLXZhbHVlLWZvci10aGUtdGVzdA==|0123abcd"';
  let cookieName = '';
  const srv = await fakeHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const withToken = req.headers.authorization === `token ${token}`;
    const withCookie = (req.headers.cookie ?? '').includes(`${cookieName}=${signed}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', date: new Date().toUTCString(), ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.origin) return send(404, { message: 'Not Found', reason: null });
    if (req.method === 'GET' && path === '/api') return send(200, { version: '1.23.3' });
    if (!withToken && !withCookie) return send(403, { message: 'Forbidden', reason: null });
    if (req.method === 'GET' && path === '/api/status') {
      const expires = new Date(Date.now() + 30 * 86_400_000).toUTCString();
      return send(200, { started: '2026-01-01T00:00:00Z', kernels: 0, connections: 0 }, withToken ? { 'set-cookie': `${cookieName}=${signed}; expires=${expires}; HttpOnly; Path=/` } : {});
    }
    if (req.method === 'POST' && path.startsWith('/api/kernels/')) {
      if (xsrf && !req.headers['x-xsrftoken']) return send(403, { message: "'_xsrf' argument missing from POST", reason: null });
      return send(404, { message: `Kernel does not exist: ${path.split('/')[3]}`, reason: null });
    }
    if (req.method === 'GET' && (path === '/tree' || path === '/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>tree</body></html>');
    }
    send(404, { message: 'Not Found', reason: null });
  });
  cookieName = `username-127-0-0-1-${srv.port}`;
  return srv;
}

describe('cli: printed JSON', () => {
  it('json() and the printing of its text keep it valid JSON where redacting the text would cut it', () => {
    const value = { findings: [{ evidence: 'without X-XSRFToken: got past', fix: 'Cookie:\nnext line' }], token: 'not-a-pattern-42', n: 1 };
    const text = json(value);
    const printed = redactLine(text);
    assert.equal(printed, text, 'printing re-redacts value by value: nothing changes');
    assert.deepEqual(JSON.parse(printed), { findings: [{ evidence: 'without X-XSRFToken: [redacted]', fix: 'Cookie:\n[redacted]' }], token: '[redacted]', n: 1 });
    // Any JSON document printed is redacted as JSON, even one not made by json(); other lines as text.
    assert.deepEqual(JSON.parse(redactLine(JSON.stringify({ a: 'Authorization: token t0k', b: 'x' }))), { a: 'Authorization: [redacted]', b: 'x' });
    assert.equal(redactLine('{ not json, Cookie: a=b'), '{ not json, Cookie: [redacted]');
  });
});

describe('cli: audit --json against a hand-made server with the XSRF check off (token header)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    mkdirSync(join(dir, 'empty-runtime'));
  });
  afterEach(() => {
    cleanup();
    clearRegisteredSecrets();
  });

  async function auditJson(xsrf: boolean): Promise<{ code: number; out: Printed; report: { server: { probes: Record<string, string> }; findings: Array<Record<string, string>> } }> {
    const token = 'fake-xsrf-token-secret-9';
    const srv = await fakeJupyter(token, xsrf);
    try {
      const out = new Printed();
      const code = await main(['audit', srv.url, '--json'], out, { JUPYTER_RUNTIME_DIR: join(dir, 'empty-runtime'), PATH: process.env['PATH'] ?? '', JUPYTER_TOKEN: token });
      assert.ok(!out.all.includes(token) && !out.all.includes('2|1:0|'), out.all);
      let report;
      try {
        report = JSON.parse(out.stdout.join('\n')) as Awaited<ReturnType<typeof auditJson>>['report'];
      } catch (err) {
        assert.fail(`the printed --json output does not parse (${(err as Error).message}):\n${out.stdout.join('\n')}`);
      }
      return { code, out, report };
    } finally {
      await srv.close();
    }
  }

  it('the printed JSON parses and carries xsrf-check-disabled with its whole evidence', async () => {
    const { code, out, report } = await auditJson(false);
    assert.equal(code, 0, out.all);
    assert.equal(report.server.probes['xsrf'], 'not-enforced');
    const f = report.findings.find((x) => x['id'] === 'xsrf-check-disabled');
    assert.ok(f, JSON.stringify(report.findings));
    assert.match(f['evidence'] ?? '', /with the login cookie only → 404 "Kernel does not exist: 0{8}-0{4}-0{4}-0{4}-0{12}": sent without an X-XSRFToken header, the request got past the XSRF check to the kernel handler\. Only the server's Origin check/);
  });

  it('the check on: no xsrf-check-disabled', async () => {
    const { report } = await auditJson(true);
    assert.equal(report.server.probes['xsrf'], 'enforced');
    assert.ok(!report.findings.some((x) => x['id'] === 'xsrf-check-disabled'), JSON.stringify(report.findings));
  });
});

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
    assert.match(USAGE, /\[--runtime-dir DIR\]\.\.\. \[--max-cookie-hours N\] \[--cert-expiry-days N\] \[--silence ID\]\.\.\./);
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
    [['http://127.0.0.1:1/', '--cert-expiry-days', '0'], /--cert-expiry-days must be a positive number of days/],
    [['http://127.0.0.1:1/', '--cert-expiry-days', 'a month'], /--cert-expiry-days must be a positive number of days/],
    [['http://127.0.0.1:1/', '--cert-expiry-days='], /--cert-expiry-days must be a positive number of days/],
    [['http://127.0.0.1:1/', '--silence', 'xsrf-disabled'], /"xsrf-disabled" is not an audit finding id\. Known ids: auth-disabled, /],
    [['http://127.0.0.1:1/', '--timeout=-1'], /--timeout must be a positive number of seconds/],
    [['http://127.0.0.1:1/', '--ca', '/nonexistent/ca.pem'], /cannot read the CA file/i],
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
