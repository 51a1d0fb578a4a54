import { homedir } from 'node:os';
import { join, resolve, win32 } from 'node:path';

/** What the directory rules read: the environment, the platform and the home dir (injectable for tests). */
export interface DirContext {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
}

export function currentDirContext(): DirContext {
  return { env: process.env, platform: process.platform, home: homedir() };
}

/** jupyter_core's `envset()`: a variable that is present counts as set unless it says no, n, false, off, 0 or 0.0. */
function truthy(v: string | undefined): boolean {
  return v !== undefined && !['no', 'n', 'false', 'off', '0', '0.0'].includes(v.toLowerCase());
}

/** platformdirs' app name in jupyter_core 5.x: capitalised on macOS and Windows. */
const PLATFORM_APPNAME = 'Jupyter';

function pathJoin(ctx: DirContext, ...parts: string[]): string {
  return ctx.platform === 'win32' ? win32.join(...parts) : join(...parts);
}

/** jupyter_core's `jupyter_config_dir()`. */
export function jupyterConfigDir(ctx: DirContext): string {
  const set = ctx.env['JUPYTER_CONFIG_DIR'];
  if (set) return set;
  return pathJoin(ctx, ctx.home, '.jupyter');
}

/** jupyter_core's `jupyter_data_dir()` (4.x and 5.x, with and without JUPYTER_PLATFORM_DIRS). */
export function jupyterDataDir(ctx: DirContext): string {
  const set = ctx.env['JUPYTER_DATA_DIR'];
  if (set) return set;
  const platformDirs = truthy(ctx.env['JUPYTER_PLATFORM_DIRS']);
  switch (ctx.platform) {
    case 'darwin':
      return platformDirs ? join(ctx.home, 'Library', 'Application Support', PLATFORM_APPNAME) : join(ctx.home, 'Library', 'Jupyter');
    case 'win32': {
      if (platformDirs) {
        const local = ctx.env['LOCALAPPDATA'] ?? win32.join(ctx.home, 'AppData', 'Local');
        return win32.join(local, PLATFORM_APPNAME);
      }
      const appdata = ctx.env['APPDATA'];
      return appdata ? win32.join(appdata, 'jupyter') : win32.join(jupyterConfigDir(ctx), 'data');
    }
    default: {
      const xdg = ctx.env['XDG_DATA_HOME'] || join(ctx.home, '.local', 'share');
      return join(xdg, 'jupyter');
    }
  }
}

/** jupyter_core's `jupyter_runtime_dir()`: JUPYTER_RUNTIME_DIR, else `<data dir>/runtime`. */
export function jupyterRuntimeDir(ctx: DirContext): string {
  const set = ctx.env['JUPYTER_RUNTIME_DIR'];
  if (set) return set;
  return pathJoin(ctx, jupyterDataDir(ctx), 'runtime');
}

/**
 * The runtime dirs worth scanning: the one jupyter_core would use, the other layout (servers started with or
 * without JUPYTER_PLATFORM_DIRS write to different places on macOS and Windows), and any extra dirs; deduplicated.
 */
export function runtimeDirsToScan(ctx: DirContext, extra: readonly string[] = []): string[] {
  const dirs = [jupyterRuntimeDir(ctx)];
  if (!ctx.env['JUPYTER_RUNTIME_DIR'] && !ctx.env['JUPYTER_DATA_DIR']) {
    const flipped = { ...ctx, env: { ...ctx.env, JUPYTER_PLATFORM_DIRS: truthy(ctx.env['JUPYTER_PLATFORM_DIRS']) ? '0' : '1' } };
    dirs.push(jupyterRuntimeDir(flipped));
  }
  dirs.push(...extra);
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const key = ctx.platform === 'win32' ? win32.resolve(d).toLowerCase() : resolve(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
