/**
 * Production bundles exactly as packaged: the repo's own `node esbuild.mjs --production --metafile`, run in a
 * scratch folder (symlinks to src/, esbuild.mjs and package.json) so the repo's dist/ is never overwritten while
 * other people build and test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The repo root: the nearest folder above this file with the project's package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'secure-jupyter-connections') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repo root');
    dir = up;
  }
}

export interface ProductionBuild {
  dir: string;
  /** dist/<name>.js for each bundle built (cli; extension and the undici and tough-cookie it loads lazily). */
  bundles: Record<string, string>;
  metafiles: Record<string, string>;
  ms: number;
}

export function productionBuild(): ProductionBuild {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'sjc-bench-build-'));
  for (const name of ['src', 'esbuild.mjs', 'package.json']) symlinkSync(resolve(root, name), join(dir, name));
  mkdirSync(join(dir, 'dist'));
  const t0 = performance.now();
  execFileSync(process.execPath, ['esbuild.mjs', '--production', '--metafile'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  const bundles: Record<string, string> = {};
  const metafiles: Record<string, string> = {};
  for (const name of ['cli', 'extension', 'undici', 'tough-cookie']) {
    const js = join(dir, 'dist', `${name}.js`);
    if (existsSync(js)) {
      bundles[name] = js;
      metafiles[name] = join(dir, 'dist', `meta-${name}.json`);
    }
  }
  return { dir, bundles, metafiles, ms };
}
