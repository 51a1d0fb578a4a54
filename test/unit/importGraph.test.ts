import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const repo = join(__dirname, '..', '..', '..');

interface Graph {
  files: number;
  arrows: number;
  backArrows: { arrow: string; imports: string[] }[];
  cycles: string[][];
}

function graphOf(srcDir: string): Graph {
  const run = spawnSync(process.execPath, [join(repo, 'scripts', 'import-graph.mjs'), srcDir, '--json'], { encoding: 'utf8' });
  assert.equal(run.stderr, '');
  return JSON.parse(run.stdout) as Graph;
}

describe('the import graph of src/ (scripts/import-graph.mjs)', () => {
  it('no import runs back up from a lower folder into a higher one, and no file cycle', () => {
    const g = graphOf(join(repo, 'src'));
    assert.ok(g.files > 50, `read ${g.files} files`);
    assert.ok(g.arrows > 50, `found ${g.arrows} arrows between folders (the import pattern still matches)`);
    assert.deepEqual(g.backArrows, [], 'arrows back up');
    assert.deepEqual(g.cycles, [], 'file cycles');
  });

  it('finds an arrow back up and a file cycle when there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sjc-graph-'));
    try {
      mkdirSync(join(dir, 'core', 'low'), { recursive: true });
      mkdirSync(join(dir, 'core', 'high'), { recursive: true });
      writeFileSync(join(dir, 'core', 'high', 'a.ts'), "import { b } from '../low/b';\nexport const a = b;\n");
      writeFileSync(join(dir, 'core', 'low', 'b.ts'), "import type { a } from '../high/a';\nexport const b = 1;\nexport type A = typeof a;\n");
      const g = graphOf(dir);
      assert.deepEqual(g.backArrows.map((b) => b.arrow).sort(), ['core/high -> core/low', 'core/low -> core/high']);
      assert.deepEqual(g.cycles.map((c) => c.sort()), [['core/high/a.ts', 'core/low/b.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
