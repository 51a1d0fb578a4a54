import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { ServerCookieJar } from '../../src/core/session/cookieJar';
import { noCredential, passwordCredential, tokenCredential } from '../../src/core/session/credentials';
import { ServerAuth } from '../../src/core/session/serverAuth';
import { InvalidInputError } from '../../src/core/util/errors';
import { Logger, MemorySink } from '../../src/core/util/log';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { deferred } from './helpers';

const endpoint = endpointFromUrl('http://127.0.0.1:18821/');
const future = new Date(Date.now() + 30 * 86_400_000).toUTCString();
const LOGIN = `username-127-0-0-1-18821="2|1:0|10:1795420642|24:username-127-0-0-1-18821|44:YjhkMjBk|46dc1115"; expires=${future}; HttpOnly; Path=/`;

function passwordSession(log?: Logger): ServerAuth {
  return new ServerAuth(endpoint, passwordCredential('pw-session-1'), 'auto', new ServerCookieJar(), log);
}

describe('session/session: singleFlightLogin', () => {
  afterEach(() => clearRegisteredSecrets());

  it('50 concurrent callers cause exactly one login', async () => {
    const s = passwordSession();
    const gate = deferred();
    let calls = 0;
    const login = async (): Promise<void> => {
      calls++;
      await gate.promise;
    };
    const all = Array.from({ length: 50 }, () => s.singleFlightLogin(login, 0));
    assert.equal(calls, 1, 'the login started once, the others joined it');
    gate.resolve();
    await Promise.all(all);
    assert.equal(calls, 1);
    assert.equal(s.loginCount, 1);
    assert.equal(s.generation, 1);
  });

  it('a caller that saw the session end before the last login returns at once', async () => {
    const s = passwordSession();
    let calls = 0;
    await s.singleFlightLogin(async () => void calls++, 0);
    assert.equal(s.generation, 1);
    // A request sent under generation 0 failed after the login had finished: the new cookie is already there.
    await s.singleFlightLogin(async () => void calls++, 0);
    assert.equal(calls, 1);
    assert.equal(s.loginCount, 1);
    // A request sent under generation 1 failing means the new session ended too: log in again.
    await s.singleFlightLogin(async () => void calls++, 1);
    assert.equal(calls, 2);
    assert.equal(s.generation, 2);
  });

  it('the default generation is the current one: a call without it logs in', async () => {
    const s = passwordSession();
    let calls = 0;
    await s.singleFlightLogin(async () => void calls++);
    await s.singleFlightLogin(async () => void calls++);
    assert.equal(calls, 2);
  });

  it('a failed login rejects every joined caller with the same error, and the next call tries again', async () => {
    const s = passwordSession();
    const gate = deferred();
    const boom = new Error('wrong password');
    let calls = 0;
    const failing = async (): Promise<void> => {
      calls++;
      await gate.promise;
      throw boom;
    };
    const all = Array.from({ length: 50 }, () => s.singleFlightLogin(failing, 0));
    gate.resolve();
    const results = await Promise.allSettled(all);
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason === boom));
    assert.equal(s.generation, 0, 'a failed login does not count as a new session');

    await s.singleFlightLogin(async () => void calls++, 0);
    assert.equal(calls, 2, 'the slot was freed after the failure');
    assert.equal(s.loginCount, 2);
    assert.equal(s.generation, 1);
  });
});

describe('session/session: singleFlightXsrf', () => {
  it('concurrent callers share one fetch; a failure reaches all and frees the slot', async () => {
    const s = passwordSession();
    const gate = deferred();
    let calls = 0;
    const all = Array.from({ length: 20 }, () =>
      s.singleFlightXsrf(async () => {
        calls++;
        await gate.promise;
      }),
    );
    gate.resolve();
    await Promise.all(all);
    assert.equal(calls, 1);

    const fail = deferred();
    const failing = Array.from({ length: 5 }, () =>
      s.singleFlightXsrf(async () => {
        calls++;
        await fail.promise;
      }),
    );
    fail.reject(new Error('no _xsrf'));
    const results = await Promise.allSettled(failing);
    assert.equal(calls, 2);
    assert.ok(results.every((r) => r.status === 'rejected' && /no _xsrf/.test(String(r.reason))));

    await s.singleFlightXsrf(async () => void calls++);
    assert.equal(calls, 3, 'a later call fetches again');
  });
});

