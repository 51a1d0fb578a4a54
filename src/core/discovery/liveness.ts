import { readdirSync } from 'node:fs';
import type { ServerEndpoint } from '../server/endpoint';
import { serverUrl } from '../server/endpoint';
import { exchange } from '../transport/exchange';
import { toJupyterError } from '../util/errors';
import { undici } from '../util/libs';

export type PidState = 'alive' | 'dead' | 'unknown';

/**
 * `kill(pid, 0)`: ESRCH = no such process; EPERM = it exists but belongs to someone else. Most runtime files
 * belong to dead servers, so the failure is the common case: no stack trace is captured for it (it was half the
 * cost of scanning 10,000 files).
 */
export function pidState(pid: number): PidState {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'dead';
    if (code === 'EPERM') return 'alive';
    return 'unknown';
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Every pid's state at once from one listing of /proc (Linux), instead of a `kill(pid, 0)` per runtime file:
 * undefined where that listing cannot be trusted to show every process (not Linux, no /proc, or mounted with
 * hidepid, which hides pid 1 from ordinary users). /proc shows the same pid namespace `kill` acts in.
 */
export function processSnapshot(): ((pid: number) => PidState) | undefined {
  if (process.platform !== 'linux') return undefined;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const live = new Set<number>();
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) live.add(Number(n));
  }
  if (!live.has(1)) return undefined;
  return (pid) => (live.has(pid) ? 'alive' : 'dead');
}

export interface ProbeResult {
  answers: boolean;
  version?: string;
  /** Why it does not answer as Jupyter, or a note (e.g. an untrusted certificate). */
  detail: string;
}

export type Prober = (endpoint: ServerEndpoint, timeoutMs: number) => Promise<ProbeResult>;

/**
 * Asks the public `GET <base>api` without credentials. Only a JSON `{"version": …}` counts as Jupyter; an
 * untrusted TLS certificate still proves a server is there (it is reported, not trusted).
 */
export const probeJupyterApi: Prober = async (endpoint, timeoutMs) => {
  const agent = new (undici().Agent)({
    connect: { timeout: timeoutMs, ...(endpoint.socketPath !== undefined ? { socketPath: endpoint.socketPath } : {}) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  try {
    const url = serverUrl(endpoint, 'api');
    const res = await exchange(agent, { origin: url.origin, path: url.pathname, method: 'GET' }, AbortSignal.timeout(timeoutMs));
    const text = res.text;
    if (res.status !== 200) return { answers: false, detail: `GET api returned ${res.status}` };
    try {
      const version = (JSON.parse(text) as { version?: unknown }).version;
      if (typeof version === 'string') return { answers: true, version, detail: `Jupyter ${version}` };
    } catch {
      /* fall through */
    }
    return { answers: false, detail: 'GET api did not return a Jupyter version' };
  } catch (err) {
    const typed = toJupyterError(err, endpoint.id);
    if (typed.code === 'TlsFailure') return { answers: true, detail: `a TLS server answers (${typed.message})` };
    return { answers: false, detail: typed.message };
  } finally {
    void agent.close().catch(() => undefined);
  }
};
