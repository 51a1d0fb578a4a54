import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ServerCookieJar, isLoginCookie, redactCookieLine } from '../../src/core/session/cookieJar';
import { InvalidInputError } from '../../src/core/util/errors';
import { REDACTED, clearRegisteredSecrets, redact } from '../../src/core/util/redact';

// Set-Cookie lines from the facts sheet, verbatim except that a future `expires=` is moved to 30 days from now
// (the jar checks expiry against the real clock when it picks cookies for a request).
const future = new Date(Date.now() + 30 * 86_400_000).toUTCString();
const PAST = 'Sun, 23 Nov 2025 07:57:00 GMT';

const LOGIN_VALUE = '"2|1:0|10:1795420612|24:username-127-0-0-1-18811|44:NjY1NDBhZTQ3ZjQ4NGRlNGIyYTEwYTRjODc5MzNkYTg=|3eacc04b9d6b02fc8370acbe09db13d939d36624254beffc85535967ae5ddd06"';
const LOGIN = `username-127-0-0-1-18811=${LOGIN_VALUE}; expires=${future}; HttpOnly; Path=/`;
const XSRF_VALUE = '2|d58600fe|91499a1c48947d4c6326399f3b8c8acc|1795420612';
const XSRF = `_xsrf=${XSRF_VALUE}; expires=${future}; Path=/`;
const SERVER = 'http://127.0.0.1:18811/';

describe('session/cookieJar: storing what Jupyter sends', () => {
  afterEach(() => clearRegisteredSecrets());

  it('stores the quoted signed login cookie and _xsrf, and sends both back', () => {
    const jar = new ServerCookieJar();
    const r = jar.setFromResponse(`${SERVER}tree?token=tok-nb`, [LOGIN, XSRF]);
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(r.clearedLogin, []);
    assert.deepEqual(r.stored.map((c) => c.key), ['username-127-0-0-1-18811', '_xsrf']);

    const header = jar.cookieHeader(`${SERVER}api/status`);
    assert.ok(header.includes(`username-127-0-0-1-18811=${LOGIN_VALUE}`), header);
    assert.ok(header.includes(`_xsrf=${XSRF_VALUE}`), header);
    assert.equal(jar.xsrfToken(`${SERVER}api/kernels`), XSRF_VALUE);
    assert.equal(jar.loginCookie(SERVER)?.key, 'username-127-0-0-1-18811');
    assert.equal(jar.size, 2);
  });

  it('registers every cookie value for redaction', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(SERVER, [XSRF, 'other=plain-cookie-value-42; Path=/']);
    assert.equal(redact(`sent ${XSRF_VALUE} and plain-cookie-value-42`), `sent ${REDACTED} and ${REDACTED}`);
  });

  it('sends a login cookie only for the host it was issued to (localhost is another session)', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(SERVER, [LOGIN]);
    assert.equal(jar.cookieHeader('http://localhost:18811/api/status'), '');
    assert.equal(jar.loginCookie('http://localhost:18811/'), undefined);
  });

  it('matches Path=/foo/ (base_url) cookies only under /foo/', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse('http://127.0.0.1:18861/foo/login?next=%2Ffoo%2Ftree', [
      `username-127-0-0-1-18861="2|1:0|10:1795420612|24:username-127-0-0-1-18861|44:Zm9v|abc"; expires=${future}; HttpOnly; Path=/foo/`,
      `_xsrf=${XSRF_VALUE}; Path=/`, // notebook 6.4 sets _xsrf on / even with a base_url
    ]);
    const under = jar.cookieHeader('http://127.0.0.1:18861/foo/api/status');
    assert.ok(under.includes('username-127-0-0-1-18861=') && under.includes('_xsrf='), under);
    assert.equal(jar.cookieHeader('http://127.0.0.1:18861/api/status'), `_xsrf=${XSRF_VALUE}`);
    assert.ok(!jar.cookieHeader('http://127.0.0.1:18861/foobar/api').includes('username-'));
    assert.ok(jar.loginCookie('http://127.0.0.1:18861/foo/'));
    assert.equal(jar.loginCookie('http://127.0.0.1:18861/'), undefined);
  });

  it('keeps a Secure cookie (https) off plain http to a remote host', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse('https://jupyter.example.org/api/status', [
      `username-jupyter-example-org="2|1:0|10:1795420770|28:username-jupyter-example-org|44:eA==|ff"; expires=${future}; HttpOnly; Path=/; Secure`,
    ]);
    assert.match(jar.cookieHeader('https://jupyter.example.org/api/status'), /^username-jupyter-example-org=/);
    assert.equal(jar.cookieHeader('http://jupyter.example.org/api/status'), '');
    // (Loopback counts as a secure context, like in browsers: http://127.0.0.1 would still get it.)
  });
});

