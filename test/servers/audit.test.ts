import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAudit, type AuditReport } from '../../src/core/audit/audit';
import { EXPIRY_GRACE_MS, heldLoginCookie, replayExpiredLoginCookie } from '../../src/core/audit/expiredCookie';
import type { FindingId } from '../../src/core/audit/findings';
import type { ObserveOptions } from '../../src/core/audit/observe';
import { DEFAULT_AUDIT_POLICY, type AuditPolicy } from '../../src/core/audit/policy';
import { getStatus } from '../../src/core/rest';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { noCredential, passwordCredential, tokenCredential, type AuthMode, type Credential } from '../../src/core/session/credentials';
import { Logger } from '../../src/core/util/log';
import { clientFor, rawRequest, testLogSink } from './helpers';
import { FLAVORS, selfSignedCert, startJupyter, stopAllJupyters, type Flavor, type RunningJupyter, type StartOptions } from './jupyter';

const CLI = resolve(__dirname, '../../../dist/cli.js');

function target(server: RunningJupyter, credential: Credential, mode: AuthMode = 'auto') {
  return {
    endpoint: endpointFromUrl(server.url),
    credential,
    mode,
    logger: new Logger(testLogSink, 'trace'),
    ...(server.certPem ? { transport: { tls: { ca: [server.certPem] } } } : {}),
  };
}

function defaultCredential(server: RunningJupyter): Credential {
  if (server.password !== undefined) return passwordCredential(server.password);
  return server.token ? tokenCredential(server.token) : noCredential;
}

async function audit(server: RunningJupyter, o: { credential?: Credential; mode?: AuthMode; policy?: AuditPolicy; observe?: ObserveOptions } = {}): Promise<AuditReport> {
  return runAudit(target(server, o.credential ?? defaultCredential(server), o.mode), o.policy ?? DEFAULT_AUDIT_POLICY, {
    runtimeDirs: [server.runtimeDir],
    ...o.observe,
  });
}

const ids = (r: AuditReport): string[] => r.findings.map((f) => f.id).sort();
const sorted = (xs: FindingId[]): string[] => [...xs].sort();

/** What the default token server produces: everything else comes on top. */
const DEFAULTS: FindingId[] = ['login-cookie-no-samesite', 'login-cookie-long-lived', 'token-in-page'];

/** Over https with the harness's self-signed certificate, trusted as a CA file without a pin (auditTls.test.ts has the TLS rules). */
const HTTPS_DEFAULTS: FindingId[] = ['tls-self-signed-unpinned', ...DEFAULTS];

interface Case {
  name: string;
  start: Omit<StartOptions, 'flavor'>;
  expected: FindingId[];
  prepare?: (s: RunningJupyter, flavor: Flavor) => void;
  check?: (r: AuditReport, s: RunningJupyter, flavor: Flavor) => void;
}

const LOGIN_LINE = /^username-127-0-0-1-\d+=\[redacted\]; expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT; /;

