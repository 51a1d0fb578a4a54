/**
 * Real Jupyter servers for tests: Debian's jupyter-notebook 6.4 and jupyter-server 1.23, started on 127.0.0.1
 * (or a unix socket) with a free port, a temp runtime dir and temp config, stopped by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Flavor = 'notebook' | 'server';

export const FLAVORS: readonly Flavor[] = ['notebook', 'server'];

export interface StartOptions {
  flavor: Flavor;
  /** The token; default a random one; '' turns token auth off. */
  token?: string;
  /** A plain-text password (hashed for the server); implies no token unless `token` is given. */
  password?: string;
  baseUrl?: string;
  /** The address to listen on (default 127.0.0.1; the runtime file's URL then names it). */
  ip?: string;
  /** Listen on a unix socket in a temp dir instead of a TCP port. */
  sock?: boolean;
  /** Serve https: `true` with a self-signed certificate for 127.0.0.1/localhost, or with the given files. */
  tls?: boolean | TlsFiles;
  /** App traits as Python literals: { cookie_options: '{"expires_days": 0.0007}' } → c.ServerApp.cookie_options = … */
  traits?: Record<string, string>;
  /** Extra raw lines for the config file. */
  configLines?: string[];
  /** Extra command-line arguments, after the defaults: ['--ServerApp.disable_check_xsrf=True']. Never secrets. */
  extraArgs?: string[];
  runtimeDir?: string;
  port?: number;
  env?: Record<string, string>;
}

/** https with given files (test/servers/testCa.ts makes them). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** The PEM to trust when probing (the CA that signed `certFile`, or the certificate itself): `RunningJupyter.certPem`. */
  readonly certPem: string;
  /** A CA file: the server then requires a client certificate it signed (`c.<App>.client_ca`). */
  readonly clientCa?: string;
  /** PEMs the harness presents when it probes readiness (needed with `clientCa`). */
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

export interface RunningJupyter {
  readonly flavor: Flavor;
  /** Root URL with base_url, no token (http+unix://… for a socket). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly runtimeDir: string;
  readonly rootDir: string;
  readonly token: string;
  readonly password: string | undefined;
  readonly sock: string | undefined;
  readonly certPem: string | undefined;
  readonly runtimeFile: string;
  readonly options: StartOptions;
  log(): string;
  /** SIGTERM and wait (clean shutdown: runtime files removed). */
  stop(): Promise<void>;
  /** SIGKILL and wait (runtime files stay behind). */
  kill(): Promise<void>;
}

const running = new Set<{ child: ChildProcess; dir: string }>();
const hashCache = new Map<string, string>();

