import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotebookUse } from '../../src/core/provider/notebookUse';

const socket = (url: string, onTerminate: () => void = () => undefined) => ({ url, terminate: onTerminate });

describe('provider/notebookUse', () => {
  it('counts kernels with an open socket per server; a reconnect (new socket open before the old one closes) changes nothing shown', () => {
    const use = new NotebookUse();
    const fired: string[] = [];
    use.onDidChange((id) => fired.push(id));
    const t = use.trackerFor('http://a/');
    const s1 = socket('ws://a/api/kernels/k1/channels?session_id=1');
    t.add(s1);
    assert.equal(use.kernels('http://a/').size, 0, 'connecting is not use yet');
    t.opened?.(s1);
    const s2 = socket('ws://a/api/kernels/k2/channels');
    t.add(s2);
    t.opened?.(s2);
    assert.deepEqual([...use.kernels('http://a/')], ['k1', 'k2']);
    assert.deepEqual(fired, ['http://a/', 'http://a/']);
    const failed = socket('ws://a/api/kernels/k3/channels');
    t.add(failed);
    t.delete(failed);
    assert.equal(fired.length, 2, 'a socket that never opened changes nothing');
    const s1b = socket('ws://a/api/kernels/k1/channels?session_id=2');
    t.add(s1b);
    t.opened?.(s1b);
    t.delete(s1);
    assert.deepEqual(fired.length, 2, 'k1 still has a socket');
    t.delete(s1b);
    assert.deepEqual([...use.kernels('http://a/')], ['k2']);
    assert.equal(fired.length, 3);
    assert.deepEqual(use.kernels('http://b/').size, 0);
  });

  it('ignores sockets that are not kernel channels for the kernel count, and closeAll terminates every socket of one server', () => {
    const use = new NotebookUse();
    const closed: string[] = [];
    const add = (server: string, s: ReturnType<typeof socket>): void => {
      const t = use.trackerFor(server);
      t.add(s);
      t.opened?.(s);
    };
    add('http://a/', socket('ws://a/terminals/websocket/1', () => closed.push('term')));
    add('http://a/', socket('ws://a/api/kernels/k%2F1/channels', () => closed.push('k')));
    add('http://b/', socket('ws://b/api/kernels/x/channels', () => closed.push('b')));
    assert.deepEqual([...use.kernels('http://a/')], ['k/1']);
    add('http://a/', socket('ws://a/api/kernels/%E0%A4%A/channels', () => closed.push('bad')));
    assert.deepEqual([...use.kernels('http://a/')].sort(), ['%E0%A4%A', 'k/1'], 'a malformed escape is kept as written, not thrown');
    use.closeAll('http://a/');
    assert.deepEqual(closed.sort(), ['bad', 'k', 'term']);
  });
});
