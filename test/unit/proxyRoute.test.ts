import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { certificateRoute } from '../../src/core/transport/certificateProbe';
import { excludedByNoProxy, proxyFor, proxyPlan, type ProxyPlan } from '../../src/core/transport/proxy';
import { clearRegisteredSecrets, redact } from '../../src/core/util/redact';

const SERVER = 'https://jupyter.example.org:8443/';
const shared = (noProxy: string, uri?: string): ProxyPlan => ({ kind: 'shared', noProxy, ...(uri ? { uri } : {}) });

describe('transport/proxy: the proxy one connection takes (as the dispatcher\'s undici agents decide it)', () => {
  it('direct and per-server plans: none, or the plan\'s proxy with its authorization', () => {
    const url = new URL(SERVER);
    assert.equal(proxyFor(url, { kind: 'direct' }, {}), undefined);
    assert.deepEqual(proxyFor(url, { kind: 'proxy', uri: 'http://p:1/', authorization: 'Basic eHg6eXk=' }, { HTTPS_PROXY: 'http://env:2/' }), {
      uri: 'http://p:1/',
      authorization: 'Basic eHg6eXk=',
    });
  });

  it('shared without a proxy: https_proxy before HTTPS_PROXY, then the http ones (lower case first); none → direct', () => {
    const url = new URL(SERVER);
    assert.equal(proxyFor(url, shared(''), {}), undefined);
    assert.equal(proxyFor(url, shared(''), { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' })?.uri, 'http://lower:1/');
    assert.equal(proxyFor(url, shared(''), { HTTPS_PROXY: 'http://upper:2' })?.uri, 'http://upper:2/');
    assert.equal(proxyFor(url, shared(''), { http_proxy: 'http://plain:3', HTTP_PROXY: 'http://PLAIN:4' })?.uri, 'http://plain:3/', 'an https server falls back to the http proxy');
    assert.equal(proxyFor(url, shared(''), { HTTPS_PROXY: '', HTTP_PROXY: 'http://plain:4' })?.uri, 'http://plain:4/', 'an empty HTTPS_PROXY is no proxy');
    assert.equal(proxyFor(new URL('http://jupyter.example.org/'), shared(''), { HTTPS_PROXY: 'http://s:1' }), undefined, 'http servers take the http proxy only');
    assert.equal(proxyFor(url, shared('', 'http://set:9/'), { HTTPS_PROXY: 'http://env:2' })?.uri, 'http://set:9/', 'the shared settings\' proxy wins');
  });

  it('credentials in an environment proxy URL become its authorization (redacted), the plan\'s own wins', () => {
    clearRegisteredSecrets();
    const url = new URL(SERVER);
    const hop = proxyFor(url, shared(''), { HTTPS_PROXY: 'http://ann:s%3Acret-pw@env:2/' });
    assert.deepEqual(hop, { uri: 'http://env:2/', authorization: `Basic ${Buffer.from('ann:s:cret-pw').toString('base64')}` });
    assert.equal(redact(`x ${hop?.authorization ?? ''} s:cret-pw`), 'x [redacted] [redacted]');
    const own = proxyFor(url, { kind: 'shared', noProxy: '', authorization: 'Bearer own' }, { HTTPS_PROXY: 'http://ann:pw@env:2/' });
    assert.equal(own?.authorization, 'Bearer own');
    clearRegisteredSecrets();
  });

  it('NO_PROXY as undici matches it: suffixes, leading . and *., ports, *, commas and spaces, case', () => {
    const no = (host: string, port: number, list: string) => excludedByNoProxy(host, port, list);
    assert.equal(no('jupyter.example.org', 443, ''), false);
    assert.equal(no('jupyter.example.org', 443, 'example.org'), true);
    assert.equal(no('jupyter.example.org', 443, '.example.org'), true);
    assert.equal(no('jupyter.example.org', 443, '*.example.org'), true);
    assert.equal(no('jupyter.example.org', 443, 'EXAMPLE.org'), true);
    assert.equal(no('badexample.org', 443, 'example.org'), false, 'a suffix of the name, not of a label');
    assert.equal(no('jupyter.example.org', 443, 'example.org:8443'), false);
    assert.equal(no('jupyter.example.org', 8443, 'example.org:8443'), true);
    assert.equal(no('jupyter.example.org', 443, 'other.org jupyter.example.org'), true);
    assert.equal(no('jupyter.example.org', 443, 'other.org,,example.org'), true);
    assert.equal(no('anything', 1, '*'), true);
    assert.equal(no('anything', 1, 'x,*'), false, 'only "*" alone means everything');
    assert.equal(no('[fd00::2]', 443, '[fd00::2]'), true, 'IPv6 in brackets, as undici keeps them');
    assert.equal(proxyFor(new URL('https://[fd00::2]:8443/'), shared('[fd00::2]'), { HTTPS_PROXY: 'http://p:1' }), undefined);
    assert.equal(proxyFor(new URL(SERVER), shared('example.org'), { HTTPS_PROXY: 'http://p:1' }), undefined);
    assert.equal(proxyFor(new URL(SERVER), shared('other.org'), { HTTPS_PROXY: 'http://p:1' })?.uri, 'http://p:1/');
  });

  it('proxyPlan: the environment\'s no_proxy/NO_PROXY is the shared list only when the settings name neither proxy nor list', () => {
    const ep = endpointFromUrl(SERVER);
    const env = { no_proxy: 'lower.example', NO_PROXY: 'upper.example' };
    assert.deepEqual(proxyPlan(ep, undefined, undefined, env), { kind: 'shared', noProxy: 'lower.example' });
    assert.deepEqual(proxyPlan(ep, undefined, {}, { NO_PROXY: 'upper.example' }), { kind: 'shared', noProxy: 'upper.example' });
    assert.deepEqual(proxyPlan(ep, undefined, { noProxy: ['a.example', 'b.example'] }, env), { kind: 'shared', noProxy: 'a.example,b.example' });
    assert.deepEqual(proxyPlan(ep, undefined, { uri: 'http://set:9' }, env), { kind: 'shared', uri: 'http://set:9/', noProxy: '' }, 'http.proxy set: http.noProxy alone');
    assert.deepEqual(proxyPlan(ep, undefined, undefined, {}), { kind: 'shared', noProxy: '' });
    assert.deepEqual(proxyPlan(endpointFromUrl('https://127.0.0.1:8888/'), undefined, undefined, env), { kind: 'direct' });
  });

  it('certificateRoute: the route of an https server\'s certificate; none for http and unix sockets', () => {
    const ep = endpointFromUrl(SERVER);
    const saved = { ...process.env };
    try {
      delete process.env['https_proxy'];
      delete process.env['http_proxy'];
      delete process.env['HTTP_PROXY'];
      delete process.env['no_proxy'];
      process.env['HTTPS_PROXY'] = 'http://envproxy:3128';
      process.env['NO_PROXY'] = 'other.example';
      assert.deepEqual(certificateRoute(ep, {}), { kind: 'proxy', uri: 'http://envproxy:3128/' });
      assert.deepEqual(certificateRoute(ep, { proxyOverride: 'direct' }), { kind: 'direct' });
      assert.deepEqual(certificateRoute(ep, { proxy: { uri: 'http://set:9', noProxy: ['example.org'] } }), { kind: 'direct' });
      process.env['NO_PROXY'] = 'jupyter.example.org';
      assert.deepEqual(certificateRoute(ep, {}), { kind: 'direct' }, 'NO_PROXY from the environment applies');
      assert.equal(certificateRoute(endpointFromUrl('http://jupyter.example.org/'), {}), undefined);
      assert.equal(certificateRoute(endpointFromUrl('http+unix://%2Ftmp%2Fj.sock/'), {}), undefined);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
