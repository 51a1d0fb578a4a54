import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { heldFromObserved, heldLoginCookie, replayExpiredLoginCookie, EXPIRY_GRACE_MS } from '../../src/core/audit/expiredCookie';
import { FINDING_IDS, SEVERITY_OF, reaches } from '../../src/core/audit/findings';
import type { ServerObservations } from '../../src/core/audit/observations';
import { DEFAULT_CERT_EXPIRY_DAYS, DEFAULT_MAX_COOKIE_HOURS, auditPolicy } from '../../src/core/audit/policy';
import { FOREIGN_ORIGIN } from '../../src/core/audit/probes';
import { evaluateAudit } from '../../src/core/audit/rules';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { parseSetCookie } from '../../src/core/audit/cookieRules';
import { isJupyterError } from '../../src/core/util/errors';
import { DEFAULT_LINE, HMAC, ISSUED, OTHER_FP, SERVER_FP, certificate, observations, withCertificate } from './auditHelpers';

/** Everything wrong at once (http to a remote host, so not the https-only finding). */
function worst(url = 'http://10.1.2.3:8888/', line = DEFAULT_LINE.replace('; HttpOnly', '').replace('Path=/', 'Path=/; SameSite=None')): ServerObservations {
  const open = [{ path: '/srv/rt', mode: 0o755 }, { path: '/srv', mode: 0o755 }, { path: '/', mode: 0o755 }];
  return observations(url, {
    urlToken: 'query',
    loginCookie: { line, source: 'GET /api/status, token in the Authorization header', serverDate: ISSUED, receivedAt: ISSUED },
    auth: { request: 'GET /api/status', credentials: 'none', status: 200 },
    xsrf: { request: 'POST /api/kernels/00000000-0000-0000-0000-000000000000/interrupt', credentials: 'none', status: 404, message: 'Kernel does not exist: 00000000-0000-0000-0000-000000000000' },
    cors: [{ request: 'GET /api', credentials: 'none', status: 200, origin: FOREIGN_ORIGIN, allowOrigin: '*' }],
    page: { request: 'GET /tree', status: 200, apiTokenAttribute: true, tokenLinks: 1 },
    expiredReplay: { cookieName: 'username-127-0-0-1-8888', expiredAt: ISSUED, request: 'GET /api/status', status: 200, outcome: 'accepted', detail: '' },
    runtimeFiles: [{ path: '/srv/rt/nbserver-1.json', kind: 'server-info', mode: 0o644, dirs: open }],
    rejectedCookies: [{ line: '__Secure-sid=[redacted]; Path=/', reason: 'Cookie has __Secure prefix but Secure attribute is not set' }],
  });
}

/** A hub user's server with everything wrong about its hub (hubRules.ts). */
function worstHub(): ServerObservations {
  return observations('http://10.1.2.3/user/ann/', {
    hub: {
      base: 'http://10.1.2.3/',
      user: 'ann',
      scopes: ['access:servers!user=ann', 'admin:users', 'tokens!user=ann'],
      expiresAt: null,
      observedAt: ISSUED,
      tokenInUrl: { request: 'GET /user/ann/api/status', status: 200 },
    },
  });
}

/** TLS: a self-signed certificate trusted without a pin that expires in 5 days; and a pinned server intercepted through a proxy. */
function worstTls(): ServerObservations[] {
  return [
    withCertificate(certificate({ selfSigned: true, days: 5 })),
    withCertificate(certificate({ issuer: 'CN=Corp Inspection CA', fingerprint256: OTHER_FP, pins: [SERVER_FP], pinIssuer: 'CN=Example CA, O=Example', proxy: 'http://proxy.corp:3128/', verifyError: 'ERR_SJC_CERT_PIN_MISMATCH' })),
  ];
}

