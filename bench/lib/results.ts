import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { fmt } from './stats';

/** One figure: what `latest.json` lists, one entry per figure. */
export interface Metric {
  name: string;
  value: number | null;
  unit: string;
  /** The target in words (e.g. "≤ 1.10"), or null for a figure reported for information. */
  target: string | null;
  /** Whether the target is met; null when there is no target or the figure could not be measured. */
  met: boolean | null;
  /** Which suite measured it. */
  suite: string;
  note?: string;
}

/** What one suite hands back to the runner. */
export interface SuiteResult {
  suite: string;
  title: string;
  quick: boolean;
  date: string;
  durationS: number;
  load: LoadSample;
  metrics: Metric[];
  /** Tables and notes for a person (Markdown). */
  markdown: string;
}

export interface LoadSample {
  loadavgBefore: number[];
  loadavgAfter: number[];
  /** Whole-machine CPU busy over the suite (all processes, including the bench and its servers), % of all cores. */
  cpuBusyPct: number;
}

/** A metric with a "smaller is better" target. */
export function atMost(suite: string, name: string, value: number | null, unit: string, limit: number, targetText?: string, note?: string): Metric {
  const m: Metric = {
    name,
    value,
    unit,
    target: targetText ?? `≤ ${limit}${unit && unit !== 'x' ? ` ${unit}` : unit === 'x' ? 'x' : ''}`,
    met: value === null || !Number.isFinite(value) ? null : value <= limit,
    suite,
  };
  if (note) m.note = note;
  return m;
}

/** A metric with a "must equal" target. */
export function exactly(suite: string, name: string, value: number | null, unit: string, want: number, note?: string): Metric {
  const m: Metric = { name, value, unit, target: `= ${want}`, met: value === null ? null : value === want, suite };
  if (note) m.note = note;
  return m;
}

/** A figure reported for information only. */
export function info(suite: string, name: string, value: number | null, unit: string, note?: string): Metric {
  const m: Metric = { name, value, unit, target: null, met: null, suite };
  if (note) m.note = note;
  return m;
}

function readCpuTimes(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const parts = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (parts[3] ?? 0) + (parts[4] ?? 0);
  const total = parts.reduce((a, b) => a + b, 0);
  return { idle, total };
}

/** Starts measuring how busy the machine is; call the result to stop. */
export function loadMeter(): () => LoadSample {
  const before = os.loadavg();
  const t0 = readCpuTimes();
  return () => {
    const t1 = readCpuTimes();
    const total = t1.total - t0.total;
    return {
      loadavgBefore: before.map((x) => Math.round(x * 100) / 100),
      loadavgAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
      cpuBusyPct: total > 0 ? Math.round((1000 * (total - (t1.idle - t0.idle))) / total) / 10 : NaN,
    };
  };
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m?.[1]) return `${m[1]} (${os.type()} ${os.release()})`;
  } catch {
    /* not Linux */
  }
  return `${os.type()} ${os.release()}`;
}

function tryExec(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
}

/** Other processes using CPU right now (not the bench's own), to say how busy the machine was. */
export function otherBusyProcesses(ownPids: ReadonlySet<number>): string[] {
  const out = tryExec('ps', ['-eo', 'pid,ppid,pcpu,comm', '--sort=-pcpu', '--no-headers']) ?? '';
  const rows: string[] = [];
  for (const line of out.split('\n')) {
    const [pid, ppid, pcpu, ...comm] = line.trim().split(/\s+/);
    if (!pid || ownPids.has(Number(pid)) || ownPids.has(Number(ppid))) continue;
    if (Number(pcpu) < 5) break;
    rows.push(`${comm.join(' ')} (pid ${pid}, ${pcpu}% CPU avg over its life)`);
    if (rows.length >= 5) break;
  }
  return rows;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  totalMemGiB: number;
  loadAverage: number[];
  loadAverageEnd?: number[];
  date: string;
  jupyterServer: string;
  jupyterNotebook: string;
  quick: boolean;
  busyAtStart: string[];
}

export function machineInfo(quick: boolean): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    os: osName(),
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
    jupyterServer: tryExec('jupyter-server', ['--version']) ?? 'not found',
    jupyterNotebook: tryExec('jupyter-notebook', ['--version']) ?? 'not found',
    quick,
    busyAtStart: otherBusyProcesses(new Set([process.pid, process.ppid])),
  };
}

/** A Markdown table. */
export function table(head: string[], rows: (string | number)[][]): string {
  const esc = (c: string | number): string => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function metVerdict(m: Pick<Metric, 'met'>): string {
  return m.met === null ? '—' : m.met ? 'met' : '**missed**';
}

export function metricRows(metrics: readonly Metric[]): (string | number)[][] {
  return metrics.map((m) => [m.name, m.value === null ? 'not measured' : `${fmt(m.value)} ${m.unit}`.trim(), m.target ?? '(info)', metVerdict(m)]);
}
