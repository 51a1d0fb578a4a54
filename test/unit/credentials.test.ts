import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  AUTH_MODES,
  describePlan,
  noCredential,
  passwordCredential,
  planAuth,
  tokenCredential,
  usesCookieSession,
  type AuthMode,
  type AuthPlan,
  type Credential,
} from '../../src/core/session/credentials';
import { InvalidInputError } from '../../src/core/util/errors';
import { REDACTED, clearRegisteredSecrets, redact } from '../../src/core/util/redact';

describe('session/credentials: planAuth', () => {
  afterEach(() => clearRegisteredSecrets());

  const token = tokenCredential('tok-plan-0001');
  const password = passwordCredential('pw-plan-0001');
  const matrix: Array<[string, Credential, AuthMode, AuthPlan]> = [
    ['token', token, 'auto', 'token-header'],
    ['token', token, 'token', 'token-header'],
    ['token', token, 'cookie', 'token-login'],
    ['password', password, 'auto', 'password-login'],
    ['password', password, 'cookie', 'password-login'],
    ['none', noCredential, 'auto', 'anonymous'],
    ['none', noCredential, 'token', 'anonymous'],
    ['none', noCredential, 'cookie', 'anonymous'],
  ];
  for (const [kind, credential, mode, plan] of matrix) {
    it(`${kind} + ${mode} → ${plan}`, () => assert.equal(planAuth(credential, mode), plan));
  }

  it('password + token mode is an InvalidInputError that says what to use instead', () => {
    assert.throws(
      () => planAuth(password, 'token'),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        assert.match(err.message, /password cannot be sent as a token/);
        assert.match(err.hint, /cookie|auto/);
        assert.ok(!err.message.includes('pw-plan-0001') && !err.hint.includes('pw-plan-0001'));
        return true;
      },
    );
  });

  it('only the token-header plan does without a cookie session', () => {
    assert.equal(usesCookieSession('token-header'), false);
    for (const plan of ['token-login', 'password-login', 'anonymous'] as const) assert.equal(usesCookieSession(plan), true, plan);
  });

  it('the modes are exactly token, cookie, auto', () => {
    assert.deepEqual([...AUTH_MODES].sort(), ['auto', 'cookie', 'token']);
  });

  it('tokenCredential and passwordCredential register their secret for redaction', () => {
    clearRegisteredSecrets();
    tokenCredential('tok-registered-777');
    passwordCredential('pw registered 777');
    assert.equal(redact('tok-registered-777 / pw registered 777'), `${REDACTED} / ${REDACTED}`);
  });
});

describe('session/credentials: describePlan', () => {
  const plans: Array<[AuthPlan, RegExp]> = [
    ['token-header', /Authorization header/],
    ['password-login', /password login.*XSRF/],
    ['token-login', /token used as password.*XSRF/],
    ['anonymous', /no credentials.*XSRF on writes/],
  ];
  for (const [plan, pattern] of plans) it(`${plan}: ${pattern.source}`, () => assert.match(describePlan(plan), pattern));

  it('each plan has its own description', () => {
    assert.equal(new Set(plans.map(([p]) => describePlan(p))).size, plans.length);
  });
});
