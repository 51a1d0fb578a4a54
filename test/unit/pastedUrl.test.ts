import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parsePastedUrl } from '../../src/core/discovery/pastedUrl';
import { InvalidInputError } from '../../src/core/util/errors';
import { REDACTED, clearRegisteredSecrets, redact } from '../../src/core/util/redact';

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parsePastedUrl(text),
    (err: unknown) => {
      assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.ok(err.hint.length > 0);
      return true;
    },
  );
}

describe('discovery/pastedUrl', () => {
  afterEach(() => clearRegisteredSecrets());

  const cases: Array<{ input: string; id: string; token?: string; socketPath?: string }> = [
    { input: 'http://127.0.0.1:8888/?token=tok-root', id: 'http://127.0.0.1:8888/', token: 'tok-root' },
    { input: 'http://127.0.0.1:8888/lab?token=tok-lab', id: 'http://127.0.0.1:8888/', token: 'tok-lab' },
    { input: 'http://127.0.0.1:18801/tree?token=tok-nb-disc', id: 'http://127.0.0.1:18801/', token: 'tok-nb-disc' },
    { input: 'http://127.0.0.1:8000/user/bob/lab/tree/x.ipynb?token=tok-hub', id: 'http://127.0.0.1:8000/user/bob/', token: 'tok-hub' },
    { input: 'http://127.0.0.1:18861/foo/?token=tok-foo', id: 'http://127.0.0.1:18861/foo/', token: 'tok-foo' },
    { input: 'http://127.0.0.1:18861/foo/tree?token=tok-foo2', id: 'http://127.0.0.1:18861/foo/', token: 'tok-foo2' },
    { input: 'http://127.0.0.1:18861/foo/notebooks/a/b.ipynb', id: 'http://127.0.0.1:18861/foo/' },
    { input: 'https://jupyter.example.org/user/alice/api/kernels', id: 'https://jupyter.example.org/user/alice/' },
    {
      input: 'http+unix://%2Fwork%2Fsocks%2Fjs.sock/lab?token=tok-sock',
      id: 'http+unix://%2Fwork%2Fsocks%2Fjs.sock/',
      token: 'tok-sock',
      socketPath: '/work/socks/js.sock',
    },
    { input: 'http://localhost:8888/lab#token=tok-frag', id: 'http://localhost:8888/', token: 'tok-frag' },
    { input: '  http://localhost:8888/lab?token=tok-trim&reset  ', id: 'http://localhost:8888/', token: 'tok-trim' },
    { input: 'localhost:8888', id: 'http://localhost:8888/' },
    { input: '127.0.0.1:8888/lab?token=tok-bare', id: 'http://127.0.0.1:8888/', token: 'tok-bare' },
    { input: '[::1]:8888/', id: 'http://[::1]:8888/' },
    { input: 'localhost:8888?token=tok-bare-query', id: 'http://localhost:8888/', token: 'tok-bare-query' },
    { input: 'localhost:8888#token=tok-bare-frag', id: 'http://localhost:8888/', token: 'tok-bare-frag' },
  ];
  for (const c of cases) {
    it(`${c.input.trim()} → ${c.id}${c.token ? ' + token' : ''}`, () => {
      const parsed = parsePastedUrl(c.input);
      assert.equal(parsed.endpoint.id, c.id);
      assert.equal(parsed.token, c.token);
      if (c.socketPath) assert.equal(parsed.endpoint.socketPath, c.socketPath);
      if (c.token) assert.ok(!parsed.endpoint.id.includes(c.token), 'the token is not in the endpoint id');
    });
  }

  it('takes the token out of the URL and registers it for redaction', () => {
    const secret = 'f3a9c1d2e4b5a6978877665544332211aabbccddeeff0011';
    assert.equal(redact(`token is ${secret}`), `token is ${secret}`, 'precondition: not yet registered');
    const parsed = parsePastedUrl(`http://127.0.0.1:8888/lab/tree/x.ipynb?token=${secret}`);
    assert.equal(parsed.token, secret);
    assert.equal(parsed.endpoint.baseUrl.search, '');
    assert.ok(!parsed.endpoint.baseUrl.href.includes(secret));
    assert.equal(redact(`token is ${secret}`), `token is ${REDACTED}`);
    assert.ok(parsed.notes.some((n) => /token was taken out of the URL/.test(n)), parsed.notes.join('\n'));
  });

  it('registers a fragment token too, URL-decoded', () => {
    const parsed = parsePastedUrl('http://127.0.0.1:8888/lab#token=a%2Fb%2Bc-frag-secret');
    assert.equal(parsed.token, 'a/b+c-frag-secret');
    assert.equal(redact('x a/b+c-frag-secret y'), `x ${REDACTED} y`);
    assert.ok(parsed.notes.some((n) => /fragment/.test(n)));
  });

  it('tells what part of the path was dropped to find the base URL', () => {
    const parsed = parsePastedUrl('http://127.0.0.1:8000/user/bob/lab/tree/x.ipynb');
    assert.equal(parsed.endpoint.basePath, '/user/bob/');
    assert.ok(parsed.notes.some((n) => n.includes('/user/bob/') && n.includes('/lab/tree/x.ipynb')), parsed.notes.join('\n'));
  });

  it('has no token and no token note for a URL without one', () => {
    const parsed = parsePastedUrl('http://127.0.0.1:8888/');
    assert.equal(parsed.token, undefined);
    assert.ok(!('token' in parsed));
    assert.deepEqual(parsed.notes, []);
  });

  it('rejects a bare host:port that is not loopback (http would be a guess)', () => {
    rejects('example.com:8888', /has no scheme/);
    rejects('10.0.0.5:8888/lab', /has no scheme/);
  });

  it('rejects user:password@ in the URL without echoing the password', () => {
    assert.throws(
      () => parsePastedUrl('http://alice:hunter2-pw@127.0.0.1:8888/'),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        assert.match(err.message, /user name or password/);
        assert.ok(!err.message.includes('hunter2-pw') && !err.hint.includes('hunter2-pw'));
        return true;
      },
    );
    rejects('http://alice@127.0.0.1:8888/', /user name or password/);
  });

  it('rejects empty input', () => {
    rejects('', /No URL was given/);
    rejects('   \n', /No URL was given/);
  });

  it('rejects text that is not a URL, with a redacted message', () => {
    assert.throws(
      () => parsePastedUrl('http://exa mple.com/?token=leaky-token-123'),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        assert.match(err.message, /is not a valid URL/);
        assert.ok(!err.message.includes('leaky-token-123'), err.message);
        return true;
      },
    );
  });

  it('rejects unsupported schemes and relative socket paths', () => {
    rejects('ftp://127.0.0.1:8888/', /Unsupported URL scheme/);
    rejects('http+unix://js.sock/?token=abcd1234', /absolute socket path/);
  });
});