describe('session/session: cookies and events', () => {
  afterEach(() => clearRegisteredSecrets());

  it('recordSetCookie stores cookies and fires onDidChangeCookies', () => {
    const s = passwordSession();
    let changes = 0;
    s.onDidChangeCookies(() => changes++);
    const r = s.recordSetCookie(endpoint.baseUrl, [LOGIN]);
    assert.equal(r.stored.length, 1);
    assert.equal(changes, 1);
    assert.equal(s.hasLoginCookie(), true);
  });

  it('a clearing Set-Cookie fires onDidClearLogin with the cookie names', () => {
    const sink = new MemorySink();
    const s = passwordSession(new Logger(sink, 'info'));
    s.recordSetCookie(endpoint.baseUrl, [LOGIN]);
    const cleared: string[][] = [];
    let changes = 0;
    s.onDidClearLogin((names) => cleared.push(names));
    s.onDidChangeCookies(() => changes++);
    s.recordSetCookie(new URL('api/status', endpoint.baseUrl), ['username-127-0-0-1-18821=""; expires=Sun, 23 Nov 2025 08:14:08 GMT; Path=/']);
    assert.deepEqual(cleared, [['username-127-0-0-1-18821']]);
    assert.equal(changes, 1);
    assert.equal(s.hasLoginCookie(), false);
    assert.ok(sink.lines.some((l) => /cleared the login cookie/.test(l)), sink.lines.join('\n'));
  });

  it('a rejected cookie is logged as a warning without its value and fires nothing', () => {
    const sink = new MemorySink();
    const s = passwordSession(new Logger(sink, 'warn'));
    let changes = 0;
    s.onDidChangeCookies(() => changes++);
    s.recordSetCookie(endpoint.baseUrl, ['=nameless-secret-value; Path=/']);
    assert.equal(changes, 0);
    assert.equal(sink.lines.length, 1);
    assert.match(sink.lines[0] ?? '', /^warn: ignored a cookie from the server/);
    assert.ok(!(sink.lines[0] ?? '').includes('nameless-secret-value'));
  });

  it('a successful login and an XSRF fetch fire onDidChangeCookies (persist the jar)', async () => {
    const s = passwordSession();
    let changes = 0;
    s.onDidChangeCookies(() => changes++);
    await s.singleFlightLogin(async () => undefined, 0);
    await s.singleFlightXsrf(async () => undefined);
    assert.equal(changes, 2);
  });

  it('dropCookies empties the jar and fires onDidChangeCookies', () => {
    const s = passwordSession();
    s.recordSetCookie(endpoint.baseUrl, [LOGIN]);
    let changes = 0;
    s.onDidChangeCookies(() => changes++);
    s.dropCookies();
    assert.equal(s.jar.size, 0);
    assert.equal(changes, 1);
  });
});

describe('session/session: credentials and plan', () => {
  afterEach(() => clearRegisteredSecrets());

  it('sends an Authorization header only for the token-header plan', () => {
    assert.equal(new ServerAuth(endpoint, tokenCredential('tok-abc-1'), 'auto').authorizationHeader(), 'token tok-abc-1');
    assert.equal(new ServerAuth(endpoint, tokenCredential('tok-abc-1'), 'cookie').authorizationHeader(), undefined);
    assert.equal(new ServerAuth(endpoint, passwordCredential('pw-1234'), 'auto').authorizationHeader(), undefined);
    assert.equal(new ServerAuth(endpoint, noCredential, 'auto').authorizationHeader(), undefined);
  });

  it('gives the login form the password or, for token-login, the token', () => {
    assert.equal(new ServerAuth(endpoint, passwordCredential('pw-1234'), 'cookie').loginSecret(), 'pw-1234');
    assert.equal(new ServerAuth(endpoint, tokenCredential('tok-abc-1'), 'cookie').loginSecret(), 'tok-abc-1');
    assert.equal(new ServerAuth(endpoint, tokenCredential('tok-abc-1'), 'auto').loginSecret(), undefined);
    assert.equal(new ServerAuth(endpoint, noCredential, 'auto').loginSecret(), undefined);
  });

  it('refuses a password in token mode at construction and in setCredential (keeping the old one)', () => {
    assert.throws(() => new ServerAuth(endpoint, passwordCredential('pw-1234'), 'token'), InvalidInputError);
    const s = new ServerAuth(endpoint, tokenCredential('tok-abc-1'), 'token');
    assert.throws(() => s.setCredential(passwordCredential('pw-1234')), InvalidInputError);
    assert.equal(s.credential.kind, 'token');
    assert.equal(s.plan, 'token-header');
  });

  it('setCredential changes the plan and keeps the cookie session', () => {
    const s = new ServerAuth(endpoint, noCredential, 'auto');
    s.recordSetCookie(endpoint.baseUrl, [LOGIN]);
    s.setCredential(tokenCredential('tok-new-1'));
    assert.equal(s.plan, 'token-header');
    assert.equal(s.usesCookies, false);
    assert.equal(s.hasLoginCookie(), true);
  });
});

describe('session/session: single flight after a synchronous throw', () => {
  it('a login that throws synchronously is shared, then frees the slot for the next attempt', async () => {
    const s = passwordSession();
    await assert.rejects(
      s.singleFlightLogin(() => {
        throw new Error('sync throw');
      }, 0),
      /sync throw/,
    );
    let ran = false;
    await s.singleFlightLogin(async () => void (ran = true), 0);
    assert.ok(ran, 'the second login ran instead of replaying the first failure');
  });

  it('an _xsrf fetch that throws synchronously frees its slot too', async () => {
    const s = passwordSession();
    await assert.rejects(
      s.singleFlightXsrf(() => {
        throw new Error('sync xsrf');
      }),
      /sync xsrf/,
    );
    let ran = false;
    await s.singleFlightXsrf(async () => void (ran = true));
    assert.ok(ran);
  });
});
