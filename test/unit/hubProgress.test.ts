import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpawnProgressParser, type SpawnProgress } from '../../src/core/hub/progress';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Feeds every chunk and returns all events in order. */
function feed(parser: SpawnProgressParser, chunks: ReadonlyArray<Uint8Array | string>): SpawnProgress[] {
  return chunks.flatMap((c) => parser.push(c));
}

describe('hub spawn progress: server-sent events (jupyterhub-facts.md A.3)', () => {
  it('one event per block; ready, failed and url fields', () => {
    const p = new SpawnProgressParser();
    const events = feed(p, [
      'data: {"progress": 10, "message": "Spawning server..."}\n\n',
      'data: {"progress": 100, "ready": true, "message": "Server ready at /user/ada/", "html_message": "<a>x</a>", "url": "/user/ada/"}\n\n',
      'data: {"progress": 100, "failed": true, "message": "Spawn failed: boom"}\n\n',
    ]);
    assert.deepEqual(events, [
      { progress: 10, message: 'Spawning server...' },
      { progress: 100, message: 'Server ready at /user/ada/', ready: true, url: '/user/ada/' },
      { progress: 100, message: 'Spawn failed: boom', failed: true },
    ]);
    assert.equal(p.skipped, 0);
  });

  it('a block split across chunks is held until it ends', () => {
    const p = new SpawnProgressParser();
    assert.deepEqual(p.push('data: {"progress": 5'), []);
    assert.deepEqual(p.push('0, "message": "half'), []);
    assert.deepEqual(p.push('way"}\n'), [], 'one newline does not end a block');
    assert.deepEqual(p.push('\n'), [{ progress: 50, message: 'halfway' }]);
  });

  it('a multi-byte UTF-8 character split across chunks comes out whole', () => {
    const bytes = enc('data: {"message": "Démarrage… ✓ 🚀", "progress": 1}\n\n');
    const p = new SpawnProgressParser();
    const emoji = bytes.indexOf(0xf0);
    assert.ok(emoji > 0);
    const events = feed(p, [bytes.slice(0, emoji + 1), bytes.slice(emoji + 1, emoji + 3), bytes.slice(emoji + 3)]);
    assert.deepEqual(events, [{ message: 'Démarrage… ✓ 🚀', progress: 1 }]);
    // And byte by byte.
    const q = new SpawnProgressParser();
    assert.deepEqual(feed(q, [...bytes].map((b) => Uint8Array.of(b))), [{ message: 'Démarrage… ✓ 🚀', progress: 1 }]);
  });

  it('\\r\\n line ends, also with the \\r and the \\n in different chunks', () => {
    const p = new SpawnProgressParser();
    assert.deepEqual(feed(p, ['data: {"progress": 20, "message": "a"}\r\n\r\n']), [{ progress: 20, message: 'a' }]);
    // A two-line data block whose CRLF is split between chunks is still one event.
    const q = new SpawnProgressParser();
    const events = feed(q, ['data: {"progress": 30,\r', '\ndata: "message": "b"}\r', '\n\r', '\n']);
    assert.deepEqual(events, [{ progress: 30, message: 'b' }]);
    assert.equal(q.skipped, 0);
  });

  it('keep-alive blank lines and comments are ignored, not counted', () => {
    const p = new SpawnProgressParser();
    const events = feed(p, ['\n\n', ': keep-alive\n\n', '\n', '\n', ':comment\ndata: {"progress": 40, "message": "c"}\n\n', '\n\n\n']);
    assert.deepEqual(events, [{ progress: 40, message: 'c' }]);
    assert.equal(p.skipped, 0);
  });

  it('data that is not a JSON object is skipped and counted; the stream goes on', () => {
    const p = new SpawnProgressParser();
    const events = feed(p, ['data: not json\n\n', 'data: [1, 2]\n\n', 'data: "text"\n\n', 'data: null\n\n', 'data: {"progress": 60, "message": "d"}\n\n']);
    assert.deepEqual(events, [{ progress: 60, message: 'd' }]);
    assert.equal(p.skipped, 4);
  });

  it('progress is clamped to 0–100; a progress that is no number is left out; a missing message is empty', () => {
    const p = new SpawnProgressParser();
    const events = feed(p, ['data: {"progress": 150}\n\n', 'data: {"progress": -5, "message": "x"}\n\n', 'data: {"progress": "50", "message": "y"}\n\n', 'data: {"ready": "yes", "url": 7}\n\n']);
    assert.deepEqual(events, [{ progress: 100, message: '' }, { progress: 0, message: 'x' }, { message: 'y' }, { message: '' }]);
  });

  it('a stream that never ends a block does not grow without bound', () => {
    const p = new SpawnProgressParser();
    p.push('data: ' + 'x'.repeat(1_000_001));
    assert.equal(p.skipped, 1);
    assert.deepEqual(p.push('data: {"progress": 70, "message": "e"}\n\n'), [{ progress: 70, message: 'e' }]);
  });
});