const CASES: Case[] = [
  {
    name: 'defaults: a 30-day login cookie without SameSite, the token in pages',
    start: {},
    expected: DEFAULTS,
    check: (r, s, flavor) => {
      assert.match(r.server.loginCookie ?? '', LOGIN_LINE);
      assert.match(r.server.loginCookie ?? '', /; HttpOnly; Path=\/$/);
      assert.deepEqual(r.server.probes, { authentication: 'required', xsrf: 'enforced', crossOrigin: 'refused', tokenInPage: true, expiredCookieReplay: null });
      assert.equal(r.findings.find((f) => f.id === 'login-cookie-long-lived')?.title, 'The login cookie lives 30 days (more than 8 hours)');
      // The runtime files were looked at (and are not reachable: mkdtemp made their grandparent 0700).
      const json = r.server.runtimeFiles.find((f) => f.path === s.runtimeFile);
      assert.equal(json?.mode, flavor === 'notebook' ? 'rw-r--r-- (0644)' : 'rw------- (0600)');
      assert.equal(r.server.runtimeFiles.length, 3, 'the server file, its -open.html and the cookie secret');
    },
  },
  {
    name: 'a unix socket: local, so plain http is fine; the cookie is named after Host: localhost',
    start: { sock: true },
    expected: DEFAULTS,
    check: (r) => {
      assert.equal(r.server.transport, 'unix socket');
      assert.match(r.server.loginCookie ?? '', /^username-localhost=\[redacted\]; expires=/);
      assert.equal(r.server.probes.xsrf, 'enforced', 'the cookie-only probe works over the socket');
    },
  },
  {
    name: 'cookie_options={"httponly": False}',
    start: { traits: { cookie_options: '{"httponly": False}' } },
    expected: ['login-cookie-not-httponly', ...DEFAULTS],
    check: (r) => assert.doesNotMatch(r.server.loginCookie ?? '', /HttpOnly/),
  },
  {
    name: 'https with the default cookie options: Secure is added automatically',
    start: { tls: true },
    expected: HTTPS_DEFAULTS,
    check: (r) => {
      assert.equal(r.server.transport, 'https');
      assert.match(r.server.loginCookie ?? '', /; HttpOnly; Path=\/; Secure$/);
    },
  },
  {
    name: 'https with cookie_options={"secure": False}',
    start: { tls: true, traits: { cookie_options: '{"secure": False}' } },
    expected: ['login-cookie-not-secure', ...HTTPS_DEFAULTS],
    check: (r) => assert.doesNotMatch(r.server.loginCookie ?? '', /Secure/),
  },
  {
    name: 'https with tornado_settings={"secure_cookie": False}',
    start: { tls: true, traits: { tornado_settings: '{"secure_cookie": False}' } },
    expected: ['login-cookie-not-secure', ...HTTPS_DEFAULTS],
  },
  {
    name: "authentication disabled (token '' and no password)",
    start: { token: '' },
    expected: ['auth-disabled'],
    check: (r) => {
      assert.equal(r.server.loginCookie, null, 'no login cookie is issued when nobody logs in');
      assert.equal(r.server.probes.authentication, 'off');
      assert.equal(r.server.probes.xsrf, 'enforced', 'XSRF is still enforced with authentication off');
    },
  },
  {
    name: "authentication disabled and disable_check_xsrf=True (probed without any credential)",
    start: { token: '', traits: { disable_check_xsrf: 'True' } },
    expected: ['auth-disabled', 'xsrf-check-disabled'],
  },
  {
    name: 'disable_check_xsrf=True',
    start: { traits: { disable_check_xsrf: 'True' } },
    expected: ['xsrf-check-disabled', ...DEFAULTS],
    check: (r) => {
      assert.equal(r.server.probes.xsrf, 'not-enforced');
      assert.match(r.findings.find((f) => f.id === 'xsrf-check-disabled')?.evidence ?? '', /with the login cookie only → 404 "Kernel does not exist: 00000000-0000-0000-0000-000000000000"/);
    },
  },
  {
    name: "allow_origin='*'",
    start: { traits: { allow_origin: "'*'" } },
    expected: ['cors-any-origin', ...DEFAULTS],
    check: (r) => {
      assert.equal(r.server.probes.crossOrigin, 'allowed');
      assert.match(r.findings[0]?.evidence ?? '', /GET \/api\/status with the login cookie only → 200 with Origin: https:\/\/jupyter-secure-audit\.invalid \(Access-Control-Allow-Origin: \*\)/);
    },
  },
  {
    name: 'cookie_options={"samesite": "None"}',
    start: { traits: { cookie_options: '{"samesite": "None"}' } },
    expected: ['login-cookie-samesite-none', 'login-cookie-long-lived', 'token-in-page'],
  },
  {
    name: 'a runtime file readable by other users',
    start: {},
    // notebook writes nbserver-*.json 0644 already; jupyter_server writes 0600, so open it up.
    prepare: (s, flavor) => {
      chmodSync(dirname(s.runtimeDir), 0o755);
      chmodSync(s.runtimeDir, 0o755);
      if (flavor === 'server') chmodSync(s.runtimeFile, 0o644);
    },
    expected: ['runtime-file-readable', ...DEFAULTS],
    check: (r, s) => {
      const f = r.findings.find((x) => x.id === 'runtime-file-readable');
      assert.ok(f?.evidence.includes(`${s.runtimeFile} (holds the token) is rw-r--r-- (0644)`), f?.evidence);
      assert.ok(f?.evidence.includes(s.runtimeFile.replace(/\.json$/, '-open.html')), 'the -open.html is 0644 on both');
      assert.ok(!f?.evidence.includes('cookie_secret'), 'the 0600 cookie secret is not readable');
      assert.match(f?.fixFor.notebook ?? '', new RegExp(`chmod 700 ${s.runtimeDir}`));
    },
  },
  {
    name: 'hardened: HttpOnly, SameSite=Strict, 0.33-day cookie enforced by max_age_days, XSRF on, token on, runtime dir 0700',
    start: {
      traits: {
        cookie_options: '{"httponly": True, "samesite": "Strict", "expires_days": 0.33}',
        get_secure_cookie_kwargs: '{"max_age_days": 0.33}',
        disable_check_xsrf: 'False',
      },
    },
    prepare: (s) => {
      chmodSync(dirname(s.runtimeDir), 0o755);
      chmodSync(s.runtimeDir, 0o700);
    },
    expected: ['token-in-page'],
    check: (r) => {
      assert.ok(!r.findings.some((f) => f.severity === 'error'));
      assert.match(r.server.loginCookie ?? '', /; HttpOnly; Path=\/; SameSite=Strict$/);
      assert.deepEqual(r.server.probes, { authentication: 'required', xsrf: 'enforced', crossOrigin: 'refused', tokenInPage: true, expiredCookieReplay: null });
    },
  },
  {
    name: 'password login (the cookie comes from POST /login; no token in pages)',
    start: { password: 'audit-pass-42' },
    expected: ['login-cookie-no-samesite', 'login-cookie-long-lived'],
    check: (r) => {
      assert.equal(r.server.auth, 'password login, cookie session with XSRF');
      assert.match(r.findings[0]?.evidence ?? '', /\(Set-Cookie of POST \/login, password login/);
      assert.equal(r.server.probes.tokenInPage, false);
    },
  },
];

for (const flavor of FLAVORS) {
  const label = flavor === 'notebook' ? 'notebook 6.4' : 'jupyter-server 1.23';

  describe(`audit against a real ${label}: one insecure setting at a time`, () => {
    after(() => stopAllJupyters());

    for (const c of CASES) {
      it(`${c.name} → ${c.expected.join(', ')}`, async () => {
        const server = await startJupyter({ flavor, ...c.start });
        try {
          c.prepare?.(server, flavor);
          const report = await audit(server);
          assert.deepEqual(ids(report), sorted(c.expected), JSON.stringify(report.findings.map((f) => [f.id, f.evidence]), null, 1));
          assert.equal(report.server.version, flavor === 'notebook' ? '6.4.12' : '1.23.3');
          const text = JSON.stringify(report);
          for (const secret of [server.token, server.password].filter((x): x is string => !!x)) assert.ok(!text.includes(secret), 'a secret in the report');
          assert.ok(!/2\|1:0\|/.test(text), 'a signed cookie value in the report');
          c.check?.(report, server, flavor);
        } finally {
          await server.stop();
        }
      });
    }
  });

  describe(`audit probes leave no trace on a real ${label}`, () => {
    let server: RunningJupyter;
    /** Authentication and XSRF off: here the probes reach the handlers, which would count them as activity. */
    let open: RunningJupyter;
    before(async () => {
      [server, open] = await Promise.all([startJupyter({ flavor }), startJupyter({ flavor, token: '', traits: { disable_check_xsrf: 'True' } })]);
    });
    after(() => stopAllJupyters());

    function listTree(dir: string): string[] {
      const out: string[] = [];
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        out.push(p);
        if (statSync(p).isDirectory()) out.push(...listTree(p));
      }
      return out.sort();
    }

    async function snapshot(s: RunningJupyter): Promise<Record<string, unknown>> {
      const get = async (path: string): Promise<unknown> => {
        const r = await rawRequest(`${s.url}${path}?no_track_activity=1`, { headers: s.token ? { authorization: `token ${s.token}` } : {} });
        assert.equal(r.status, 200, path);
        return JSON.parse(r.text) as unknown;
      };
      return {
        kernels: await get('api/kernels'),
        sessions: await get('api/sessions'),
        status: await get('api/status'),
        root: listTree(s.rootDir),
        runtime: listTree(s.runtimeDir),
      };
    }

    it('token header, token as password (cookie session) and no credential: no kernel, session or file, not even activity', async () => {
      const before = await snapshot(server);
      assert.deepEqual(before['kernels'], []);
      const runs = [
        await audit(server, { credential: tokenCredential(server.token), mode: 'token' }),
        await audit(server, { credential: tokenCredential(server.token), mode: 'cookie' }),
        await audit(server, { credential: noCredential }),
      ];
      assert.equal(runs[0]?.server.auth, 'token in the Authorization header');
      assert.equal(runs[1]?.server.auth, 'token used as password, cookie session with XSRF');
      assert.deepEqual(runs[1]?.server.probes.xsrf, 'enforced', 'the XSRF probe really ran with the login cookie');
      assert.equal(runs[2]?.server.loginCookie, null);
      assert.deepEqual(await snapshot(server), before, 'kernels, sessions, status (last_activity included) and files are unchanged');
      assert.doesNotMatch(server.log(), /Kernel started|Creating new |Saving file|Kernel interrupted/);
      // What the probes do leave: 403/404 warnings in the server log, like any refused request.
      assert.match(server.log(), /403 POST \/api\/kernels\/00000000-0000-0000-0000-000000000000\/interrupt\?no_track_activity=1 .*'_xsrf' argument missing/);
    });

    it('with authentication and XSRF off the probes reach the handlers, and still change nothing (no_track_activity)', async () => {
      const before = await snapshot(open);
      const report = await audit(open, { credential: noCredential });
      assert.deepEqual(ids(report), ['auth-disabled', 'xsrf-check-disabled']);
      assert.deepEqual(await snapshot(open), before, 'not even last_activity moved');
      assert.match(open.log(), /404 POST \/api\/kernels\/00000000-0000-0000-0000-000000000000\/interrupt\?no_track_activity=1/);
      assert.doesNotMatch(open.log(), /Kernel started|Kernel interrupted/);
    });
  });

  describe(`login cookie expiry enforcement on a real ${label} (cookies that live ~2.6 s)`, () => {
    after(() => stopAllJupyters());

    it('replaying an expired cookie: accepted without max_age_days (finding), refused with it (no finding)', async () => {
      const short = '{"expires_days": 0.00003}';
      const [lax, strict] = await Promise.all([
        startJupyter({ flavor, traits: { cookie_options: short } }),
        startJupyter({ flavor, traits: { cookie_options: short, get_secure_cookie_kwargs: '{"max_age_days": 0.00003}' } }),
      ]);

      // The extension's path: a cookie held in a client's jar, replayed when it expires.
      const heldReplay = async (s: RunningJupyter) => {
        const client = clientFor(s, tokenCredential(s.token), 'token');
        try {
          await getStatus(client);
          const cookie = client.auth.jar.loginCookie(client.endpoint.baseUrl);
          assert.ok(cookie, 'token auth issued a login cookie');
          const held = heldLoginCookie(cookie);
          assert.ok(held);
          await new Promise((r) => setTimeout(r, Math.max(0, held.expiresAt.getTime() + EXPIRY_GRACE_MS + 1000 - Date.now())));
          return await replayExpiredLoginCookie(target(s, noCredential), held);
        } finally {
          await client.close();
        }
      };
      // The CLI's path: the audit waits for the cookie it was just issued, then replays it.
      const opportunistic = (s: RunningJupyter) => audit(s, { observe: { awaitCookieExpiryMs: 20_000 } });

      const [laxReport, strictReport, laxHeld, strictHeld] = await Promise.all([opportunistic(lax), opportunistic(strict), heldReplay(lax), heldReplay(strict)]);

      assert.deepEqual(ids(laxReport), sorted(['login-cookie-expiry-not-enforced', 'login-cookie-no-samesite', 'token-in-page']));
      assert.equal(laxReport.server.probes.expiredCookieReplay, 'accepted');
      assert.match(laxReport.findings.find((f) => f.id === 'login-cookie-expiry-not-enforced')?.evidence ?? '', /replayed afterwards \(GET \/api\/status.*\) it was accepted with 200/);
      assert.deepEqual(ids(strictReport), sorted(['login-cookie-no-samesite', 'token-in-page']));
      assert.equal(strictReport.server.probes.expiredCookieReplay, 'rejected');

      assert.equal(laxHeld.outcome, 'accepted');
      assert.equal(laxHeld.status, 200);
      assert.equal(strictHeld.outcome, 'rejected');
      assert.equal(strictHeld.status, 403);
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env['PATH'] ?? '', HOME: mkdtempSync(join(tmpdir(), 'sjc-home-')), JUPYTER_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'sjc-nort-')), ...env }, timeout: 90_000 },
      (err, stdout, stderr) => resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface AuditJson {
  server: Record<string, unknown> & { probes: Record<string, unknown> };
  findings: Array<Record<string, string>>;
}

function parseAudit(run: Run): AuditJson {
  try {
    return JSON.parse(run.stdout) as AuditJson;
  } catch {
    assert.fail(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

for (const flavor of FLAVORS) {
  describe(`jupyter-secure audit end to end (dist/cli.js) against ${flavor}`, () => {
    let hardened: RunningJupyter;
    let defaults: RunningJupyter;
    let anyOrigin: RunningJupyter;
    let tls: RunningJupyter;
    before(async () => {
      [hardened, defaults, anyOrigin, tls] = await Promise.all([
        startJupyter({
          flavor,
          traits: { cookie_options: '{"samesite": "Strict", "expires_days": 0.25}', get_secure_cookie_kwargs: '{"max_age_days": 0.25}' },
        }),
        startJupyter({ flavor }),
        startJupyter({ flavor, traits: { allow_origin: "'*'" } }),
        startJupyter({ flavor, tls: true }),
      ]);
    });
    after(() => stopAllJupyters());

    const noSecrets = (run: Run, ...secrets: string[]): void => {
      for (const s of secrets) assert.ok(!run.stdout.includes(s) && !run.stderr.includes(s), `a secret reached the output:\n${run.stdout}\n${run.stderr}`);
      assert.ok(!/2\|1:0\|/.test(run.stdout + run.stderr), 'a signed cookie value reached the output');
    };

    it('--json: exactly {server, findings[{id, severity, title, evidence, fix}]}; nothing at error level → exit 0', async () => {
      const run = await cli(['audit', hardened.url, '--json'], { JUPYTER_TOKEN: hardened.token });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const out = parseAudit(run);
      assert.deepEqual(Object.keys(out).sort(), ['findings', 'server']);
      assert.deepEqual(out.findings.map((f) => f['id']), ['token-in-page']);
      for (const f of out.findings) {
        assert.deepEqual(Object.keys(f).sort(), ['evidence', 'fix', 'id', 'severity', 'title']);
        assert.ok(Object.values(f).every((v) => typeof v === 'string' && v.length > 0));
      }
      assert.equal(out.server['url'], hardened.url);
      assert.equal(out.server['version'], flavor === 'notebook' ? '6.4.12' : '1.23.3');
      assert.equal(out.server['credentialSource'], 'JUPYTER_TOKEN');
      assert.match(String(out.server['loginCookie']), /SameSite=Strict$/);
      noSecrets(run, hardened.token);
    });

    it('--fail-on: the defaults have warnings only → exit 0 by default, 1 with --fail-on warning', async () => {
      const env = { JUPYTER_TOKEN: defaults.token };
      const plain = await cli(['audit', defaults.url, '--json'], env);
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual(parseAudit(plain).findings.map((f) => [f['id'], f['severity']]), [
        ['login-cookie-no-samesite', 'warning'],
        ['login-cookie-long-lived', 'warning'],
        ['token-in-page', 'info'],
      ]);
      const strict = await cli(['audit', defaults.url, '--json', '--fail-on', 'warning'], env);
      assert.equal(strict.code, 1, strict.stderr);
      const silenced = await cli(['audit', defaults.url, '--fail-on', 'warning', '--silence', 'login-cookie-no-samesite', '--silence', 'login-cookie-long-lived'], env);
      assert.equal(silenced.code, 0, silenced.stdout + silenced.stderr);
      assert.match(silenced.stdout, /silenced: login-cookie-no-samesite, login-cookie-long-lived/);
      const longer = parseAudit(await cli(['audit', defaults.url, '--json', '--max-cookie-hours', '1000'], env));
      assert.ok(!longer.findings.some((f) => f['id'] === 'login-cookie-long-lived'), '30 days is within 1000 hours');
      assert.equal(longer.server['maxCookieHours'], 1000);
    });

    it('human output: severity, title, evidence and fix per family; an error → exit 1; silenced → 0', async () => {
      const run = await cli(['audit', anyOrigin.url], { JUPYTER_TOKEN: anyOrigin.token });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /^ERROR    cors-any-origin: The server accepts requests from any web origin$/m);
      assert.match(run.stdout, /^ {2}evidence: GET \/api without credentials → 200 with Origin: https:\/\/jupyter-secure-audit\.invalid \(Access-Control-Allow-Origin: \*\)/m);
      assert.match(run.stdout, /^ {2}fix: {6}notebook 6\.x: c\.NotebookApp\.allow_origin = ''/m);
      assert.match(run.stdout, /^ {12}jupyter_server: c\.ServerApp\.allow_origin = ''/m);
      assert.match(run.stdout, /^ {12}JupyterHub: /m);
      assert.match(run.stdout, /^WARNING  login-cookie-long-lived: The login cookie lives 30 days \(more than 8 hours\)$/m);
      assert.match(run.stdout, /login cookie \(as issued\) username-127-0-0-1-\d+=\[redacted\]; expires=/);
      assert.match(run.stdout, /1 error, 2 warnings, 1 info\.\nAt least one finding is an error \(--fail-on error\): exit 1\./);
      noSecrets(run, anyOrigin.token);
      const silenced = await cli(['audit', anyOrigin.url, '--silence', 'cors-any-origin'], { JUPYTER_TOKEN: anyOrigin.token });
      assert.equal(silenced.code, 0, silenced.stdout);
    });

    it('the token may come from the live runtime file of the same URL', async () => {
      const run = await cli(['audit', defaults.url, '--json'], { JUPYTER_RUNTIME_DIR: defaults.runtimeDir });
      assert.equal(run.code, 0, run.stderr);
      const out = parseAudit(run);
      assert.match(String(out.server['credentialSource']), /^runtime file .*server-\d+\.json$/);
      assert.match(String(out.server['loginCookie']), /^username-/, 'it signed in with that token');
      noSecrets(run, defaults.token);
    });

    it('https: an untrusted certificate → exit 2; trusted with --ca → audited', async () => {
      const env = { JUPYTER_TOKEN: tls.token };
      const untrusted = await cli(['audit', tls.url, '--json'], env);
      assert.equal(untrusted.code, 2, untrusted.stdout + untrusted.stderr);
      assert.equal(untrusted.stdout, '');
      assert.match(untrusted.stderr, /cannot audit https:\/\/127\.0\.0\.1:\d+\/: TLS handshake .* failed/);
      const trusted = await cli(['audit', tls.url, '--json', '--ca', selfSignedCert().certFile], env);
      assert.equal(trusted.code, 0, trusted.stderr);
      const out = parseAudit(trusted);
      assert.equal(out.server['transport'], 'https');
      assert.match(String(out.server['loginCookie']), /; Secure$/);
    });

    it('a stopped server → exit 2; a ?token= URL → exit 2 without echoing it', async () => {
      const gone = await startJupyter({ flavor });
      const url = gone.url;
      await gone.stop();
      const run = await cli(['audit', url, '--json'], { JUPYTER_TOKEN: 'audit-e2e-secret-1' });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, /cannot audit .*Cannot reach/);
      const withToken = await cli(['audit', `${defaults.url}?token=${defaults.token}`]);
      assert.equal(withToken.code, 2);
      noSecrets(withToken, defaults.token);
    });
  });
}

/**
 * Issue 14: a server started with `--…App.disable_check_xsrf=True` must be reported however the user connects. The
 * bundled CLI runs as a child, the secret in its environment only; its `--json` stdout must parse as it is.
 */
const WAYS = [
  { way: 'token header', secret: 'token', env: (s: RunningJupyter) => ({ JUPYTER_TOKEN: s.token }), args: [], auth: 'token in the Authorization header' },
  { way: 'token as password', secret: 'token', env: (s: RunningJupyter) => ({ JUPYTER_TOKEN: s.token }), args: ['--auth', 'cookie'], auth: 'token used as password, cookie session with XSRF' },
  { way: 'password', secret: 'password', env: (s: RunningJupyter) => ({ JUPYTER_PASSWORD: s.password ?? '' }), args: [], auth: 'password login, cookie session with XSRF' },
] as const;

for (const flavor of FLAVORS) {
  const label = flavor === 'notebook' ? 'notebook 6.4 (jupyter notebook)' : 'jupyter-server 1.23 (jupyter server)';
  const app = flavor === 'notebook' ? 'NotebookApp' : 'ServerApp';

  describe(`jupyter-secure audit --json finds disable_check_xsrf=True on the command line of ${label}, for every way to connect`, () => {
    const PASSWORD = 'xsrf-audit-pass-31';
    let off: { token: RunningJupyter; password: RunningJupyter };
    let on: { token: RunningJupyter; password: RunningJupyter };
    before(async () => {
      const xsrfOff = [`--${app}.disable_check_xsrf=True`];
      const [tokenOff, passwordOff, tokenOn, passwordOn] = await Promise.all([
        startJupyter({ flavor, extraArgs: xsrfOff }),
        startJupyter({ flavor, password: PASSWORD, extraArgs: xsrfOff }),
        startJupyter({ flavor }),
        startJupyter({ flavor, password: PASSWORD }),
      ]);
      off = { token: tokenOff, password: passwordOff };
      on = { token: tokenOn, password: passwordOn };
    });
    after(() => stopAllJupyters());

    const auditJson = async (server: RunningJupyter, w: (typeof WAYS)[number]): Promise<AuditJson> => {
      const run = await cli(['audit', server.url, '--json', ...w.args], w.env(server));
      // Warnings only (xsrf-check-disabled is one): exit 0 with the default --fail-on error.
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const out = parseAudit(run);
      assert.equal(out.server['auth'], w.auth, 'signed in the way the user connects');
      assert.equal(out.server['credentialSource'], w.secret === 'token' ? 'JUPYTER_TOKEN' : 'JUPYTER_PASSWORD');
      const secret = w.secret === 'token' ? server.token : server.password;
      assert.ok(secret && !run.stdout.includes(secret) && !run.stderr.includes(secret), `the ${w.secret} reached the output`);
      assert.ok(!/2\|1:0\|/.test(run.stdout + run.stderr), 'a signed cookie value reached the output');
      return out;
    };

    for (const w of WAYS) {
      it(`${w.way}: xsrf-check-disabled, with its whole evidence`, async () => {
        const out = await auditJson(off[w.secret], w);
        assert.equal(out.server.probes['xsrf'], 'not-enforced');
        const f = out.findings.find((x) => x['id'] === 'xsrf-check-disabled');
        assert.ok(f, JSON.stringify(out.findings.map((x) => x['id'])));
        assert.equal(f['severity'], 'warning');
        assert.equal(
          f['evidence'],
          'POST /api/kernels/00000000-0000-0000-0000-000000000000/interrupt with the login cookie only → 404 "Kernel does not exist: 00000000-0000-0000-0000-000000000000": sent without an X-XSRFToken header, the request got past the XSRF check to the kernel handler. Only the server\'s Origin check still stops cross-site writes made with the login cookie.',
        );
        assert.match(f['fix'] ?? '', new RegExp(`c\\.${app}\\.disable_check_xsrf = False`));
      });

      it(`${w.way}, the check on (the default): never xsrf-check-disabled, and the probe did run with the login cookie`, async () => {
        const out = await auditJson(on[w.secret], w);
        assert.equal(out.server.probes['xsrf'], 'enforced');
        assert.match(String(out.server['loginCookie']), /^username-127-0-0-1-\d+=\[redacted\]; /);
        assert.deepEqual(out.findings.map((x) => x['id']).filter((id) => id === 'xsrf-check-disabled'), []);
      });
    }
  });
}
