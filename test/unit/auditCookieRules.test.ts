import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cookieLifetime, expiryEnforcementFindings, formatDuration, loginCookieFindings, parseSetCookie, rejectedCookieFindings } from '../../src/core/audit/cookieRules';
import { findRejectedCookies } from '../../src/core/audit/observe';
import { evaluateAudit } from '../../src/core/audit/rules';
import { floorSignificant } from '../../src/core/audit/fixes';
import { auditPolicy, DEFAULT_AUDIT_POLICY } from '../../src/core/audit/policy';
import { DEFAULT_LINE, HMAC, ISSUED, SIGNED, observations, withCookie } from './auditHelpers';

const ids = (line: string, url?: string, maxHours?: number): string[] =>
  loginCookieFindings(withCookie(line, url), maxHours === undefined ? DEFAULT_AUDIT_POLICY : auditPolicy({ maxCookieLifetimeHours: maxHours })).map((f) => f.id);

describe('audit: login cookie rules (literal Set-Cookie lines)', () => {
  it('the default notebook/jupyter_server cookie over http: no SameSite and 30 days; HttpOnly and http are fine', () => {
    assert.deepEqual(ids(DEFAULT_LINE), ['login-cookie-no-samesite', 'login-cookie-long-lived']);
  });

  it('evidence names the cookie and its attributes, never its value', () => {
    const findings = loginCookieFindings(withCookie(DEFAULT_LINE), DEFAULT_AUDIT_POLICY);
    for (const f of findings) {
      assert.ok(f.evidence.startsWith('username-127-0-0-1-8888=[redacted]; expires=Wed, 23 Dec 2026 07:56:52 GMT; HttpOnly; Path=/ (Set-Cookie of GET /api/status'), f.evidence);
      assert.ok(!f.evidence.includes(HMAC) && !f.evidence.includes('2|1:0|'), f.evidence);
    }
  });

  it('cookie_options={"httponly": False} → login-cookie-not-httponly', () => {
    assert.deepEqual(ids(`username-127-0-0-1-8888=${SIGNED}; expires=Wed, 23 Dec 2026 07:56:52 GMT; Path=/`), [
      'login-cookie-not-httponly',
      'login-cookie-no-samesite',
      'login-cookie-long-lived',
    ]);
  });

  it('Secure is judged only over https', () => {
    const noSecure = `username-127-0-0-1-8888=${SIGNED}; expires=Mon, 23 Nov 2026 08:56:52 GMT; HttpOnly; Path=/; SameSite=Strict`;
    assert.deepEqual(ids(noSecure, 'http://127.0.0.1:8888/'), []);
    assert.deepEqual(ids(noSecure, 'http+unix://%2Ftmp%2Fj.sock/'), []);
    assert.deepEqual(ids(noSecure, 'https://127.0.0.1:8888/'), ['login-cookie-not-secure']);
    assert.deepEqual(ids(`${noSecure}; Secure`, 'https://127.0.0.1:8888/'), []);
    const f = loginCookieFindings(withCookie(noSecure, 'https://jupyter.example.org/'), DEFAULT_AUDIT_POLICY)[0];
    assert.equal(f?.severity, 'error');
    assert.match(f?.evidence ?? '', /no Secure, so a browser also sends it over plain http to jupyter\.example\.org/);
  });

  it('SameSite=Strict and Lax pass; SameSite=None is its own finding, saying when Secure is missing too', () => {
    const base = `username-127-0-0-1-8888=${SIGNED}; expires=Mon, 23 Nov 2026 08:56:52 GMT; HttpOnly; Path=/`;
    assert.deepEqual(ids(`${base}; SameSite=Strict`), []);
    assert.deepEqual(ids(`${base}; SameSite=Lax`), []);
    assert.deepEqual(ids(`${base}; SameSite=None`), ['login-cookie-samesite-none']);
    const none = loginCookieFindings(withCookie(`${base}; SameSite=None`), DEFAULT_AUDIT_POLICY)[0];
    assert.match(none?.evidence ?? '', /Without Secure, browsers refuse a SameSite=None cookie/);
    const noneSecure = loginCookieFindings(withCookie(`${base}; SameSite=None; Secure`, 'https://127.0.0.1:8888/'), DEFAULT_AUDIT_POLICY);
    assert.deepEqual(noneSecure.map((f) => f.id), ['login-cookie-samesite-none']);
    assert.doesNotMatch(noneSecure[0]?.evidence ?? '', /Without Secure/);
  });

  describe('lifetime', () => {
    const strict = (attrs: string): string => `username-127-0-0-1-8888=${SIGNED}; ${attrs}HttpOnly; Path=/; SameSite=Strict`;

    it('Expires is measured from the response Date (server clock), not from when the client received it', () => {
      // 7 h 55 min after ISSUED: fine, although the client received it years later.
      assert.deepEqual(ids(strict('expires=Mon, 23 Nov 2026 15:51:52 GMT; ')), []);
      const c = parseSetCookie(strict('expires=Mon, 23 Nov 2026 15:51:52 GMT; '));
      assert.ok(c);
      assert.equal(cookieLifetime(c, { serverDate: ISSUED, receivedAt: new Date(0) })?.ms, (7 * 60 + 55) * 60_000);
    });

    it('over the maximum → long-lived, with the lifetime and the maximum in the title and evidence', () => {
      const f = loginCookieFindings(withCookie(strict('expires=Tue, 24 Nov 2026 07:56:52 GMT; ')), DEFAULT_AUDIT_POLICY);
      assert.deepEqual(f.map((x) => x.id), ['login-cookie-long-lived']);
      assert.equal(f[0]?.title, 'The login cookie lives 24 hours (more than 8 hours)');
      assert.match(f[0]?.evidence ?? '', /Expires is 24 hours after the response's Date; the maximum is 8 hours/);
    });

    it('Max-Age wins over Expires (RFC 6265): cookie_options={"max_age": 60} with tornado\'s 30-day expires is short', () => {
      assert.deepEqual(ids(strict('expires=Wed, 23 Dec 2026 07:56:52 GMT; Max-Age=60; ')), []);
      assert.deepEqual(ids(strict('expires=Mon, 23 Nov 2026 08:00:00 GMT; Max-Age=86400; ')), ['login-cookie-long-lived']);
    });

    it('a session cookie (expires_days=None) is not long-lived', () => {
      assert.deepEqual(ids(strict('')), []);
    });

    it('the maximum is configurable', () => {
      const eightish = strict('expires=Mon, 23 Nov 2026 15:51:52 GMT; ');
      assert.deepEqual(ids(eightish, undefined, 1), ['login-cookie-long-lived']);
      assert.deepEqual(ids(DEFAULT_LINE, undefined, 24 * 31), ['login-cookie-no-samesite']);
    });

    it('the suggested fix stays within the maximum: expires_days and max_age_days rounded down', () => {
      const f = loginCookieFindings(withCookie(DEFAULT_LINE), auditPolicy({ maxCookieLifetimeHours: 10 })).find((x) => x.id === 'login-cookie-long-lived');
      assert.match(f?.fixFor.notebook ?? '', /c\.NotebookApp\.cookie_options = \{"expires_days": 0\.416\}.*c\.NotebookApp\.get_secure_cookie_kwargs = \{"max_age_days": 0\.416\}/);
      assert.match(f?.fixFor.jupyterServer ?? '', /1\.x: c\.ServerApp\.cookie_options.*c\.ServerApp\.get_secure_cookie_kwargs.*2\.x: c\.IdentityProvider\.cookie_options.*c\.IdentityProvider\.get_secure_cookie_kwargs/);
      assert.match(f?.fixFor.jupyterHub ?? '', /c\.JupyterHub\.cookie_max_age_days = 0\.416.*c\.JupyterHub\.oauth_token_expires_in = 36000/);
      assert.equal(floorSignificant(8 / 24), 0.333);
      assert.equal(floorSignificant(1), 1);
      assert.equal(floorSignificant(0.5 / 24), 0.0208);
      for (const h of [0.1, 1, 5, 8, 10, 13, 23, 24, 100]) assert.ok(floorSignificant(h / 24) <= h / 24, String(h));
    });
  });

  it('_xsrf is never judged (it is meant to be readable by scripts), nor are cookies that are not login cookies', () => {
    assert.deepEqual(ids('_xsrf=2|d58600fe|91499a1c48947d4c6326399f3b8c8acc|1795420612; expires=Wed, 23 Dec 2026 07:56:52 GMT; Path=/'), []);
    assert.deepEqual(ids('jupyterhub-session-id=b55c917bcc50436f988182fcfa422769; HttpOnly; Path=/'), []);
    assert.deepEqual(ids('not a cookie line'), []);
    assert.deepEqual(loginCookieFindings(observations(), DEFAULT_AUDIT_POLICY), []);
  });

  it('custom cookie names (tornado_settings cookie_name) and JupyterHub single-user cookies are judged', () => {
    assert.deepEqual(ids('jupyauth="2|1:0|10:1795422104|8:jupyauth|44:abc=|def"; expires=Wed, 23 Dec 2026 07:56:52 GMT; Path=/'), [
      'login-cookie-not-httponly',
      'login-cookie-no-samesite',
      'login-cookie-long-lived',
    ]);
    assert.deepEqual(ids('jupyterhub-user-bob=2|1:0|10:1795421876|19:jupyterhub-user-bob|40:NmJr|0e0d; expires=Wed, 23 Dec 2026 08:17:56 GMT; HttpOnly; Path=/user/bob/'), [
      'login-cookie-no-samesite',
      'login-cookie-long-lived',
    ]);
  });

  describe('expiry enforcement: only an accepted replay is reported', () => {
    const replay = (outcome: 'accepted' | 'rejected' | 'inconclusive', status: number) =>
      observations(undefined, {
        expiredReplay: {
          cookieName: 'username-127-0-0-1-8888',
          expiredAt: new Date('2026-11-23T08:13:53Z'),
          request: 'GET /api/status',
          status,
          serverDate: new Date('2026-11-23T08:14:08Z'),
          outcome,
          detail: '',
        },
      });

    it('accepted → login-cookie-expiry-not-enforced naming get_secure_cookie_kwargs', () => {
      const f = expiryEnforcementFindings(replay('accepted', 200), DEFAULT_AUDIT_POLICY);
      assert.deepEqual(f.map((x) => x.id), ['login-cookie-expiry-not-enforced']);
      assert.match(f[0]?.evidence ?? '', /expired at 2026-11-23T08:13:53\.000Z; replayed afterwards \(GET \/api\/status, the server's clock said 2026-11-23T08:14:08\.000Z\) it was accepted with 200/);
      assert.match(f[0]?.fixFor.notebook ?? '', /c\.NotebookApp\.get_secure_cookie_kwargs = \{"max_age_days": 0\.333\}/);
      assert.match(f[0]?.fixFor.jupyterServer ?? '', /c\.ServerApp\.get_secure_cookie_kwargs.*c\.IdentityProvider\.get_secure_cookie_kwargs/);
    });

    it('rejected, inconclusive or never replayed → nothing', () => {
      assert.deepEqual(expiryEnforcementFindings(replay('rejected', 403), DEFAULT_AUDIT_POLICY), []);
      assert.deepEqual(expiryEnforcementFindings(replay('inconclusive', 0), DEFAULT_AUDIT_POLICY), []);
      assert.deepEqual(expiryEnforcementFindings(observations(), DEFAULT_AUDIT_POLICY), []);
    });
  });

  it('formatDuration', () => {
    assert.equal(formatDuration(30 * 86_400_000), '30 days');
    assert.equal(formatDuration(0.33 * 86_400_000), '7.9 hours');
    assert.equal(formatDuration(45 * 60_000), '45 minutes');
    assert.equal(formatDuration(12_000), '12 seconds');
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), 'forever');
  });
});

describe('audit: cookies the client refused during the sign-in', () => {
  const reply = (url: string, setCookie: string[]) => ({ method: 'GET' as const, url: new URL(url), status: 200, headers: { 'set-cookie': setCookie }, text: '', body: Buffer.alloc(0) });

  it('a __Secure- cookie without Secure and a __Host- cookie with a Path are observed as rejected, values redacted', () => {
    const rejected = findRejectedCookies([
      reply('https://jupyter.example.org/login', ['__Secure-session=pfx-secret-1; HttpOnly; Path=/', `${DEFAULT_LINE}`]),
      reply('https://jupyter.example.org/tree', ['__Host-x=pfx-secret-2; Secure; Path=/tree/']),
    ]);
    assert.deepEqual(rejected.map((r) => r.line), ['__Secure-session=[redacted]; HttpOnly; Path=/', '__Host-x=[redacted]; Secure; Path=/tree/']);
    assert.match(rejected[0]?.reason ?? '', /__Secure prefix/);
    assert.match(rejected[1]?.reason ?? '', /__Host prefix/);

    const findings = evaluateAudit(observations('https://jupyter.example.org/', { rejectedCookies: rejected })).findings;
    const f = findings.find((x) => x.id === 'cookie-rejected');
    assert.ok(f, findings.map((x) => x.id).join());
    assert.equal(f.severity, 'warning');
    assert.match(f.title, /2 cookies/);
    assert.ok(f.evidence.includes('__Secure-session=[redacted]; HttpOnly; Path=/ (Cookie has __Secure prefix'), f.evidence);
    assert.ok(!f.evidence.includes('pfx-secret'), f.evidence);
  });

  it('nothing refused, no finding (the default Jupyter cookies are all accepted)', () => {
    assert.deepEqual(findRejectedCookies([reply('http://127.0.0.1:8888/login', [DEFAULT_LINE, '_xsrf=2|d58600fe|91499a1c|1795420612; Path=/'])]), []);
    assert.deepEqual(rejectedCookieFindings(observations()), []);
  });
});