process.on('exit', () => {
  for (const r of running) {
    try {
      process.kill(-(r.child.pid as number), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function hashPassword(password: string): string {
  const cached = hashCache.get(password);
  if (cached) return cached;
  const hash = execFileSync('/usr/bin/python3', ['-c', 'import sys; from jupyter_server.auth import passwd; print(passwd(sys.stdin.read()))'], {
    input: password,
    encoding: 'utf8',
  }).trim();
  hashCache.set(password, hash);
  return hash;
}

let certCache: { cert: string; key: string; dir: string } | undefined;
export function selfSignedCert(): { certFile: string; keyFile: string; certPem: string } {
  if (!certCache) {
    const dir = mkdtempSync(join(tmpdir(), 'sjc-tls-'));
    execFileSync('openssl', [
      // Well beyond the audit's 30-day expiry warning (tls-certificate-expiring), which a test certificate should not trip.
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
    certCache = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), dir };
  }
  return { certFile: certCache.cert, keyFile: certCache.key, certPem: readFileSync(certCache.cert, 'utf8') };
}

function py(s: string): string {
  return JSON.stringify(s);
}

export async function startJupyter(options: StartOptions): Promise<RunningJupyter> {
  const o = options;
  const app = o.flavor === 'notebook' ? 'NotebookApp' : 'ServerApp';
  const dir = mkdtempSync(join(tmpdir(), `sjc-${o.flavor}-`));
  const runtimeDir = o.runtimeDir ?? join(dir, 'runtime');
  const rootDir = join(dir, 'root');
  const configDir = join(dir, 'config');
  for (const d of [runtimeDir, rootDir, configDir, join(dir, 'data')]) mkdirSync(d, { recursive: true });
  const token = o.token ?? (o.password !== undefined ? '' : `tok-${randomBytes(12).toString('hex')}`);
  const port = o.sock ? 0 : (o.port ?? (await freePort()));
  const sock = o.sock ? join(dir, 'jupyter.sock') : undefined;
  const lines = [`c.${app}.token = ${py(token)}`, `c.${app}.open_browser = False`, `c.${app}.port_retries = 0`];
  if (o.password !== undefined) lines.push(`c.${app}.password = ${py(hashPassword(o.password))}`);
  if (o.baseUrl) lines.push(`c.${app}.base_url = ${py(o.baseUrl)}`);
  let certPem: string | undefined;
  let probeCert: { cert: string; key: string } | undefined;
  if (o.tls) {
    const c = o.tls === true ? selfSignedCert() : o.tls;
    lines.push(`c.${app}.certfile = ${py(c.certFile)}`, `c.${app}.keyfile = ${py(c.keyFile)}`);
    certPem = c.certPem;
    if (o.tls !== true && o.tls.clientCa) lines.push(`c.${app}.client_ca = ${py(o.tls.clientCa)}`);
    if (o.tls !== true && o.tls.clientCert) probeCert = { cert: o.tls.clientCert.cert, key: o.tls.clientCert.key };
  }
  for (const [k, v] of Object.entries(o.traits ?? {})) lines.push(`c.${app}.${k} = ${v}`);
  lines.push(...(o.configLines ?? []));
  const configName = o.flavor === 'notebook' ? 'jupyter_notebook_config.py' : 'jupyter_server_config.py';
  writeFileSync(join(configDir, configName), lines.join('\n') + '\n');

  const exe = o.flavor === 'notebook' ? 'jupyter-notebook' : 'jupyter-server';
  const args = ['--allow-root', `--ip=${o.ip ?? '127.0.0.1'}`, `--${app}.${o.flavor === 'notebook' ? 'notebook_dir' : 'root_dir'}=${rootDir}`];
  if (sock) args.push(`--sock=${sock}`);
  else args.push(`--port=${port}`);
  args.push(...(o.extraArgs ?? []));
  const logPath = join(dir, 'server.log');
  const { openSync } = await import('node:fs');
  const logFd = openSync(logPath, 'a');
  const child = spawn(exe, args, {
    cwd: rootDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      JUPYTER_RUNTIME_DIR: runtimeDir,
      JUPYTER_CONFIG_DIR: configDir,
      JUPYTER_DATA_DIR: join(dir, 'data'),
      JUPYTER_PLATFORM_DIRS: '0',
      PYTHONUNBUFFERED: '1',
      ...o.env,
    },
  });
  const entry = { child, dir };
  running.add(entry);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    running.delete(entry);
    resolve();
  }));
  const pid = child.pid as number;
  const prefix = o.flavor === 'notebook' ? 'nbserver' : 'jpserver';
  const runtimeFile = join(runtimeDir, `${prefix}-${pid}.json`);
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

  const deadline = Date.now() + 30_000;
  let url = '';
  for (;;) {
    if (exited) throw new Error(`${exe} exited during start-up:\n${log()}`);
    if (Date.now() > deadline) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      throw new Error(`${exe} did not start within 30 s:\n${log()}`);
    }
    if (existsSync(runtimeFile)) {
      try {
        url = (JSON.parse(readFileSync(runtimeFile, 'utf8')) as { url: string }).url;
        if (await answers(url, sock, certPem, probeCert)) break;
      } catch {
        /* file half-written or server not ready */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    if (exited) return;
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    }, 10_000);
    await exitPromise;
    clearTimeout(timer);
  };

  return {
    flavor: o.flavor, url, port, pid, runtimeDir, rootDir, token, password: o.password, sock, certPem, runtimeFile, options: o, log,
    stop: () => waitExit('SIGTERM'),
    kill: async () => {
      await waitExit('SIGKILL');
      // The kernels notice their parent is gone within ~5 s; do not wait for them.
    },
  };
}

function answers(url: string, sock: string | undefined, ca: string | undefined, clientCert?: { cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const u = sock ? new URL('http://localhost' + new URL(url).pathname) : new URL(url);
    const path = u.pathname + 'api';
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      { host: u.hostname, port: u.port, path, socketPath: sock, ca, ...(clientCert ?? {}), timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Stops every server this process started (test `after` hooks). */
export async function stopAllJupyters(): Promise<void> {
  await Promise.all(
    [...running].map(
      (r) =>
        new Promise<void>((resolve) => {
          r.child.once('exit', () => resolve());
          try {
            process.kill(r.child.pid as number, 'SIGTERM');
          } catch {
            resolve();
          }
          setTimeout(() => {
            try { process.kill(-(r.child.pid as number), 'SIGKILL'); } catch { /* gone */ }
          }, 8000).unref();
        }),
    ),
  );
}

/** Runtime files currently in a dir (for discovery tests). */
export function runtimeFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^(nb|jp)server-\d+\.json$/.test(f)) : [];
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Server config that logs, for every request, whether it carried an X-XSRFToken header (never its value): the
 * server's own record that our writes and our WebSocket upgrade carry one. A test's own requests send
 * `X-SJC-Probe: 1` and are marked "(test probe)".
 */
export function xsrfLogLines(app: 'NotebookApp' | 'ServerApp'): string[] {
  return [
    'import logging as _sjc_logging',
    'def _sjc_log(handler):',
    '    r = handler.request',
    "    _sjc_logging.getLogger('tornado.access').warning('SJC-XSRF %s %s %s %s%s', handler.get_status(), r.method, r.path, 'present' if r.headers.get('X-XSRFToken') else 'absent', ' (test probe)' if r.headers.get('X-SJC-Probe') else '')",
    `c.${app}.tornado_settings = {'log_function': _sjc_log}`,
  ];
}
