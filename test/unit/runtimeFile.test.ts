import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { RUNTIME_FILE, kindFromFileName, parseRuntimeInfo, pidFromFileName } from '../../src/core/discovery/runtimeFile';
import { InvalidInputError } from '../../src/core/util/errors';
import { REDACTED, clearRegisteredSecrets, redact } from '../../src/core/util/redact';

// Verbatim from the facts sheet (§1 "File contents" and its variants).
const NB_FILE = `{
  "base_url": "/",
  "hostname": "127.0.0.1",
  "notebook_dir": "$WORK/nbroot",
  "password": false,
  "pid": 12777,
  "port": 18801,
  "secure": false,
  "sock": "",
  "token": "tok-nb-disc",
  "url": "http://127.0.0.1:18801/"
}`;
const JS_FILE = `{
  "base_url": "/",
  "hostname": "127.0.0.1",
  "password": false,
  "pid": 12811,
  "port": 18802,
  "root_dir": "$WORK/nbroot",
  "secure": false,
  "sock": "",
  "token": "tok-js-disc",
  "url": "http://127.0.0.1:18802/",
  "version": "1.23.3"
}`;

function jsWith(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...(JSON.parse(JS_FILE) as object), ...overrides });
}

describe('discovery/runtimeFile: parseRuntimeInfo on real files', () => {
  afterEach(() => clearRegisteredSecrets());

  it('reads every field of notebook 6.4 nbserver-12777.json', () => {
    const info = parseRuntimeInfo(NB_FILE, '/rt/nbserver-12777.json', 'notebook');
    assert.equal(info.source, '/rt/nbserver-12777.json');
    assert.equal(info.kind, 'notebook');
    assert.equal(info.endpoint.id, 'http://127.0.0.1:18801/');
    assert.equal(info.url, 'http://127.0.0.1:18801/');
    assert.equal(info.baseUrl, '/');
    assert.equal(info.hostname, '127.0.0.1');
    assert.equal(info.port, 18801);
    assert.equal(info.pid, 12777);
    assert.equal(info.sock, '');
    assert.equal(info.secure, false);
    assert.equal(info.token, 'tok-nb-disc');
    assert.equal(info.password, false);
    assert.equal(info.rootDir, '$WORK/nbroot', 'notebook_dir is the root dir of notebook 6.x');
    assert.equal(info.version, undefined);
    assert.equal(info.endpoint.socketPath, undefined);
  });

  it('reads every field of jupyter_server 1.23 jpserver-12811.json', () => {
    const info = parseRuntimeInfo(JS_FILE, '/rt/jpserver-12811.json', 'jupyter-server');
    assert.equal(info.kind, 'jupyter-server');
    assert.equal(info.endpoint.id, 'http://127.0.0.1:18802/');
    assert.equal(info.baseUrl, '/');
    assert.equal(info.hostname, '127.0.0.1');
    assert.equal(info.port, 18802);
    assert.equal(info.pid, 12811);
    assert.equal(info.sock, '');
    assert.equal(info.secure, false);
    assert.equal(info.token, 'tok-js-disc');
    assert.equal(info.password, false);
    assert.equal(info.rootDir, '$WORK/nbroot');
    assert.equal(info.version, '1.23.3');
  });

  it('guesses the kind from the fields when the caller does not know it', () => {
    assert.equal(parseRuntimeInfo(NB_FILE, 'x').kind, 'notebook');
    assert.equal(parseRuntimeInfo(JS_FILE, 'x').kind, 'jupyter-server');
    assert.equal(parseRuntimeInfo(jsWith({ version: undefined }), 'x').kind, 'jupyter-server', 'root_dir alone says jupyter_server');
  });

  it('registers the token for redaction', () => {
    parseRuntimeInfo(jsWith({ token: 'a-runtime-file-token-77' }), 'x');
    assert.equal(redact('saw a-runtime-file-token-77'), `saw ${REDACTED}`);
  });

  it('reads the unix socket variant (--sock): port 0, sock path, http+unix url', () => {
    const info = parseRuntimeInfo(
      jsWith({ port: 0, sock: '/work/socks/js.sock', url: 'http+unix://%2Fwork%2Fsocks%2Fjs.sock/', token: 'tok-js-sock' }),
      '/rt/jpserver-1.json',
    );
    assert.equal(info.port, 0);
    assert.equal(info.sock, '/work/socks/js.sock');
    assert.equal(info.hostname, '127.0.0.1');
    assert.equal(info.endpoint.socketPath, '/work/socks/js.sock');
    assert.equal(info.endpoint.id, 'http+unix://%2Fwork%2Fsocks%2Fjs.sock/');
    assert.equal(info.url, 'http+unix://%2Fwork%2Fsocks%2Fjs.sock/');
  });

  it('reads the https variant (--certfile): secure true, https url', () => {
    const info = parseRuntimeInfo(jsWith({ secure: true, port: 18842, url: 'https://127.0.0.1:18842/' }), 'x');
    assert.equal(info.secure, true);
    assert.equal(info.endpoint.id, 'https://127.0.0.1:18842/');
    assert.equal(info.endpoint.baseUrl.protocol, 'https:');
  });

  it('reads the base_url, password-only and JupyterHub single-user variants', () => {
    const foo = parseRuntimeInfo(jsWith({ base_url: '/foo/', url: 'http://127.0.0.1:18861/foo/' }), 'x');
    assert.equal(foo.baseUrl, '/foo/');
    assert.equal(foo.endpoint.basePath, '/foo/');
    assert.equal(foo.endpoint.id, 'http://127.0.0.1:18861/foo/');

    const pw = parseRuntimeInfo(jsWith({ password: true, token: '' }), 'x');
    assert.equal(pw.password, true);
    assert.equal(pw.token, '');

    const hub = parseRuntimeInfo(jsWith({ base_url: '/user/bob/', token: '', url: 'http://127.0.0.1:41215/user/bob/' }), 'x');
    assert.equal(hub.endpoint.id, 'http://127.0.0.1:41215/user/bob/');
    assert.equal(hub.token, '');
  });

  it('fills defaults for optional fields that are missing or null', () => {
    const info = parseRuntimeInfo(JSON.stringify({ url: 'http://localhost:8888/', pid: 5, token: null, sock: null }), 'x');
    assert.equal(info.token, '');
    assert.equal(info.sock, '');
    assert.equal(info.baseUrl, '/');
    assert.equal(info.hostname, 'localhost');
    assert.equal(info.port, 0);
    assert.equal(info.secure, false);
    assert.equal(info.password, false);
    assert.equal(info.rootDir, undefined);
  });
});

