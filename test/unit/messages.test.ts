import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PROTOCOL_VERSION,
  createMessage,
  decodeJson,
  decodeLegacyBinary,
  decodeV1,
  encodeJson,
  encodeV1,
  type KernelMessage,
} from '../../src/core/kernel/messages';
import { UnexpectedReplyError } from '../../src/core/util/errors';

const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** A v1 frame built by hand, the way jupyter_server's `serialize_msg_to_ws_v1` does. */
function pythonStyleV1(channel: string, parts: Buffer[]): Buffer {
  const chan = Buffer.from(channel, 'utf8');
  const offsets = [8 * (1 + 1 + parts.length + 1)];
  offsets.push(offsets[0]! + chan.length);
  for (const p of parts) offsets.push(offsets[offsets.length - 1]! + p.length);
  return Buffer.concat([u64(offsets.length), ...offsets.map(u64), chan, ...parts]);
}

function expectMalformed(frame: Uint8Array, why: RegExp): void {
  assert.throws(
    () => decodeV1(frame),
    (err: unknown) => {
      assert.ok(err instanceof UnexpectedReplyError, `expected UnexpectedReplyError, got ${String(err)}`);
      assert.match(err.message, why);
      return true;
    },
  );
}

const REPLY_HEADER = {
  msg_id: '329854a4-ae88a773863cd60280b260b5_23556_11',
  msg_type: 'kernel_info_reply',
  username: 'username',
  session: '329854a4-ae88a773863cd60280b260b5',
  date: '2026-11-23T08:20:26.220763Z',
  version: '5.3',
};

describe('kernel/messages: createMessage', () => {
  it('fills a protocol 5.3 header with a fresh msg_id', () => {
    const a = createMessage('kernel_info_request', {}, 'sess-1');
    const b = createMessage('kernel_info_request', {}, 'sess-1');
    assert.equal(a.header.msg_type, 'kernel_info_request');
    assert.equal(a.header.session, 'sess-1');
    assert.equal(a.header.version, PROTOCOL_VERSION);
    assert.equal(PROTOCOL_VERSION, '5.3');
    assert.equal(a.channel, 'shell');
    assert.ok(!Number.isNaN(Date.parse(a.header.date)));
    assert.notEqual(a.header.msg_id, b.header.msg_id);
    assert.equal(createMessage('interrupt_request', {}, 's', 'control').channel, 'control');
  });
});