describe('audit: evaluation', () => {
  it('every finding has its fixed severity, a redacted evidence and a fix line per server family (hub findings: the hub\'s only; TLS ones: this client\'s too)', () => {
    const all = [
      ...evaluateAudit(worst()).findings,
      ...evaluateAudit(worst('https://10.1.2.3/', DEFAULT_LINE)).findings,
      ...evaluateAudit(worstHub()).findings,
      ...worstTls().flatMap((o) => evaluateAudit(o).findings),
    ];
    assert.deepEqual([...new Set(all.map((f) => f.id))].sort(), [...FINDING_IDS].sort(), 'the observations cover every finding');
    for (const f of all) {
      assert.equal(f.severity, SEVERITY_OF[f.id], f.id);
      assert.ok(f.title.length > 10 && f.evidence.length > 20, f.id);
      for (const secret of [HMAC, '2|1:0|']) assert.ok(!f.evidence.includes(secret) && !f.fix.includes(secret), `${f.id} leaks ${secret}`);
      const lines = f.fix.split('\n');
      if (f.id === 'tls-proxy-terminates') {
        assert.deepEqual([lines.length, f.fixFor.notebook, f.fixFor.jupyterServer, f.fixFor.jupyterHub], [1, '', '', ''], f.id);
        assert.match(lines[0] ?? '', /^this client: do not pin or trust the presented certificate; reach the server without the intercepting proxy/, f.id);
        continue;
      }
      if (f.id.startsWith('tls-')) {
        assert.equal(lines.length, f.fixFor.client ? 4 : 3, f.id);
        assert.match(lines[0] ?? '', /^notebook 6\.x: .*c\.NotebookApp\.certfile/, f.id);
        assert.match(lines[1] ?? '', /^jupyter_server: .*c\.ServerApp\.certfile/, f.id);
        assert.match(lines[2] ?? '', /^JupyterHub: .*c\.JupyterHub\.ssl_cert/, f.id);
        if (f.fixFor.client) assert.match(lines[3] ?? '', /^this client: /, f.id);
        continue;
      }
      if (f.id.startsWith('hub-')) {
        assert.deepEqual([lines.length, f.fixFor.notebook, f.fixFor.jupyterServer], [1, '', ''], f.id);
        assert.match(lines[0] ?? '', /^JupyterHub: /, f.id);
        continue;
      }
      assert.equal(lines.length, 3, f.id);
      assert.match(lines[0] ?? '', /^notebook 6\.x: /, f.id);
      assert.match(lines[1] ?? '', /^jupyter_server: /, f.id);
      assert.match(lines[2] ?? '', /^JupyterHub: /, f.id);
    }
    const cookieFixes = all.filter((f) => f.id.startsWith('login-cookie-') && f.id !== 'login-cookie-expiry-not-enforced');
    for (const f of cookieFixes) {
      assert.match(f.fixFor.notebook, /c\.NotebookApp\.(cookie_options|tornado_settings)/, f.id);
      assert.match(f.fixFor.jupyterServer, /c\.ServerApp\..*2\.x: c\.IdentityProvider\./, f.id);
      assert.match(f.fixFor.jupyterHub, /c\.JupyterHub\./, f.id);
    }
  });

  it('one finding per id, most serious first', () => {
    const { findings } = evaluateAudit(worst());
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
    const ranks = findings.map((f) => ['error', 'warning', 'info'].indexOf(f.severity));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    assert.equal(findings[0]?.id, 'auth-disabled');
    assert.equal(findings.at(-1)?.id, 'token-in-page');
  });

  it('silenced ids are left out and listed', () => {
    const policy = auditPolicy({ silenced: ['token-in-page', 'cors-any-origin', 'login-cookie-not-secure'] });
    const { findings, silenced } = evaluateAudit(worst(), policy);
    assert.ok(!findings.some((f) => policy.silenced.has(f.id)));
    assert.deepEqual(silenced, ['cors-any-origin', 'token-in-page'], 'only ids that fired are reported as silenced');
  });

  it('nothing observed → nothing found', () => {
    assert.deepEqual(evaluateAudit(observations()), { findings: [], silenced: [] });
  });

  it('reaches: --fail-on levels', () => {
    assert.equal(reaches('error', 'error'), true);
    assert.equal(reaches('warning', 'error'), false);
    assert.equal(reaches('warning', 'warning'), true);
    assert.equal(reaches('info', 'warning'), false);
  });

  it('auditPolicy: defaults, a positive lifetime and expiry window, known ids only', () => {
    assert.equal(auditPolicy().maxCookieLifetimeHours, DEFAULT_MAX_COOKIE_HOURS);
    assert.equal(DEFAULT_MAX_COOKIE_HOURS, 8);
    assert.equal(auditPolicy().certificateExpiryDays, DEFAULT_CERT_EXPIRY_DAYS);
    assert.equal(DEFAULT_CERT_EXPIRY_DAYS, 30);
    assert.equal(auditPolicy({ certificateExpiryDays: 7.5 }).certificateExpiryDays, 7.5);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => auditPolicy({ maxCookieLifetimeHours: bad }), (e: unknown) => isJupyterError(e, 'InvalidInput'));
      assert.throws(
        () => auditPolicy({ certificateExpiryDays: bad }),
        (e: unknown) => isJupyterError(e, 'InvalidInput') && /certificate expiry warning must be a positive number of days/.test(e.message),
      );
    }
    assert.throws(
      () => auditPolicy({ silenced: ['xsrf-disabled'] }),
      (e: unknown) => isJupyterError(e, 'InvalidInput') && /"xsrf-disabled" is not an audit finding id/.test(e.message) && /xsrf-check-disabled/.test(e.hint),
    );
  });
});

