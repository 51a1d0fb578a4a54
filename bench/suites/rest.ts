/**
 * 1. REST on a cookie session with XSRF: this project's JupyterClient vs the floor (undici `request` on a
 * kept-alive Pool with hand-set Cookie and X-XSRFToken headers) vs the peer (@jupyterlab/services
 * `ServerConnection.makeRequest` on undici's fetch). All three use the same login cookie and `_xsrf`.
 *
 * Operations: `GET api/status` (a cookie-authenticated read) and an XSRF-protected write pair, `POST
 * api/contents/<dir>` (a new untitled file) + `DELETE` of that file: harmless (a few bytes on a temp disk,
 * nothing left behind), cheap next to a kernel start, and each concurrent worker has its own dir so the server's
 * untitled-name search stays short.
 */
import { ServerConnection } from '@jupyterlab/services';
import { Agent, type Pool } from 'undici';
import type { JupyterClient } from '../../src/core/transport/client';
import { atMost, info, table, type Metric } from '../lib/results';
import { floorPool, ourClient, peerSettings, signedIn, startBenchServer, type CookieSession, stopBenchServers } from '../lib/session';
import { fmt, median, rotation, summarize } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

type Name = 'ours' | 'floor' | 'peer';
const NAMES: readonly Name[] = ['ours', 'floor', 'peer'];
const LABEL: Record<Name, string> = {
  ours: 'ours (JupyterClient)',
  floor: 'floor (undici Pool, hand-set headers)',
  peer: 'peer (@jupyterlab/services makeRequest)',
};

interface Contender {
  get(): Promise<void>;
  pair(dir: string): Promise<void>;
}

interface Cell {
  lat: number[];
  /** Requests per second of each round. */
  rps: number[];
  /** Median latency of each round (for paired ratios). */
  roundMedians: number[];
  cpuUs: number;
  requests: number;
}

const enc = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

function ours(client: JupyterClient): Contender {
  return {
    get: async () => {
      await client.json('GET', 'api/status');
    },
    pair: async (dir) => {
      const m = await client.json<{ path: string }>('POST', `api/contents/${dir}`, { json: { type: 'file', ext: '.txt' } });
      await client.request('DELETE', `api/contents/${enc(m.path)}`);
    },
  };
}

function floor(pool: Pool, s: CookieSession): Contender {
  const read = { cookie: s.cookie, accept: 'application/json' };
  const write = { ...read, 'x-xsrftoken': s.xsrf, 'content-type': 'application/json' };
  return {
    get: async () => {
      const r = await pool.request({ path: '/api/status', method: 'GET', headers: read });
      const text = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`floor GET ${r.statusCode}`);
      JSON.parse(text);
    },
    pair: async (dir) => {
      const r = await pool.request({ path: `/api/contents/${dir}`, method: 'POST', headers: write, body: JSON.stringify({ type: 'file', ext: '.txt' }) });
      const m = JSON.parse(await r.body.text()) as { path: string };
      if (r.statusCode !== 201) throw new Error(`floor POST ${r.statusCode}`);
      const d = await pool.request({ path: `/api/contents/${enc(m.path)}`, method: 'DELETE', headers: write });
      await d.body.text();
      if (d.statusCode !== 204) throw new Error(`floor DELETE ${d.statusCode}`);
    },
  };
}

function peer(base: string, settings: ServerConnection.ISettings): Contender {
  return {
    get: async () => {
      const res = await ServerConnection.makeRequest(`${base}api/status`, {}, settings);
      if (res.status !== 200) throw new Error(`peer GET ${res.status}`);
      await res.json();
    },
    pair: async (dir) => {
      const res = await ServerConnection.makeRequest(`${base}api/contents/${dir}`, { method: 'POST', body: JSON.stringify({ type: 'file', ext: '.txt' }) }, settings);
      if (res.status !== 201) throw new Error(`peer POST ${res.status}: ${await res.text()}`);
      const m = (await res.json()) as { path: string };
      const d = await ServerConnection.makeRequest(`${base}api/contents/${enc(m.path)}`, { method: 'DELETE' }, settings);
      if (d.status !== 204) throw new Error(`peer DELETE ${d.status}`);
      await d.text();
    },
  };
}

