import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { ServerCookieJar } from '../../src/core/session/cookieJar';
import { passwordCredential } from '../../src/core/session/credentials';
import { JupyterClient } from '../../src/core/transport/client';
import { SubprotocolRefusedError, openWebSocket } from '../../src/core/transport/upgrade';
import { isJupyterError } from '../../src/core/util/errors';
import { Logger, MemorySink } from '../../src/core/util/log';
import { clearRegisteredSecrets } from '../../src/core/util/redact';
import { deferred, fakeHttpServer, type FakeHttpServer } from './helpers';

// openWebSocket against a hand-made fake: a real Jupyter server cannot end a session exactly at the upgrade, refuse
// an Origin we never send, or tell whether the client closed the sockets it gave up on.

type Answer = 'accept' | 'forbidden' | 'origin' | 'not-found' | 'no-protocol' | 'hang';

interface Upgrade {
  query: URLSearchParams;
  cookie: string;
  /** The client closed its side of the socket. */
  closed: Promise<void>;
}

const PASSWORD = 'pw-upgrade-7731';
const future = new Date(Date.now() + 30 * 86_400_000).toUTCString();

// The timeout turns a regression (a socket left open, a login loop) into a failure instead of a hung run.
describe('openWebSocket (the transport’s upgrade door, against a hand-made fake)', { timeout: 20_000 }, () => {
  let fake: FakeHttpServer;
  let answer: Answer;
  /** The login cookie value the server accepts (undefined: the session has ended server-side). */
  let valid: string | undefined;
  let logins: number;
  let upgrades: Upgrade[];
  let sockets: Duplex[];
  let arrived = deferred();
  let sink: MemorySink;
  const clients: JupyterClient[] = [];

  const loginName = (): string => `username-127-0-0-1-${fake.port}`;
  const signedIn = (req: IncomingMessage): boolean => valid !== undefined && (req.headers.cookie ?? '').includes(`${loginName()}=${valid}`);

  function refuse(socket: Duplex, status: string, body: string): void {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  before(async () => {
    fake = await fakeHttpServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/login' && req.method === 'GET') {
        res.setHeader('set-cookie', `_xsrf=xsrf-1; expires=${future}; Path=/`);
        res.end('<form></form>');
      } else if (path === '/login' && req.method === 'POST') {
        valid = `login-${++logins}`;
        res.statusCode = 302;
        res.setHeader('location', '/tree');
        res.setHeader('set-cookie', `${loginName()}=${valid}; expires=${future}; HttpOnly; Path=/`);
        res.end();
      } else if (path === '/api') {
        res.end('{"version": "2.14.0"}');
      } else if (path === '/api/status' && signedIn(req)) {
        res.end('{"started": "now"}');
      } else {
        res.statusCode = 403;
        res.end('{"message": "Forbidden"}');
      }
    });
    fake.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      // Read (and drop) what comes, so the client closing its side shows as 'end' (http sockets stay half-open).
      socket.resume();
      const closed = new Promise<void>((resolve) => socket.on('end', () => resolve()));
      upgrades.push({ query: new URL(req.url ?? '/', fake.url).searchParams, cookie: req.headers.cookie ?? '', closed });
      arrived.resolve();
      const mode = answer === 'accept' && !signedIn(req) ? 'forbidden' : answer;
      if (mode === 'hang') return;
      if (mode === 'forbidden') return refuse(socket, '403 Forbidden', '<html>403: Forbidden</html>');
      if (mode === 'origin') return refuse(socket, '403 Forbidden', 'Cross origin websockets not allowed');
      if (mode === 'not-found') return refuse(socket, '404 Not Found', '<html>404: Not Found</html>');
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      const offered = req.headers['sec-websocket-protocol'];
      const confirm = mode === 'accept' && offered ? `Sec-WebSocket-Protocol: ${offered.split(',')[0]}\r\n` : '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${confirm}\r\n`);
    });
  });
  after(() => fake.close());
  beforeEach(() => {
    answer = 'accept';
    valid = undefined;
    logins = 0;
    upgrades = [];
    sockets = [];
    sink = new MemorySink();
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    for (const c of clients.splice(0)) await c.close();
    clearRegisteredSecrets();
  });

  /** A cookie session whose login cookie the server no longer accepts (unless a test sets `valid`). */
  function client(): JupyterClient {
    const jar = new ServerCookieJar();
    jar.setFromResponse(fake.url, [`${loginName()}=login-0; expires=${future}; Path=/`]);
    const c = new JupyterClient({ endpoint: endpointFromUrl(fake.url), credential: passwordCredential(PASSWORD), mode: 'auto', jar, logger: new Logger(sink, 'trace') });
    clients.push(c);
    return c;
  }

  let n = 0;
  const fresh = (): Record<string, string> => ({ session_id: `s${++n}` });

  it('a session the server has ended is signed in again once; every attempt makes its query again', async () => {
    const c = client();
    const ws = await openWebSocket(c, 'api/kernels/k1/channels', { protocols: ['x.test'], query: fresh, label: 'test' });
    assert.equal(ws.readyState, ws.OPEN);
    assert.equal(ws.protocol, 'x.test', 'the negotiated subprotocol');
    assert.equal(ws.binaryType, 'arraybuffer');
    assert.equal(logins, 1);
    assert.equal(upgrades.length, 2);
    const [first, second] = upgrades.map((u) => u.query.get('session_id'));
    assert.notEqual(first, second, 'a fresh session_id for the attempt after the re-login');
    assert.match(upgrades[1]?.cookie ?? '', /=login-1/, 'the retry carries the new login cookie');
    assert.ok(!sink.lines.some((l) => l.includes(PASSWORD)), 'the password is never logged');
    ws.close();
  });

  it('refused again right after signing in: AuthExpired, and no second login', async () => {
    answer = 'forbidden';
    await assert.rejects(openWebSocket(client(), 'api/kernels/k1/channels', { query: fresh, label: 'test' }), (err: unknown) => {
      assert.ok(isJupyterError(err, 'AuthExpired'), String(err));
      assert.match(err.message, /The session with .* has ended\./);
      return true;
    });
    assert.equal(logins, 1);
    assert.equal(upgrades.length, 2);
  });

  it('a refused Origin is OriginRejected and another refusal WebSocketFailed with its status; neither signs in', async () => {
    valid = 'login-0';
    answer = 'origin';
    await assert.rejects(openWebSocket(client(), 'api/x', { label: 'test' }), (err: unknown) => {
      assert.ok(isJupyterError(err, 'OriginRejected'), String(err));
      assert.match(err.message, /refused the test WebSocket: cross-origin WebSockets are not allowed/);
      return true;
    });
    answer = 'not-found';
    await assert.rejects(openWebSocket(client(), 'api/x'), (err: unknown) => {
      assert.ok(isJupyterError(err, 'WebSocketFailed') && err.status === 404, String(err));
      assert.match(err.message, /refused the WebSocket with 404\./);
      return true;
    });
    assert.equal(logins, 0);
  });

  it('a 101 that confirms none of the offered subprotocols is SubprotocolRefused, and the upgraded socket is closed', async () => {
    valid = 'login-0';
    answer = 'no-protocol';
    await assert.rejects(openWebSocket(client(), 'api/x', { protocols: ['x.test'] }), (err: unknown) => {
      assert.ok(err instanceof SubprotocolRefusedError, String(err));
      assert.match(err.message, /did not accept the x\.test subprotocol\./);
      return true;
    });
    await upgrades[0]?.closed;
  });

  it('a handshake that never answers times out, a cancelled one is Cancelled; both close their socket', async () => {
    valid = 'login-0';
    answer = 'hang';
    const c = client();
    await assert.rejects(openWebSocket(c, 'api/x', { timeoutMs: 100, label: 'test' }), (err: unknown) => {
      assert.ok(isJupyterError(err, 'Timeout'), String(err));
      assert.match(err.message, /The test connection to .* did not open within 100 ms\./);
      return true;
    });
    await upgrades[0]?.closed;

    const abort = new AbortController();
    arrived = deferred();
    const opening = openWebSocket(c, 'api/x', { signal: abort.signal });
    await arrived.promise;
    abort.abort();
    await assert.rejects(opening, (err: unknown) => isJupyterError(err, 'Cancelled') && /Opening the connection was cancelled/.test(err.message));
    await upgrades[1]?.closed;
    await assert.rejects(openWebSocket(c, 'api/x', { signal: abort.signal }), (err: unknown) => isJupyterError(err, 'Cancelled'));
    assert.equal(upgrades.length, 2, 'an already cancelled signal sends nothing');
  });
});