describe('audit: replaying an expired login cookie', () => {
  const endpointFor = (port: number) => endpointFromUrl(`http://127.0.0.1:${port}/`);

  async function fakeServer(status: number, date: () => string): Promise<{ port: number; requests: Array<{ url: string; cookie: string | undefined; auth: string | undefined }>; close(): Promise<void> }> {
    const requests: Array<{ url: string; cookie: string | undefined; auth: string | undefined }> = [];
    const server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', cookie: req.headers.cookie, auth: req.headers.authorization });
      res.writeHead(status, { date: date(), 'content-type': 'application/json' });
      res.end(status === 200 ? '{"started": "x"}' : '{"message": "Forbidden", "reason": null}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    return { port, requests, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  }

  const held = { name: 'username-127-0-0-1-1', value: '"2|1:0|10:1|held-secret-value"', expiresAt: new Date('2026-11-23T08:13:53Z') };

  it('a cookie not yet past Expires + grace is not sent', async () => {
    const srv = await fakeServer(200, () => new Date().toUTCString());
    try {
      const r = await replayExpiredLoginCookie({ endpoint: endpointFor(srv.port) }, held, { now: () => new Date(held.expiresAt.getTime() + EXPIRY_GRACE_MS - 1) });
      assert.equal(r.outcome, 'inconclusive');
      assert.equal(r.status, 0);
      assert.equal(srv.requests.length, 0);
    } finally {
      await srv.close();
    }
  });

  it('sent alone on GET api/status with no_track_activity: 200 accepted, 403 rejected', async () => {
    for (const [status, outcome] of [[200, 'accepted'], [403, 'rejected']] as const) {
      const srv = await fakeServer(status, () => 'Mon, 23 Nov 2026 08:14:08 GMT');
      try {
        const r = await replayExpiredLoginCookie({ endpoint: endpointFor(srv.port) }, held, { now: () => new Date('2026-11-23T08:14:08Z') });
        assert.equal(r.outcome, outcome);
        assert.equal(r.status, status);
        assert.equal(r.request, 'GET /api/status');
        assert.deepEqual(r.serverDate, new Date('2026-11-23T08:14:08Z'));
        assert.equal(srv.requests.length, 1);
        assert.equal(srv.requests[0]?.url, '/api/status?no_track_activity=1');
        assert.equal(srv.requests[0]?.cookie, `${held.name}=${held.value}`, 'the cookie and nothing else');
        assert.equal(srv.requests[0]?.auth, undefined);
      } finally {
        await srv.close();
      }
    }
  });

  it('the server clock decides: a Date before Expires + grace is inconclusive even when 200', async () => {
    const srv = await fakeServer(200, () => 'Mon, 23 Nov 2026 08:13:55 GMT');
    try {
      const r = await replayExpiredLoginCookie({ endpoint: endpointFor(srv.port) }, held, { now: () => new Date('2026-11-23T09:00:00Z') });
      assert.equal(r.outcome, 'inconclusive');
      assert.match(r.detail, /server's clock/);
    } finally {
      await srv.close();
    }
  });

  it('held cookies from a Set-Cookie line (Max-Age from the server Date) and from the jar (tough-cookie)', () => {
    const observed = { line: 'username-x="2|1:0|v"; expires=Wed, 23 Dec 2026 07:56:52 GMT; Max-Age=60; HttpOnly; Path=/', source: 's', serverDate: ISSUED, receivedAt: new Date(0) };
    assert.deepEqual(heldFromObserved(observed)?.expiresAt, new Date(ISSUED.getTime() + 60_000));
    assert.equal(heldFromObserved({ ...observed, line: 'username-x="2|1:0|v"; HttpOnly; Path=/' }), undefined, 'a session cookie never expires by itself');
    const c = parseSetCookie('username-x="2|1:0|v"; expires=Mon, 23 Nov 2026 08:13:53 GMT; HttpOnly; Path=/foo/');
    assert.ok(c);
    assert.deepEqual(heldLoginCookie(c), { name: 'username-x', value: '"2|1:0|v"', path: '/foo/', expiresAt: new Date('2026-11-23T08:13:53Z') });
  });
});
