/**
 * 7. A notebook on our connection: what a notebook in VS Code costs when the Jupyter extension runs on our server
 * provider. @jupyterlab/services, configured as the Jupyter extension configures it (node-fetch `Request`, the
 * WebSocket class subclassed as its KernelSocketWrapper does), opens a session for a notebook, runs 100 cells one
 * after the other (`execute_request`, waiting for each reply and its idle status) and shuts the session down:
 * once with our provider's `fetch` and `WebSocket` (through this project's client: cookie jar, X-XSRFToken,
 * idle tracking, re-login), once with the defaults the Jupyter extension uses without a provider (node-fetch's
 * `fetch` and npm `ws`, the same cookie session set on them by hand). Same server, same kernel spec, alternated.
 */
import { SessionManager, KernelManager, ServerConnection, type Session } from '@jupyterlab/services';
import nodeFetch, { Headers as NodeFetchHeaders, Request as NodeFetchRequest } from 'node-fetch';
import WebSocketWs from 'ws';
import { createFetch } from '../../src/core/provider/fetchAdapter';
import type { ServerDoor } from '../../src/core/provider/serverDoor';
import { webSocketClassFor } from '../../src/core/provider/wsCompat';
import type { JupyterClient } from '../../src/core/transport/client';
import { kernelConnected } from '../../test/host/jupyterFixture/notebookSession';
import type { RunningJupyter } from '../../test/servers/jupyter';
import { atMost, info, table, type Metric } from '../lib/results';
import { ourClient, quietConsoleDebug, signedIn, startBenchServer, stopBenchServers, type CookieSession } from '../lib/session';
import { fmt, median, rotation } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';
import { NODELAY_LINES } from './websocket';

type Name = 'ours' | 'defaults';
const NAMES: readonly Name[] = ['ours', 'defaults'];
const LABEL: Record<Name, string> = {
  ours: "ours (the provider's fetch and WebSocket)",
  defaults: 'defaults (node-fetch + ws, cookie set by hand)',
};
const CELLS = 100;

/** @jupyterlab/services settings as the Jupyter extension makes them: no token, node-fetch's Request and Headers. */
function extensionSettings(server: RunningJupyter, fetch: unknown, WebSocket: unknown): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    token: '',
    appendToken: false,
    fetch: fetch as never,
    Request: NodeFetchRequest as never,
    Headers: NodeFetchHeaders as never,
    WebSocket: WebSocket as never,
  });
}

function oursSettings(server: RunningJupyter, client: JupyterClient): ServerConnection.ISettings {
  const door: ServerDoor = { endpoint: client.endpoint, use: (fn) => fn(client), noteActivity: () => client.noteActivity() };
  const Base = webSocketClassFor(door);
  // The Jupyter extension's KernelSocketWrapper shape: a subclass with a close listener and an emit override.
  class KernelSocket extends Base {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, undefined);
      this.on('close', () => undefined);
    }
    override emit(event: string | symbol, ...a: unknown[]): boolean {
      return super.emit(event, ...a);
    }
  }
  return extensionSettings(server, createFetch(door), KernelSocket);
}

function defaultSettings(server: RunningJupyter, session: CookieSession): ServerConnection.ISettings {
  const fetchWithCookies = (request: NodeFetchRequest): Promise<unknown> => {
    request.headers.set('cookie', session.cookie);
    if (request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('x-xsrftoken', session.xsrf);
    return nodeFetch(request);
  };
  class KernelSocket extends WebSocketWs {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie: session.cookie } });
      this.on('close', () => undefined);
    }
    override emit(event: string | symbol, ...a: unknown[]): boolean {
      return super.emit(event, ...a);
    }
  }
  return extensionSettings(server, fetchWithCookies, KernelSocket);
}

interface Run {
  /** Session start to connected socket. */
  openMs: number;
  /** The 100 cells. */
  cellsMs: number;
  shutdownMs: number;
  cpuUs: number;
}

async function notebookRun(settings: ServerConnection.ISettings, index: number): Promise<Run> {
  const kernels = new KernelManager({ serverSettings: settings });
  const sessions = new SessionManager({ serverSettings: settings, kernelManager: kernels });
  const cpu0 = process.cpuUsage();
  try {
    const t0 = performance.now();
    const s: Session.ISessionConnection = await sessions.startNew({ path: `bench-${index}.ipynb`, name: `bench-${index}.ipynb`, type: 'notebook', kernel: { name: 'python3' } });
    const kernel = s.kernel;
    if (!kernel) throw new Error('the session has no kernel');
    await kernelConnected(kernel);
    await kernel.requestKernelInfo();
    const t1 = performance.now();
    for (let i = 0; i < CELLS; i++) {
      const future = kernel.requestExecute({ code: `x = ${i}\nx * 2` });
      await future.done;
    }
    const t2 = performance.now();
    await s.shutdown();
    const t3 = performance.now();
    const used = process.cpuUsage(cpu0);
    return { openMs: t1 - t0, cellsMs: t2 - t1, shutdownMs: t3 - t2, cpuUs: used.user + used.system };
  } finally {
    sessions.dispose();
    kernels.dispose();
  }
}

