// Starts a real VS Code server (from the npm package code-server) and opens its workbench in Debian's Chromium
// through playwright-core. Used both to run a mocha suite inside the real (Node) extension host
// (extensionTestsPath) and for UI tests against the workbench (page).
//
// Everything the server, the extension host and the browser write goes to a fresh scratch folder: HOME and
// XDG_* point into it, so the real home is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { resolveServer } from './install';

export type LogSource = 'server' | 'host' | 'browser' | 'harness';

export interface LogLine {
  readonly time: number;
  readonly source: LogSource;
  /** For host lines the log level VS Code gives (info, warn, error, …); stdout/stderr for the server. */
  readonly type: string;
  readonly text: string;
}

export interface LaunchOptions {
  /** oldest (code-server 4.100.3, VS Code 1.100.3) | newest (4.139.1) | a code-server version. */
  readonly version: string;
  /** Folder of the extension under test (its package.json). */
  readonly extensionDevelopmentPath: string;
  /**
   * More extension folders (a fixture standing in for another extension), linked into the extensions folder as
   * installed extensions: VS Code's web workbench loads one development extension only.
   */
  readonly extraExtensionPaths?: readonly string[];
  /** .vsix files installed into the scratch extensions folder (`--install-extension`) before the server starts. */
  readonly installVsix?: readonly string[];
  /** Compiled tests module (exports run(): Promise<void>); when given, the workbench runs it and reports exitCode. */
  readonly extensionTestsPath?: string;
  /** Folder to open; a fresh empty folder in the scratch dir when not given. */
  readonly workspaceFolder?: string;
  /** Extra environment for the server and so the extension host; undefined removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Written to <userDataDir>/User/settings.json over the harness defaults before the server starts. */
  readonly userSettings?: Readonly<Record<string, unknown>>;
  /** Install the server when missing (default true unless SJC_NO_AUTO_INSTALL=1). */
  readonly install?: boolean;
  /** Default true; SJC_HEADFUL=1 shows the browser (needs a display). */
  readonly headless?: boolean;
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Called for every log line as it arrives (server output, extension-host console, browser console). */
  readonly onLog?: (line: LogLine) => void;
  /** Keep the scratch folder after close() (default false; SJC_KEEP_SCRATCH=1 also keeps it). */
  readonly keepScratch?: boolean;
  /** Extra server-main.js arguments. */
  readonly serverArgs?: readonly string[];
  /** Chromium binary (default SJC_CHROMIUM or /usr/bin/chromium). */
  readonly chromiumPath?: string;
  /** How long to wait for the server and the workbench (default 90 s). */
  readonly startupTimeoutMs?: number;
}

