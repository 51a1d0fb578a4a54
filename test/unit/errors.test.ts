import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  AuthExpiredError,
  InvalidInputError,
  InvalidTokenError,
  JupyterError,
  errorClass,
  isJupyterError,
  isRetryable,
  kernelRetries,
  needsUser,
  toJupyterError,
  type ErrorCode,
} from '../../src/core/util/errors';
import { clearRegisteredSecrets, registerSecret } from '../../src/core/util/redact';

const URL_ID = 'http://127.0.0.1:8888/';

/** An error shaped like node's system errors: message, code, optional cause. */
function sysError(code: string, message = `connect ${code} 127.0.0.1:8888`, cause?: unknown): Error {
  const err = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: string };
  err.code = code;
  return err;
}

function mapsTo(err: unknown, code: ErrorCode, message?: RegExp): JupyterError {
  const typed = toJupyterError(err, URL_ID);
  assert.equal(typed.code, code, `${String(err)} → ${typed.code}: ${typed.message}`);
  if (message) assert.match(typed.message, message);
  assert.equal(typed.serverUrl, URL_ID);
  assert.equal(typed.name, code);
  return typed;
}

describe('util/errors: toJupyterError', () => {
  it('ECONNREFUSED → ServerUnreachable "nothing is listening there", with the cause kept', () => {
    const cause = sysError('ECONNREFUSED');
    const typed = mapsTo(cause, 'ServerUnreachable', /Cannot reach http:\/\/127\.0\.0\.1:8888\/: nothing is listening there\./);
    assert.equal(typed.cause, cause);
    assert.match(typed.hint, /running/);
  });

  it('finds the code in the cause chain (undici wraps system errors)', () => {
    mapsTo(new TypeError('fetch failed', { cause: sysError('ECONNREFUSED') }), 'ServerUnreachable', /nothing is listening/);
    mapsTo(sysError('UND_ERR_CONNECT', 'connect failed', sysError('EHOSTUNREACH')), 'ServerUnreachable', /host is unreachable/);
    mapsTo(sysError('UND_ERR_SOCKET', 'other side closed', sysError('ECONNRESET')), 'ServerUnreachable', /connection was reset/);
  });

  it('UND_ERR_SOCKET without a cause still reads as a closed connection', () => {
    mapsTo(sysError('UND_ERR_SOCKET', 'other side closed'), 'ServerUnreachable', /closed unexpectedly/);
  });

  it('a TLS alert refusing the client certificate → TlsFailure saying which certificate to choose, not "not trusted"', () => {
    const required = mapsTo(sysError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'), 'TlsFailure', /requires a client certificate and none was given/);
    assert.match(required.hint, /Use a Client Certificate/);
    assert.doesNotMatch(required.hint, /not trusted/);
    mapsTo(sysError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca'), 'TlsFailure', /refused this client's certificate/);
    mapsTo(sysError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'sslv3 alert handshake failure'), 'TlsFailure', /may require a client certificate/);
    // The server's own certificate refused here is not about the client's.
    assert.doesNotMatch(mapsTo(sysError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'TlsFailure').message, /client/);
  });

  it('ENOENT (unix socket path missing) → ServerUnreachable naming the socket', () => {
    mapsTo(sysError('ENOENT', 'connect ENOENT /tmp/js.sock'), 'ServerUnreachable', /unix socket does not exist/);
    mapsTo(sysError('EACCES', 'connect EACCES /tmp/js.sock'), 'ServerUnreachable', /permission/);
  });

  it('DNS failures → ServerUnreachable, even for a host name containing "ssl" or "tls"', () => {
    mapsTo(sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND ssl-jupyter.example.org'), 'ServerUnreachable', /does not resolve/);
    mapsTo(sysError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN tls.example.org'), 'ServerUnreachable', /could not be resolved/);
    mapsTo(sysError('ECONNREFUSED', 'connect ECONNREFUSED /run/tls/js.sock'), 'ServerUnreachable', /nothing is listening/);
  });

  for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
    it(`${code} → TlsFailure telling to trust the certificate, never to turn verification off`, () => {
      const typed = mapsTo(sysError(code, 'self-signed certificate'), 'TlsFailure', new RegExp(code));
      assert.match(typed.hint, /Trust it explicitly/);
      assert.match(typed.hint, /never turned off/);
    });
  }

  it('a wrong-protocol TLS error says to check http:// versus https://', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']) {
      const typed = mapsTo(sysError(code, 'wrong version number'), 'TlsFailure');
      assert.match(typed.hint, /http:\/\/ versus https:\/\//);
    }
  });

  it('a TLS failure known only from its message is still TlsFailure', () => {
    mapsTo(new Error('unable to verify the first certificate'), 'TlsFailure');
  });

  it('an AbortError → Cancelled', () => {
    const ac = new AbortController();
    ac.abort();
    mapsTo(ac.signal.reason, 'Cancelled', /cancelled/);
    mapsTo(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'Cancelled');
    mapsTo(sysError('ABORT_ERR', 'The operation was aborted'), 'Cancelled');
  });

  it('an AbortSignal.timeout() expiry (DOMException TimeoutError) → Timeout, not "cannot reach"', () => {
    // What AbortSignal.timeout() aborts with, and what undici rejects a request with when it fires.
    mapsTo(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'Timeout', /did not answer in time/);
  });

  it('UND_ERR_HEADERS_TIMEOUT and UND_ERR_BODY_TIMEOUT → Timeout', () => {
    mapsTo(sysError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'), 'Timeout', /did not answer in time/);
    mapsTo(sysError('UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'), 'Timeout');
  });

  it('connect timeouts → ServerUnreachable "timed out"', () => {
    mapsTo(sysError('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'ServerUnreachable', /timed out/);
    mapsTo(sysError('ETIMEDOUT'), 'ServerUnreachable', /timed out/);
  });

  it('an unknown failure keeps its message; a non-Error is stringified', () => {
    mapsTo(new Error('something odd'), 'ServerUnreachable', /something odd/);
    mapsTo('plain string failure', 'ServerUnreachable', /plain string failure/);
  });

  it('a typed error passes through unchanged', () => {
    const typed = new AuthExpiredError('The session has ended.', { hint: 'Sign in again.' });
    assert.equal(toJupyterError(typed, URL_ID), typed);
  });
});

describe('util/errors: JupyterError', () => {
  afterEach(() => clearRegisteredSecrets());

  it('redacts message, hint and serverUrl at construction', () => {
    registerSecret('tok-in-error-123');
    const err = new InvalidInputError('bad tok-in-error-123 and ?token=abc123', {
      hint: 'use tok-in-error-123',
      serverUrl: 'http://h/?token=zzz999',
    });
    for (const text of [err.message, err.hint, err.serverUrl ?? '', err.describe(), String(err)]) {
      for (const secret of ['tok-in-error-123', 'abc123', 'zzz999']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    }
  });

  it('describe() is message plus hint; isJupyterError checks class and code', () => {
    const err = new InvalidInputError('Bad.', { hint: 'Fix it.', status: 400 });
    assert.equal(err.describe(), 'Bad. Fix it.');
    assert.equal(new InvalidInputError('Bad.').describe(), 'Bad.');
    assert.equal(err.status, 400);
    assert.ok(isJupyterError(err));
    assert.ok(isJupyterError(err, 'InvalidInput'));
    assert.ok(!isJupyterError(err, 'Timeout'));
    assert.ok(!isJupyterError(new Error('x')));
  });
});

describe('util/errors: classes', () => {
  // Typed as a Record, so a new code fails to compile here until it is listed.
  const ALL: Record<ErrorCode, true> = {
    ServerUnreachable: true, AuthRequired: true, AuthExpired: true, InvalidToken: true, WrongPassword: true, XsrfRejected: true,
    HostRejected: true, OriginRejected: true, NotAJupyterServer: true, TlsFailure: true, ProxyAuthRequired: true, CrossOriginBlocked: true, InvalidInput: true,
    UnexpectedReply: true, KernelNotFound: true, KernelLost: true, WebSocketFailed: true, Timeout: true, Cancelled: true, ServerStopped: true,
  };
  const codes = Object.keys(ALL) as ErrorCode[];
  class Coded extends JupyterError {
    constructor(readonly code: ErrorCode) {
      super(`failed with ${code}`);
    }
  }

  it('every code has a class', () => {
    for (const code of codes) assert.ok(['retryable', 'needs-user', 'final'].includes(errorClass(code)), code);
  });

  it('reproduces the sets it replaced: the connection\'s retryable and needs-user codes, the kernel reconnect\'s final ones', () => {
    const retryable = ['ServerUnreachable', 'Timeout', 'WebSocketFailed'];
    const userNeeded = ['AuthRequired', 'AuthExpired', 'InvalidToken', 'WrongPassword'];
    const kernelFinal = ['KernelNotFound', 'ServerStopped', 'AuthRequired', 'WrongPassword', 'Cancelled', 'HostRejected', 'OriginRejected', 'TlsFailure', 'ProxyAuthRequired'];
    for (const code of codes) {
      const e = new Coded(code);
      assert.equal(isRetryable(e), retryable.includes(code), code);
      assert.equal(needsUser(e), userNeeded.includes(code), code);
      assert.equal(errorClass(code) === 'final', !retryable.includes(code) && !userNeeded.includes(code), code);
      assert.equal(kernelRetries(e), !kernelFinal.includes(code), code);
    }
  });

  it('summary() is the code and describe(); a refused token carries the restart hint unless given another', () => {
    const e = new InvalidTokenError('Refused.', { serverUrl: URL_ID, status: 403 });
    assert.deepEqual(e.summary(), { code: 'InvalidToken', message: 'Refused. The server may have been restarted with a new token: provide the current one.' });
    assert.equal(new InvalidTokenError('Refused.', { hint: 'Other.' }).hint, 'Other.');
  });
});
