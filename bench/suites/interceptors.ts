/**
 * 5b. CPU cost per request of the cookie / XSRF / auth interceptors with 50 cookies in the jar, on their own: the
 * same interceptor chain as src/core/transport/dispatcher.ts (logging at info level, handshake log, XSRF, cookies,
 * auth, origin guard) composed over a stub dispatcher that answers at once, minus the bare stub, by
 * process.cpuUsage over many dispatches. Then the whole JupyterClient request path (session preparation,
 * interceptors, reply parsing) against the same stub, minus undici `request` on the bare stub with hand-set headers:
 * the client's own CPU per request, which the real-server REST ratio shows diluted.
 */
import { Cookie } from 'tough-cookie';
import type { Dispatcher } from 'undici';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { ServerCookieJar } from '../../src/core/session/cookieJar';
import { passwordCredential } from '../../src/core/session/credentials';
import { ServerAuth } from '../../src/core/session/serverAuth';
import { JupyterClient } from '../../src/core/transport/client';
import { HandshakeLog } from '../../src/core/transport/handshakes';
import { authInterceptor, cookieInterceptor, loggingInterceptor, originGuard, xsrfInterceptor } from '../../src/core/transport/interceptors';
import { Logger } from '../../src/core/util/log';
import { atMost, info, table, type Metric } from '../lib/results';
import { fmt, median } from '../lib/stats';
import { StubDispatcher, noopHandler } from '../lib/stub';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

const ORIGIN = 'http://127.0.0.1:8888';
const logger = new Logger({ log: () => undefined }, 'info');

/** A jar with a login cookie, `_xsrf` and `n - 2` other cookies, all applying to the server's URLs. */
export function jarWith(n: number): ServerCookieJar {
  const jar = new ServerCookieJar();
  const url = `${ORIGIN}/`;
  const far = new Date(Date.now() + 30 * 86_400_000).toUTCString();
  const lines = [
    `username-127-0-0-1-8888="2|1:0|10:1795421596|23:username-127-0-0-1-8888|44:ZDk1YjI5ZTk3YTQ2NDk0ZjlhOGM1ZjFiMWU0ZmI2ZmQ=|0f3c9e1d2b4a59687a8b9c0d1e2f30415263748596a7b8c9d0e1f2a3b4c5d6e7"; expires=${far}; HttpOnly; Path=/`,
    `_xsrf=2|4f6d5e3c|9a8b7c6d5e4f30211203f4e5d6c7b8a9|1795421596; expires=${far}; Path=/`,
  ];
  for (let i = 0; i < n - 2; i++) lines.push(`app-cookie-${i}=v${i.toString(16).padStart(6, '0')}abcdef0123456789; expires=${far}; Path=/`);
  jar.setFromResponse(url, lines);
  if (jar.cookiesFor(`${url}api/status`).length !== n) throw new Error(`jar holds ${jar.cookiesFor(`${url}api/status`).length} cookies, wanted ${n}`);
  return jar;
}

function session(n: number): ServerAuth {
  return new ServerAuth(endpointFromUrl(`${ORIGIN}/`), passwordCredential('bench-password-1'), 'cookie', jarWith(n), logger);
}

type Interceptor = (d: Dispatcher.Dispatch) => Dispatcher.Dispatch;

function chain(s: ServerAuth, only?: string): Dispatcher {
  const all: [string, Interceptor][] = [
    ['logging (info level)', loggingInterceptor(logger)],
    ['handshake log', new HandshakeLog().interceptor()],
    ['xsrf', xsrfInterceptor(s)],
    ['cookie', cookieInterceptor(s)],
    ['auth', authInterceptor(s)],
    ['origin guard', originGuard(s.endpoint)],
  ];
  return new StubDispatcher(true).compose(...all.filter(([n]) => only === undefined || n === only).map(([, i]) => i));
}

/** CPU µs per call of `fn`, best of `reps` runs of `n` calls (the least disturbed by other processes). */
function cpuPerCall(fn: () => void, n: number, reps: number): { best: number; median: number } {
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const c = process.cpuUsage(c0);
    runs.push((c.user + c.system) / n);
  }
  return { best: Math.min(...runs), median: median(runs) };
}