interface Variant {
  key: 'nodelay' | 'stock';
  title: string;
  configLines: string[];
  rounds: number;
  /** Whether the ≤ 1.05x target applies (the stock server's 40 ms delayed ACKs hide the client's cost). */
  target: boolean;
}

export async function notebook(o: SuiteOptions): Promise<SuiteOutput> {
  quietConsoleDebug();
  const variants: Variant[] = [
    { key: 'nodelay', title: 'server patched with TCP_NODELAY on kernel WebSockets (client cost visible)', configLines: NODELAY_LINES, rounds: o.quick ? 3 : 10, target: true },
    { key: 'stock', title: 'stock server (what users get: ~40 ms per cell from delayed ACKs, whoever the client is)', configLines: [], rounds: o.quick ? 1 : 3, target: false },
  ];
  const metrics: Metric[] = [];
  const md = [
    `jupyter-server 1.23, password login (cookie session, XSRF on writes), one python3 kernel (ipykernel) per run. ` +
      `Contenders alternated each round, after one warm-up round. A run: \`POST api/sessions\` for a notebook, socket connected, ` +
      `${CELLS} cells \`x = i; x * 2\` one after the other (each awaited until its reply and idle status), \`DELETE\` the session.`,
  ];
  try {
    for (const v of variants) {
      const r = await runVariant(o, v);
      metrics.push(...r.metrics);
      md.push(`\n**${v.title}** (${v.rounds} rounds)\n`, r.markdown);
    }
  } finally {
    await stopBenchServers();
  }
  return { title: '7. A notebook on our connection (the Jupyter extension through our provider)', metrics, markdown: md.join('\n') };
}

async function runVariant(o: SuiteOptions, v: Variant): Promise<{ metrics: Metric[]; markdown: string }> {
  const { rounds } = v;
  const server = await startBenchServer({ configLines: v.configLines });
  const client = ourClient(server);
  try {
    const session = await signedIn(client);
    const settings: Record<Name, ServerConnection.ISettings> = { ours: oursSettings(server, client), defaults: defaultSettings(server, session) };
    const runs: Record<Name, Run[]> = { ours: [], defaults: [] };
    let n = 0;
    for (let r = 0; r <= rounds; r++) {
      for (const name of rotation(NAMES, r)) {
        const run = await notebookRun(settings[name], n++);
        if (r > 0) runs[name].push(run); // round 0 warms up both
      }
      o.log(`${v.key}: round ${r}/${rounds}`);
    }
    const med = (name: Name, f: (x: Run) => number): number => median(runs[name].map(f));
    const paired = runs.ours.map((x, i) => x.cellsMs / (runs.defaults[i] as Run).cellsMs);
    const whole = (x: Run): number => x.openMs + x.cellsMs + x.shutdownMs;
    const k = `notebook (${v.key})`;
    const cellsRatio = med('ours', (x) => x.cellsMs) / med('defaults', (x) => x.cellsMs);
    const wholeRatio = med('ours', whole) / med('defaults', whole);
    const metrics: Metric[] = v.target
      ? [
          atMost('notebook', `${k} ${CELLS} cells (execute_request, sequential): ours / defaults, median wall time`, cellsRatio, 'x', 1.05, '≤ 1.05x'),
          atMost('notebook', `${k} whole notebook (open session, ${CELLS} cells, shut down): ours / defaults, median`, wholeRatio, 'x', 1.05, '≤ 1.05x'),
        ]
      : [
          info('notebook', `${k} ${CELLS} cells: ours / defaults, median wall time`, cellsRatio, 'x'),
          info('notebook', `${k} whole notebook: ours / defaults, median`, wholeRatio, 'x'),
        ];
    metrics.push(info('notebook', `${k} ${CELLS} cells: ours / defaults, median of per-round ratios`, median(paired), 'x'));
    for (const name of NAMES) {
      metrics.push(
        info('notebook', `${k} ${name}: per cell, median`, med(name, (x) => x.cellsMs) / CELLS, 'ms'),
        info('notebook', `${k} ${name}: session open to connected, median`, med(name, (x) => x.openMs), 'ms'),
        info('notebook', `${k} ${name}: client CPU per notebook run, median`, med(name, (x) => x.cpuUs) / 1000, 'ms'),
      );
    }
    const markdown = table(
      ['contender', `${CELLS} cells (median)`, 'per cell', 'open → connected', 'shutdown', 'client CPU / run'],
      NAMES.map((name) => [
        LABEL[name],
        `${fmt(med(name, (x) => x.cellsMs), 4)} ms`,
        `${fmt(med(name, (x) => x.cellsMs) / CELLS, 3)} ms`,
        `${fmt(med(name, (x) => x.openMs), 3)} ms`,
        `${fmt(med(name, (x) => x.shutdownMs), 3)} ms`,
        `${fmt(med(name, (x) => x.cpuUs) / 1000, 3)} ms`,
      ]),
    );
    return { metrics, markdown };
  } finally {
    await client.close();
  }
}