describe('session/cookieJar: clearing cookies', () => {
  afterEach(() => clearRegisteredSecrets());

  it('a clearing login cookie (empty value, past expiry) is reported and removed; _xsrf stays', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(SERVER, [LOGIN, XSRF]);
    const r = jar.setFromResponse(`${SERVER}api/status`, [`username-127-0-0-1-18811=""; expires=${PAST}; Path=/`]);
    assert.deepEqual(r.clearedLogin, ['username-127-0-0-1-18811']);
    assert.deepEqual(r.rejected, []);
    assert.equal(jar.loginCookie(SERVER), undefined);
    assert.equal(jar.cookieHeader(`${SERVER}api/status`), `_xsrf=${XSRF_VALUE}`);
  });

  it('logout with a base_url clears both Path=/foo/ and Path=/', () => {
    const jar = new ServerCookieJar();
    const url = 'http://127.0.0.1:18861/foo/logout';
    jar.setFromResponse(url, [`username-127-0-0-1-18861="2|1:0|10:1|24:username-127-0-0-1-18861|4:eA==|ff"; expires=${future}; HttpOnly; Path=/foo/`]);
    const r = jar.setFromResponse(url, [
      `username-127-0-0-1-18861=""; expires=${PAST}; Path=/foo/`,
      `username-127-0-0-1-18861=""; expires=${PAST}; Path=/`,
    ]);
    assert.deepEqual(r.clearedLogin, ['username-127-0-0-1-18861', 'username-127-0-0-1-18861']);
    assert.equal(jar.loginCookie('http://127.0.0.1:18861/foo/'), undefined);
    assert.equal(jar.cookieHeader('http://127.0.0.1:18861/foo/api/status'), '');
  });

  it('a clearing line for a custom-named login cookie counts, because the jar held a signed value under that name', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(SERVER, [`jupyauth="2|1:0|10:1795422104|8:jupyauth|44:eA==|ff"; expires=${future}; HttpOnly; Path=/`]);
    assert.equal(jar.loginCookie(SERVER)?.key, 'jupyauth');
    const r = jar.setFromResponse(SERVER, [`jupyauth=""; expires=${PAST}; Path=/`]);
    assert.deepEqual(r.clearedLogin, ['jupyauth']);
    assert.equal(jar.loginCookie(SERVER), undefined);
  });

  it('clearing _xsrf or a JupyterHub oauth-state cookie is not a login clear', () => {
    const jar = new ServerCookieJar();
    const hub = 'http://127.0.0.1:18900/user/bob/oauth_callback?code=x&state=y';
    jar.setFromResponse(SERVER, [XSRF]);
    assert.deepEqual(jar.setFromResponse(SERVER, [`_xsrf=""; expires=${PAST}; Path=/`]).clearedLogin, []);
    // The OAuth callback from the facts sheet: the state cookie is cleared and the login cookie set in one response.
    const r = jar.setFromResponse(hub, [
      `jupyterhub-user-bob-oauth-state=""; expires=${PAST}; Path=/user/bob/`,
      `jupyterhub-user-bob=2|1:0|10:1795421876|19:jupyterhub-user-bob|40:NmJranY4TVZBVG9DUGRpeWpjYWU4dVJQV0N1MmdD|0e0d61a3; expires=${future}; HttpOnly; Path=/user/bob/`,
    ]);
    assert.deepEqual(r.clearedLogin, []);
    assert.equal(jar.loginCookie('http://127.0.0.1:18900/user/bob/')?.key, 'jupyterhub-user-bob');
  });

  it('clearLogin() drops login cookies and keeps _xsrf; clear() drops everything', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(SERVER, [LOGIN, XSRF, `jupyauth="2|1:0|10:1|8:jupyauth|4:eA==|ff"; Path=/`]);
    jar.clearLogin();
    assert.equal(jar.loginCookie(SERVER), undefined);
    assert.equal(jar.cookieHeader(SERVER), `_xsrf=${XSRF_VALUE}`);
    assert.equal(jar.size, 1);
    jar.clear();
    assert.equal(jar.size, 0);
    assert.equal(jar.cookieHeader(SERVER), '');
  });
});

