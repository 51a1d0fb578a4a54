import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOriginRejection, isXsrfRejection } from '../../src/core/session/forbidden';

describe('session/forbidden', () => {
  // The three XSRF messages notebook 6.4 / jupyter_server 1.23 send (facts §4), always saying POST.
  const xsrf = ["'_xsrf' argument missing from POST", 'XSRF cookie does not match POST argument', "'_xsrf' argument has invalid format"];
  for (const message of xsrf) it(`"${message}" is an XSRF rejection`, () => assert.equal(isXsrfRejection(message), true));

  // Other 403/404 bodies that must not be mistaken for an XSRF problem (retrying with a fresh _xsrf would not help).
  const notXsrf = ['Forbidden', 'Not Found', 'Cross origin websockets not allowed', 'Kernel does not exist: 0000', ''];
  for (const message of notXsrf) it(`"${message}" is not an XSRF rejection`, () => assert.equal(isXsrfRejection(message), false));
  it('undefined (no JSON message) is not an XSRF rejection', () => assert.equal(isXsrfRejection(undefined), false));

  const origin = [
    'Cross origin websockets not allowed',
    'Blocking Cross Origin request from http://evil.example/.',
    'Blocking request from unknown origin',
  ];
  for (const message of origin) it(`"${message}" is an Origin rejection`, () => assert.equal(isOriginRejection(message), true));
  for (const message of ['Forbidden', 'Not Found', "'_xsrf' argument missing from POST"]) {
    it(`"${message}" is not an Origin rejection`, () => assert.equal(isOriginRejection(message), false));
  }
  it('undefined is not an Origin rejection', () => assert.equal(isOriginRejection(undefined), false));
});
