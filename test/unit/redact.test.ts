import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRuntimeInfo } from '../../src/core/discovery/runtimeFile';
import { REDACTED, clearRegisteredSecrets, redact, redactHeaders, redactJson, registerSecret } from '../../src/core/util/redact';

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

  it('is idempotent: an already masked header value is not masked again, nor the mask extended to the end of the line', () => {
    // The audit's evidence went through redact() when the finding was made and again when the CLI printed it: the
    // second pass matched "X-XSRFToken:" + "[redacted]" with an empty separator and ate the JSON's closing `",`.
    const once = redact('a POST without X-XSRFToken: the request got past the check');
    assert.equal(once, `a POST without X-XSRFToken: ${REDACTED}`);
    assert.equal(redact(once), once);
    const jsonLine = `    "evidence": "without X-XSRFToken: ${REDACTED}",`;
    assert.equal(redact(jsonLine), jsonLine);
    for (const text of [
      'Authorization: token abc123\ncookie: a=b\nSet-Cookie: c=d; Path=/\nX-XSRFToken: zzz\nProxy-Authorization:Basic eHk=',
      `cookie:${REDACTED} and more`,
      'Cookie :\t  x',
      'GET /lab?token=abc&x=1 username-127-0-0-1-8888="2|1:0|10:1|x" http://u:pw@h/',
    ]) {
      const r = redact(text);
      assert.equal(redact(r), r, text);
    }
  });

  it('redactJson: every string redacted before serialising, so the text stays valid JSON', () => {
    clearRegisteredSecrets();
    registerSecret('se"cr\\et-42');
    const value = {
      evidence: 'POST /x with the login cookie only → 404, without X-XSRFToken: the request got past the check',
      lines: ['Cookie: username-a="2|1:0|10:1|v"', 'Cookie:\nnext line', 'ends with Authorization:'],
      token: 'tok-not-registered',
      nested: { password: 'hunter22', url: 'http://h:8888/lab?token=abc', note: 'leaked se"cr\\et-42 here' },
      'se"cr\\et-42': 'a key that is a secret',
      count: 3,
      ok: true,
      none: null,
    };
    for (const indent of [undefined, 2]) {
      const text = redactJson(value, indent);
      const parsed = JSON.parse(text) as typeof value & Record<string, unknown>;
      assert.equal(parsed.evidence, `POST /x with the login cookie only → 404, without X-XSRFToken: ${REDACTED}`);
      assert.deepEqual(parsed.lines, [`Cookie: ${REDACTED}`, `Cookie:\n${REDACTED}`, `ends with Authorization:${REDACTED}`]);
      assert.equal(parsed.token, REDACTED, 'a secret field is masked whole, whatever it holds');
      assert.deepEqual(parsed.nested, { password: REDACTED, url: `http://h:8888/lab?token=${REDACTED}`, note: `leaked ${REDACTED} here` });
      assert.equal(parsed[REDACTED], 'a key that is a secret');
      assert.deepEqual([parsed.count, parsed.ok, parsed.none], [3, true, null]);
      for (const secret of ['tok-not-registered', 'hunter22', 'se"cr', '2|1:0|']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
      assert.equal(redactJson(JSON.parse(text), indent), text, 'redacting the result again changes nothing');
    }
    clearRegisteredSecrets();
  });

  it('does not touch ordinary log text', () => {
    const line = 'GET /api/kernels → 200 (3 ms), kernel state=idle';
    assert.equal(redact(line), line);
  });
});