describe('kernel/messages: v1 binary framing', () => {
  it('lays out a message without buffers as n=6 offsets, the first at 56, the last at the end', () => {
    const msg = createMessage('kernel_info_request', {}, 's1');
    const frame = encodeV1(msg);
    assert.equal(frame.readBigUInt64LE(0), 6n);
    const offsets = Array.from({ length: 6 }, (_, i) => Number(frame.readBigUInt64LE(8 * (i + 1))));
    assert.equal(offsets[0], 56);
    assert.equal(offsets[5], frame.length);
    assert.equal(frame.subarray(offsets[0], offsets[1]).toString(), 'shell');
    assert.deepEqual(JSON.parse(frame.subarray(offsets[1], offsets[2]).toString()), msg.header);
    assert.deepEqual(JSON.parse(frame.subarray(offsets[2], offsets[3]).toString()), {});
    assert.deepEqual(JSON.parse(frame.subarray(offsets[3], offsets[4]).toString()), {});
    assert.deepEqual(JSON.parse(frame.subarray(offsets[4], offsets[5]).toString()), {});
  });

  it('matches jupyter_server’s serializer byte for byte', () => {
    const msg: KernelMessage = {
      header: REPLY_HEADER,
      parent_header: {},
      metadata: { a: 1 },
      content: { status: 'ok' },
      channel: 'shell',
      buffers: [new Uint8Array([1, 2, 3])],
    };
    const expected = pythonStyleV1('shell', [
      Buffer.from(JSON.stringify(REPLY_HEADER)),
      Buffer.from('{}'),
      Buffer.from('{"a":1}'),
      Buffer.from('{"status":"ok"}'),
      Buffer.from([1, 2, 3]),
    ]);
    assert.deepEqual(encodeV1(msg), expected);
  });

  it('round-trips a message with buffers, including a view into a larger buffer', () => {
    const big = new Uint8Array([9, 9, 10, 11, 12, 9, 9]);
    const msg = createMessage('comm_msg', { data: { x: 'é ✓' } }, 's1', 'iopub');
    msg.parent_header = { msg_id: 'parent-1' };
    msg.metadata = { deletedAt: null };
    msg.buffers = [big.subarray(2, 5), new Uint8Array(0), new Uint8Array([255])];
    const back = decodeV1(encodeV1(msg));
    assert.equal(back.channel, 'iopub');
    assert.deepEqual(back.header, msg.header);
    assert.deepEqual(back.parent_header, { msg_id: 'parent-1' });
    assert.deepEqual(back.metadata, { deletedAt: null });
    assert.deepEqual(back.content, { data: { x: 'é ✓' } });
    assert.deepEqual(back.buffers.map((b) => [...b]), [[10, 11, 12], [], [255]]);
  });

  it('decodes from an ArrayBuffer and from a Uint8Array that is a view at an offset', () => {
    const frame = encodeV1(createMessage('status', { execution_state: 'idle' }, 's', 'iopub'));
    const ab = new Uint8Array(frame).buffer; // a copy: an ArrayBuffer holding exactly the frame
    assert.equal(decodeV1(ab).content['execution_state'], 'idle');
    const padded = new Uint8Array(frame.length + 3);
    padded.set(frame, 3);
    assert.equal(decodeV1(padded.subarray(3)).content['execution_state'], 'idle');
  });

  it('reads empty JSON parts as {} (jupyter_server sends b"" for an empty parent header)', () => {
    const frame = pythonStyleV1('iopub', [Buffer.from(JSON.stringify(REPLY_HEADER)), Buffer.alloc(0), Buffer.alloc(0), Buffer.from('{"x":1}')]);
    const m = decodeV1(frame);
    assert.deepEqual(m.parent_header, {});
    assert.deepEqual(m.metadata, {});
    assert.deepEqual(m.content, { x: 1 });
    assert.deepEqual(m.buffers, []);
  });

  const good = pythonStyleV1('shell', [Buffer.from(JSON.stringify(REPLY_HEADER)), Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}')]);
  const withOffset = (i: number, value: number): Buffer => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(BigInt(value), 8 * (i + 1));
    return b;
  };

  it('rejects a frame shorter than its count', () => expectMalformed(new Uint8Array([6, 0, 0]), /shorter than its header/));
  it('rejects an empty frame', () => expectMalformed(new Uint8Array(0), /malformed/));
  it('rejects a count below 6', () => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(5n, 0);
    expectMalformed(b, /bad offset count 5/);
  });
  it('rejects a count larger than the frame', () => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(1000n, 0);
    expectMalformed(b, /bad offset count 1000/);
  });
  it('rejects an absurd count (2^63)', () => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(1n << 63n, 0);
    expectMalformed(b, /bad offset count/);
  });
  it('rejects an offset past the end', () => expectMalformed(withOffset(5, good.length + 1), /offsets out of range/));
  it('rejects offsets going backwards', () => expectMalformed(withOffset(2, 60), /offsets out of range/));
  it('rejects a first offset inside the offset table', () => expectMalformed(withOffset(0, 0), /offsets out of range/));
  it('rejects a JSON part that is not JSON', () => {
    const frame = pythonStyleV1('shell', [Buffer.from('{"msg_type": '), Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}')]);
    expectMalformed(frame, /part 1 is not JSON/);
  });
  it('rejects a message without a header msg_type', () => {
    const frame = pythonStyleV1('shell', [Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}')]);
    expectMalformed(frame, /lacked its header/);
  });
});

