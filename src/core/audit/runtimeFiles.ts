import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeScanner } from '../discovery/scanner';
import type { ServerEndpoint } from '../server/endpoint';
import type { RuntimeFileKind, RuntimeFileObservation } from './observations';

/**
 * The permission bits of the audited server's runtime files: its `nbserver-<pid>.json` / `jpserver-<pid>.json`
 * (found by URL in the given runtime dirs, live or left behind), the `-open.html` next to it and the cookie secret
 * of that runtime dir, each with the modes of every directory above it. POSIX only: on Windows the modes say
 * nothing about other users, so nothing is observed.
 */
export async function observeRuntimeFiles(endpoint: ServerEndpoint, runtimeDirs: readonly string[]): Promise<RuntimeFileObservation[]> {
  if (process.platform === 'win32' || runtimeDirs.length === 0) return [];
  const servers = await new RuntimeScanner().scan(runtimeDirs, { probe: false, parseStale: true });
  const candidates = new Map<string, RuntimeFileKind>();
  for (const s of servers) {
    if (s.info?.endpoint.id !== endpoint.id) continue;
    candidates.set(s.file, 'server-info');
    candidates.set(s.file.replace(/\.json$/, '-open.html'), 'open-html');
    const secret = basename(s.file).startsWith('nbserver-') ? 'notebook_cookie_secret' : 'jupyter_cookie_secret';
    candidates.set(join(dirname(s.file), secret), 'cookie-secret');
  }
  const out: RuntimeFileObservation[] = [];
  for (const [path, kind] of candidates) {
    const mode = await modeOf(path);
    if (mode === undefined) continue;
    out.push({ path, kind, mode, dirs: await ancestorModes(dirname(path)) });
  }
  return out;
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** `dir` and every directory above it with its mode, nearest first (unreadable ones left out). */
export async function ancestorModes(dir: string): Promise<Array<{ path: string; mode: number }>> {
  const out: Array<{ path: string; mode: number }> = [];
  let current = resolve(dir);
  for (;;) {
    const mode = await modeOf(current);
    if (mode !== undefined) out.push({ path: current, mode });
    const parent = dirname(current);
    if (parent === current) return out;
    current = parent;
  }
}
