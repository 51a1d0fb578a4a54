import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotebookUse } from '../../src/core/provider/notebookUse';

const socket = (url: string, onTerminate: () => void = () => undefined) => ({ url, terminate: onTerminate });

describe('provider/notebookUse', () => {
  it('counts kernels with a socket per server; a reconnect (new socket before the old one closes) changes nothing shown', () => {
    const use = new NotebookUse();
    const fired: string[] = [];
    use.onDidChange((id) => fired.push(id));
    const t = use.trackerFor('http://a/');
    const s1 = socket('ws://a/api/kernels/k1/channels?session_id=1');
    t.add(s1);
    t.add(socket('ws://a/api/kernels/k2/channels'));
    assert.deepEqual([...use.kernels('http://a/')], ['k1', 'k2']);
    assert.deepEqual(fired, ['http://a/', 'http://a/']);
    const s1b = socket('ws://a/api/kernels/k1/channels?session_id=2');
    t.add(s1b);
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
    use.trackerFor('http://a/').add(socket('ws://a/terminals/websocket/1', () => closed.push('term')));
    use.trackerFor('http://a/').add(socket('ws://a/api/kernels/k%2F1/channels', () => closed.push('k')));
    use.trackerFor('http://b/').add(socket('ws://b/api/kernels/x/channels', () => closed.push('b')));
    assert.deepEqual([...use.kernels('http://a/')], ['k/1']);
    use.closeAll('http://a/');
    assert.deepEqual(closed.sort(), ['k', 'term']);
  });
});
