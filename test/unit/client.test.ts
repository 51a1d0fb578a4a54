import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { endpointFromUrl, type ServerEndpoint } from '../../src/core/server/endpoint';
import { ServerCookieJar } from '../../src/core/session/cookieJar';
import { noCredential, passwordCredential, tokenCredential, type AuthMode, type Credential } from '../../src/core/session/credentials';
import { JupyterClient, type ClientOptions } from '../../src/core/transport/client';
import { isJupyterError } from '../../src/core/util/errors';
import { Logger, MemorySink } from '../../src/core/util/log';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { closedPort, fakeHttpServer, hungServer, makeTempDir, type FakeHttpServer } from './helpers';

// These tests drive the real client and its composed undici dispatcher against hand-made HTTP servers on
// 127.0.0.1. A real Jupyter server cannot be used here: it does not report which headers it received, and it
// never sends the broken or hostile replies (malformed Set-Cookie, cross-origin redirect, silence) tested below.

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

const XSRF_VALUE = '2|d58600fe|91499a1c48947d4c6326399f3b8c8acc|1795420612';
const future = new Date(Date.now() + 30 * 86_400_000).toUTCString();

describe('transport interceptors (JupyterClient against hand-made fake servers)', () => {
  let fake: FakeHttpServer;
  let other: FakeHttpServer;
  let seen: Seen[];
  let otherSeen: Seen[];
  let sink: MemorySink;
  const clients: JupyterClient[] = [];

  const loginLine = (): string =>
    `username-127-0-0-1-${fake.port}="2|1:0|10:1795420612|24:username-127-0-0-1-${fake.port}|44:NjY1NDBh|3eacc04b"; expires=${future}; HttpOnly; Path=/`;

  before(async () => {
    fake = await fakeHttpServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/set-cookies') {
        res.setHeader('set-cookie', [loginLine(), `_xsrf=${XSRF_VALUE}; expires=${future}; Path=/`]);
      } else if (path === '/malformed-cookie') {
        // tornado refuses to write a nameless cookie (Morsel: "Illegal key"); a proxy or a buggy server might.
        res.setHeader('set-cookie', ['=nameless-secret-s3cr3t; Path=/', 'good=fine-value-1; Path=/']);
      } else if (path === '/redirect-away') {
        res.statusCode = 302;
        res.setHeader('location', `${other.url}steal?from=jupyter`);
        res.setHeader('set-cookie', `_xsrf=${XSRF_VALUE}; Path=/`);
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end('{"ok": true}');
    });
    other = await fakeHttpServer((req, res) => {
      otherSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.end('stolen');
    });
  });
  after(async () => {
    await fake.close();
    await other.close();
  });
  beforeEach(() => {
    seen = [];
    otherSeen = [];
    sink = new MemorySink();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    clearRegisteredSecrets();
  });

  function client(credential: Credential = noCredential, mode: AuthMode = 'auto', extra: Partial<ClientOptions> = {}): JupyterClient {
    const c = new JupyterClient({ endpoint: endpointFromUrl(fake.url), credential, mode, logger: new Logger(sink, 'trace'), ...extra });
    clients.push(c);
    return c;
  }

  it('hand-made fake (a real server does not echo request headers): the Cookie header carries the jar’s cookies', async () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(fake.url, [loginLine()]);
    const c = client(passwordCredential('pw-1234'), 'auto', { jar });
    const reply = await c.send('GET', 'api/status');
    assert.equal(reply.status, 200);
    assert.match(seen[0]?.headers.cookie ?? '', new RegExp(`^username-127-0-0-1-${fake.port}="2\\|1:0\\|`));

    await c.send('GET', 'api/status', { headers: { Cookie: 'given=1' } });
    assert.match(seen[1]?.headers.cookie ?? '', new RegExp(`^given=1; username-127-0-0-1-${fake.port}=`), 'a given cookie is kept and the jar’s added');
  });

  it('hand-made fake (a real server does not echo request headers): Set-Cookie is stored, then _xsrf goes back as X-XSRFToken', async () => {
    const c = client(passwordCredential('pw-1234'));
    await c.send('GET', 'api/status');
    assert.equal(seen[0]?.headers.cookie, undefined, 'an empty jar sends no Cookie');
    assert.equal(seen[0]?.headers['x-xsrftoken'], undefined, 'no _xsrf, no X-XSRFToken');

    await c.send('GET', 'set-cookies');
    assert.equal(c.auth.jar.xsrfToken(c.endpoint.baseUrl), XSRF_VALUE);
    assert.equal(c.auth.hasLoginCookie(), true);

    await c.send('POST', 'api/kernels', { json: {} });
    const post = seen[2];
    assert.equal(post?.method, 'POST');
    assert.equal(post?.headers['x-xsrftoken'], XSRF_VALUE);
    assert.ok(post?.headers.cookie?.includes(`_xsrf=${XSRF_VALUE}`) && post.headers.cookie.includes(`username-127-0-0-1-${fake.port}=`));
    assert.equal(post?.headers['content-type'], 'application/json');
  });

  it('hand-made fake (a real server does not echo request headers): Authorization only for the token-header plan, never logged', async () => {
    const cases: Array<[Credential, AuthMode, string | undefined]> = [
      [tokenCredential('tok-header-9876'), 'auto', 'token tok-header-9876'],
      [tokenCredential('tok-header-9876'), 'token', 'token tok-header-9876'],
      [tokenCredential('tok-header-9876'), 'cookie', undefined],
      [passwordCredential('pw-1234'), 'auto', undefined],
      [noCredential, 'auto', undefined],
    ];
    for (const [credential, mode, expected] of cases) {
      seen = [];
      await client(credential, mode).send('GET', 'api/status');
      assert.equal(seen[0]?.headers.authorization, expected, `${credential.kind} + ${mode}`);
    }
    const explicit = client(tokenCredential('tok-header-9876'));
    seen = [];
    await explicit.send('GET', 'api/status', { headers: { Authorization: 'token given-explicitly' } });
    assert.equal(seen[0]?.headers.authorization, 'token given-explicitly', 'an explicit Authorization header wins');

    assert.ok(sink.lines.some((l) => /GET \/api\/status \[authorization\] → 200/.test(l)), sink.lines.join('\n'));
    assert.ok(!sink.lines.some((l) => l.includes('tok-header-9876') || l.includes('given-explicitly')), sink.lines.join('\n'));
  });

  it('hand-made fakes (a real server never asks for this): a request for another origin is refused before it is sent', async () => {
    const jar = new ServerCookieJar();
    jar.setFromResponse(fake.url, [loginLine()]);
    const c = client(tokenCredential('tok-header-9876'), 'auto', { jar });
    // The client's own composed dispatcher, as its session rule hands it to an attempt.
    const dispatcher = await c.withRelogin('GET', undefined, async (wire) => wire.dispatcher);
    for (const origin of [other.url.replace(/\/$/, ''), `http://localhost:${fake.port}`, `https://127.0.0.1:${fake.port}`]) {
      await assert.rejects(
        dispatcher.request({ origin, path: '/api/status', method: 'GET' }),
        (err: unknown) => {
          assert.ok(isJupyterError(err, 'CrossOriginBlocked'), `${origin}: ${String(err)}`);
          assert.match(err.hint, /only ever sent to the server they belong to/);
          return true;
        },
      );
    }
    // The right origin with a path that resolves elsewhere (a protocol-relative `//host`, or `/\\host`).
    const otherHost = other.url.replace(/^http:\/\//, '').replace(/\/$/, '');
    for (const path of [`//${otherHost}/api/status`, `/\\${otherHost}/api/status`]) {
      await assert.rejects(dispatcher.request({ origin: fake.url.replace(/\/$/, ''), path, method: 'GET' }), (err: unknown) =>
        isJupyterError(err, 'CrossOriginBlocked'),
      );
    }
    assert.deepEqual(otherSeen, [], 'nothing reached the other server');
    assert.deepEqual(seen, [], 'nothing went to the server under another name either');
  });

  it('hand-made fake (Jupyter only redirects within its own origin): a 302 to another origin is returned, not followed', async () => {
    const c = client(tokenCredential('tok-header-9876'));
    const reply = await c.send('GET', 'redirect-away');
    assert.equal(reply.status, 302);
    assert.equal(reply.headers.location, `${other.url}steal?from=jupyter`);
    assert.deepEqual(otherSeen, [], 'the token never went to the other origin');
    assert.equal(c.auth.jar.xsrfToken(c.endpoint.baseUrl), XSRF_VALUE, 'cookies on a redirect are still stored');
  });

  it('hand-made fake (tornado cannot write a nameless cookie): a malformed Set-Cookie is ignored with a redacted warning', async () => {
    const c = client(passwordCredential('pw-1234'));
    const reply = await c.send('GET', 'malformed-cookie');
    assert.equal(reply.status, 200, 'the reply is delivered, nothing thrown');
    assert.equal(c.auth.jar.cookieHeader(c.endpoint.baseUrl), 'good=fine-value-1', 'the good cookie of the same reply is kept');
    const warnings = sink.lines.filter((l) => l.startsWith('warn: '));
    assert.equal(warnings.length, 1, sink.lines.join('\n'));
    assert.match(warnings[0] ?? '', /ignored a cookie from the server: not a valid Set-Cookie header .*\(=\[redacted\]; Path=\/\)/);
    assert.ok(!sink.lines.some((l) => l.includes('nameless-secret-s3cr3t')), sink.lines.join('\n'));
  });

  it('hand-made fake that accepts and never answers (a live Jupyter server always replies): a small headersTimeout gives Timeout', async () => {
    const hung = await hungServer();
    try {
      const c = new JupyterClient({
        endpoint: endpointFromUrl(`http://127.0.0.1:${hung.port}/`),
        credential: noCredential,
        transport: { headersTimeoutMs: 150 },
      });
      clients.push(c);
      // undici checks these deadlines on a coarse (~0.5 s) tick: run both at once to keep the test short.
      await Promise.all([
        assert.rejects(c.send('GET', 'api'), (err: unknown) => {
          assert.ok(isJupyterError(err, 'Timeout'), String(err));
          assert.match(err.message, /did not answer in time/);
          return true;
        }),
        assert.rejects(c.send('GET', 'api/status', { timeoutMs: 100 }), (err: unknown) => isJupyterError(err, 'Timeout')),
      ]);
      assert.ok(hung.accepted() >= 1, 'the connection was made; only the answer was missing');
    } finally {
      await hung.close();
    }
  });

  it('hand-made fake that never answers: an AbortSignal.timeout deadline gives Timeout, an abort gives Cancelled', async () => {
    const hung = await hungServer();
    try {
      const c = new JupyterClient({ endpoint: endpointFromUrl(`http://127.0.0.1:${hung.port}/`), credential: noCredential });
      clients.push(c);
      await assert.rejects(c.send('GET', 'api', { signal: AbortSignal.timeout(100) }), (err: unknown) => isJupyterError(err, 'Timeout'));
      const ac = new AbortController();
      const pending = c.send('GET', 'api', { signal: ac.signal });
      setImmediate(() => ac.abort());
      await assert.rejects(pending, (err: unknown) => isJupyterError(err, 'Cancelled'));
    } finally {
      await hung.close();
    }
  });

  it('no server at all (a closed loopback port): ECONNREFUSED → ServerUnreachable', async () => {
    const port = await closedPort();
    const c = new JupyterClient({ endpoint: endpointFromUrl(`http://127.0.0.1:${port}/`), credential: tokenCredential('tok-header-9876') });
    clients.push(c);
    await assert.rejects(c.send('GET', 'api'), (err: unknown) => {
      assert.ok(isJupyterError(err, 'ServerUnreachable'), String(err));
      assert.match(err.message, /nothing is listening there/);
      assert.ok(!err.message.includes('tok-header-9876'));
      return true;
    });
  });
});