export async function rest(o: SuiteOptions): Promise<SuiteOutput> {
  const server = await startBenchServer();
  const client = ourClient(server);
  const pool = floorPool(server);
  const peerAgent = new Agent({ keepAliveTimeout: 10_000 });
  try {
    const version = await client.probeVersion();
    const session = await signedIn(client);
    for (let w = 0; w < 16; w++) await client.request('PUT', `api/contents/bench-w${w}`, { json: { type: 'directory' } });
    const contenders: Record<Name, Contender> = {
      ours: ours(client),
      floor: floor(pool, session),
      peer: peer(server.url, peerSettings(server, session, peerAgent)),
    };
    const rounds = o.quick ? 3 : 12;
    const plans = [
      { op: 'get' as const, conc: 1, perWorker: o.quick ? 100 : 300 },
      { op: 'get' as const, conc: 16, perWorker: o.quick ? 10 : 40 },
      { op: 'pair' as const, conc: 1, perWorker: o.quick ? 25 : 60 },
      { op: 'pair' as const, conc: 16, perWorker: o.quick ? 3 : 8 },
    ];
    const metrics: Metric[] = [];
    const md: string[] = [];
    md.push(
      `Server: jupyter-server ${version} on 127.0.0.1, password login; one cookie session (login cookie + \`_xsrf\`) shared by all three. ` +
        `${rounds} measured rounds after one warm-up round, contenders rotated each round (A B C, B C A, …). ` +
        'GET = `GET api/status`; pair = `POST api/contents/<dir>` (new untitled file, XSRF-protected) + `DELETE` of it, timed as one operation. ' +
        'Latency per operation; req/s = operations per second per round (median of rounds); client CPU = this process\'s user+system CPU per operation.',
    );
    for (const plan of plans) {
      const cells = Object.fromEntries(NAMES.map((n) => [n, { lat: [], rps: [], roundMedians: [], cpuUs: 0, requests: 0 } as Cell])) as Record<Name, Cell>;
      for (let r = 0; r <= rounds; r++) {
        for (const name of rotation(NAMES, r)) {
          const c = contenders[name];
          const lat: number[] = [];
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          await Promise.all(
            Array.from({ length: plan.conc }, async (_, w) => {
              const dir = `bench-w${w}`;
              for (let i = 0; i < plan.perWorker; i++) {
                const s = performance.now();
                if (plan.op === 'get') await c.get();
                else await c.pair(dir);
                lat.push(performance.now() - s);
              }
            }),
          );
          const elapsed = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          if (r === 0) continue; // warm-up
          const cell = cells[name];
          cell.lat.push(...lat);
          cell.rps.push((lat.length / elapsed) * 1000);
          cell.roundMedians.push(median(lat));
          cell.cpuUs += cpu.user + cpu.system;
          cell.requests += lat.length;
        }
      }
      const opName = plan.op === 'get' ? 'GET api/status' : 'POST+DELETE contents (XSRF)';
      const key = `rest ${plan.op === 'get' ? 'GET' : 'POST+DELETE'} c=${plan.conc}`;
      const sum = Object.fromEntries(NAMES.map((n) => [n, summarize(cells[n].lat)])) as Record<Name, ReturnType<typeof summarize>>;
      const rps = Object.fromEntries(NAMES.map((n) => [n, median(cells[n].rps)])) as Record<Name, number>;
      const cpu = Object.fromEntries(NAMES.map((n) => [n, cells[n].cpuUs / cells[n].requests])) as Record<Name, number>;
      const vsFloor = sum.ours.median / sum.floor.median;
      const vsPeer = sum.ours.median / sum.peer.median;
      const paired = cells.ours.roundMedians.map((m, i) => m / (cells.floor.roundMedians[i] as number));
      md.push(
        `\n**${opName}, concurrency ${plan.conc}** (${cells.ours.requests} operations per contender)\n\n` +
          table(
            ['contender', 'median ms', 'p99 ms', 'ops/s', 'client CPU µs/op', 'median vs floor'],
            NAMES.map((n) => [LABEL[n], fmt(sum[n].median), fmt(sum[n].p99), fmt(rps[n]), fmt(cpu[n]), `${fmt(sum[n].median / sum.floor.median)}x`]),
          ) +
          `\n\nours/floor per round (median latency): ${fmt(Math.min(...paired))}–${fmt(Math.max(...paired))}x, median ${fmt(median(paired))}x.`,
      );
      metrics.push(
        atMost('rest', `${key}: ours / floor, median latency`, vsFloor, 'x', 1.1, '≤ 1.10x'),
        atMost('rest', `${key}: ours / @jupyterlab/services, median latency`, vsPeer, 'x', 1, '< 1.00x (faster than the peer)'),
      );
      for (const n of NAMES) {
        metrics.push(
          info('rest', `${key}: ${n} median latency`, sum[n].median, 'ms'),
          info('rest', `${key}: ${n} p99 latency`, sum[n].p99, 'ms'),
          info('rest', `${key}: ${n} throughput`, rps[n], 'ops/s'),
          info('rest', `${key}: ${n} client CPU per op`, cpu[n], 'µs'),
        );
      }
      // A "< 1.00x" target is met only when strictly faster.
      const last = metrics.find((m) => m.name === `${key}: ours / @jupyterlab/services, median latency`);
      if (last && last.value !== null) last.met = last.value < 1;
      o.log(`${key}: ours ${fmt(sum.ours.median)} ms, floor ${fmt(sum.floor.median)} ms, peer ${fmt(sum.peer.median)} ms`);
    }
    return { title: '1. REST on a cookie session with XSRF', metrics, markdown: md.join('\n') };
  } finally {
    await client.close();
    await pool.close();
    await peerAgent.close();
    await stopBenchServers();
  }
}
