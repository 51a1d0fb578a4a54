import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  endpointFromUrl,
  isLocalEndpoint,
  isLoopbackHost,
  normaliseBasePath,
  serverUrl,
  websocketUrl,
} from '../../src/core/server/endpoint';
import { InvalidInputError, isJupyterError } from '../../src/core/util/errors';

function invalidInput(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(err.hint.length > 0, 'an InvalidInputError says what to do');
    return true;
  };
}

describe('server/endpoint: endpointFromUrl', () => {
  it('gives an http server root an id with a trailing slash and base path /', () => {
    const ep = endpointFromUrl('http://127.0.0.1:8888');
    assert.equal(ep.id, 'http://127.0.0.1:8888/');
    assert.equal(ep.basePath, '/');
    assert.equal(ep.baseUrl.href, 'http://127.0.0.1:8888/');
    assert.equal(ep.socketPath, undefined);
  });

  it('drops the default https port, lower-cases the host and keeps the base path', () => {
    const ep = endpointFromUrl('https://JUPYTER.Example.org:443/user/bob');
    assert.equal(ep.id, 'https://jupyter.example.org/user/bob/');
    assert.equal(ep.basePath, '/user/bob/');
  });

  it('never keeps a query or fragment (a ?token=) in the id', () => {
    const ep = endpointFromUrl('http://127.0.0.1:8888/foo/?token=s3cret#token=s3cret');
    assert.equal(ep.id, 'http://127.0.0.1:8888/foo/');
    assert.equal(ep.baseUrl.search, '');
    assert.equal(ep.baseUrl.hash, '');
  });

  it('uses a base path override instead of the URL path', () => {
    const ep = endpointFromUrl('http://127.0.0.1:8888/user/bob/lab/tree/x.ipynb', '/user/bob');
    assert.equal(ep.id, 'http://127.0.0.1:8888/user/bob/');
  });

  it('accepts IPv6 loopback', () => {
    const ep = endpointFromUrl('http://[::1]:8888/');
    assert.equal(ep.id, 'http://[::1]:8888/');
    assert.ok(isLocalEndpoint(ep));
  });

  it('reads a unix socket URL: the socket path from the host, requests go to http://localhost/<base>', () => {
    const ep = endpointFromUrl('http+unix://%2Ftmp%2Fx.sock/foo/');
    assert.equal(ep.socketPath, '/tmp/x.sock');
    assert.equal(ep.basePath, '/foo/');
    assert.equal(ep.id, 'http+unix://%2Ftmp%2Fx.sock/foo/');
    assert.equal(ep.baseUrl.href, 'http://localhost/foo/');
  });

  it('gives the runtime-file form of a unix socket URL (jupyter --sock) a canonical id', () => {
    const ep = endpointFromUrl('http+unix://%2Fwork%2Fsocks%2Fjs.sock/');
    assert.equal(ep.socketPath, '/work/socks/js.sock');
    assert.equal(ep.id, 'http+unix://%2Fwork%2Fsocks%2Fjs.sock/');
    assert.equal(ep.basePath, '/');
  });

  it('accepts a Windows absolute socket path', () => {
    const ep = endpointFromUrl('http+unix://C%3A%5Cjupyter%5Cjs.sock/');
    assert.equal(ep.socketPath, 'C:\\jupyter\\js.sock');
  });

  it('rejects a relative unix socket path with InvalidInputError saying how to encode it', () => {
    assert.throws(() => endpointFromUrl('http+unix://tmp.sock/'), invalidInput(/does not name an absolute socket path/));
    assert.throws(() => endpointFromUrl('http+unix://sockets%2Fjs.sock/'), invalidInput(/absolute socket path/));
  });

  it('rejects text that is not a URL with InvalidInputError naming the input', () => {
    assert.throws(() => endpointFromUrl('not a url'), invalidInput(/"not a url" is not a valid URL/));
    assert.throws(() => endpointFromUrl(''), invalidInput(/is not a valid URL/));
  });

  it('rejects other schemes with InvalidInputError naming the scheme', () => {
    assert.throws(() => endpointFromUrl('ftp://127.0.0.1/'), invalidInput(/Unsupported URL scheme "ftp:"/));
    assert.throws(() => endpointFromUrl('ws://127.0.0.1:8888/'), invalidInput(/"ws:"/));
    assert.throws(() => endpointFromUrl('file:///tmp/x'), invalidInput(/"file:"/));
    assert.throws(() => endpointFromUrl('javascript:alert(1)'), (err) => isJupyterError(err, 'InvalidInput'));
  });
});

