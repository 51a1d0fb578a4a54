/**
 * 5a. Bundle size: dist/extension.js and dist/cli.js as packaged (`node esbuild.mjs --production --metafile`:
 * minified, no sourcemap), raw and gzip (zlib level 9, what a .vsix's zip deflate roughly achieves), with the biggest
 * inputs by package and by file from esbuild's metafile. 1 KB = 1,000 bytes.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { atMost, info, table, type Metric } from '../lib/results';
import { productionBuild, repoRoot } from '../lib/build';
import { fmt } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

interface Meta {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** "undici", "tough-cookie", "src/core/transport", … */
export function groupOf(path: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm?.[1]) return nm[1];
  const src = /(?:^|\/)src\/(.*)$/.exec(path);
  if (src?.[1]) {
    const parts = src[1].split('/');
    return `src/${parts.slice(0, parts[0] === 'core' || parts[0] === 'vscode' ? 2 : 1).join('/')}`;
  }
  return path;
}

function shortPath(path: string): string {
  return path.replace(/^.*node_modules\//, 'node_modules/').replace(/^.*?\/?(src\/)/, '$1');
}

/** What-if: only what src/ uses from undici (Agent, request, WebSocket), without its mocks, caches, proxies, EventSource. */
const UNDICI_SLIM = `'use strict'
const Dispatcher = require('undici/lib/dispatcher/dispatcher')
const api = require('undici/lib/api')
const util = require('undici/lib/core/util')
const { getGlobalDispatcher } = require('undici/lib/global')
Object.assign(Dispatcher.prototype, api)
function request (url, opts = {}) {
  const u = util.parseURL(url)
  return api.request.call(opts.dispatcher || getGlobalDispatcher(), { ...opts, origin: u.origin, path: u.search ? u.pathname + u.search : u.pathname, method: opts.method || (opts.body ? 'PUT' : 'GET') })
}
module.exports = { Agent: require('undici/lib/dispatcher/agent'), Dispatcher, request, WebSocket: require('undici/lib/web/websocket/websocket').WebSocket }
`;

/**
 * Sizes of dist/extension.js if the bundle were built differently (same esbuild options as esbuild.mjs
 * --production): measured, not guessed, so the proposals in the results carry real numbers.
 */
async function whatIf(dir: string): Promise<{ label: string; min: number; gz: number }[]> {
  const root = repoRoot();
  const slim = join(dir, 'undici-slim.cjs');
  writeFileSync(slim, UNDICI_SLIM);
  const slimPlugin: esbuild.Plugin = {
    name: 'undici-slim',
    setup(b) {
      b.onResolve({ filter: /^undici$/ }, (a) => (a.importer === slim ? undefined : { path: slim }));
      b.onResolve({ filter: /^undici\// }, (a) => (a.importer === slim ? { path: require.resolve(a.path, { paths: [root] }) } : undefined));
    },
  };
  const stub = (name: string, filter: RegExp, contents: string): esbuild.Plugin => ({
    name,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: name, namespace: 'bench-stub' }));
      b.onLoad({ filter: new RegExp(`^${name}$`), namespace: 'bench-stub' }, () => ({ contents, loader: 'js' }));
    },
  });
  // undici tries the SIMD build of llhttp first and falls back to the plain one; shipping one is enough.
  const noSimd = stub('no-simd', /llhttp_simd-wasm\.js$/, 'throw new Error("no SIMD build bundled")');
  // tough-cookie only asks tldts for public suffixes (rejecting Domain=<suffix> cookies); a per-server jar behind
  // the origin guard could use a small list. NOT a drop-in: this stub only sizes what tldts costs.
  const noTldts = stub('tldts-stub', /^tldts$/, 'exports.getPublicSuffix = (d) => d.split(".").slice(-1)[0]; exports.getDomain = (d) => d;');
  const variants: [string, esbuild.Plugin[]][] = [
    ['as built (all of undici, both llhttp builds, tldts)', []],
    ['undici: only Agent + request + WebSocket', [slimPlugin]],
    ['undici: one llhttp build (no SIMD)', [noSimd]],
    ['both of the above', [slimPlugin, noSimd]],
    ['both, and tldts replaced by a stub (size only)', [slimPlugin, noSimd, noTldts]],
  ];
  const out: { label: string; min: number; gz: number }[] = [];
  for (const [label, plugins] of variants) {
    const r = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['src/extension.ts'],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      external: ['vscode'],
      define: { CLI_VERSION: '"0.0.0"' },
      write: false,
      outfile: join(dir, 'whatif.js'),
      logLevel: 'silent',
      plugins,
    });
    const code = r.outputFiles[0]?.contents ?? new Uint8Array();
    out.push({ label, min: code.length / 1000, gz: gzipSync(code, { level: 9 }).length / 1000 });
  }
  return out;
}

