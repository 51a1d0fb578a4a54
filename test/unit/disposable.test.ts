import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisposableStore, toDisposable } from '../../src/core/util/disposable';

describe('util/disposable', () => {
  it('toDisposable runs its function once however often it is disposed', () => {
    let n = 0;
    const d = toDisposable(() => n++);
    d.dispose();
    d.dispose();
    assert.equal(n, 1);
  });

  it('DisposableStore disposes newest first', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    for (const name of ['a', 'b', 'c']) store.add(toDisposable(() => order.push(name)));
    store.dispose();
    assert.deepEqual(order, ['c', 'b', 'a']);
    assert.equal(store.isDisposed, true);
  });

  it('DisposableStore.dispose is idempotent', () => {
    let n = 0;
    const store = new DisposableStore();
    store.add({ dispose: () => void n++ });
    store.dispose();
    store.dispose();
    assert.equal(n, 1);
  });

  it('an item added after dispose is disposed at once, and add returns it', () => {
    const store = new DisposableStore();
    store.dispose();
    let disposed = false;
    const item = { dispose: () => void (disposed = true) };
    assert.equal(store.add(item), item);
    assert.equal(disposed, true);
  });

  it('one throwing item does not stop the others; its error is rethrown', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => order.push('a')));
    store.add(toDisposable(() => {
      throw new Error('b failed');
    }));
    store.add(toDisposable(() => order.push('c')));
    assert.throws(() => store.dispose(), /b failed/);
    assert.deepEqual(order, ['c', 'a']);
  });

  it('several throwing items give one AggregateError with all of them', () => {
    const store = new DisposableStore();
    store.add(toDisposable(() => {
      throw new Error('one');
    }));
    store.add(toDisposable(() => {
      throw new Error('two');
    }));
    assert.throws(
      () => store.dispose(),
      (err: unknown) => err instanceof AggregateError && err.errors.map((e: Error) => e.message).join() === 'two,one',
    );
  });
});
