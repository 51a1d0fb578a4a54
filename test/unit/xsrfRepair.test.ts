import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { ServerCookieJar } from '../../src/core/session/cookieJar';
import { passwordCredential } from '../../src/core/session/credentials';
import { JupyterClient } from '../../src/core/transport/client';
import { Logger, MemorySink } from '../../src/core/util/log';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { fakeHttpServer, type FakeHttpServer } from './helpers';

// A hand-made fake: a server (or a proxy in front of one) that reads the FIRST `_xsrf` of the Cookie header, where
// Tornado reads the last. A real Jupyter server always agrees with the value we echo, so it cannot show what the
// client does when the server refuses the pair it was sent: the jar must be repaired, not the same pair resent.

const future = new Date(Date.now() + 30 * 86_400_000).toUTCString();

function firstXsrf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq) === '_xsrf') return part.slice(eq + 1);
  }
  return undefined;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

describe('XSRF repair (JupyterClient against a hand-made fake that reads the first _xsrf)', () => {
  let fake: FakeHttpServer;
  let minted = 0;
  let refusals: string[];
  const clients: JupyterClient[] = [];
  let sink: MemorySink;

  const loginLine = (): string =>
    `username-127-0-0-1-${fake.port}="2|1:0|10:1795420612|24:username-127-0-0-1-${fake.port}|44:Zm9v|3eacc04b"; expires=${future}; HttpOnly; Path=/`;

  function refuse(res: ServerResponse, what: string): void {
    refusals.push(what);
    res.statusCode = 403;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ message: 'XSRF cookie does not match POST argument', reason: null }));
  }

  before(async () => {
    fake = await fakeHttpServer((req, res) => {
      void (async () => {
        const path = (req.url ?? '').split('?')[0];
        const cookie = firstXsrf(req);
        if (req.method === 'GET' && (path === '/tree' || path === '/login') && cookie === undefined) {
          res.setHeader('set-cookie', `_xsrf=fresh-${++minted}; expires=${future}; Path=/`);
        }
        if (req.method === 'POST' && path === '/login') {
          const form = new URLSearchParams(await body(req));
          if (form.get('_xsrf') !== cookie) return refuse(res, `login ${form.get('_xsrf')} vs ${cookie}`);
          res.statusCode = 302;
          res.setHeader('location', '/tree');
          res.setHeader('set-cookie', loginLine());
          return res.end();
        }
        if (req.method === 'POST' && req.headers['x-xsrftoken'] !== cookie) return refuse(res, `api ${req.headers['x-xsrftoken']} vs ${cookie}`);
        res.setHeader('content-type', 'application/json');
        res.end('{"ok": true}');
      })();
    });
  });
  after(() => fake.close());
  beforeEach(() => {
    refusals = [];
    sink = new MemorySink();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    clearRegisteredSecrets();
  });

  function client(jar: ServerCookieJar): JupyterClient {
    const c = new JupyterClient({ endpoint: endpointFromUrl(fake.url), credential: passwordCredential('pw-repair-1'), mode: 'auto', jar, logger: new Logger(sink, 'trace') });
    clients.push(c);
    return c;
  }

  it('a refused X-XSRFToken drops the duplicate _xsrf cookies and succeeds with one fresh value', async () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(fake.url, [loginLine(), `_xsrf=at-root; expires=${future}; Path=/`]);
    jar.setFromResponse(`${fake.url}api/kernels`, [`_xsrf=shadowing; expires=${future}; Path=/api/`]);
    const c = client(jar);
    const reply = await c.request('POST', 'api/kernels', { json: {} });
    assert.equal(reply.status, 200);
    assert.deepEqual(refusals, ['api at-root vs shadowing'], 'refused once, with the value Tornado would read');
    const after = jar.cookiesFor(`${fake.url}api/kernels`).filter((c) => c.key === '_xsrf');
    assert.deepEqual(after.map((c) => c.value), [`fresh-${minted}`], 'one fresh _xsrf left');
    assert.ok(jar.loginCookie(fake.url), 'the login cookie is kept');
    assert.ok(sink.lines.some((l) => /XSRF rejected .*dropped 2 _xsrf cookie/.test(l)), sink.lines.join('\n'));
    assert.ok(!sink.lines.some((l) => l.includes('at-root') || l.includes('shadowing')), 'no _xsrf value is logged');
  });

  it('a refused login form drops the stale _xsrf of the login page and signs in with a fresh one', async () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(`${fake.url}login`, [`_xsrf=stale-login; expires=${future}; Path=/login`, `_xsrf=at-root-2; expires=${future}; Path=/`]);
    const c = client(jar);
    await c.authenticate();
    assert.equal(refusals.length, 1, refusals.join('\n'));
    assert.match(refusals[0] ?? '', /^login at-root-2 vs stale-login$/);
    assert.ok(jar.loginCookie(fake.url), 'signed in');
    assert.deepEqual(jar.cookiesFor(`${fake.url}login`).filter((c) => c.key === '_xsrf').map((c) => c.value), [`fresh-${minted}`]);
  });
});