describe('session/cookieJar: rejected lines', () => {
  afterEach(() => clearRegisteredSecrets());

  it('rejects a malformed line with redacted evidence and stores the good ones', () => {
    const jar = new ServerCookieJar();
    const r = jar.setFromResponse(SERVER, ['=s3cr3t-nameless-value; Path=/', XSRF]);
    assert.deepEqual(r.stored.map((c) => c.key), ['_xsrf']);
    assert.equal(r.rejected.length, 1);
    const [rej] = r.rejected;
    assert.match(rej?.reason ?? '', /not a valid Set-Cookie/);
    assert.equal(rej?.line, '=[redacted]; Path=/');
    assert.ok(!rej?.line.includes('s3cr3t'));
  });

  it('rejects a line with a control character without quoting its value', () => {
    const jar = new ServerCookieJar();
    const r = jar.setFromResponse(SERVER, ['username-127-0-0-1-18811="2|1:0|10:1|zz-secret-payload\u0001"; Path=/']);
    assert.equal(r.stored.length, 0);
    assert.equal(r.rejected[0]?.line, 'username-127-0-0-1-18811=[redacted]; Path=/');
  });

  it('rejects a cookie for a foreign Domain', () => {
    const jar = new ServerCookieJar();
    const r = jar.setFromResponse(SERVER, ['tracker=abc123456; Domain=evil.example; Path=/']);
    assert.equal(r.stored.length, 0);
    assert.equal(r.rejected.length, 1);
    assert.match(r.rejected[0]?.reason ?? '', /domain/i);
    assert.equal(r.rejected[0]?.line, 'tracker=[redacted]; Domain=evil.example; Path=/');
    assert.equal(jar.size, 0);
  });

  it('redactCookieLine keeps the name and attributes, masks the value', () => {
    assert.equal(redactCookieLine(LOGIN), `username-127-0-0-1-18811=[redacted]; expires=${future}; HttpOnly; Path=/`);
    assert.equal(redactCookieLine('a=b'), 'a=[redacted]');
    assert.ok(!redactCookieLine('garbage 2|1:0|10:1|secret-bits').includes('secret-bits'));
  });
});

describe('session/cookieJar: persistence and expiry', () => {
  afterEach(() => clearRegisteredSecrets());

  it('serialize → deserialize keeps the cookies and their expiry', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(SERVER, [LOGIN, XSRF]);
    const restored = ServerCookieJar.deserialize(jar.serialize());
    assert.equal(restored.cookieHeader(`${SERVER}api/status`), jar.cookieHeader(`${SERVER}api/status`));
    assert.equal(restored.xsrfToken(SERVER), XSRF_VALUE);
    assert.equal(restored.loginExpiry(SERVER)?.toUTCString(), future);
    assert.equal(restored.size, 2);
  });

  it('a restored jar registers its values for redaction', () => {
    const serialized = (() => {
      const jar = new ServerCookieJar();
      jar.setFromResponse(SERVER, ['other=plain-restored-value-77; Path=/']);
      return jar.serialize();
    })();
    clearRegisteredSecrets();
    assert.equal(redact('plain-restored-value-77'), 'plain-restored-value-77', 'precondition: forgotten');
    ServerCookieJar.deserialize(serialized);
    assert.equal(redact('plain-restored-value-77'), REDACTED);
  });

  for (const garbage of ['not json', '', 'null', '{}', '[]', '{"cookies": 5}']) {
    it(`deserialize(${JSON.stringify(garbage)}) is an InvalidInputError with a hint`, () => {
      assert.throws(
        () => ServerCookieJar.deserialize(garbage),
        (err: unknown) => err instanceof InvalidInputError && /could not be read/.test(err.message) && err.hint.length > 0,
      );
    });
  }

  it('loginExpiry is the Expires of the login cookie; none for a session cookie or no cookie', () => {
    const jar = new ServerCookieJar();
    assert.equal(jar.loginExpiry(SERVER), undefined);
    jar.setFromResponse(SERVER, [LOGIN]);
    assert.equal(jar.loginExpiry(SERVER)?.getTime(), new Date(future).getTime());

    const session = new ServerCookieJar();
    session.setFromResponse(SERVER, ['username-127-0-0-1-18811="2|1:0|10:1|x"; HttpOnly; Path=/']); // cookie_options={"expires_days": None}
    assert.ok(session.loginCookie(SERVER));
    assert.equal(session.loginExpiry(SERVER), undefined);
  });

  it('loginExpiry follows Max-Age from the time the cookie was set', () => {
    const now = new Date();
    const jar = new ServerCookieJar(undefined, () => now);
    jar.setFromResponse(SERVER, [`username-127-0-0-1-18811="2|1:0|10:1|x"; expires=${future}; HttpOnly; Max-Age=60; Path=/`]);
    assert.equal(jar.loginExpiry(SERVER)?.getTime(), now.getTime() + 60_000);
  });

  it('setClientCookie stores a client-made _xsrf under the base path and registers it', () => {
    const jar = new ServerCookieJar();
    jar.setClientCookie('http://127.0.0.1:18861/foo/', '_xsrf', 'client-made-xsrf-0123', '/foo/');
    assert.equal(jar.xsrfToken('http://127.0.0.1:18861/foo/api/kernels'), 'client-made-xsrf-0123');
    assert.equal(jar.xsrfToken('http://127.0.0.1:18861/api/kernels'), undefined);
    assert.equal(redact('client-made-xsrf-0123'), REDACTED);
  });
});

