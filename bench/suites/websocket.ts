/**
 * 2. Kernel WebSocket: `kernel_info` round trips and a burst of 1,000 `execute_request`s of a trivial statement
 * (`pass`), waiting for every `execute_reply`: ours (KernelChannel over the composed dispatcher) vs the floor
 * (undici's WebSocket with the Cookie header, v1 binary frames built and read by hand) vs the peer
 * (@jupyterlab/services KernelConnection on npm `ws`). All three use the cookie session and the
 * `v1.kernel.websocket.jupyter.org` subprotocol that jupyter-server 1.23 negotiates, on the same kernel; only one
 * contender is connected at a time (a kernel broadcasts iopub to every connection, so an idle second socket in the
 * same process would tax whoever is measured).
 */
import { randomUUID } from 'node:crypto';
import { KernelConnection, type ServerConnection } from '@jupyterlab/services';
import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import { startKernel } from '../../src/core/rest';
import { KernelChannel } from '../../src/core/kernel/channel';
import { V1_SUBPROTOCOL } from '../../src/core/kernel/messages';
import type { JupyterClient } from '../../src/core/transport/client';
import { atMost, info, table, type Metric } from '../lib/results';
import { ourClient, peerSettings, quietConsoleDebug, signedIn, startBenchServer, type CookieSession, stopBenchServers } from '../lib/session';
import { fmt, median, rotation, summarize } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

type Name = 'ours' | 'floor' | 'peer';
const NAMES: readonly Name[] = ['ours', 'floor', 'peer'];
const LABEL: Record<Name, string> = {
  ours: 'ours (KernelChannel)',
  floor: 'floor (undici WebSocket, v1 frames by hand)',
  peer: 'peer (@jupyterlab/services KernelConnection)',
};
const EXECUTE = { code: 'pass', silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: false };

/** A connected contender: one round trip, one burst, close. */
interface Conn {
  kernelInfo(): Promise<void>;
  burst(n: number): Promise<void>;
  close(): Promise<void>;
}

async function ours(client: JupyterClient, kernelId: string): Promise<Conn> {
  const ch = await KernelChannel.open(client, kernelId, { protocol: 'v1' });
  return {
    kernelInfo: async () => {
      await ch.kernelInfo();
    },
    burst: async (n) => {
      await Promise.all(Array.from({ length: n }, () => ch.request('execute_request', EXECUTE, { timeoutMs: 120_000 })));
    },
    close: async () => {
      const closed = new Promise<void>((r) => ch.onClose(() => r()));
      ch.close();
      await closed;
    },
  };
}

// ---- the floor: v1 frames by hand ----
function encodeV1(channel: string, msgType: string, session: string, content: unknown): { id: string; frame: Buffer } {
  const id = randomUUID();
  const header = { msg_id: id, msg_type: msgType, username: 'bench', session, date: new Date().toISOString(), version: '5.3' };
  const parts = [channel, JSON.stringify(header), '{}', '{}', JSON.stringify(content)].map((s) => Buffer.from(s, 'utf8'));
  const head = Buffer.alloc(8 * (parts.length + 2));
  head.writeBigUInt64LE(BigInt(parts.length + 1), 0);
  let off = head.length;
  parts.forEach((p, i) => {
    head.writeBigUInt64LE(BigInt(off), 8 * (i + 1));
    off += p.length;
  });
  head.writeBigUInt64LE(BigInt(off), 8 * (parts.length + 1));
  return { id, frame: Buffer.concat([head, ...parts]) };
}

/** Reads a v1 frame's channel, msg_type and parent msg_id (nothing else). */
function decodeV1(data: ArrayBuffer): { channel: string; msgType: string; parent: string | undefined } {
  const view = new DataView(data);
  const at = (i: number): number => Number(view.getBigUint64(8 * i, true));
  const text = (a: number, b: number): string => Buffer.from(data, a, b - a).toString('utf8');
  const channel = text(at(1), at(2));
  const header = JSON.parse(text(at(2), at(3))) as { msg_type: string };
  const parent = JSON.parse(text(at(3), at(4))) as { msg_id?: string };
  return { channel, msgType: header.msg_type, parent: parent.msg_id };
}