describe('discovery/runtimeFile: malformed files', () => {
  const FILE = '/home/u/.local/share/jupyter/runtime/jpserver-4242.json';
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"url": "http://127.0.0.1:1/", ', /is not valid JSON/],
    ['an array', '[1, 2]', /is not a JSON object/],
    ['null', 'null', /is not a JSON object/],
    ['a string', '"jpserver"', /is not a JSON object/],
    ['missing url', jsWith({ url: undefined }), /has no "url" field/],
    ['missing pid', jsWith({ pid: undefined }), /has no "pid" field/],
    ['url not a string', jsWith({ url: 18802 }), /"url" should be a string, not 18802/],
    ['pid a string', jsWith({ pid: '12811' }), /"pid" should be a non-negative integer, not "12811"/],
    ['pid a fraction', jsWith({ pid: 1.5 }), /"pid" should be a non-negative integer/],
    ['pid negative', jsWith({ pid: -1 }), /"pid" should be a non-negative integer, not -1/],
    ['pid 0', jsWith({ pid: 0 }), /"pid" is 0/],
    ['port a string', jsWith({ port: '18802' }), /"port" should be a non-negative integer/],
    ['secure a string', jsWith({ secure: 'yes' }), /"secure" should be true or false, not "yes"/],
    ['base_url a number', jsWith({ base_url: 1 }), /"base_url" should be a string/],
    ['url not a URL', jsWith({ url: 'not a url' }), /"url" is not usable \(.*is not a valid URL/],
    ['url with another scheme', jsWith({ url: 'ftp://127.0.0.1/' }), /"url" is not usable \(.*Unsupported URL scheme/],
    ['url a relative socket', jsWith({ url: 'http+unix://js.sock/' }), /"url" is not usable/],
  ];
  for (const [what, text, pattern] of cases) {
    it(`${what}: InvalidInputError naming the file and the field, with a hint`, () => {
      assert.throws(
        () => parseRuntimeInfo(text, FILE),
        (err: unknown) => {
          assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
          assert.ok(err.message.startsWith(`${FILE}: `), err.message);
          assert.match(err.message, pattern);
          assert.match(err.hint, /delete it|jupyter server list/);
          return true;
        },
      );
    });
  }

  it('never puts a secret field’s value in the message', () => {
    for (const bad of [jsWith({ token: 12345678901 }), jsWith({ token: ['tok-in-array-1'] }), jsWith({ password: 'hunter2-in-file' })]) {
      assert.throws(
        () => parseRuntimeInfo(bad, FILE),
        (err: unknown) => {
          assert.ok(err instanceof InvalidInputError);
          assert.match(err.message, /"(token|password)" should be/);
          for (const secret of ['12345678901', 'tok-in-array-1', 'hunter2-in-file']) assert.ok(!err.message.includes(secret), err.message);
          return true;
        },
      );
    }
  });

  it('does not quote the file text around a JSON syntax error (it may hold the token)', () => {
    // V8 puts a slice of the text in its JSON.parse message, e.g. `..."token": tok-leak-12"... is not valid JSON`.
    for (const text of ['{"token": tok-leak-1234567890, "pid": 1}', 'tok-leak-1234567890']) {
      assert.throws(
        () => parseRuntimeInfo(text, FILE),
        (err: unknown) => {
          assert.ok(err instanceof InvalidInputError);
          assert.match(err.message, /is not valid JSON/);
          assert.ok(!err.message.includes('tok-leak'), err.message);
          return true;
        },
      );
    }
  });
});

describe('discovery/runtimeFile: file names', () => {
  it('recognises nbserver-<pid>.json and jpserver-<pid>.json only', () => {
    for (const name of ['nbserver-12777.json', 'jpserver-12811.json']) assert.ok(RUNTIME_FILE.test(name), name);
    for (const name of [
      'nbserver-12777-open.html',
      'jpserver-12811-open.html',
      'kernel-7ebc0bec-b09b-4cba-ba77-9ad4dd69eb76.json',
      'jupyter_cookie_secret',
      'notebook_cookie_secret',
      'jpserver-.json',
      'jpserver-12x.json',
      'xjpserver-1.json',
      'jpserver-1.json.tmp',
    ]) {
      assert.ok(!RUNTIME_FILE.test(name), name);
    }
  });

  it('kindFromFileName and pidFromFileName read a path or a bare name', () => {
    assert.equal(kindFromFileName('/rt/nbserver-12777.json'), 'notebook');
    assert.equal(kindFromFileName('jpserver-12811.json'), 'jupyter-server');
    assert.equal(kindFromFileName('/rt/kernel-1.json'), undefined);
    assert.equal(pidFromFileName('/rt/nbserver-12777.json'), 12777);
    assert.equal(pidFromFileName('C:/Users/u/AppData/Roaming/jupyter/runtime/jpserver-8.json'), 8);
    assert.equal(pidFromFileName('/rt/jpserver-12811-open.html'), undefined);
  });
});
