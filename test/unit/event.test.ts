import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter } from '../../src/core/util/event';

describe('util/event: Emitter', () => {
  it('calls listeners in subscription order with the value', () => {
    const e = new Emitter<number>();
    const seen: string[] = [];
    e.event((v) => seen.push(`a${v}`));
    e.event((v) => seen.push(`b${v}`));
    e.fire(1);
    e.fire(2);
    assert.deepEqual(seen, ['a1', 'b1', 'a2', 'b2']);
  });

  it('stops calling a listener whose subscription was disposed', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    const sub = e.event((v) => seen.push(v));
    e.fire(1);
    sub.dispose();
    sub.dispose();
    e.fire(2);
    assert.deepEqual(seen, [1]);
    assert.equal(e.hasListeners, false);
  });

  it('lets the same function subscribe twice and unsubscribe each independently', () => {
    const e = new Emitter<void>();
    let n = 0;
    const listener = (): void => void n++;
    const first = e.event(listener);
    e.event(listener);
    e.fire();
    assert.equal(n, 2);
    first.dispose();
    e.fire();
    assert.equal(n, 3);
  });

  it('a throwing listener does not stop the others; the error goes to onListenerError', () => {
    const errors: unknown[] = [];
    const e = new Emitter<number>((err) => errors.push(err));
    const seen: string[] = [];
    e.event(() => seen.push('first'));
    e.event(() => {
      throw new Error('listener broke');
    });
    e.event(() => seen.push('third'));
    assert.doesNotThrow(() => e.fire(1));
    assert.deepEqual(seen, ['first', 'third']);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /listener broke/);
  });

  it('a listener added or removed during fire does not change that delivery', () => {
    const e = new Emitter<number>();
    const seen: string[] = [];
    let second: { dispose(): void } | undefined;
    e.event((v) => {
      seen.push(`a${v}`);
      if (v === 1) e.event((w) => seen.push(`late${w}`));
      second?.dispose();
    });
    second = e.event((v) => seen.push(`b${v}`));
    e.fire(1);
    e.fire(2);
    assert.deepEqual(seen, ['a1', 'b1', 'a2', 'late2']);
  });

  it('after dispose: no listener is called and new subscriptions are inert', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    e.event((v) => seen.push(v));
    e.dispose();
    e.fire(1);
    const sub = e.event((v) => seen.push(v * 10));
    e.fire(2);
    sub.dispose();
    assert.deepEqual(seen, []);
    assert.equal(e.hasListeners, false);
  });
});