async function floor(server: { url: string }, session: CookieSession, kernelId: string, agent: Agent): Promise<Conn> {
  const url = `ws${server.url.slice(4)}api/kernels/${kernelId}/channels?session_id=${randomUUID()}`;
  const ws = new UndiciWebSocket(url, { protocols: [V1_SUBPROTOCOL], headers: { cookie: session.cookie }, dispatcher: agent });
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('floor WebSocket failed')), { once: true });
  });
  if (ws.protocol !== V1_SUBPROTOCOL) throw new Error(`floor: negotiated "${ws.protocol}"`);
  const waiting = new Map<string, () => void>();
  ws.addEventListener('message', (ev) => {
    const m = decodeV1(ev.data as ArrayBuffer);
    if (m.parent !== undefined && m.msgType.endsWith('_reply')) {
      const done = waiting.get(m.parent);
      if (done) {
        waiting.delete(m.parent);
        done();
      }
    }
  });
  const sessionId = randomUUID();
  const send = (msgType: string, content: unknown): Promise<void> => {
    const { id, frame } = encodeV1('shell', msgType, sessionId, content);
    const p = new Promise<void>((r) => waiting.set(id, r));
    ws.send(frame);
    return p;
  };
  return {
    kernelInfo: () => send('kernel_info_request', {}),
    burst: async (n) => {
      await Promise.all(Array.from({ length: n }, () => send('execute_request', EXECUTE)));
    },
    close: async () => {
      const closed = new Promise<void>((r) => ws.addEventListener('close', () => r(), { once: true }));
      ws.close(1000);
      await closed;
    },
  };
}

