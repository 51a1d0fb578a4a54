// Starts Debian's JupyterHub 3.0 on loopback for tests: DummyAuthenticator with a password, SimpleLocalProcessSpawner
// (single-user servers as local processes), named servers on, free ports, a temp dir for the database, the cookie
// secret, the proxy's pid file and the users' homes. Stopped by PID (SIGTERM: the hub stops its proxy and the
// servers it spawned). Facts: ../shared/docs/jupyterhub-facts.md (A.8: Debian's configurable-http-proxy needs
// NODE_PATH=/usr/share/nodejs with a non-Debian node).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './jupyter';

export interface HubOptions {
  /** Users allowed to sign in (default ['alice']). */
  users?: string[];
  /** The DummyAuthenticator's shared password (default a fixed test one). */
  password?: string;
  /** Extra raw lines for jupyterhub_config.py. */
  configLines?: string[];
}

export interface RunningHub {
  /** The hub's public URL: http://127.0.0.1:PORT/ (the hub itself is under hub/). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly password: string;
  readonly users: readonly string[];
  readonly dir: string;
  log(): string;
  /** SIGTERM and wait; the temp dir is removed. */
  stop(): Promise<void>;
}

const py = (s: string): string => JSON.stringify(s);
const running = new Set<RunningHub>();

export async function startHub(options: HubOptions = {}): Promise<RunningHub> {
  const users = options.users ?? ['alice'];
  const password = options.password ?? 'hub-test-password-1';
  const dir = mkdtempSync(join(tmpdir(), 'sjc-hub-'));
  const homes = join(dir, 'homes');
  mkdirSync(homes, { recursive: true });
  for (const u of users) mkdirSync(join(homes, u), { recursive: true });
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const lines = [
    'c = get_config()  # noqa',
    `c.JupyterHub.ip = '127.0.0.1'`,
    `c.JupyterHub.port = ${port}`,
    `c.JupyterHub.hub_ip = '127.0.0.1'`,
    `c.JupyterHub.hub_port = ${hubPort}`,
    `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${apiPort}'`,
    `c.ConfigurableHTTPProxy.pid_file = ${py(join(dir, 'proxy.pid'))}`,
    `c.JupyterHub.db_url = ${py(`sqlite:///${join(dir, 'jupyterhub.sqlite')}`)}`,
    `c.JupyterHub.cookie_secret_file = ${py(join(dir, 'cookie_secret'))}`,
    `c.JupyterHub.authenticator_class = 'dummy'`,
    `c.DummyAuthenticator.password = ${py(password)}`,
    `c.Authenticator.allowed_users = set(${JSON.stringify(users)})`,
    `c.JupyterHub.spawner_class = 'simple'`,
    `c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(homes, '{username}'))}`,
    `c.Spawner.args = ${root ? "['--allow-root']" : '[]'}`,
    'c.JupyterHub.allow_named_servers = True',
    ...(options.configLines ?? []),
  ];
  const config = join(dir, 'jupyterhub_config.py');
  writeFileSync(config, lines.join('\n') + '\n');
  const logPath = join(dir, 'hub.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('jupyterhub', ['-f', config], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, NODE_PATH: '/usr/share/nodejs', PYTHONUNBUFFERED: '1', JUPYTER_PLATFORM_DIRS: '0' },
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const pid = child.pid as number;
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const url = `http://127.0.0.1:${port}/`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`jupyterhub exited during start-up:\n${log()}`);
    if (Date.now() > deadline) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      throw new Error(`jupyterhub did not answer within 60 s:\n${log()}`);
    }
    // Through the proxy: the hub and the proxy's route to it are both up.
    const ok = await fetch(new URL('hub/api/', url)).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const hub: RunningHub = {
    url, port, pid, password, users, dir, log,
    stop: async () => {
      running.delete(hub);
      if (!exited) {
        try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
        const timer = setTimeout(() => {
          try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
        }, 15_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(hub);
  return hub;
}

/** Stops every hub this process started (test `after` hooks). */
export async function stopAllHubs(): Promise<void> {
  await Promise.all([...running].map((h) => h.stop()));
}
