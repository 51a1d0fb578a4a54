import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHubUrl, singleUserEndpoint } from '../../src/core/hub/hubUrl';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { isJupyterError } from '../../src/core/util/errors';
import { redact } from '../../src/core/util/redact';

/** The parts of a pasted hub that the tests compare. */
function shape(text: string): Record<string, string | undefined> {
  const h = parseHubUrl(text);
  return { base: h.base.id, api: h.api.id, user: h.user, serverName: h.serverName, token: h.token };
}

describe('parseHubUrl (pasted hub URLs)', () => {
  it('the hub itself: https://h/, its login page, a hub under a base URL', () => {
    assert.deepEqual(shape('https://h/'), { base: 'https://h/', api: 'https://h/hub/', user: undefined, serverName: undefined, token: undefined });
    assert.deepEqual(shape('https://h/hub/login'), { base: 'https://h/', api: 'https://h/hub/', user: undefined, serverName: undefined, token: undefined });
    assert.deepEqual(shape('https://h/hub/login?next=%2Fhub%2Fhome'), shape('https://h/'));
    assert.deepEqual(shape('https://h/jhub/hub/token'), { base: 'https://h/jhub/', api: 'https://h/jhub/hub/', user: undefined, serverName: undefined, token: undefined });
    assert.deepEqual(shape('  https://H/hub/home  '), shape('https://h/'), 'trimmed; the host is case-insensitive');
  });

  it('a single-user URL names the user (and a named server), whatever app route follows', () => {
    assert.deepEqual(shape('https://h/user/ada/lab/tree/x.ipynb'), { base: 'https://h/', api: 'https://h/hub/', user: 'ada', serverName: undefined, token: undefined });
    assert.deepEqual(shape('https://h/user/ada/foo/lab'), { base: 'https://h/', api: 'https://h/hub/', user: 'ada', serverName: 'foo', token: undefined });
    assert.deepEqual(shape('https://h/jhub/user/ada/'), { base: 'https://h/jhub/', api: 'https://h/jhub/hub/', user: 'ada', serverName: undefined, token: undefined });
    assert.equal(parseHubUrl('https://h/user/ad%C3%A9/tree').user, 'adé', 'names are decoded');
  });

  it('?token= is taken out of the URL and registered for redaction', () => {
    const token = 'pasted-hub-token-0f3c9a';
    const h = parseHubUrl(`https://h/user/ada/lab?token=${token}`);
    assert.equal(h.token, token);
    assert.equal(h.user, 'ada');
    for (const id of [h.base.id, h.api.id, h.base.baseUrl.href, h.api.baseUrl.href]) assert.ok(!id.includes(token), id);
    assert.equal(redact(`saw ${token}`), 'saw [redacted]');
  });

  it('user:password@ in the URL is refused', () => {
    assert.throws(() => parseHubUrl('https://ada:secret-pw@h/hub/'), (e: unknown) => isJupyterError(e, 'InvalidInput') && /user name or password/.test((e as Error).message));
  });

  it('a unix socket is refused', () => {
    assert.throws(() => parseHubUrl('http+unix://%2Ftmp%2Fhub.sock/hub/'), (e: unknown) => isJupyterError(e, 'InvalidInput') && /unix socket/.test((e as Error).message));
  });

  it('not a URL is a clear InvalidInput', () => {
    assert.throws(() => parseHubUrl('hub.example.org:8000'), (e: unknown) => isJupyterError(e, 'InvalidInput'));
    assert.throws(() => parseHubUrl(''), (e: unknown) => isJupyterError(e, 'InvalidInput'));
  });
});

describe('singleUserEndpoint', () => {
  it("the user model's url is a path that already holds the hub's base: resolved against the origin, not the path", () => {
    const base = endpointFromUrl('https://h/jhub/');
    assert.equal(singleUserEndpoint(base, '/jhub/user/ada/').id, 'https://h/jhub/user/ada/');
    assert.equal(singleUserEndpoint(base, '/jhub/user/ada/gpu/').id, 'https://h/jhub/user/ada/gpu/');
    assert.equal(singleUserEndpoint(endpointFromUrl('https://h/'), '/user/ada/').id, 'https://h/user/ada/');
    assert.equal(singleUserEndpoint(base, 'https://h/jhub/user/ada/').id, 'https://h/jhub/user/ada/', 'a full URL on the same origin');
  });

  it('a server on another origin (user subdomains, another scheme or port) is refused: the token stays on the hub origin', () => {
    const base = endpointFromUrl('https://h/');
    for (const url of ['https://ada.h/', 'http://h/user/ada/', 'https://h:8443/user/ada/', '//evil.example/user/ada/']) {
      assert.throws(() => singleUserEndpoint(base, url), (e: unknown) => isJupyterError(e, 'InvalidInput') && /another origin/.test((e as Error).message), url);
    }
  });
});