describe('session/cookieJar: isLoginCookie', () => {
  const yes: Array<[string, string]> = [
    ['username-127-0-0-1-8888', '"2|1:0|10:1|x"'],
    ['username-localhost-8888', 'anything'],
    ['username----1--8888', 'x'],
    ['jupyterhub-user-bob', '2|1:0|10:1795421876|19:jupyterhub-user-bob|40:Tm0=|0e0d'],
    ['jupyterhub-hub-login', '"2|1:0|10:1795421858|20:jupyterhub-hub-login|44:N2Y1=|73b0"'],
    ['jupyauth', '"2|1:0|10:1795422104|8:jupyauth|44:eA==|ff"'],
  ];
  const no: Array<[string, string]> = [
    ['_xsrf', '2|d58600fe|91499a1c48947d4c6326399f3b8c8acc|1795420612'],
    ['_xsrf', '"2|1:0|10:1|x"'],
    ['jupyterhub-user-bob-oauth-state', '"2|1:0|10:1|x"'],
    ['jupyterhub-user-bob-oauth-state-GyszNSMe', '"2|1:0|10:1|x"'],
    ['jupyterhub-session-id', 'b55c917bcc50436f988182fcfa422769'],
    ['jupyauth', 'not-signed'],
  ];
  for (const [key, value] of yes) it(`${key}=${value.slice(0, 12)}… is a login cookie`, () => assert.equal(isLoginCookie({ key, value }), true));
  for (const [key, value] of no) it(`${key}=${value.slice(0, 12)}… is not a login cookie`, () => assert.equal(isLoginCookie({ key, value }), false));
});

describe('session/cookieJar: the injected clock', () => {
  it('judges expiry by the injected clock when picking cookies, and drops what has expired', () => {
    let now = new Date('2001-01-01T00:00:00Z');
    const jar = new ServerCookieJar(undefined, () => now);
    jar.setFromResponse('http://127.0.0.1:1/', ['username-127-0-0-1-1="2|1:0|10:1|x"; expires=Mon, 01 Jan 2001 01:00:00 GMT; Path=/']);
    assert.ok(jar.loginCookie('http://127.0.0.1:1/'), 'valid at 00:00 by the injected clock, although the real clock is years later');
    assert.match(jar.cookieHeader('http://127.0.0.1:1/'), /^username-127-0-0-1-1=/);
    now = new Date('2001-01-01T01:00:01Z');
    assert.equal(jar.loginCookie('http://127.0.0.1:1/'), undefined, 'expired one second after its Expires');
    assert.equal(jar.cookieHeader('http://127.0.0.1:1/'), '');
    assert.equal(jar.size, 0, 'the expired cookie was removed from the jar');
  });
});