describe('server/endpoint: normaliseBasePath', () => {
  const cases: Array<[string, string]> = [
    ['', '/'],
    ['   ', '/'],
    ['/', '/'],
    ['foo', '/foo/'],
    ['/foo', '/foo/'],
    ['/foo/', '/foo/'],
    ['//foo//bar///', '/foo/bar/'],
    [' /user/bob ', '/user/bob/'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normaliseBasePath(input), expected));
  }
});

describe('server/endpoint: serverUrl and websocketUrl', () => {
  const hub = endpointFromUrl('http://127.0.0.1:8000/user/bob/');

  it('builds API URLs under the base path, also for a leading slash', () => {
    assert.equal(serverUrl(hub, 'api/kernels').href, 'http://127.0.0.1:8000/user/bob/api/kernels');
    assert.equal(serverUrl(hub, '/api/kernels').href, 'http://127.0.0.1:8000/user/bob/api/kernels');
    assert.equal(serverUrl(hub, '').href, 'http://127.0.0.1:8000/user/bob/');
  });

  it('adds query parameters encoded', () => {
    const url = serverUrl(hub, 'api/contents', { path: 'a b/c&d.ipynb', type: 'notebook' });
    assert.equal(url.pathname, '/user/bob/api/contents');
    assert.equal(url.searchParams.get('path'), 'a b/c&d.ipynb');
    assert.equal(url.searchParams.get('type'), 'notebook');
  });

  it('turns http into ws and https into wss, keeping base path and query', () => {
    assert.equal(
      websocketUrl(hub, 'api/kernels/k1/channels', { session_id: 's1' }).href,
      'ws://127.0.0.1:8000/user/bob/api/kernels/k1/channels?session_id=s1',
    );
    const tls = endpointFromUrl('https://127.0.0.1:18842/foo/');
    assert.equal(websocketUrl(tls, 'api/kernels/k1/channels').href, 'wss://127.0.0.1:18842/foo/api/kernels/k1/channels');
  });

  it('builds unix-socket URLs on http://localhost (the socket is chosen by the dispatcher)', () => {
    const ep = endpointFromUrl('http+unix://%2Ftmp%2Fx.sock/foo/');
    assert.equal(serverUrl(ep, 'api').href, 'http://localhost/foo/api');
    assert.equal(websocketUrl(ep, 'api/kernels/k/channels').href, 'ws://localhost/foo/api/kernels/k/channels');
  });
});

describe('server/endpoint: isLoopbackHost and isLocalEndpoint', () => {
  for (const host of ['localhost', 'LOCALHOST', 'jupyter.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) {
    it(`${host} is loopback`, () => assert.equal(isLoopbackHost(host), true));
  }
  for (const host of ['example.com', 'localhost.example.com', '128.0.0.1', '127.0.0.1.nip.io', '0.0.0.0', '10.0.0.1', '::2', 'notlocalhost']) {
    it(`${host} is not loopback`, () => assert.equal(isLoopbackHost(host), false));
  }

  it('counts unix sockets and loopback hosts as local, other hosts not', () => {
    assert.equal(isLocalEndpoint(endpointFromUrl('http+unix://%2Ftmp%2Fx.sock/')), true);
    assert.equal(isLocalEndpoint(endpointFromUrl('http://localhost:8888/')), true);
    assert.equal(isLocalEndpoint(endpointFromUrl('http://127.0.0.1:8888/')), true);
    assert.equal(isLocalEndpoint(endpointFromUrl('https://jupyter.example.org/')), false);
    assert.equal(isLocalEndpoint(endpointFromUrl('http://192.168.1.10:8888/')), false);
  });
});
