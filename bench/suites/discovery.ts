/**
 * 4. Discovery at scale: a runtime dir with 10,000 runtime files of which 100 are live.
 *  - live = the file's pid is a real running process (100 spawned `sleep`s, one per file, since the pid is in the
 *    file name) and its URL answers as Jupyter (one real jupyter-server 1.23; all 100 files point at it);
 *  - dead = 9,900 files with pids 40000–49899, above this machine's pid_max (32768), so they are dead by
 *    construction (no recycled pid can make one live mid-run); `kill(pid, 0)` answers ESRCH exactly as for any
 *    process that exited.
 * Full scan time, cold (a new RuntimeScanner: every file read and parsed, every live one probed) and warm (the
 * same scanner again: a stat per file, cached probe answers), in the two modes the code uses: the extension's
 * (`parseStale: false`: dead pids' files are not read) and the CLI's (`parseStale: true`). Then the delay from a
 * new server's file appearing to the DiscoveryWatcher (extension options) listing it as live.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeScanner, type DiscoveredServer, type ScanOptions } from '../../src/core/discovery/scanner';
import { DiscoveryWatcher } from '../../src/core/discovery/watcher';
import { atMost, info, table, type Metric } from '../lib/results';
import { benchJupyter, stopBenchServers } from '../lib/session';
import { fmt, sleep, summarize } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

const TOTAL = 10_000;
const LIVE = 100;

function spawnSleeper(): ChildProcess {
  const child = spawn('sleep', ['900'], { stdio: 'ignore' });
  if (!child.pid) throw new Error('could not spawn sleep');
  return child;
}

export async function discovery(o: SuiteOptions): Promise<SuiteOutput> {
  const server = await benchJupyter({ flavor: 'server' });
  const template = JSON.parse(readFileSync(server.runtimeFile, 'utf8')) as Record<string, unknown>;
  const dir = mkdtempSync(join(tmpdir(), 'sjc-bench-discovery-'));
  const sleepers: ChildProcess[] = [];
  try {
    // 9,900 dead files: like real leftovers of killed servers (other ports, other tokens).
    for (let i = 0; i < TOTAL - LIVE; i++) {
      const pid = 40_000 + i;
      const port = 20_000 + (i % 20_000);
      writeFileSync(join(dir, `jpserver-${pid}.json`), JSON.stringify({ ...template, pid, port, url: `http://127.0.0.1:${port}/`, token: `dead-${i.toString(16).padStart(8, '0')}` }, null, 2));
    }
    for (let i = 0; i < LIVE; i++) {
      const s = spawnSleeper();
      sleepers.push(s);
      writeFileSync(join(dir, `jpserver-${s.pid}.json`), JSON.stringify({ ...template, pid: s.pid }, null, 2));
    }
    const modes: { key: string; opts: ScanOptions }[] = [
      { key: 'extension (parseStale: false)', opts: { parseStale: false } },
      { key: 'CLI (parseStale: true)', opts: { parseStale: true, blocking: true } },
    ];
    const reps = o.quick ? 3 : 8;
    const cold: Record<string, number[]> = {};
    const warm: Record<string, number[]> = {};
    const coldNoProbe: Record<string, number[]> = {};
    let liveSeen = -1;
    for (const m of modes) {
      cold[m.key] = [];
      warm[m.key] = [];
      coldNoProbe[m.key] = [];
    }
    for (let r = 0; r <= reps; r++) {
      for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
        const scanner = new RuntimeScanner();
        let t0 = performance.now();
        const list = await scanner.scan([dir], m.opts);
        const c = performance.now() - t0;
        const live = list.filter((s) => s.state === 'live').length;
        if (live !== LIVE) throw new Error(`${m.key}: ${live} live servers found, expected ${LIVE}`);
        liveSeen = live;
        const w: number[] = [];
        for (let i = 0; i < 3; i++) {
          t0 = performance.now();
          await scanner.scan([dir], m.opts);
          w.push(performance.now() - t0);
        }
        t0 = performance.now();
        await new RuntimeScanner().scan([dir], { ...m.opts, probe: false });
        const cn = performance.now() - t0;
        if (r === 0) continue; // warm-up (JIT, page cache)
        cold[m.key]?.push(c);
        warm[m.key]?.push(...w);
        coldNoProbe[m.key]?.push(cn);
      }
    }
    o.log(`scans done: ${modes.map((m) => `${m.key} cold ${fmt(summarize(cold[m.key] ?? []).median)} warm ${fmt(summarize(warm[m.key] ?? []).median)}`).join('; ')}`);

    // The watcher, as the extension makes it (discoveryService: parseStale false, default timings).
    const scanner = new RuntimeScanner();
    const watcher = new DiscoveryWatcher(scanner, [dir], { parseStale: false });
    let latest: readonly DiscoveredServer[] = [];
    const waiters = new Set<() => void>();
    watcher.onDidChange((list) => {
      latest = list;
      for (const w of [...waiters]) w();
    });
    const waitFor = (pred: (l: readonly DiscoveredServer[]) => boolean, ms: number): Promise<number> =>
      new Promise((resolve, reject) => {
        if (pred(latest)) return resolve(performance.now());
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('the watcher did not list the change in time'));
        }, ms);
        const check = (): void => {
          if (!pred(latest)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(performance.now());
        };
        waiters.add(check);
      });
    const appearDelays: number[] = [];
    const goneDelays: number[] = [];
    try {
      await watcher.start();
      latest = watcher.servers;
      const appearances = o.quick ? 8 : 25;
      for (let i = 0; i < appearances; i++) {
        const s = spawnSleeper();
        const file = join(dir, `jpserver-${s.pid}.json`);
        const isListed = (l: readonly DiscoveredServer[]): boolean => l.some((d) => d.file === file && d.state === 'live');
        const t0 = performance.now();
        writeFileSync(file, JSON.stringify({ ...template, pid: s.pid }, null, 2));
        appearDelays.push((await waitFor(isListed, 10_000)) - t0);
        const t1 = performance.now();
        unlinkSync(file);
        goneDelays.push((await waitFor((l) => !l.some((d) => d.file === file), 10_000)) - t1);
        s.kill('SIGKILL');
        await sleep(150);
      }
    } finally {
      watcher.dispose();
    }
    const appear = summarize(appearDelays);
    const gone = summarize(goneDelays);
    o.log(`watcher: new server listed after ${fmt(appear.median)} ms (median), max ${fmt(appear.max)} ms`);

    const metrics: Metric[] = [];
    const rows: (string | number)[][] = [];
    for (const m of modes) {
      const c = summarize(cold[m.key] ?? []);
      const w = summarize(warm[m.key] ?? []);
      const cn = summarize(coldNoProbe[m.key] ?? []);
      metrics.push(
        atMost('discovery', `discovery: full scan of ${TOTAL.toLocaleString('en-US')} files (${LIVE} live), ${m.key}, cold, median`, c.median, 'ms', 150, '< 150 ms'),
        atMost('discovery', `discovery: full scan of ${TOTAL.toLocaleString('en-US')} files (${LIVE} live), ${m.key}, warm, median`, w.median, 'ms', 150, '< 150 ms'),
        info('discovery', `discovery: full scan, ${m.key}, cold without probes, median`, cn.median, 'ms'),
      );
      rows.push([m.key, fmt(c.median), fmt(c.max), fmt(w.median), fmt(w.max), fmt(cn.median)]);
    }
    metrics.push(
      atMost('discovery', `discovery: new server's file → listed live by the DiscoveryWatcher, median of ${appearDelays.length}`, appear.median, 'ms', 500, '< 500 ms'),
      info('discovery', 'discovery: new server listed, max', appear.max, 'ms'),
      info('discovery', 'discovery: removed file → unlisted, median', gone.median, 'ms'),
    );
    for (const m of metrics) if (m.target?.startsWith('<') && m.value !== null) m.met = m.value < Number(/\d+/.exec(m.target)?.[0]);
    const md = [
      `${TOTAL.toLocaleString('en-US')} \`jpserver-<pid>.json\` files in one dir (tmpfs or disk as \`os.tmpdir()\` is; page cache warm): ${LIVE} live (real \`sleep\` pids, URL = one real jupyter-server ${liveSeen === LIVE ? '' : '(!)'}` +
        `answering \`GET /api\`), ${TOTAL - LIVE} dead (pids above pid_max). Cold = a new RuntimeScanner (reads + parses, ${LIVE} probes of \`GET /api\`); ` +
        `warm = the same scanner again (stat per file, probe answers cached for 60 s). ${reps} repetitions after a warm-up, modes alternating.`,
      '',
      table(['mode', 'cold median ms', 'cold max ms', 'warm median ms', 'warm max ms', 'cold, no probes, median ms'], rows),
      '',
      `DiscoveryWatcher (\`{ parseStale: false }\` as src/vscode/discovery/discoveryService.ts makes it; debounce 50 ms) on the same dir: a new live server's file written → listed live: ` +
        `median ${fmt(appear.median)} ms, p99 ${fmt(appear.p99)} ms, max ${fmt(appear.max)} ms over ${appearDelays.length} appearances; file removed → unlisted: median ${fmt(gone.median)} ms, max ${fmt(gone.max)} ms.`,
    ].join('\n');
    return { title: '4. Discovery at scale', metrics, markdown: md };
  } finally {
    for (const s of sleepers) s.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await stopBenchServers();
  }
}
