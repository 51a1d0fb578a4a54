/**
 * 5a. Bundle size: dist/extension.js and dist/cli.js as packaged (`node esbuild.mjs --production --metafile`:
 * minified, no sourcemap), raw and gzip (zlib level 9, what a .vsix's zip deflate roughly achieves), with the biggest
 * inputs by package and by file from esbuild's metafile. 1 KB = 1,000 bytes.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * What-if: dist/extension.js as one file with everything in it (the parts of undici the project uses, the SIMD
 * llhttp build only, tough-cookie with tldts), i.e. without the lazy split; and without tldts (size only).
 */
async function whatIf(dir: string): Promise<{ label: string; min: number; gz: number }[]> {
  const root = repoRoot();
  const slim = join(root, 'scripts', 'bundle', 'undici-slim.cjs');
  const slimPlugin: esbuild.Plugin = {
    name: 'undici-slim',
    setup(b) {
      b.onResolve({ filter: /^undici$/ }, () => ({ path: slim }));
    },
  };
  const stub = (name: string, filter: RegExp, contents: string): esbuild.Plugin => ({
    name,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: name, namespace: 'bench-stub' }));
      b.onLoad({ filter: new RegExp(`^${name}$`), namespace: 'bench-stub' }, () => ({ contents, loader: 'js' }));
    },
  });
  const noPlain = stub('no-plain-llhttp', /[\\/]llhttp-wasm\.js$/, 'throw new Error("plain llhttp build not bundled")');
  // tough-cookie only asks tldts for public suffixes (rejecting Domain=<suffix> cookies). NOT a drop-in: sizes only.
  const noTldts = stub('tldts-stub', /^tldts$/, 'exports.getPublicSuffix = (d) => d.split(".").slice(-1)[0]; exports.getDomain = (d) => d;');
  const variants: [string, esbuild.Plugin[]][] = [
    ['one file, no lazy split (used parts of undici, SIMD llhttp, tough-cookie + tldts)', [slimPlugin, noPlain]],
    ['the same, and tldts replaced by a stub (size only)', [slimPlugin, noPlain, noTldts]],
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
    for (const name of ['extension', 'undici', 'tough-cookie', 'cli']) {
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
      const size = (f: string): number => (existsSync(join(build.dir, 'dist', f)) ? readFileSync(join(build.dir, 'dist', f)).length / 1000 : 0);
      const files: [string, string][] = [
        ['extension.js', 'at activation'],
        ['undici.js', 'with the first connection'],
        ['tough-cookie.js', 'with the first connection'],
        ['llhttp-wasm.js', 'only where WebAssembly SIMD is missing (undici falls back to the plain llhttp build)'],
      ];
      const shipped = files.reduce((a, [f]) => a + size(f), 0);
      metrics.push(info('bundle', 'bundle: everything the .vsix ships in dist/ (extension, undici, tough-cookie, plain llhttp)', shipped, 'KB'));
      md.push(
        '\n**What the extension ships and when it is loaded** (minified KB):\n',
        table(['file', 'KB', 'loaded'], [...files.map(([f, when]) => [`dist/${f}`, fmt(size(f)), when]), ['all', fmt(shipped), '']]),
      );
      const w = await whatIf(build.dir);
      md.push(
        '\n**What-if** (esbuild builds with the same options, measured):\n',
        table(['variant', 'KB minified', 'KB gzip'], w.map((v) => [v.label, fmt(v.min), fmt(v.gz)])),
      );
      for (const v of w) metrics.push(info('bundle', `bundle what-if: ${v.label}`, v.min, 'KB'));
    }
    for (const m of metrics) if (m.target === '< 250 KB' && m.value !== null) m.met = m.value < 250;
    return { title: '5a. Bundle size', metrics, markdown: md.join('\n') };
  } finally {
    rmSync(build.dir, { recursive: true, force: true });
  }
}
