import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeState, initialState, isUsable, transition, type ConnectionEvent, type ConnectionState } from '../../src/core/lifecycle/state';

const err = { code: 'ServerUnreachable', message: 'Cannot reach x' };

function run(events: ConnectionEvent[], start: ConnectionState = initialState(0)): ConnectionState {
  return events.reduce((s, e, i) => transition(s, e, i + 1), start);
}

describe('lifecycle/state: transitions', () => {
  it('connect → connected, with the time of each transition', () => {
    const s = run([{ type: 'connect' }, { type: 'connected' }]);
    assert.equal(s.kind, 'connected');
    assert.equal(s.since, 2);
    assert.equal(s.error, undefined);
  });

  it('an event that does not apply returns the same object (callers can tell nothing happened)', () => {
    const s = initialState(0);
    assert.equal(transition(s, { type: 'connected' }, 5), s);
    assert.equal(transition(s, { type: 'idle-timeout' }, 5), s);
    const connected = run([{ type: 'connect' }, { type: 'connected' }]);
    assert.equal(transition(connected, { type: 'connect' }, 9), connected, 'connect while connected is a no-op');
  });

  it('a retryable failure is unreachable with a growing attempt count; a later success resets it', () => {
    let s = run([{ type: 'connect' }, { type: 'failed', error: err, retryable: true, needsUser: false, retryAt: 100 }]);
    assert.equal(s.kind, 'unreachable');
    assert.equal(s.attempt, 1);
    assert.equal(s.retryAt, 100);
    s = run([{ type: 'connect' }, { type: 'failed', error: err, retryable: true, needsUser: false }], s);
    assert.equal(s.attempt, 2);
    s = run([{ type: 'connect' }, { type: 'connected' }], s);
    assert.equal(s.kind, 'connected');
    assert.equal(s.attempt, 0);
  });

  it('a credential failure needs the user (auth-expired); other failures end disconnected with the error', () => {
    const auth = run([{ type: 'connect' }, { type: 'failed', error: { code: 'InvalidToken', message: 'x' }, retryable: false, needsUser: true }]);
    assert.equal(auth.kind, 'auth-expired');
    const tls = run([{ type: 'connect' }, { type: 'failed', error: { code: 'TlsFailure', message: 'x' }, retryable: false, needsUser: false }]);
    assert.equal(tls.kind, 'disconnected');
    assert.equal(tls.error?.code, 'TlsFailure');
    assert.equal(run([{ type: 'disconnect' }], tls).error, undefined, 'disconnect clears the error');
  });

  it('idle expiry, then a silent re-login on next use', () => {
    const s = run([{ type: 'connect' }, { type: 'connected' }, { type: 'idle-timeout' }]);
    assert.equal(s.kind, 'idle-expired');
    assert.ok(isUsable(s), 'an idle-expired server is still usable: the next call signs in again');
    const back = run([{ type: 'reauth-start' }, { type: 'reauth-ok' }], s);
    assert.equal(back.kind, 'connected');
  });

  it('a re-login that needs the user ends auth-expired; one that fails otherwise ends disconnected', () => {
    const base = run([{ type: 'connect' }, { type: 'connected' }, { type: 'reauth-start' }]);
    assert.equal(base.kind, 're-authenticating');
    assert.equal(run([{ type: 'reauth-failed', error: err, needsUser: true }], base).kind, 'auth-expired');
    assert.equal(run([{ type: 'reauth-failed', error: err, needsUser: false }], base).kind, 'disconnected');
  });

  it('a fresh credential after auth-expired (new runtime file, a token the user entered) signs in again silently', () => {
    const expired = run([{ type: 'connect' }, { type: 'failed', error: { code: 'InvalidToken', message: 'x' }, retryable: false, needsUser: true }]);
    const again = run([{ type: 'reauth-start' }], expired);
    assert.equal(again.kind, 're-authenticating');
    assert.equal(again.error, undefined, 'the old error is not shown while signing in again');
    assert.equal(run([{ type: 'reauth-ok' }], again).kind, 'connected');
  });

  it('network loss from connected is unreachable; kernels lost accumulate and recover', () => {
    const connected = run([{ type: 'connect' }, { type: 'connected' }]);
    assert.equal(transition(connected, { type: 'network-lost', error: err }, 9).kind, 'unreachable');
    let s = transition(connected, { type: 'kernel-lost', kernelId: 'a' }, 10);
    s = transition(s, { type: 'kernel-lost', kernelId: 'b' }, 11);
    assert.equal(s.kind, 'kernel-lost');
    assert.deepEqual(s.lostKernels, ['a', 'b']);
    assert.equal(s.since, 10, 'the state began when the first kernel was lost');
    assert.equal(transition(s, { type: 'kernel-lost', kernelId: 'a' }, 12), s, 'the same kernel twice changes nothing');
    assert.equal(transition(s, { type: 'kernels-recovered' }, 13).kind, 'connected');
  });

  it('a clock jump (sleep) re-validates a connected server instead of trusting it', () => {
    const connected = run([{ type: 'connect' }, { type: 'connected' }]);
    assert.equal(transition(connected, { type: 'clock-jump' }, 50).kind, 'connecting');
    const off = initialState(0);
    assert.equal(transition(off, { type: 'clock-jump' }, 50), off);
  });

  it('describes every state in words', () => {
    assert.match(describeState(run([{ type: 'connect' }])), /connecting/);
    assert.match(describeState(run([{ type: 'connect' }, { type: 'failed', error: err, retryable: true, needsUser: false }])), /unreachable \(attempt 1\): Cannot reach x/);
  });
});