async function peer(settings: ServerConnection.ISettings, kernelId: string): Promise<Conn> {
  const k = new KernelConnection({ model: { id: kernelId, name: 'python3' }, serverSettings: settings, handleComms: false });
  await k.info;
  if (k.connectionStatus !== 'connected') throw new Error(`peer: ${k.connectionStatus}`);
  return {
    kernelInfo: async () => {
      const reply = await k.requestKernelInfo();
      if (!reply) throw new Error('peer: no kernel_info_reply');
    },
    burst: async (n) => {
      await Promise.all(
        Array.from({ length: n }, () => {
          const f = k.requestExecute(EXECUTE, true);
          return new Promise<void>((resolve) => {
            f.onReply = () => resolve();
          });
        }),
      );
    },
    close: async () => {
      k.dispose();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

/**
 * jupyter-server 1.23 does not set TCP_NODELAY on kernel WebSockets: its small frames (reply, then iopub status)
 * meet the client's delayed ACK and a sequential round trip takes ~40 ms on Linux loopback whoever the client is.
 * The "nodelay" variant patches the server (config file) to call `set_nodelay(True)` on each kernel WebSocket, so
 * the client's own cost shows; the "stock" variant is what users get.
 */
export const NODELAY_LINES = [
  'from jupyter_server.services.kernels.handlers import ZMQChannelsHandler as _BenchZ',
  '_bench_open = _BenchZ.open',
  'def _bench_open_nodelay(self, *a, **k):',
  '    self.set_nodelay(True)',
  '    return _bench_open(self, *a, **k)',
  '_BenchZ.open = _bench_open_nodelay',
];

interface Variant {
  key: 'nodelay' | 'stock';
  title: string;
  configLines: string[];
  infoPerRound: number;
  rounds: number;
  burstRounds: number;
}

export async function websocket(o: SuiteOptions): Promise<SuiteOutput> {
  quietConsoleDebug();
  const variants: Variant[] = [
    {
      key: 'nodelay',
      title: 'server patched with TCP_NODELAY on kernel WebSockets (client cost visible)',
      configLines: NODELAY_LINES,
      infoPerRound: o.quick ? 60 : 200,
      rounds: o.quick ? 3 : 10,
      burstRounds: o.quick ? 2 : 5,
    },
    { key: 'stock', title: 'stock server (what users get)', configLines: [], infoPerRound: o.quick ? 15 : 30, rounds: o.quick ? 2 : 8, burstRounds: o.quick ? 1 : 3 },
  ];
  const metrics: Metric[] = [];
  const md: string[] = [];
  for (const v of variants) {
    const r = await runVariant(o, v);
    metrics.push(...r.metrics);
    md.push(`\n**${v.title}**\n`, r.markdown);
  }
  return { title: '2. Kernel WebSocket', metrics, markdown: md.join('\n') };
}

async function runVariant(o: SuiteOptions, v: Variant): Promise<{ metrics: Metric[]; markdown: string }> {
  const server = await startBenchServer({ configLines: v.configLines });
  const client = ourClient(server);
  const floorAgent = new Agent();
  const peerAgent = new Agent({ keepAliveTimeout: 10_000 });
  try {
    const session = await signedIn(client);
    const kernel = await startKernel(client);
    const settings = peerSettings(server, session, peerAgent);
    const open: Record<Name, () => Promise<Conn>> = {
      ours: () => ours(client, kernel.id),
      floor: () => floor(server, session, kernel.id, floorAgent),
      peer: () => peer(settings, kernel.id),
    };
    const { rounds, infoPerRound, burstRounds } = v;
    const burstN = 1000;
    const lat: Record<Name, number[]> = { ours: [], floor: [], peer: [] };
    const roundMed: Record<Name, number[]> = { ours: [], floor: [], peer: [] };
    const burstMs: Record<Name, number[]> = { ours: [], floor: [], peer: [] };
    const cpu: Record<Name, { us: number; n: number }> = { ours: { us: 0, n: 0 }, floor: { us: 0, n: 0 }, peer: { us: 0, n: 0 } };
    for (let r = 0; r <= rounds; r++) {
      for (const name of rotation(NAMES, r)) {
        const c = await open[name]();
        try {
          for (let i = 0; i < 5; i++) await c.kernelInfo(); // settle after connecting
          const l: number[] = [];
          const cpu0 = process.cpuUsage();
          for (let i = 0; i < infoPerRound; i++) {
            const s = performance.now();
            await c.kernelInfo();
            l.push(performance.now() - s);
          }
          const used = process.cpuUsage(cpu0);
          if (r > 0) {
            lat[name].push(...l);
            roundMed[name].push(median(l));
            cpu[name].us += used.user + used.system;
            cpu[name].n += l.length;
          }
          if (r > 0 && r <= burstRounds) {
            const s = performance.now();
            await c.burst(burstN);
            burstMs[name].push(performance.now() - s);
          }
        } finally {
          await c.close();
        }
      }
      o.log(`${v.key}: round ${r}/${rounds}`);
    }
    const sum = Object.fromEntries(NAMES.map((n) => [n, summarize(lat[n])])) as Record<Name, ReturnType<typeof summarize>>;
    const burst = Object.fromEntries(NAMES.map((n) => [n, median(burstMs[n])])) as Record<Name, number>;
    const paired = roundMed.ours.map((m, i) => m / (roundMed.floor[i] as number));
    const k = `websocket (${v.key})`;
    const metrics: Metric[] = [
      atMost('websocket', `${k} kernel_info round trip: ours / floor, median`, sum.ours.median / sum.floor.median, 'x', 1.1, '≤ 1.10x'),
      atMost('websocket', `${k} kernel_info round trip: ours / @jupyterlab/services, median`, sum.ours.median / sum.peer.median, 'x', 1, '< 1.00x (faster than the peer)'),
      atMost('websocket', `${k} 1,000 execute_request burst: ours / floor, median wall time`, burst.ours / burst.floor, 'x', 1.1, '≤ 1.10x'),
      atMost('websocket', `${k} 1,000 execute_request burst: ours / @jupyterlab/services, median wall time`, burst.ours / burst.peer, 'x', 1, '< 1.00x (faster than the peer)'),
    ];
    for (const m of metrics) if (m.target?.startsWith('<') && m.value !== null) m.met = m.value < 1;
    for (const n of NAMES) {
      metrics.push(
        info('websocket', `${k} kernel_info: ${n} median round trip`, sum[n].median, 'ms'),
        info('websocket', `${k} kernel_info: ${n} p99 round trip`, sum[n].p99, 'ms'),
        info('websocket', `${k} kernel_info: ${n} client CPU per round trip`, cpu[n].us / cpu[n].n, 'µs'),
        info('websocket', `${k} execute burst: ${n} median wall time for 1,000`, burst[n], 'ms'),
        info('websocket', `${k} execute burst: ${n} throughput`, (burstN / burst[n]) * 1000, 'msgs/s'),
      );
    }
    const md = [
      `One python3 kernel (ipykernel 6.17) on jupyter-server 1.23, cookie session, subprotocol \`${V1_SUBPROTOCOL}\` for all. ` +
        `${rounds} rounds × ${infoPerRound} sequential \`kernel_info_request\`s per contender (after one warm-up round and 5 settling round trips per connection), ` +
        `${burstRounds} bursts of ${burstN} \`execute_request\` (\`pass\`) per contender, all sent at once, timed until the last \`execute_reply\`. Contenders rotated each round; one connection at a time.`,
      '',
      table(
        ['contender', 'kernel_info median ms', 'p99 ms', 'client CPU µs/round trip', 'vs floor', '1,000 executes: median ms', 'msgs/s', 'vs floor'],
        NAMES.map((n) => [
          LABEL[n],
          fmt(sum[n].median),
          fmt(sum[n].p99),
          fmt(cpu[n].us / cpu[n].n),
          `${fmt(sum[n].median / sum.floor.median)}x`,
          fmt(burst[n]),
          fmt((burstN / burst[n]) * 1000),
          `${fmt(burst[n] / burst.floor)}x`,
        ]),
      ),
      '',
      `ours/floor per round (kernel_info median): ${fmt(Math.min(...paired))}–${fmt(Math.max(...paired))}x, median ${fmt(median(paired))}x. ` +
        `Bursts (ms): ${NAMES.map((n) => `${n} ${burstMs[n].map((x) => fmt(x)).join(', ')}`).join('; ')}.`,
    ].join('\n');
    o.log(`${v.key}: kernel_info median ours ${fmt(sum.ours.median)} floor ${fmt(sum.floor.median)} peer ${fmt(sum.peer.median)} ms; burst ours ${fmt(burst.ours)} floor ${fmt(burst.floor)} peer ${fmt(burst.peer)} ms`);
    return { metrics, markdown: md };
  } finally {
    await client.close();
    await floorAgent.close();
    await peerAgent.close();
    await stopBenchServers();
  }
}
