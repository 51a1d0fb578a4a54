import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { summarizeServer, type AuditReport } from '../../src/core/audit/audit';
import { FINDING_IDS } from '../../src/core/audit/findings';
import { DEFAULT_AUDIT_POLICY } from '../../src/core/audit/policy';
import { evaluateAudit } from '../../src/core/audit/rules';
import { applySilencing, findingSetKey, silencedFor } from '../../src/core/audit/silencing';
import { DEFAULT_LINE, withCookie } from './auditHelpers';

/** A report from real rules: a default notebook login cookie without SameSite and 30 days long, plus allow_origin='*'. */
function report(): AuditReport {
  const obs = withCookie(DEFAULT_LINE.replace('; HttpOnly', ''));
  obs.cors = [{ request: 'GET /api/status', credentials: 'login cookie', status: 200, origin: 'https://jupyter-secure-audit.invalid', allowOrigin: '*' }];
  const { findings, silenced } = evaluateAudit(obs, DEFAULT_AUDIT_POLICY);
  return { server: summarizeServer(obs, 'token-header', DEFAULT_AUDIT_POLICY, silenced), findings };
}

describe('silencing audit findings per server (secureJupyter.security.silencedFindings)', () => {
  const id = 'http://127.0.0.1:8888/';

  it('the setting\'s schema offers exactly the finding ids (package.json enum)', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { additionalProperties?: { items?: { enum?: string[] } } }> } };
    };
    const enumIds = manifest.contributes.configuration.properties['secureJupyter.security.silencedFindings']?.additionalProperties?.items?.enum ?? [];
    assert.deepEqual([...enumIds].sort(), [...FINDING_IDS].sort());
  });

  it('takes the "*" entry and the entry naming this server in any spelling of its URL', () => {
    const setting = {
      '*': ['token-in-page'],
      'http://127.0.0.1:8888': ['login-cookie-no-samesite'],
      'HTTP://127.0.0.1:8888/?token=abc': ['login-cookie-long-lived'],
      'http://127.0.0.1:9999/': ['auth-disabled'],
    };
    assert.deepEqual([...silencedFor(setting, id).ids].sort(), ['login-cookie-long-lived', 'login-cookie-no-samesite', 'token-in-page']);
    assert.deepEqual([...silencedFor(setting, 'http://127.0.0.1:9999/').ids].sort(), ['auth-disabled', 'token-in-page']);
  });

  it('reports entries that are not finding ids and ignores values of the wrong shape', () => {
    const s = silencedFor({ '*': ['no-such-finding', 42, ' cors-any-origin '], 'not a url': ['auth-disabled'], [id]: 'token-in-url' }, id);
    assert.deepEqual([...s.ids].sort(), ['cors-any-origin', 'token-in-url']);
    assert.deepEqual(s.unknown, ['no-such-finding']);
    for (const bad of [undefined, null, [], 'x', 3]) assert.equal(silencedFor(bad, id).ids.size, 0);
  });

  it('moves silenced findings out of the list and names them in server.silenced; ids that did not fire are not listed', () => {
    const r = report();
    assert.deepEqual(r.findings.map((f) => f.id), ['cors-any-origin', 'login-cookie-not-httponly', 'login-cookie-no-samesite', 'login-cookie-long-lived']);
    const s = applySilencing(r, new Set(['cors-any-origin', 'login-cookie-long-lived', 'auth-disabled'] as const));
    assert.deepEqual(s.findings.map((f) => f.id), ['login-cookie-not-httponly', 'login-cookie-no-samesite']);
    assert.deepEqual(s.server.silenced, ['cors-any-origin', 'login-cookie-long-lived']);
    assert.equal(r.findings.length, 4, 'the original report is left as it was');
  });

  it('keys a finding set on the server and the sorted ids only (no evidence, nothing secret)', () => {
    const r = report();
    const key = findingSetKey(id, r.findings);
    assert.equal(key, `${id} cors-any-origin,login-cookie-long-lived,login-cookie-no-samesite,login-cookie-not-httponly`);
    assert.equal(findingSetKey(id, [...r.findings].reverse()), key);
    assert.ok(!key.includes('2|1:0'), 'no cookie value');
  });
});
