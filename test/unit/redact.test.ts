import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRuntimeInfo } from '../../src/core/discovery/runtimeFile';
import { REDACTED, clearRegisteredSecrets, redact, redactHeaders, registerSecret } from '../../src/core/util/redact';

describe('redact', () => {
  it('masks secret header lines in any case', () => {
    const text = 'Authorization: token abc123\ncookie: username-127-0-0-1-8888="2|1:0|10:1|x"\nSet-Cookie: _xsrf=2|d58600fe|91499a1c48947d4c6326399f3b8c8acc|1795420612; Path=/\nX-XSRFToken: zzz';
    const out = redact(text);
    for (const secret of ['abc123', '2|1:0', 'd58600fe', 'zzz']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    assert.match(out, /Authorization: \[redacted\]/);
  });

  it('masks ?token= and form fields but keeps the rest of the URL', () => {
    assert.equal(redact('http://h:8888/lab?token=s3cr3t&x=1'), `http://h:8888/lab?token=${REDACTED}&x=1`);
    assert.equal(redact('_xsrf=abc&password=hunter22'), `_xsrf=${REDACTED}&password=${REDACTED}`);
  });

  it('masks JSON secret fields, tornado signed values and tokens embedded in pages', () => {
    const out = redact('{"token": "t0k3n", "url": "http://x/"} value 2|1:0|10:1795420612|24:username|44:Zg==|abc <body data-jupyter-api-token="tok-js">');
    assert.ok(!out.includes('t0k3n') && !out.includes('Zg==') && !out.includes('tok-js'), out);
    assert.ok(out.includes('"url": "http://x/"'));
  });

  it('masks registered secret values wherever they appear, also URL-encoded', () => {
    clearRegisteredSecrets();
    registerSecret('p@ss word!');
    assert.equal(redact('failed with p@ss word! and p%40ss%20word!'), `failed with ${REDACTED} and ${REDACTED}`);
    clearRegisteredSecrets();
    assert.equal(redact('p@ss word!'), 'p@ss word!');
  });

  it('a discovery scan of thousands of runtime files never pushes a secret in use out of the registry', () => {
    clearRegisteredSecrets();
    registerSecret('cookie-value-in-use-42');
    for (let i = 0; i < 2000; i++) {
      const body = JSON.stringify({ url: `http://127.0.0.1:${10000 + i}/`, token: `scan-token-${i}-abcdef`, pid: 100000 + i, port: 10000 + i });
      parseRuntimeInfo(body, `/tmp/jpserver-${100000 + i}.json`);
    }
    assert.equal(redact('Cookie value cookie-value-in-use-42 leaked?'), `Cookie value ${REDACTED} leaked?`);
    assert.equal(redact('recent scan-token-1999-abcdef'), `recent ${REDACTED}`, 'recently seen tokens are still masked');
    clearRegisteredSecrets();
  });

  it('redacts secret headers by name and leaves others', () => {
    const h = redactHeaders({ Authorization: 'token x', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' });
    assert.deepEqual(h, { Authorization: REDACTED, 'set-cookie': [REDACTED, REDACTED], 'content-type': 'application/json' });
  });

  it('does not touch ordinary log text', () => {
    const line = 'GET /api/kernels → 200 (3 ms), kernel state=idle';
    assert.equal(redact(line), line);
  });
});
