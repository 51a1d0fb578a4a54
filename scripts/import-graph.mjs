#!/usr/bin/env node
// The import graph of src/: which folder imports which, the arrows that run back up (an arrow on a cycle between
// folders), and file-level import cycles. A folder is one node; a file directly in an area (src/*.ts,
// src/core/*.ts, src/vscode/*.ts) is its own node. Exit 1 when there is an arrow back up or a cycle.
// Usage: node scripts/import-graph.mjs [SRC_DIR] [--json]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? 'src');

const files = [];
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(root);
const known = new Set(files);

/** Relative imports and re-exports of each file (type-only ones too: they are dependencies all the same). */
const imports = new Map();
for (const f of files) {
  const deps = new Set();
  for (const m of readFileSync(f, 'utf8').matchAll(/(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'/g)) {
    const target = resolve(dirname(f), m[1]);
    const hit = [`${target}.ts`, join(target, 'index.ts')].find((c) => known.has(c));
    if (hit) deps.add(hit);
  }
  imports.set(f, deps);
}

const nodeOf = (f) => {
  const d = relative(root, dirname(f));
  return d.includes('/') ? d : relative(root, f);
};
const arrows = new Map();
for (const [f, deps] of imports) {
  for (const d of deps) {
    const from = nodeOf(f);
    const to = nodeOf(d);
    if (from === to) continue;
    const key = `${from} -> ${to}`;
    if (!arrows.has(key)) arrows.set(key, []);
    arrows.get(key).push(`${relative(root, f)} -> ${relative(root, d)}`);
  }
}
const next = new Map();
for (const key of arrows.keys()) {
  const [from, to] = key.split(' -> ');
  if (!next.has(from)) next.set(from, new Set());
  next.get(from).add(to);
}
const reaches = (from, to) => {
  const seen = new Set();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop();
    if (n === to) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(next.get(n) ?? []));
  }
  return false;
};
const backArrows = [...arrows.keys()].filter((key) => {
  const [from, to] = key.split(' -> ');
  return reaches(to, from);
});

// File-level cycles: strongly connected components of more than one file (Tarjan).
const cycles = [];
{
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of imports.get(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(relative(root, w));
      } while (w !== v);
      if (component.length > 1) cycles.push(component);
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
}

const result = { files: files.length, arrows: arrows.size, backArrows: backArrows.map((k) => ({ arrow: k, imports: arrows.get(k) })), cycles };
if (asJson) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`${result.files} files, ${result.arrows} arrows between folders; ${backArrows.length} run back up; ${cycles.length} file cycles`);
  for (const b of result.backArrows) console.log(`  back: ${b.arrow}  (${b.imports.join(', ')})`);
  for (const c of cycles) console.log(`  cycle: ${c.join(' -> ')}`);
}
process.exitCode = backArrows.length || cycles.length ? 1 : 0;
