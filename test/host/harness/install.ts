// Locates (and on demand installs) the VS Code server through scripts/vscode-server.sh, the single place that
// knows the cache layout. Node built-ins only.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InstalledServer {
  /** What the caller asked for: oldest, newest or a code-server version. */
  readonly requested: string;
  /** Absolute path of lib/vscode/out/server-main.js. */
  readonly serverMain: string;
  /** The node binary to run server-main.js with (its Node major is the one the server needs). */
  readonly nodeBin: string;
  /** Version of the bundled VS Code, e.g. 1.100.3. */
  readonly vscodeVersion: string;
}

/** Walks up from this file (src or out tree) to the folder holding scripts/vscode-server.sh. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'scripts', 'vscode-server.sh'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find scripts/vscode-server.sh above ${__dirname}`);
    }
    dir = parent;
  }
}

export function serverScript(): string {
  return process.env['SJC_VSCODE_SERVER_SCRIPT'] ?? path.join(repoRoot(), 'scripts', 'vscode-server.sh');
}

interface ScriptResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function script(args: readonly string[]): ScriptResult {
  const r = spawnSync('bash', [serverScript(), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    throw r.error;
  }
  return { status: r.status ?? 1, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/**
 * Returns the installed server for `version` (oldest | newest | 4.x.y). When it is not installed yet and
 * `install` is true (the default, unless SJC_NO_AUTO_INSTALL=1), runs `vscode-server.sh install <version>`
 * with its progress on this process's stderr.
 */
export function resolveServer(version: string, install = process.env['SJC_NO_AUTO_INSTALL'] !== '1'): InstalledServer {
  let r = script(['path', version]);
  if (r.status === 3 && install) {
    const inst = spawnSync('bash', [serverScript(), 'install', version], { stdio: ['ignore', 2, 2] });
    if (inst.error) {
      throw inst.error;
    }
    if (inst.status !== 0) {
      throw new Error(`vscode-server.sh install ${version} failed (exit ${String(inst.status)})`);
    }
    r = script(['path', version]);
  }
  if (r.status !== 0) {
    throw new Error(`vscode-server.sh path ${version} failed (exit ${r.status}): ${r.stderr}`);
  }
  const serverMain = r.stdout;
  const node = script(['node-bin', version]);
  const vsv = script(['vscode-version', version]);
  if (node.status !== 0 || vsv.status !== 0) {
    throw new Error(`vscode-server.sh cannot describe ${version}: ${node.stderr} ${vsv.stderr}`);
  }
  for (const f of [serverMain, node.stdout]) {
    if (!fs.existsSync(f)) {
      throw new Error(`${f} is missing: reinstall with scripts/vscode-server.sh install ${version}`);
    }
  }
  return { requested: version, serverMain, nodeBin: node.stdout, vscodeVersion: vsv.stdout };
}