describe('transport over a unix socket (hand-made fake: a real server does not echo the request back)', { skip: process.platform === 'win32' }, () => {
  it('sends requests through the socket with the base path, and ENOENT for a missing socket → ServerUnreachable', async () => {
    const { dir, cleanup } = makeTempDir();
    const { createServer } = await import('node:http');
    const got: Seen[] = [];
    const server = createServer((req, res) => {
      got.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.end('{"version": "1.23.3"}');
    });
    const socketPath = join(dir, 'js.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const clients: JupyterClient[] = [];
    try {
      const endpoint: ServerEndpoint = endpointFromUrl(`http+unix://${encodeURIComponent(socketPath)}/foo/`);
      const c = new JupyterClient({ endpoint, credential: tokenCredential('tok-sock-1234') });
      clients.push(c);
      assert.equal(await c.probeVersion(), '1.23.3');
      assert.equal(got[0]?.url, '/foo/api?no_track_activity=1', 'the base path, and probes do not count as user activity');
      assert.equal(got[0]?.headers.host, 'localhost');
      assert.equal(got[0]?.headers.authorization, 'token tok-sock-1234');

      const missing = new JupyterClient({ endpoint: endpointFromUrl(`http+unix://${encodeURIComponent(join(dir, 'gone.sock'))}/`), credential: noCredential });
      clients.push(missing);
      await assert.rejects(missing.send('GET', 'api'), (err: unknown) => isJupyterError(err, 'ServerUnreachable') && /unix socket does not exist/.test(err.message));
    } finally {
      for (const c of clients) await c.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cleanup();
    }
  });
});

describe('JupyterClient: background and keep-alive requests (HAND-MADE FAKE server recording request URLs)', () => {
  it('background carries no_track_activity=1 and is not use here; keepAlive is tracked by the server and not use here; a plain request is both', async () => {
    const urls: string[] = [];
    const fake = await fakeHttpServer((req, res) => {
      urls.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end('[]');
    });
    let now = 1_000;
    const client = new JupyterClient({ endpoint: endpointFromUrl(fake.url), credential: tokenCredential('t-bg'), now: () => now });
    try {
      const used = client.lastActivity;
      now += 1_000;
      await client.request('GET', 'api/kernels', { background: true, query: { x: '1' } });
      now += 1_000;
      await client.request('GET', 'api/kernels', { keepAlive: true });
      assert.equal(client.lastActivity, used, 'neither counted as use for the idle expiry');
      now += 1_000;
      await client.request('GET', 'api/kernels');
      assert.equal(client.lastActivity, now, 'a plain request is use');
      assert.deepEqual(urls, ['/api/kernels?x=1&no_track_activity=1', '/api/kernels', '/api/kernels']);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