export async function bundle(o: SuiteOptions): Promise<SuiteOutput> {
  const build = productionBuild();
  try {
    const metrics: Metric[] = [];
    const md: string[] = [`Built with the repo's \`node esbuild.mjs --production --metafile\` in ${fmt(build.ms)} ms (scratch folder; dist/ untouched).`];
    if (!build.bundles['extension']) {
      metrics.push({ name: 'bundle: dist/extension.js minified', value: null, unit: 'KB', target: '< 250 KB', met: null, suite: 'bundle', note: 'not measured yet: src/extension.ts does not exist' });
    }
    for (const name of ['extension', 'cli']) {
      const js = build.bundles[name];
      const metaPath = build.metafiles[name];
      if (!js || !metaPath) continue;
      const code = readFileSync(js);
      const min = code.length;
      const gz = gzipSync(code, { level: 9 }).length;
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
      const out = Object.values(meta.outputs).find((x) => Object.keys(x.inputs).length > 0);
      const inputs = Object.entries(out?.inputs ?? {}).map(([p, v]) => ({ path: p, bytes: v.bytesInOutput }));
      const groups = new Map<string, number>();
      for (const i of inputs) groups.set(groupOf(i.path), (groups.get(groupOf(i.path)) ?? 0) + i.bytes);
      const topGroups = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 12);
      const topFiles = [...inputs].sort((a, b) => b.bytes - a.bytes).slice(0, 12);
      const total = inputs.reduce((a, b) => a + b.bytes, 0);
      if (name === 'extension') metrics.push(atMost('bundle', 'bundle: dist/extension.js minified', min / 1000, 'KB', 250, '< 250 KB'));
      else metrics.push(info('bundle', `bundle: dist/${name}.js minified`, min / 1000, 'KB'));
      metrics.push(info('bundle', `bundle: dist/${name}.js gzip`, gz / 1000, 'KB'));
      for (const [g, b] of topGroups.slice(0, 6)) metrics.push(info('bundle', `bundle: dist/${name}.js input ${g}`, b / 1000, 'KB'));
      md.push(
        `\n**dist/${name}.js**: ${fmt(min / 1000)} KB minified, ${fmt(gz / 1000)} KB gzip; ${inputs.length} inputs.\n`,
        table(
          ['package / folder', 'KB in output', 'share'],
          topGroups.map(([g, b]) => [g, fmt(b / 1000), `${fmt((100 * b) / total, 2)}%`]),
        ),
        '',
        table(['biggest input files', 'KB in output'], topFiles.map((f) => [shortPath(f.path), fmt(f.bytes / 1000)])),
      );
      o.log(`${name}.js: ${fmt(min / 1000)} KB minified, ${fmt(gz / 1000)} KB gzip`);
    }
    if (build.bundles['extension']) {
      const w = await whatIf(build.dir);
      md.push(
        '\n**What would shrink dist/extension.js** (esbuild builds with the same options, measured):\n',
        table(['variant', 'KB minified', 'KB gzip'], w.map((v) => [v.label, fmt(v.min), fmt(v.gz)])),
      );
      for (const v of w.slice(1)) metrics.push(info('bundle', `bundle what-if: ${v.label}`, v.min, 'KB'));
    }
    for (const m of metrics) if (m.target === '< 250 KB' && m.value !== null) m.met = m.value < 250;
    return { title: '5a. Bundle size', metrics, markdown: md.join('\n') };
  } finally {
    rmSync(build.dir, { recursive: true, force: true });
  }
}
