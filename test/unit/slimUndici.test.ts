import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// The bundle takes undici from scripts/bundle/undici-slim.cjs (see esbuild.mjs), which exports only what src/ uses.
// Unit tests load the real undici, so a new `undici().X` in src/ would be undefined in the bundle alone: this test
// fails first.
const repo = join(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the slim undici entry of the bundle', () => {
  it('exports every undici value src/ takes from undici(), as the real undici does', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(repo, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bundici\(\)\.(\w+)/g)) used.add(m[1]!);
    }
    assert.ok(used.has('Agent') && used.has('WebSocket'), `found: ${[...used].join(', ')}`);
    const slim = createRequire(join(repo, 'package.json'))(join(repo, 'scripts', 'bundle', 'undici-slim.cjs')) as Record<string, unknown>;
    const real = createRequire(join(repo, 'package.json'))('undici') as Record<string, unknown>;
    for (const name of used) {
      assert.equal(typeof slim[name], 'function', `undici().${name} is used in src/ but missing from scripts/bundle/undici-slim.cjs`);
      assert.equal(slim[name], real[name], `undici().${name} in the slim entry is not undici's own`);
    }
  });

  it('gives the dispatchers undici\'s request API on their own (ProxyAgent tunnels with client.connect)', () => {
    // A child process loads the slim entry alone, as the bundle does (here undici's index has already run).
    const script = `require(${JSON.stringify(join(repo, 'scripts', 'bundle', 'undici-slim.cjs'))});
      const D = require('undici/lib/dispatcher/dispatcher');
      if (require.cache[require.resolve('undici')]) process.exit(3);
      process.exit(['connect', 'request', 'upgrade'].every((m) => typeof D.prototype[m] === 'function') ? 0 : 1);`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: repo });
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  });

  it('is never destructured (the check above reads `undici().Name` uses only)', () => {
    for (const file of sourceFiles(join(repo, 'src'))) {
      assert.doesNotMatch(readFileSync(file, 'utf8'), /=\s*undici\(\)\s*;/, file);
    }
  });
});