describe('kernel/messages: JSON framing (notebook 6.x)', () => {
  it('encodes one JSON text with the channel inside and no buffers', () => {
    const msg = createMessage('execute_request', { code: 'print(1)', silent: false }, 's1');
    msg.buffers = [new Uint8Array([1])];
    const parsed = JSON.parse(encodeJson(msg)) as Record<string, unknown>;
    assert.equal(parsed['channel'], 'shell');
    assert.deepEqual(parsed['buffers'], []);
    assert.deepEqual(parsed['content'], { code: 'print(1)', silent: false });
    assert.deepEqual(parsed['header'], msg.header);
  });

  it('decodes the kernel_info_reply notebook 6.4 sends (extra top-level msg_id/msg_type ignored)', () => {
    const text = JSON.stringify({
      header: REPLY_HEADER,
      msg_id: REPLY_HEADER.msg_id,
      msg_type: 'kernel_info_reply',
      parent_header: { msg_id: 'f7e60af0-1117-497e-ae0a-956db728caf4', msg_type: 'kernel_info_request', session: 'full1' },
      metadata: {},
      content: { status: 'ok', protocol_version: '5.3', implementation: 'ipython' },
      buffers: [],
      channel: 'shell',
    });
    const m = decodeJson(text);
    assert.equal(m.channel, 'shell');
    assert.equal(m.header.msg_type, 'kernel_info_reply');
    assert.equal(m.parent_header.msg_id, 'f7e60af0-1117-497e-ae0a-956db728caf4');
    assert.equal(m.content['protocol_version'], '5.3');
    assert.deepEqual(m.buffers, []);
  });

  it('round-trips encodeJson → decodeJson', () => {
    const msg = createMessage('status', { execution_state: 'busy' }, 's', 'iopub');
    msg.parent_header = { msg_id: 'p' };
    const back = decodeJson(encodeJson(msg));
    assert.deepEqual({ ...back, buffers: [] }, { ...msg, buffers: [] });
  });

  it('fills missing parent_header, metadata and content with {}', () => {
    const m = decodeJson(JSON.stringify({ header: REPLY_HEADER, channel: 'iopub' }));
    assert.deepEqual([m.parent_header, m.metadata, m.content, m.buffers], [{}, {}, {}, []]);
  });

  for (const [what, text] of [
    ['not JSON', '{"header": '],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['no header', '{"channel": "shell", "content": {}}'],
    ['no channel', JSON.stringify({ header: REPLY_HEADER })],
    ['a header without msg_type', '{"channel": "shell", "header": {"msg_id": "x"}}'],
  ] as const) {
    it(`rejects ${what} with UnexpectedReplyError`, () => assert.throws(() => decodeJson(text), UnexpectedReplyError));
  }
});

describe('kernel/messages: legacy binary framing (JSON protocol with buffers)', () => {
  /** As notebook's `serialize_binary_message`: uint32 BE count, uint32 BE start offsets, JSON, buffers. */
  function legacyFrame(msg: object, buffers: Buffer[]): Buffer {
    const parts = [Buffer.from(JSON.stringify(msg)), ...buffers];
    const offsets = [4 * (parts.length + 1)];
    for (const p of parts.slice(0, -1)) offsets.push(offsets[offsets.length - 1]! + p.length);
    const head = Buffer.alloc(4 * (parts.length + 1));
    head.writeUInt32BE(parts.length, 0);
    offsets.forEach((o, i) => head.writeUInt32BE(o, 4 * (i + 1)));
    return Buffer.concat([head, ...parts]);
  }

  it('decodes the JSON message and its buffers', () => {
    const frame = legacyFrame({ header: REPLY_HEADER, parent_header: {}, metadata: {}, content: { a: 1 }, channel: 'iopub' }, [
      Buffer.from([1, 2]),
      Buffer.from([3]),
    ]);
    const m = decodeLegacyBinary(frame);
    assert.equal(m.channel, 'iopub');
    assert.deepEqual(m.content, { a: 1 });
    assert.deepEqual(m.buffers.map((b) => [...b]), [[1, 2], [3]]);
  });

  it('decodes a message without buffers', () => {
    const m = decodeLegacyBinary(legacyFrame({ header: REPLY_HEADER, channel: 'shell' }, []));
    assert.equal(m.header.msg_type, 'kernel_info_reply');
    assert.deepEqual(m.buffers, []);
  });

  it('rejects frames that are too short, have a zero count or a count larger than the frame', () => {
    assert.throws(() => decodeLegacyBinary(new Uint8Array([0, 0])), /too short/);
    assert.throws(() => decodeLegacyBinary(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 8])), /bad count 0/);
    assert.throws(() => decodeLegacyBinary(new Uint8Array([0, 0, 0, 9, 0, 0, 0, 8])), /bad count 9/);
    assert.throws(() => decodeLegacyBinary(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 8, 123])), UnexpectedReplyError);
  });
});
