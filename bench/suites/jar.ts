/**
 * 5c. Memory of a ServerCookieJar holding 1,000 cookies: heap delta (process.memoryUsage().heapUsed after forced
 * GCs, needs --expose-gc; the runner starts this suite with it), median of several fresh jars. Also what a jar
 * that size costs to read and to persist.
 */
import { ServerCookieJar } from '../../src/core/session/cookieJar';
import { info, table } from '../lib/results';
import { fmt, median } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

declare const gc: (() => void) | undefined;

function lines(n: number, salt: number): string[] {
  const far = new Date(Date.now() + 30 * 86_400_000).toUTCString();
  const out = [
    `username-127-0-0-1-8888="2|1:0|10:1795421596|23:username-127-0-0-1-8888|44:ZDk1YjI5ZTk3YTQ2NDk0ZjlhOGM1ZjFiMWU0ZmI2ZmQ=|${salt.toString(16).padStart(64, '0')}"; expires=${far}; HttpOnly; Path=/`,
    `_xsrf=2|4f6d5e3c|9a8b7c6d5e4f30211203f4e5d6c7b8a9|${1795421596 + salt}; expires=${far}; Path=/`,
  ];
  for (let i = 0; out.length < n; i++) out.push(`cookie-${i}=${salt}-${i.toString(16).padStart(8, '0')}-0123456789abcdef0123456789abcdef; expires=${far}; Path=/${i % 10 === 0 ? 'api/' : ''}`);
  return out;
}

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

export async function jar(o: SuiteOptions): Promise<SuiteOutput> {
  if (typeof gc !== 'function') throw new Error('run with node --expose-gc (the runner does)');
  const url = 'http://127.0.0.1:8888/';
  const reps = o.quick ? 3 : 7;
  const deltas: number[] = [];
  const keep: ServerCookieJar[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const l = lines(1000, r);
    const before = heap();
    const j = new ServerCookieJar();
    j.setFromResponse(url, l);
    const after = heap();
    if (j.size !== 1000) throw new Error(`jar holds ${j.size}`);
    keep.push(j);
    if (r > 0) deltas.push(after - before);
  }
  const j = keep[keep.length - 1] as ServerCookieJar;
  const time = (fn: () => unknown, n: number): number => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t0) / n) * 1000;
  };
  time(() => j.cookieHeader(`${url}api/status`), 20);
  const header = time(() => j.cookieHeader(`${url}api/status`), 200);
  time(() => j.serialize(), 5);
  const serialize = time(() => j.serialize(), 30);
  const fill = time(() => new ServerCookieJar().setFromResponse(url, lines(1000, 99)), 5);
  const d = median(deltas);
  o.log(`1,000-cookie jar: ${fmt(d / 1024)} KiB heap`);
  const metrics = [
    info('jar', 'jar: heap held by a ServerCookieJar with 1,000 cookies (median delta)', d / 1024, 'KiB'),
    info('jar', 'jar: heap per cookie', d / 1000, 'bytes'),
    info('jar', 'jar (1,000 cookies): Cookie header for one request', header, 'µs'),
    info('jar', 'jar (1,000 cookies): serialize() (persisting the session)', serialize / 1000, 'ms'),
    info('jar', 'jar: storing 1,000 Set-Cookie lines', fill / 1000, 'ms'),
  ];
  const md = [
    `Heap delta after forced GCs around filling a new jar from 1,000 \`Set-Cookie\` lines (a login cookie, \`_xsrf\`, 998 others; 10% on Path=/api/), ${reps} jars (median). No target; for information.`,
    '',
    table(
      ['figure', 'value'],
      [
        ['heap per 1,000-cookie jar', `${fmt(d / 1024)} KiB (${fmt(d / 1000)} bytes per cookie); runs: ${deltas.map((x) => fmt(x / 1024)).join(', ')} KiB`],
        ['Cookie header for a request (tough-cookie lookup)', `${fmt(header)} µs`],
        ['serialize() — what every cookie change costs when the registry persists the session', `${fmt(serialize / 1000)} ms`],
        ['storing 1,000 Set-Cookie lines', `${fmt(fill / 1000)} ms`],
      ],
    ),
  ].join('\n');
  return { title: '5c. Cookie jar memory', metrics, markdown: md };
}