describe('session/cookieJar: memoised lookups stay exact', () => {
  afterEach(() => clearRegisteredSecrets());
  const BASE = 'http://127.0.0.1:1/';
  const at = (iso: string): Date => new Date(iso);

  it('a cookie stored after a lookup is sent by the next one (same URL, with and without a query)', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(BASE, [XSRF]);
    assert.equal(jar.cookieHeader(`${BASE}api/status`), `_xsrf=${XSRF_VALUE}`);
    assert.equal(jar.loginCookie(`${BASE}api/status?x=1`), undefined);
    jar.setFromResponse(BASE, ['username-127-0-0-1-1="2|1:0|10:1|new"; HttpOnly; Path=/']);
    assert.match(jar.cookieHeader(`${BASE}api/status`), /username-127-0-0-1-1="2\|1:0\|10:1\|new"/);
    assert.equal(jar.loginCookie(`${BASE}api/status?x=1`)?.value, '"2|1:0|10:1|new"');
    jar.setFromResponse(BASE, ['_xsrf=replaced-xsrf-value; Path=/']);
    assert.equal(jar.xsrfToken(new URL(`${BASE}api/status`)), 'replaced-xsrf-value');
  });

  it('a lookup lapses at the earliest expiry among its cookies, by the injected clock', () => {
    let now = at('2001-01-01T00:00:00Z');
    const jar = new ServerCookieJar(undefined, () => now);
    jar.setFromResponse(BASE, [
      'username-127-0-0-1-1="2|1:0|10:1|x"; expires=Mon, 01 Jan 2001 01:00:00 GMT; Path=/',
      '_xsrf=long-lived-xsrf; expires=Tue, 02 Jan 2001 00:00:00 GMT; Path=/',
    ]);
    const url = `${BASE}api/kernels`;
    assert.ok(jar.loginCookie(url));
    assert.equal(jar.loginExpiry(url)?.toISOString(), '2001-01-01T01:00:00.000Z');
    now = at('2001-01-01T00:59:59.999Z');
    assert.match(jar.cookieHeader(url), /username-/, 'still valid a millisecond before');
    now = at('2001-01-01T01:00:00Z');
    assert.equal(jar.loginCookie(url), undefined, 'gone at its expiry, although nothing else changed');
    assert.equal(jar.cookieHeader(url), '_xsrf=long-lived-xsrf');
    assert.equal(jar.xsrfToken(url), 'long-lived-xsrf');
    assert.equal(jar.size, 1);
    now = at('2001-01-02T00:00:00Z');
    assert.equal(jar.xsrfToken(url), undefined);
    assert.equal(jar.size, 0);
  });

  it('Max-Age counts from receipt, however often the cookie is read (RFC 6265 5.3)', () => {
    let now = at('2001-01-01T00:00:00Z');
    const jar = new ServerCookieJar(undefined, () => now);
    jar.setFromResponse(BASE, ['username-127-0-0-1-1="2|1:0|10:1|x"; Max-Age=60; HttpOnly; Path=/']);
    for (let s = 0; s < 60; s += 10) {
      now = new Date(at('2001-01-01T00:00:00Z').getTime() + s * 1000);
      assert.ok(jar.loginCookie(`${BASE}api/status`), `valid after ${s} s`);
      assert.equal(jar.loginExpiry(BASE)?.toISOString(), '2001-01-01T00:01:00.000Z');
    }
    now = at('2001-01-01T00:01:00Z');
    assert.equal(jar.loginCookie(`${BASE}api/status`), undefined);
    assert.equal(jar.cookieHeader(BASE), '');
  });

  it('Max-Age=0 clears like a past Expires', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(BASE, ['username-127-0-0-1-1="2|1:0|10:1|x"; HttpOnly; Path=/']);
    assert.ok(jar.loginCookie(BASE));
    const r = jar.setFromResponse(BASE, ['username-127-0-0-1-1=; Max-Age=0; Path=/']);
    assert.deepEqual(r.clearedLogin, ['username-127-0-0-1-1']);
    assert.equal(jar.loginCookie(BASE), undefined);
    assert.equal(jar.cookieHeader(BASE), '');
  });

  it('clear, clearLogin, setClientCookie, replaceWith and serialize are seen by the next lookup', () => {
    let now = at('2001-01-01T00:00:00Z');
    const jar = new ServerCookieJar(undefined, () => now);
    const url = `${BASE}api/status`;
    jar.setFromResponse(BASE, ['username-127-0-0-1-1="2|1:0|10:1|x"; HttpOnly; Path=/', '_xsrf=one; Path=/']);
    assert.ok(jar.loginCookie(url));
    jar.clearLogin();
    assert.equal(jar.loginCookie(url), undefined);
    assert.equal(jar.cookieHeader(url), '_xsrf=one');
    jar.setClientCookie(BASE, '_xsrf', 'client-made-two', '/');
    assert.equal(jar.xsrfToken(url), 'client-made-two');
    const saved = jar.serialize();
    jar.clear();
    assert.equal(jar.cookieHeader(url), '');
    assert.equal(jar.xsrfToken(url), undefined);
    jar.replaceWith(saved);
    assert.equal(jar.xsrfToken(url), 'client-made-two');

    jar.setFromResponse(BASE, ['short=lived; expires=Mon, 01 Jan 2001 00:00:10 GMT; Path=/']);
    assert.equal(jar.cookieHeader(url), '_xsrf=client-made-two; short=lived');
    now = at('2001-01-01T00:00:30Z');
    jar.serialize(); // drops the expired cookie
    assert.equal(jar.cookieHeader(url), '_xsrf=client-made-two');
  });

  it('what cookiesFor returns is the caller’s own: changing it does not change the next lookup', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(BASE, [XSRF, LOGIN.replace('username-127-0-0-1-18811', 'username-127-0-0-1-1')]);
    const list = jar.cookiesFor(BASE);
    list.length = 0;
    assert.equal(jar.cookiesFor(BASE).length, 2);
  });

  it('lookups for many distinct paths stay correct past the memo bound', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${BASE}files/`, ['scoped=only-under-files; Path=/files/']);
    jar.setFromResponse(BASE, [XSRF]);
    for (let i = 0; i < 200; i++) {
      assert.equal(jar.cookieHeader(`${BASE}files/f${i}.txt`), `scoped=only-under-files; _xsrf=${XSRF_VALUE}`);
      assert.equal(jar.cookieHeader(`${BASE}api/contents/f${i}.txt`), `_xsrf=${XSRF_VALUE}`);
    }
  });
});

describe('session/cookieJar: a late clearing reply after a re-login', () => {
  afterEach(() => clearRegisteredSecrets());
  const BASE = 'http://127.0.0.1:1/';
  const OLD = '"2|1:0|10:1|old-session"';
  const NEW = '"2|1:0|10:2|new-session"';
  const CLEAR = 'username-127-0-0-1-1=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/';

  it('does not let a reply to a request that carried the old login cookie clear the new one', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(BASE, [`username-127-0-0-1-1=${OLD}; HttpOnly; Path=/`]);
    const sent = jar.sentLoginCookies(BASE); // what a request carried before the re-login
    jar.setFromResponse(BASE, [`username-127-0-0-1-1=${NEW}; HttpOnly; Path=/`]); // the re-login
    const r = jar.setFromResponse(BASE, [CLEAR], sent);
    assert.deepEqual(r.clearedLogin, []);
    assert.deepEqual(r.staleClears, ['username-127-0-0-1-1']);
    assert.equal(jar.loginCookie(BASE)?.value, NEW);
  });

  it('judges each login cookie by the value the request carried under its own name', () => {
    const jar = new ServerCookieJar();
    const HUB = 'jupyterhub-user-bob=%s; HttpOnly; Path=/';
    jar.setFromResponse(BASE, [`username-127-0-0-1-1=${OLD}; HttpOnly; Path=/`, HUB.replace('%s', NEW)]);
    const sent = jar.sentLoginCookies(BASE);
    assert.equal(sent.size, 2);
    // The request carried the current value of the second cookie: its clear is genuine, even though another login
    // cookie comes first for this URL.
    const r = jar.setFromResponse(BASE, ['jupyterhub-user-bob=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/'], sent);
    assert.deepEqual(r.staleClears, []);
    assert.deepEqual(r.clearedLogin, ['jupyterhub-user-bob']);
  });

  it('a clearing reply to a request that carried the current cookie (or none known) still ends the session', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(BASE, [`username-127-0-0-1-1=${OLD}; HttpOnly; Path=/`]);
    const r = jar.setFromResponse(BASE, [CLEAR], new Map([['username-127-0-0-1-1', OLD]]));
    assert.deepEqual(r.clearedLogin, ['username-127-0-0-1-1']);
    assert.equal(jar.loginCookie(BASE), undefined);

    jar.setFromResponse(BASE, [`username-127-0-0-1-1=${NEW}; HttpOnly; Path=/`]);
    assert.deepEqual(jar.setFromResponse(BASE, [CLEAR]).clearedLogin, ['username-127-0-0-1-1'], 'unknown sender: applied');
    assert.equal(jar.loginCookie(BASE), undefined);
  });
});

describe('session/cookieJar: memoised lookups agree with tough-cookie', () => {
  afterEach(() => clearRegisteredSecrets());

  it('picks, for every URL, the cookies tough-cookie itself would send (paths, encoded paths, hosts, Secure)', async () => {
    const { CookieJar } = await import('tough-cookie');
    const origin = 'http://127.0.0.1:18861';
    const lines = [
      'root=r; Path=/',
      'base=b; Path=/user/bob/',
      'spaced=s; Path=/user/a b/',
      'exact=e; Path=/user/bob/api',
      'secure=x; Secure; Path=/',
      `_xsrf=${XSRF_VALUE}; Path=/`,
    ];
    const ours = new ServerCookieJar();
    const theirs = new CookieJar(undefined, { looseMode: false, rejectPublicSuffixes: true, allowSpecialUseDomain: true });
    ours.setFromResponse(`${origin}/user/bob/login`, lines);
    for (const l of lines) theirs.setCookieSync(l, `${origin}/user/bob/login`, { ignoreError: true });
    const urls = [
      `${origin}/`,
      `${origin}/user/bob/`,
      `${origin}/user/bob/api`,
      `${origin}/user/bob/api/kernels?x=1`,
      `${origin}/user/bobby/`,
      `${origin}/user/a%20b/tree`,
      `${origin}/user/a%E0%A4%A/bad-escape`,
      'http://localhost:18861/user/bob/',
      'https://127.0.0.1:18861/user/bob/',
    ];
    for (const pass of [1, 2]) {
      for (const url of urls) {
        const want = theirs.getCookiesSync(url, { http: true }).map((c) => c.key).sort();
        assert.deepEqual(ours.cookiesFor(url).map((c) => c.key).sort(), want, `${url} (pass ${pass})`);
        assert.deepEqual(ours.cookiesFor(new URL(url)).map((c) => c.key).sort(), want, `${url} as a URL (pass ${pass})`);
      }
    }
  });
});

describe('session/cookieJar: RFC 6265 order, raw paths, duplicate _xsrf, restored expiry, prefixes', () => {
  afterEach(() => clearRegisteredSecrets());
  const origin = 'http://127.0.0.1:18871';

  it('lists longer paths first, then earlier creation (§5.4), whatever order they were stored in', () => {
    let t = Date.parse('2026-12-01T00:00:00Z');
    const jar = new ServerCookieJar(undefined, () => new Date(t));
    jar.setFromResponse(`${origin}/user/bob/login`, ['a=root; Path=/']);
    t += 1000;
    jar.setFromResponse(`${origin}/user/bob/login`, ['z=first; Path=/user/bob/']);
    t += 1000;
    jar.setFromResponse(`${origin}/user/bob/login`, ['a=deep; Path=/user/bob/', 'b=later; Path=/']);
    assert.equal(jar.cookieHeader(`${origin}/user/bob/api/status`), 'z=first; a=deep; a=root; b=later');
    assert.deepEqual(jar.cookiesFor(`${origin}/user/bob/api/status`).map((c) => c.value), ['first', 'deep', 'root', 'later']);
  });

  for (const base of ['/user/j%C3%BCrgen/', '/a%20b/']) {
    it(`sends cookies whose Path is percent-encoded (${base}) back to that base path`, () => {
      const jar = new ServerCookieJar();
      const login = `username-127-0-0-1-18871="2|1:0|10:1795420612|24:username-127-0-0-1-18871|44:Zm9v|abc"; HttpOnly; Path=${base}`;
      jar.setFromResponse(`${origin}${base}login`, [login, `_xsrf=${XSRF_VALUE}; Path=${base}`]);
      const api = `${origin}${base}api/kernels`;
      assert.match(jar.cookieHeader(api), /^username-127-0-0-1-18871=.*; _xsrf=/);
      assert.equal(jar.xsrfToken(api), XSRF_VALUE);
      assert.ok(jar.loginCookie(new URL(api)));
      assert.equal(jar.cookieHeader(`${origin}/api/kernels`), '', 'not outside the base path');
    });

    it(`our own fallback _xsrf and a Path-less cookie set under ${base} are sent back there`, () => {
      const jar = new ServerCookieJar();
      jar.setClientCookie(`${origin}${base}`, '_xsrf', 'client-made-xsrf-1', base);
      jar.setFromResponse(`${origin}${base}tree/x`, ['nopath=v']); // default-path: `${base}tree`
      assert.equal(jar.xsrfToken(`${origin}${base}api/contents`), 'client-made-xsrf-1');
      assert.deepEqual(jar.cookiesFor(`${origin}${base}tree/x/y`).map((c) => c.key), ['nopath', '_xsrf']);
      assert.equal(jar.cookiesFor(`${origin}${base}api`).some((c) => c.key === 'nopath'), false);
    });
  }

  it('a Path the server wrote unencoded (non-ASCII, space) still reaches the encoded request path', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${origin}/user/j%C3%BCrgen/login`, ['u=1; Path=/user/jürgen/', 's=2; Path=/a b/']);
    assert.equal(jar.cookieHeader(`${origin}/user/j%C3%BCrgen/api`), 'u=1');
    assert.equal(jar.cookieHeader(`${origin}/a%20b/api`), 's=2');
    assert.equal(jar.cookieHeader(`${origin}/user/jxrgen/api`), '');
  });

  it('echoes the _xsrf Tornado reads (the last in the header) when two paths hold one', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${origin}/user/bob/tree`, ['_xsrf=under-base; Path=/user/bob/']);
    jar.setFromResponse(`${origin}/user/bob/tree`, ['_xsrf=at-root; Path=/']);
    const url = `${origin}/user/bob/api/kernels`;
    assert.equal(jar.cookieHeader(url), '_xsrf=under-base; _xsrf=at-root');
    assert.equal(jar.xsrfToken(url), 'at-root');
  });

  it('dropXsrf removes every _xsrf a request carries and nothing else', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${origin}/user/bob/tree`, [LOGIN.replace('18811', '18871'), '_xsrf=one; Path=/user/bob/', '_xsrf=two; Path=/', '_xsrf=elsewhere; Path=/other/']);
    assert.equal(jar.dropXsrf(`${origin}/user/bob/api/kernels`), 2);
    assert.equal(jar.xsrfToken(`${origin}/user/bob/api/kernels`), undefined);
    assert.ok(jar.loginCookie(`${origin}/user/bob/`), 'the login cookie stays');
    assert.equal(jar.xsrfToken(`${origin}/other/x`), 'elsewhere');
  });

  it('a jar saved with a relative Max-Age keeps an absolute expiry counted from creation, however often it is read', () => {
    const created = Date.parse('2026-12-01T10:00:00Z');
    // What tough-cookie serialised before the jar stored Max-Age as an Expires (older versions of this extension).
    const saved = JSON.stringify({
      version: 'tough-cookie@6.0.0',
      storeType: 'MemoryCookieStore',
      rejectPublicSuffixes: true,
      enableLooseMode: false,
      allowSpecialUseDomain: true,
      prefixSecurity: 'silent',
      cookies: [
        {
          key: 'username-127-0-0-1-18871',
          value: '"2|1:0|10:1795420612|24:username-127-0-0-1-18871|44:Zm9v|abc"',
          maxAge: 600,
          domain: '127.0.0.1',
          path: '/',
          httpOnly: true,
          hostOnly: true,
          creation: new Date(created).toISOString(),
          lastAccessed: new Date(created + 500_000).toISOString(),
        },
      ],
    });
    let t = created + 590_000;
    const jar = ServerCookieJar.deserialize(saved, () => new Date(t));
    assert.equal(jar.loginExpiry(`${origin}/`)?.getTime(), created + 600_000);
    for (let i = 0; i < 5; i++) assert.ok(jar.loginCookie(`${origin}/api/status?i=${i}`));
    t = created + 600_001;
    assert.equal(jar.loginCookie(`${origin}/api/status`), undefined, 'expired at creation + Max-Age');
    const reread = ServerCookieJar.deserialize(jar.serialize(), () => new Date(created));
    assert.equal(reread.size, 0, 'and not saved again');
  });

  it('a restored jar keeps the absolute expiry across save and restore', () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    let t = t0;
    const jar = new ServerCookieJar(undefined, () => new Date(t));
    jar.setFromResponse(`${origin}/`, ['username-x="2|1:0|10:1|1:x|1:y|z"; Max-Age=60; Path=/']);
    t = t0 + 30_000;
    const restored = ServerCookieJar.deserialize(jar.serialize(), () => new Date(t));
    assert.equal(restored.loginExpiry(`${origin}/`)?.getTime(), t0 + 60_000);
    t = t0 + 60_001;
    assert.equal(restored.loginCookie(`${origin}/`), undefined);
  });

  for (const [line, url, why] of [
    ['__Secure-sid=s3cr3t-prefix-1; Path=/', 'https://jupyter.example.org/', /__Secure/],
    ['__Host-sid=s3cr3t-prefix-2; Secure; Path=/sub/', 'https://jupyter.example.org/sub/', /__Host/],
    ['__Host-sid=s3cr3t-prefix-3; Secure; Path=/; Domain=example.org', 'https://jupyter.example.org/', /__Host/],
  ] as const) {
    it(`reports ${line.split(';')[0]?.split('=')[0]} broken prefix rules as rejected, redacted (${line.split('; ').slice(1).join('; ')})`, () => {
      const jar = new ServerCookieJar();
      const r = jar.setFromResponse(url, [line, 'ok=fine; Path=/']);
      assert.equal(r.rejected.length, 1, JSON.stringify(r.rejected));
      assert.match(r.rejected[0]?.reason ?? '', why);
      assert.ok(!r.rejected[0]?.line.includes('s3cr3t'), r.rejected[0]?.line);
      assert.deepEqual(r.stored.map((c) => c.key), ['ok']);
    });
  }

  it('a restored jar refuses prefix violations too (saved with the old silent setting)', () => {
    const saved = new ServerCookieJar().serialize().replace('"strict"', '"silent"');
    const jar = ServerCookieJar.deserialize(saved);
    const r = jar.setFromResponse('https://jupyter.example.org/', ['__Secure-sid=v; Path=/']);
    assert.equal(r.rejected.length, 1);
  });
});

