import { randomUUID } from 'node:crypto';
import { UnexpectedReplyError } from '../util/errors';

/** Jupyter messaging protocol 5.x, as carried on a kernel's `channels` WebSocket. */
export type Channel = 'shell' | 'iopub' | 'stdin' | 'control' | 'hb';

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  username: string;
  session: string;
  date: string;
  version: string;
}

export interface KernelMessage<C = Record<string, unknown>> {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  channel: Channel;
  buffers: Uint8Array[];
}

export const PROTOCOL_VERSION = '5.3';
export const V1_SUBPROTOCOL = 'v1.kernel.websocket.jupyter.org';

export function createMessage<C extends Record<string, unknown>>(
  msgType: string,
  content: C,
  session: string,
  channel: Channel = 'shell',
  username = 'secure-jupyter-connections',
): KernelMessage<C> {
  return {
    header: { msg_id: randomUUID(), msg_type: msgType, username, session, date: new Date().toISOString(), version: PROTOCOL_VERSION },
    parent_header: {},
    metadata: {},
    content,
    channel,
    buffers: [],
  };
}

/** The legacy JSON framing (notebook 6.x): one text frame, the channel inside. Binary buffers are not sent. */
export function encodeJson(msg: KernelMessage<unknown>): string {
  const { buffers: _buffers, ...rest } = msg;
  return JSON.stringify({ ...rest, buffers: [] });
}

export function decodeJson(text: string): KernelMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UnexpectedReplyError('A kernel message was not valid JSON.', { cause: err });
  }
  return checkMessage(parsed);
}

/**
 * v1 binary framing: uint64 LE count n, n uint64 LE offsets, then channel, header, parent_header, metadata,
 * content (JSON bytes) and the buffers; the last offset is the end of the frame.
 */
export function encodeV1(msg: KernelMessage<unknown>): Buffer {
  const parts: Buffer[] = [
    Buffer.from(msg.channel, 'utf8'),
    Buffer.from(JSON.stringify(msg.header), 'utf8'),
    Buffer.from(JSON.stringify(msg.parent_header), 'utf8'),
    Buffer.from(JSON.stringify(msg.metadata), 'utf8'),
    Buffer.from(JSON.stringify(msg.content), 'utf8'),
    ...msg.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  ];
  const n = parts.length + 1;
  const head = Buffer.alloc(8 * (n + 1));
  head.writeBigUInt64LE(BigInt(n), 0);
  let offset = head.length;
  for (let i = 0; i < parts.length; i++) {
    head.writeBigUInt64LE(BigInt(offset), 8 * (i + 1));
    offset += (parts[i] as Buffer).length;
  }
  head.writeBigUInt64LE(BigInt(offset), 8 * n);
  return Buffer.concat([head, ...parts]);
}

export function decodeV1(data: ArrayBuffer | Uint8Array): KernelMessage {
  const buf = data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
  const fail = (why: string): never => {
    throw new UnexpectedReplyError(`A binary kernel message was malformed (${why}).`);
  };
  if (buf.length < 8) fail('shorter than its header');
  const n = Number(buf.readBigUInt64LE(0));
  if (n < 6 || 8 * (n + 1) > buf.length) fail(`bad offset count ${n}`);
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(Number(buf.readBigUInt64LE(8 * (i + 1))));
  // The channel starts after the offset table; an offset into the table would read it as the channel name.
  if ((offsets[0] as number) < 8 * (n + 1)) fail('offsets out of range');
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    const start = offsets[i] as number;
    const end = offsets[i + 1] as number;
    if (start > end || end > buf.length) fail('offsets out of range');
    parts.push(buf.subarray(start, end));
  }
  const json = (i: number): unknown => {
    const part = parts[i];
    if (!part || part.length === 0) return {};
    try {
      return JSON.parse(part.toString('utf8'));
    } catch {
      return fail(`part ${i} is not JSON`);
    }
  };
  return checkMessage({
    channel: parts[0]?.toString('utf8'),
    header: json(1),
    parent_header: json(2),
    metadata: json(3),
    content: json(4),
    buffers: parts.slice(5).map((p) => new Uint8Array(p)),
  });
}

function checkMessage(value: unknown): KernelMessage {
  const m = value as Partial<KernelMessage> | null;
  if (!m || typeof m !== 'object' || !m.header || typeof m.header.msg_type !== 'string' || typeof m.channel !== 'string') {
    throw new UnexpectedReplyError('A kernel message lacked its header or channel.');
  }
  return {
    header: m.header,
    parent_header: m.parent_header ?? {},
    metadata: m.metadata ?? {},
    content: (m.content ?? {}) as Record<string, unknown>,
    channel: m.channel,
    buffers: Array.isArray(m.buffers) ? m.buffers.filter((b): b is Uint8Array => b instanceof Uint8Array) : [],
  };
}

/**
 * The legacy binary framing the JSON protocol uses for messages with buffers: uint32 BE count n, n uint32 BE
 * offsets; part 0 is the JSON message, the rest are its buffers.
 */
export function decodeLegacyBinary(data: ArrayBuffer | Uint8Array): KernelMessage {
  const buf = data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
  if (buf.length < 4) throw new UnexpectedReplyError('A binary kernel message was malformed (too short).');
  const n = buf.readUInt32BE(0);
  if (n < 1 || 4 * (n + 1) > buf.length) throw new UnexpectedReplyError(`A binary kernel message was malformed (bad count ${n}).`);
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(buf.readUInt32BE(4 * (i + 1)));
  offsets.push(buf.length);
  const parts = offsets.slice(0, -1).map((start, i) => buf.subarray(start, offsets[i + 1]));
  const msg = decodeJson((parts[0] ?? Buffer.alloc(0)).toString('utf8'));
  msg.buffers = parts.slice(1).map((p) => new Uint8Array(p));
  return msg;
}
