import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { MementoStateStore } from '../../src/vscode/platform/mementoState';

type Values = Record<string, unknown>;

/**
 * An emulation of VS Code's extension-host Memento (extHostMemento.ts), made by hand because a real extension
 * host cannot be made to interleave its storage messages on demand: one object for all keys; update() changes it
 * at once and a 0 ms scheduler sends the whole object; the main side stores it, then reports the change back (the
 * "echo") before it replies, and the echo replaces the object whole. `main` is the main side's copy (what a
 * reload reads). Hooks let a test act at the moments that matter.
 */
class EchoingMemento implements vscode.Memento {
  value: Values = {};
  main: Values = {};
  /** Called in the scheduled flush, before the object is taken. */
  beforeFlush: (() => void) | undefined;
  /** Called when the object has been sent, before the echo arrives. */
  afterSend: (() => void) | undefined;
  private scheduled: { promise: Promise<void>; resolve: () => void } | undefined;

  keys(): readonly string[] {
    return Object.keys(this.value);
  }

  get<T>(key: string, fallback?: T): T | undefined {
    return key in this.value ? (this.value[key] as T) : fallback;
  }

  update(key: string, value: unknown): Thenable<void> {
    this.value[key] = value;
    if (!this.scheduled) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.scheduled = { promise, resolve };
      setTimeout(() => void this.flush(), 0);
    }
    return this.scheduled.promise;
  }

  /** Another window (or any other writer) changes the main side; the echo reaches this host. */
  foreignWrite(key: string, value: unknown): void {
    this.main = { ...this.main, [key]: value };
    this.value = structuredClone(this.main);
  }

  private async flush(): Promise<void> {
    const done = this.scheduled!;
    this.scheduled = undefined;
    this.beforeFlush?.();
    const sent = structuredClone(this.value);
    await new Promise((r) => setImmediate(r));
    this.afterSend?.();
    this.main = JSON.parse(JSON.stringify(sent)) as Values; // stored on the main side, as JSON...
    await new Promise((r) => setImmediate(r));
    this.value = JSON.parse(JSON.stringify(this.main)) as Values; // ...its echo replaces the host's object...
    await new Promise((r) => setImmediate(r));
    done.resolve(); // ...and then the reply arrives
  }
}

describe('vscode/platform/mementoState', () => {
  it('the emulated Memento loses a racing write when used directly (the hazard the store exists for)', async () => {
    const memento = new EchoingMemento();
    let second: Thenable<void> | undefined;
    memento.afterSend = () => {
      memento.afterSend = undefined;
      second = memento.update('notified', ['server auth-disabled']);
    };
    await memento.update('servers', [{ url: 'http://127.0.0.1:8888/' }]);
    await second;
    assert.equal(memento.main['notified'], undefined, 'the emulation reproduces the loss seen in the extension host');
  });

  it('two writers through one store: both keys reach the main side and read back', async () => {
    const memento = new EchoingMemento();
    const store = new MementoStateStore(memento);
    let second: Promise<void> | undefined;
    memento.afterSend = () => {
      memento.afterSend = undefined;
      second = store.update('notified', ['server auth-disabled']);
    };
    await store.update('servers', [{ url: 'http://127.0.0.1:8888/' }]);
    await second;
    assert.deepEqual(memento.main, { servers: [{ url: 'http://127.0.0.1:8888/' }], notified: ['server auth-disabled'] });
    assert.deepEqual(store.get('notified'), ['server auth-disabled']);
  });

  it('a key undone by a storage change before its flush is written again', async () => {
    const memento = new EchoingMemento();
    const debug: string[] = [];
    const log = { debug: (m: string) => debug.push(m), info: () => undefined, warn: () => undefined, error: () => undefined };
    const store = new MementoStateStore(memento, log as never);
    memento.beforeFlush = () => {
      memento.beforeFlush = undefined;
      memento.foreignWrite('other', 1); // its echo replaces the object that held our update
    };
    await store.update('reconnect', ['http://127.0.0.1:8888/']);
    assert.deepEqual(memento.main, { other: 1, reconnect: ['http://127.0.0.1:8888/'] });
    assert.match(debug.join('\n'), /reconnect undone by a storage change before its flush; writing again/);
  });

  it('reads the last value written before it is flushed, and never hands out its own copy', async () => {
    const memento = new EchoingMemento();
    const store = new MementoStateStore(memento);
    const value = ['a'];
    const written = store.update('k', value);
    value.push('changed by the caller');
    const read = store.get<string[]>('k');
    assert.deepEqual(read, ['a']);
    read!.push('changed by a reader');
    assert.deepEqual(store.get('k'), ['a']);
    await written;
    assert.deepEqual(memento.main, { k: ['a'] });
    await store.update('k', undefined);
    assert.equal(store.get('k'), undefined);
  });

  it('a key updated again during a flush keeps its newest value', async () => {
    const memento = new EchoingMemento();
    const store = new MementoStateStore(memento);
    let later: Promise<void> | undefined;
    memento.afterSend = () => {
      memento.afterSend = undefined;
      later = store.update('k', 2);
    };
    await store.update('k', 1);
    assert.equal(store.get('k'), 2, 'the update made during the flush is not dropped from the pending set');
    await later;
    assert.deepEqual(memento.main, { k: 2 });
  });
});

describe('vscode/platform/mementoState, values as storage keeps them', () => {
  it('a value with undefined fields reads back equal after its flush (no rewrite, no warning)', async () => {
    const memento = new EchoingMemento();
    const logged: string[] = [];
    const log = { debug: (m: string) => logged.push(m), info: () => undefined, warn: (m: string) => logged.push(m), error: () => undefined };
    const store = new MementoStateStore(memento, log as never);
    await store.update('servers', [{ url: 'http://127.0.0.1:8888/', name: undefined }]);
    assert.deepEqual(memento.main, { servers: [{ url: 'http://127.0.0.1:8888/' }] });
    assert.deepEqual(logged, [], 'the JSON round trip of the echo is not mistaken for a lost write');
  });
});
