// Bundles the extension and the CLI into dist/. Type-checking is separate (`npm run typecheck`).
//   node esbuild.mjs               development build (sourcemaps, not minified)
//   node esbuild.mjs --production  minified, as packaged
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --metafile    also write dist/meta-*.json (bundle size analysis for bench/)
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  metafile: args.has('--metafile'),
  define: { CLI_VERSION: JSON.stringify(pkg.version) },
};

const requireHere = createRequire(import.meta.url);
const undiciSlim = fileURLToPath(new URL('./scripts/bundle/undici-slim.cjs', import.meta.url));

/** `undici` resolves to the parts of it the project uses (scripts/bundle/undici-slim.cjs). */
const slimUndici = {
  name: 'slim-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: undiciSlim }));
  },
};

/**
 * undici compiles the SIMD build of its HTTP parser (llhttp) and only falls back to the plain build where WebAssembly
 * SIMD is missing: the plain one (72 KB) stays out of the bundles, as dist/llhttp-wasm.js, loaded only then.
 */
const plainLlhttpAside = {
  name: 'plain-llhttp-aside',
  setup(b) {
    b.onResolve({ filter: /[\\/]llhttp-wasm\.js$/ }, () => ({ path: './llhttp-wasm.js', external: true }));
  },
};

/**
 * The extension activates without undici and tough-cookie (src/core/util/libs.ts requires them on first use):
 * they are bundles of their own next to dist/extension.js.
 */
const lazyLibs = {
  name: 'lazy-libs',
  setup(b) {
    b.onResolve({ filter: /^(undici|tough-cookie)$/ }, (a) => ({ path: `./${a.path}.js`, external: true }));
  },
};

/**
 * `import * as vscode from 'vscode'` in a bundle copies every property of the API object into a new namespace
 * object, once per importing file (esbuild's CommonJS interop): ~13 ms of activation with 20 files. Here 'vscode'
 * is one module that reads the API once and exports the names src/ uses (collected from `vscode.<name>`), so every
 * file shares it. A name missing from the list fails the build (import-is-undefined is an error below).
 */
const vscodeOnce = {
  name: 'vscode-once',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, (a) => (a.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
    b.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => {
      const names = new Set();
      const walk = (dir) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = `${dir}/${e.name}`;
          if (e.isDirectory()) walk(p);
          else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\bvscode\.([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
        }
      };
      walk('src');
      const lines = ['const api = require("vscode");', ...[...names].sort().map((n) => `export const ${n} = api.${n};`)];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: '.' };
    });
  },
};

const builds = [
  { ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', plugins: [slimUndici, plainLlhttpAside] },
];
if (existsSync('src/extension.ts')) {
  builds.push(
    {
      ...common,
      entryPoints: ['src/extension.ts'],
      outfile: 'dist/extension.js',
      plugins: [vscodeOnce, lazyLibs],
      logOverride: { 'import-is-undefined': 'error' },
    },
    { ...common, entryPoints: [undiciSlim], outfile: 'dist/undici.js', plugins: [plainLlhttpAside] },
    { ...common, entryPoints: [requireHere.resolve('tough-cookie')], outfile: 'dist/tough-cookie.js' },
  );
}

mkdirSync('dist', { recursive: true });
copyFileSync(requireHere.resolve('undici/lib/llhttp/llhttp-wasm.js'), 'dist/llhttp-wasm.js');

if (args.has('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  for (const b of builds) {
    const result = await esbuild.build(b);
    if (result.metafile) {
      const name = b.outfile.replace(/^dist\/|\.js$/g, '');
      writeFileSync(`dist/meta-${name}.json`, JSON.stringify(result.metafile));
    }
  }
}