describe('session/cookieJar: tough-cookie selects and orders, on the path as sent', () => {
  afterEach(() => clearRegisteredSecrets());
  const origin = 'http://127.0.0.1:18872';

  it('matches the request path as sent, not decoded (tough-cookie alone decodes %41 to A)', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${origin}/`, ['plain=p; Path=/xA/', 'encoded=e; Path=/x%41/', 'slash=s; Path=/a%2Fb/']);
    assert.equal(jar.cookieHeader(`${origin}/xA/api`), 'plain=p');
    assert.equal(jar.cookieHeader(`${origin}/x%41/api`), 'encoded=e');
    assert.equal(jar.cookieHeader(new URL(`${origin}/x%41/api`)), 'encoded=e');
    assert.equal(jar.cookieHeader(`${origin}/a%2Fb/api`), 'slash=s');
    assert.equal(jar.cookieHeader(`${origin}/a/b/api`), '');
  });

  it('takes the default-path from the path as sent (RFC 6265 5.1.4)', () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${origin}/x%41/sub/page`, ['nopath=v']);
    assert.deepEqual(jar.cookiesFor(`${origin}/x%41/sub/other`).map((c) => c.path), ['/x%41/sub']);
    assert.equal(jar.cookieHeader(`${origin}/xA/sub/other`), '');
  });

  it('a jar saved with an unencoded Path still sends that cookie to the encoded request path', () => {
    const saved = JSON.stringify({
      version: 'tough-cookie@6.1.0',
      storeType: 'MemoryCookieStore',
      cookies: [{ key: 'u', value: 'saved-unencoded-1', domain: '127.0.0.1', path: '/user/jürgen/', hostOnly: true, creation: new Date().toISOString() }],
    });
    const jar = ServerCookieJar.deserialize(saved);
    assert.equal(jar.cookieHeader(`${origin}/user/j%C3%BCrgen/api`), 'u=saved-unencoded-1');
  });

  it('refuses a __Host- cookie without a Path attribute (RFC 6265bis: Path=/ must be given)', () => {
    const jar = new ServerCookieJar();
    const r = jar.setFromResponse('https://jupyter.example.org/', ['__Host-sid=s3cr3t-prefix-4; Secure', '__Host-ok=fine; Secure; Path=/']);
    assert.equal(r.rejected.length, 1, JSON.stringify(r.rejected));
    assert.match(r.rejected[0]?.reason ?? '', /__Host/);
    assert.deepEqual(r.stored.map((c) => c.key), ['__Host-ok']);
  });
});
