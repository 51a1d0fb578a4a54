import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerDoor } from '../../src/core/provider/serverDoor';
import { webSocketClassFor } from '../../src/core/provider/wsCompat';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { CancelledError } from '../../src/core/util/errors';

/** A door whose `use` waits until its signal aborts (a handshake that has not finished). */
function pendingDoor(): ServerDoor {
  return {
    endpoint: endpointFromUrl('http://127.0.0.1:8888/'),
    use: (_fn, signal) =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new CancelledError('cancelled')), { once: true })),
    noteActivity: () => undefined,
  };
}

describe('provider/wsCompat', () => {
  it('closed while connecting: one error and one close (1006), as ws reports them; send throws meanwhile', async () => {
    const Socket = webSocketClassFor(pendingDoor());
    const ws = new Socket('ws://127.0.0.1:8888/api/kernels/k1/channels?session_id=s1', ['v1.kernel.websocket.jupyter.org']);
    const events: string[] = [];
    ws.on('error', (err: Error) => events.push(`error ${err.message}`));
    ws.onclose = (ev) => events.push(`close ${String(ev['code'])}`);
    assert.equal(ws.readyState, ws.CONNECTING);
    assert.throws(() => ws.send('x'), /readyState 0 \(CONNECTING\)/);
    ws.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['error WebSocket was closed before the connection was established', 'close 1006']);
    assert.equal(ws.readyState, ws.CLOSED);
    await new Promise<void>((resolve) => ws.send("late", (err?: Error) => (assert.match(String(err), /readyState 3 \(CLOSED\)/), resolve())));
  });

  it('without an error listener a failure does not throw (an EventEmitter would, in the extension host)', async () => {
    const Socket = webSocketClassFor(pendingDoor());
    const ws = new Socket('ws://127.0.0.1:8888/api/kernels/k1/channels');
    const closed = new Promise((r) => ws.once('close', r));
    ws.close();
    assert.equal(await closed, 1006);
  });
});