export interface VsCodeHandle {
  readonly page: Page;
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** http://127.0.0.1:PORT */
  readonly serverUrl: string;
  /** The URL the page was opened with. */
  readonly workbenchUrl: string;
  readonly port: number;
  /** Bundled VS Code version, e.g. 1.100.3. */
  readonly vscodeVersion: string;
  readonly serverPid: number;
  readonly scratchDir: string;
  /** The server's --user-data-dir: User/settings.json, User/globalStorage/…, logs/… live here. */
  readonly userDataDir: string;
  /** The server's --server-data-dir (the remote extension host's logs are under data/logs). */
  readonly serverDataDir: string;
  readonly extensionsDir: string;
  /** HOME of the server, the extension host and the browser. */
  readonly homeDir: string;
  readonly workspaceFolder: string;
  /**
   * Resolves with the code the workbench reports through codeAutomationExit (test mode: 0 when the suite
   * passed). Rejects when the server exits first. Never settles in UI mode unless something calls it.
   */
  readonly exitCode: Promise<number>;
  /** Every log line so far (server, extension host, browser, harness). */
  readonly logs: readonly LogLine[];
  /** Log files VS Code wrote (server and extension host), for post-mortems. */
  logFiles(): string[];
  /** Closes the browser and kills the server's process group; safe to call more than once. */
  close(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic; userSettings override them. */
export const DEFAULT_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

const liveServers = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  // Last resort when a caller forgets close() or the process dies: never leave a server behind.
  process.on('exit', () => {
    for (const child of liveServers) {
      killGroup(child, 'SIGKILL');
    }
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function httpGetOk(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** vscode-remote://127.0.0.1:PORT/abs/path with each segment URI-encoded. */
export function remoteUri(port: number, absPath: string): string {
  const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/');
  return `vscode-remote://127.0.0.1:${port}${p.startsWith('/') ? p : `/${p}`}`;
}

/**
 * Renders the arguments of a console call the way Node's console.log would (mocha's reporters pass format
 * strings such as "  %d passing (%s)"); objects that came through as JSON are shown as JSON.
 */
export function formatConsoleArgs(args: readonly unknown[]): string {
  const [first, ...rest] = args;
  const plain = (a: unknown): unknown => (typeof a === 'object' && a !== null ? safeJson(a) : a);
  if (typeof first === 'string') {
    return util.format(first, ...rest.map(plain));
  }
  return args.map((a) => (typeof a === 'string' ? a : String(plain(a)))).join(' ');
}

function safeJson(a: object): string {
  try {
    return JSON.stringify(a);
  } catch {
    return String(a);
  }
}

function listFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.log'))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
  } catch {
    return [];
  }
}

export async function launchVsCode(opts: LaunchOptions): Promise<VsCodeHandle> {
  const startupTimeout = opts.startupTimeoutMs ?? 90_000;
  const server = resolveServer(opts.version, opts.install ?? process.env['SJC_NO_AUTO_INSTALL'] !== '1');
  const extDir = path.resolve(opts.extensionDevelopmentPath);
  if (!fs.existsSync(path.join(extDir, 'package.json'))) {
    throw new Error(`extensionDevelopmentPath ${extDir} has no package.json`);
  }
  const extraDirs = (opts.extraExtensionPaths ?? []).map((p) => path.resolve(p));
  for (const d of extraDirs) {
    if (!fs.existsSync(path.join(d, 'package.json'))) {
      throw new Error(`extra extension ${d} has no package.json (built?)`);
    }
  }
  const testsPath = opts.extensionTestsPath === undefined ? undefined : path.resolve(opts.extensionTestsPath);
  if (testsPath !== undefined && !fs.existsSync(testsPath)) {
    throw new Error(`extensionTestsPath ${testsPath} does not exist (compiled?)`);
  }

  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sjc-vscode-'));
  const dirs = {
    home: path.join(scratchDir, 'home'),
    userData: path.join(scratchDir, 'user-data'),
    serverData: path.join(scratchDir, 'server-data'),
    extensions: path.join(scratchDir, 'extensions'),
    workspace: opts.workspaceFolder === undefined ? path.join(scratchDir, 'workspace') : path.resolve(opts.workspaceFolder),
  };
  for (const d of Object.values(dirs)) {
    fs.mkdirSync(d, { recursive: true });
  }
  for (const d of ['.config', '.local/share', '.cache', '.local/state']) {
    fs.mkdirSync(path.join(dirs.home, d), { recursive: true });
  }
  for (const d of extraDirs) {
    const manifest = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
    fs.symlinkSync(d, path.join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
  }
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    `${JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(opts.userSettings ?? {}) }, null, 2)}\n`,
  );

  const logs: LogLine[] = [];
  const log = (source: LogSource, type: string, text: string): void => {
    const line: LogLine = { time: Date.now(), source, type, text };
    logs.push(line);
    opts.onLog?.(line);
  };

  // The environment of the server (the extension host inherits it): scratch HOME/XDG_*, no leaks from a
  // surrounding VS Code or Electron, no NODE_OPTIONS meant for the test runner.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(VSCODE_|ELECTRON_)/.test(k) || k === 'NODE_OPTIONS') {
      continue;
    }
    env[k] = v;
  }
  Object.assign(env, {
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local/share'),
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    XDG_STATE_HOME: path.join(dirs.home, '.local/state'),
  });
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) {
      delete env[k];
    } else {
      env[k] = v;
    }
  }

  for (const vsix of opts.installVsix ?? []) {
    const started = Date.now();
    const r = spawnSync(
      server.nodeBin,
      [server.serverMain, '--install-extension', path.resolve(vsix), '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--server-data-dir', dirs.serverData, '--accept-server-license-terms'],
      { cwd: dirs.home, env, encoding: 'utf8', timeout: 120_000 },
    );
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    if (r.status !== 0 || !/successfully installed|already installed/i.test(out)) {
      throw new Error(`installing ${path.basename(vsix)} failed (exit ${String(r.status)}):\n${out}`);
    }
    log('harness', 'info', `installed ${path.basename(vsix)} in ${Date.now() - started} ms`);
  }

  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const args = [
    server.serverMain,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--disable-telemetry',
    '--disable-workspace-trust',
    '--enable-smoke-test-driver',
    '--user-data-dir', dirs.userData,
    '--server-data-dir', dirs.serverData,
    '--extensions-dir', dirs.extensions,
    ...(opts.serverArgs ?? []),
  ];
  log('harness', 'info', `starting VS Code ${server.vscodeVersion} server on ${serverUrl} (scratch ${scratchDir})`);
  const child = spawn(server.nodeBin, args, { cwd: dirs.home, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  installExitHook();
  liveServers.add(child);

  let serverExited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const serverExit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      serverExited = { code, signal };
      liveServers.delete(child);
      resolve();
    });
    child.on('error', (err) => {
      log('harness', 'error', `server process error: ${err.message}`);
      serverExited ??= { code: null, signal: null };
      liveServers.delete(child);
      resolve();
    });
  });
  for (const [stream, type] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        log('server', type, buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    stream?.on('end', () => {
      if (buf) {
        log('server', type, buf);
      }
    });
  }

  let browser: Browser | undefined;
  let closed = false;
  const keep = opts.keepScratch ?? process.env['SJC_KEEP_SCRATCH'] === '1';
  const close = async (): Promise<void> => {
    if (closed) {
      return;
    }
    closed = true;
    if (browser) {
      await Promise.race([browser.close().catch(() => undefined), timeout(10_000)]);
    }
    if (!serverExited) {
      killGroup(child, 'SIGTERM');
      await Promise.race([serverExit, timeout(5_000)]);
      if (!serverExited) {
        killGroup(child, 'SIGKILL');
        await Promise.race([serverExit, timeout(2_000)]);
      }
    }
    // The process group may still hold children (extension host, pty host, watcher) once the leader is gone.
    killGroup(child, 'SIGKILL');
    liveServers.delete(child);
    if (!keep) {
      fs.rmSync(scratchDir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  const tail = (): string =>
    logs
      .filter((l) => l.source === 'server')
      .slice(-30)
      .map((l) => `  ${l.text}`)
      .join('\n');

  try {
    // 1. The server answers /version.
    const deadline = Date.now() + startupTimeout;
    while (!(await httpGetOk(`${serverUrl}/version`, 2_000))) {
      if (serverExited) {
        throw new Error(`VS Code server exited (code ${String(serverExited.code)}, signal ${String(serverExited.signal)}) before answering:\n${tail()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`VS Code server did not answer ${serverUrl}/version within ${startupTimeout} ms:\n${tail()}`);
      }
      await sleep(100);
    }
    log('harness', 'info', 'server is up');

    // 2. Chromium with the automation hooks in place before the workbench loads.
    const chromiumPath = opts.chromiumPath ?? process.env['SJC_CHROMIUM'] ?? '/usr/bin/chromium';
    if (!fs.existsSync(chromiumPath)) {
      throw new Error(`${chromiumPath} is missing (scripts/ensure-system-deps.sh vscode installs Debian's chromium)`);
    }
    const browserEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      browserEnv[k] = v;
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: opts.headless ?? process.env['SJC_HEADFUL'] !== '1',
      args: [...CHROMIUM_ARGS],
      env: browserEnv,
      timeout: startupTimeout,
    });
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 900 } });
    const page = await context.newPage();

    let resolveExit: (code: number) => void = () => undefined;
    let rejectExit: (err: Error) => void = () => undefined;
    const exitCode = new Promise<number>((resolve, reject) => {
      resolveExit = resolve;
      rejectExit = reject;
    });
    exitCode.catch(() => undefined); // rejection is for those who await it; never an unhandled one
    void serverExit.then(() => {
      if (!closed) {
        rejectExit(new Error(`VS Code server exited (code ${String(serverExited?.code)}, signal ${String(serverExited?.signal)}):\n${tail()}`));
      }
    });

    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      log('host', typeof type === 'string' ? type : 'info', formatConsoleArgs(Array.isArray(args) ? (args as unknown[]) : [args]));
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      const n = typeof code === 'number' ? code : Number(code);
      log('harness', 'info', `workbench reported exit code ${String(code)}`);
      resolveExit(Number.isFinite(n) ? n : 1);
    });
    page.on('console', (msg) => {
      const t = msg.type();
      if (t === 'error' || t === 'warning') {
        log('browser', t, msg.text());
      }
    });
    page.on('pageerror', (err) => log('browser', 'pageerror', err.message));

    const payload: [string, string][] = [
      ['extensionDevelopmentPath', remoteUri(port, extDir)],
      ['skipWelcome', 'true'],
    ];
    if (testsPath !== undefined) {
      payload.push(['extensionTestsPath', remoteUri(port, testsPath)]);
    }
    const workbenchUrl =
      `${serverUrl}/?folder=${encodeURIComponent(dirs.workspace)}` +
      `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log('harness', 'info', `opening ${workbenchUrl}`);
    await page.goto(workbenchUrl, { waitUntil: 'domcontentloaded', timeout: startupTimeout });
    if (testsPath === undefined) {
      await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: startupTimeout });
      await page.locator('.part.statusbar').first().waitFor({ state: 'visible', timeout: startupTimeout });
    }

    return {
      page,
      browser,
      context,
      serverUrl,
      workbenchUrl,
      port,
      vscodeVersion: server.vscodeVersion,
      serverPid: child.pid ?? -1,
      scratchDir,
      userDataDir: dirs.userData,
      serverDataDir: dirs.serverData,
      extensionsDir: dirs.extensions,
      homeDir: dirs.home,
      workspaceFolder: dirs.workspace,
      exitCode,
      logs,
      logFiles: () => [...listFiles(dirs.serverData), ...listFiles(dirs.userData)],
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Like sleep, but does not keep the process alive (for the losing side of a race). */
function timeout(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