async function cpuPerAsyncCall(fn: () => Promise<unknown>, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

export async function interceptors(o: SuiteOptions): Promise<SuiteOutput> {
  const N = o.quick ? 2_000 : 5_000;
  const reps = o.quick ? 5 : 9;
  const opts = (method: Dispatcher.HttpMethod): Dispatcher.DispatchOptions => ({
    origin: ORIGIN,
    path: '/api/status',
    method,
    headers: { accept: 'application/json, text/html;q=0.9, */*;q=0.8' },
  });
  const bare = new StubDispatcher(true);
  const rows: (string | number)[][] = [];
  const metrics: Metric[] = [];
  const results: Record<string, number> = {};
  for (const n of [50, 2]) {
    const s = session(n);
    const composed = chain(s);
    for (const method of ['GET', 'POST'] as const) {
      const o1 = opts(method);
      // warm up both
      cpuPerCall(() => composed.dispatch(o1, noopHandler), N, 2);
      cpuPerCall(() => bare.dispatch(o1, noopHandler), N, 2);
      const withChain = cpuPerCall(() => composed.dispatch(o1, noopHandler), N, reps);
      const base = cpuPerCall(() => bare.dispatch(o1, noopHandler), N, reps);
      const cost = withChain.median - base.median;
      results[`${n}-${method}`] = cost;
      rows.push([`${n} cookies, ${method}`, fmt(withChain.median), fmt(base.median), fmt(cost), fmt(withChain.best - base.best)]);
    }
  }
  metrics.push(
    atMost('interceptors', 'interceptors: CPU per request, 50 cookies in the jar (GET)', results['50-GET'] ?? null, 'µs', 20, '< 20 µs'),
    atMost('interceptors', 'interceptors: CPU per request, 50 cookies in the jar (POST)', results['50-POST'] ?? null, 'µs', 20, '< 20 µs'),
    info('interceptors', 'interceptors: CPU per request, 2 cookies (login + _xsrf), GET', results['2-GET'] ?? null, 'µs'),
  );
  // One interceptor at a time (50 cookies, GET).
  const s50 = session(50);
  const each: (string | number)[][] = [];
  for (const name of ['logging (info level)', 'handshake log', 'xsrf', 'cookie', 'auth', 'origin guard']) {
    const d = chain(s50, name);
    const o1 = opts('GET');
    cpuPerCall(() => d.dispatch(o1, noopHandler), N, 2);
    const c = cpuPerCall(() => d.dispatch(o1, noopHandler), N, reps).median - cpuPerCall(() => bare.dispatch(o1, noopHandler), N, reps).median;
    each.push([name, fmt(c)]);
    metrics.push(info('interceptors', `interceptors: ${name} alone, 50 cookies, GET`, c, 'µs'));
  }
  // The jar lookups the session does per request outside the interceptors (prepare: login cookie, renewal, _xsrf).
  const jar50 = jarWith(50);
  const url = new URL(`${ORIGIN}/api/status`);
  cpuPerCall(() => jar50.cookiesFor(url), N, 2);
  const lookup = cpuPerCall(() => jar50.cookiesFor(url), N, reps).median;
  const lookup2 = (() => {
    const j = jarWith(2);
    cpuPerCall(() => j.cookiesFor(url), N, 2);
    return cpuPerCall(() => j.cookiesFor(url), N, reps).median;
  })();
  // A miss: a new path each time (more paths than the memo holds), so every call walks the jar in tough-cookie.
  const paths = Array.from({ length: 256 }, (_, i) => `${ORIGIN}/api/contents/file-${i}.txt`);
  let p = 0;
  const miss = (): void => {
    jar50.cookieHeader(paths[p++ & 255] ?? ORIGIN);
  };
  cpuPerCall(miss, N, 2);
  const lookupMiss = cpuPerCall(miss, N, reps).median;
  metrics.push(
    info('interceptors', 'jar: one cookiesFor() lookup, 50 cookies', lookup, 'µs'),
    info('interceptors', 'jar: one cookiesFor() lookup, 2 cookies', lookup2, 'µs'),
    info('interceptors', 'jar: Cookie header for a path not memoised yet, 50 cookies', lookupMiss, 'µs'),
  );

  // The whole client path against the stub vs undici request on the bare stub (hand-set headers).
  const clientRows: (string | number)[][] = [];
  for (const n of [2, 50]) {
    const client = new JupyterClient({ endpoint: endpointFromUrl(`${ORIGIN}/`), credential: passwordCredential('bench-password-1'), mode: 'cookie', jar: jarWith(n), logger });
    const s = client.auth;
    const stubbed = new StubDispatcher(false).compose(
      loggingInterceptor(client.log),
      new HandshakeLog().interceptor(),
      xsrfInterceptor(s),
      cookieInterceptor(s),
      authInterceptor(s),
      originGuard(s.endpoint),
    );
    // The bench reaches into the client's private transport to swap the socket for the stub (same interceptors).
    (client as unknown as { transport: { dispatcher: Dispatcher; handshakes: HandshakeLog; close(): Promise<void> } }).transport = {
      dispatcher: stubbed,
      handshakes: new HandshakeLog(),
      close: async () => undefined,
    };
    const plain = new StubDispatcher(false);
    const cookie = s.jar.cookieHeader(url);
    const xsrf = s.jar.xsrfToken(url) ?? '';
    const ours = async (): Promise<void> => {
      await client.json('GET', 'api/status');
    };
    const floor = async (): Promise<void> => {
      const r = await plain.request({ origin: ORIGIN, path: '/api/status', method: 'GET', headers: { cookie, accept: 'application/json' } });
      JSON.parse(await r.body.text());
    };
    const oursPost = async (): Promise<void> => {
      await client.json('POST', 'api/status', { json: { type: 'file' } });
    };
    const floorPost = async (): Promise<void> => {
      const r = await plain.request({ origin: ORIGIN, path: '/api/status', method: 'POST', headers: { cookie, 'x-xsrftoken': xsrf, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'file' }) });
      JSON.parse(await r.body.text());
    };
    const M = o.quick ? 1_500 : 3_000;
    for (const f of [ours, floor, oursPost, floorPost]) await cpuPerAsyncCall(f, M / 5);
    const runs = { ours: [] as number[], floor: [] as number[], oursPost: [] as number[], floorPost: [] as number[] };
    for (let r = 0; r < (o.quick ? 3 : 5); r++) {
      runs.ours.push(await cpuPerAsyncCall(ours, M));
      runs.floor.push(await cpuPerAsyncCall(floor, M));
      runs.oursPost.push(await cpuPerAsyncCall(oursPost, M));
      runs.floorPost.push(await cpuPerAsyncCall(floorPost, M));
    }
    const g = median(runs.ours) - median(runs.floor);
    const p = median(runs.oursPost) - median(runs.floorPost);
    clientRows.push([`${n} cookies`, fmt(median(runs.ours)), fmt(median(runs.floor)), fmt(g), fmt(median(runs.oursPost)), fmt(median(runs.floorPost)), fmt(p)]);
    metrics.push(
      info('interceptors', `client: JupyterClient CPU per GET over undici request, ${n} cookies (stub server)`, g, 'µs'),
      info('interceptors', `client: JupyterClient CPU per POST over undici request, ${n} cookies (stub server)`, p, 'µs'),
    );
    await client.close();
  }
  for (const m of metrics) if (m.target === '< 20 µs' && m.value !== null) m.met = m.value < 20;
  o.log(`interceptors, 50 cookies: GET ${fmt(results['50-GET'])} µs, POST ${fmt(results['50-POST'])} µs`);
  const md = [
    `process.cpuUsage over ${N.toLocaleString('en-US')} synchronous dispatches per run, ${reps} runs (median; the "best" column is the least disturbed run), the chain of src/core/transport/dispatcher.ts over a stub that answers in the same tick, minus the bare stub. Logger at info level (debug off, as shipped).`,
    '',
    table(['jar, method', 'chain µs/dispatch', 'bare stub µs', 'interceptors µs (median)', 'interceptors µs (best runs)'], rows),
    '',
    'One interceptor at a time (50 cookies, GET), µs per dispatch:',
    '',
    table(['interceptor', 'µs'], each),
    '',
    `One \`ServerCookieJar.cookiesFor()\` (memoised per scheme, host and path until the jar changes or its earliest cookie expires): ${fmt(lookup)} µs with 50 cookies, ${fmt(lookup2)} µs with 2; ` +
      `a Cookie header for a path not memoised yet: ${fmt(lookupMiss)} µs with 50 cookies (tough-cookie's \`getCookiesSync\` walks the jar; its \`expiryTime()\`, called for every cookie that applies, formats the Expires date as a string). ` +
      'A request asks 3 to 5 times (login cookie, its expiry for renewal, `_xsrf` on writes, and the XSRF and cookie interceptors), all but the first of them hits.',
    '',
    'The whole client: `JupyterClient.json()` (prepare + interceptors + reply parsing) over the same chain on a stub answering on the next turn, vs undici `request` on the bare stub with hand-set headers, CPU µs per request:',
    '',
    table(['jar', 'ours GET', 'undici GET', 'ours − undici', 'ours POST', 'undici POST', 'ours − undici'], clientRows),
  ].join('\n');
  return { title: '5b. Interceptor and client CPU per request', metrics, markdown: md };
}

// Keep tough-cookie's Cookie referenced for readers wondering what the jar stores.
export type { Cookie };
