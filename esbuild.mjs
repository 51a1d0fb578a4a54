// Bundles the extension and the CLI into dist/. Type-checking is separate (`npm run typecheck`).
//   node esbuild.mjs               development build (sourcemaps, not minified)
//   node esbuild.mjs --production  minified, as packaged
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --metafile    also write dist/meta-*.json (bundle size analysis for bench/)
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

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

const builds = [
  { ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js'},
];
if (existsSync('src/extension.ts')) {
  builds.push({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
}

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
