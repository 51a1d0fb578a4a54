/**
 * 5d. Activation time in the real VS Code extension host (code-server via test/host/harness): the production
 * bundle (`esbuild.mjs --production`) with the repo's package.json and translations, copied to a scratch folder
 * whose manifest has no activation event of its own (the shipped one is onStartupFinished, which would race the
 * measurement); a one-file suite in the host then times `extension.activate()`: loading the bundle plus the
 * extension's `activate()` until its promise resolves. One fresh host per sample. The same is done for the
 * harness's throwaway fixture extension (a few lines of activate()): the host's own share of the figure.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionBuild, repoRoot } from '../lib/build';
import { atMost, info, table, type Metric } from '../lib/results';
import { fmt, median } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

interface Sample {
  ms: number;
  wasActive: boolean;
  vscode: string;
  node: string;
}

export async function activation(o: SuiteOptions): Promise<SuiteOutput> {
  const root = repoRoot();
  const notYet = (why: string): SuiteOutput => ({
    title: '5d. Activation time',
    metrics: [{ name: 'activation: extension.activate() in the real VS Code extension host, median', value: null, unit: 'ms', target: '< 25 ms', met: null, suite: 'activation', note: `not measured yet: ${why}` }],
    markdown: `**Not measured yet**: ${why}.`,
  });
  if (!existsSync(join(root, 'src', 'extension.ts'))) return notYet('src/extension.ts does not exist yet');
  const build = productionBuild();
  const ext = mkdtempSync(join(tmpdir(), 'sjc-bench-ext-'));
  try {
    const js = build.bundles['extension'];
    if (!js) return notYet('the production build made no dist/extension.js');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    pkg['activationEvents'] = [];
    writeFileSync(join(ext, 'package.json'), JSON.stringify(pkg, null, 2));
    mkdirSync(join(ext, 'dist'));
    copyFileSync(js, join(ext, 'dist', 'extension.js'));
    // What the extension loads on its first connection (not at activation), as packaged.
    for (const lazy of ['undici.js', 'tough-cookie.js', 'llhttp-wasm.js']) copyFileSync(join(build.dir, 'dist', lazy), join(ext, 'dist', lazy));
    for (const extra of ['package.nls.json', 'l10n', 'media', 'resources', 'images']) {
      if (existsSync(join(root, extra))) cpSync(join(root, extra), join(ext, extra), { recursive: true });
    }
    const runJs = join(__dirname, '..', '..', 'test', 'host', 'harness', 'run.js');
    const suite = join(__dirname, '..', 'host', 'activation', 'index.js');
    // The fixture (host baseline), with its activation events emptied too.
    const fixture = join(ext, 'fixture');
    cpSync(join(root, 'test', 'host', 'fixture', 'extension'), fixture, { recursive: true });
    const fpkg = JSON.parse(readFileSync(join(fixture, 'package.json'), 'utf8')) as Record<string, unknown>;
    fpkg['activationEvents'] = [];
    writeFileSync(join(fixture, 'package.json'), JSON.stringify(fpkg, null, 2));
    const fixtureId = `${String(fpkg['publisher'])}.${String(fpkg['name'])}`;
    const hostRun = (version: string, dir: string, id: string, outFile: string): Sample => {
      try {
        execFileSync(process.execPath, [runJs, '--version', version, '--extension', dir, '--tests', suite, '--timeout', '240'], {
          env: { ...process.env, SJC_BENCH_ACTIVATION_OUT: outFile, SJC_BENCH_EXTENSION_ID: id },
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 300_000,
        });
      } catch (err) {
        // The harness exits non-zero when the suite has no mocha summary; the figure file is what counts.
        if (!existsSync(outFile)) throw new Error(`the extension host run failed: ${(err as { stderr?: Buffer }).stderr?.toString().slice(-2000) ?? String(err)}`);
      }
      return JSON.parse(readFileSync(outFile, 'utf8')) as Sample;
    };
    const baseline: Record<string, Sample[]> = {};
    const samples: Sample[] = [];
    const runs = o.quick ? 1 : 3;
    const versions = o.quick ? ['newest'] : ['newest', 'oldest'];
    const perVersion: Record<string, Sample[]> = {};
    for (const version of versions) {
      perVersion[version] = [];
      for (let i = 0; i < runs; i++) {
        // Interleaved: ours, then the fixture, in fresh hosts.
        const s = hostRun(version, ext, 'secure-jupyter-connections.secure-jupyter-connections', join(ext, `activation-${version}-${i}.json`));
        perVersion[version]?.push(s);
        (baseline[version] ??= []).push(hostRun(version, fixture, fixtureId, join(ext, `fixture-${version}-${i}.json`)));
        samples.push(s);
        o.log(`VS Code ${s.vscode}: activate() took ${fmt(s.ms)} ms${s.wasActive ? ' (was already active!)' : ''}`);
      }
    }
    const valid = (xs: Sample[]): number[] => xs.filter((s) => !s.wasActive).map((s) => s.ms);
    const newest = valid(perVersion['newest'] ?? []);
    const metrics: Metric[] = [
      atMost('activation', `activation: extension.activate() in the real VS Code extension host (newest), median of ${newest.length}`, newest.length ? median(newest) : null, 'ms', 25, '< 25 ms'),
    ];
    if (perVersion['oldest']?.length) {
      const oldest = valid(perVersion['oldest']);
      metrics.push(atMost('activation', `activation: extension.activate() (oldest supported VS Code), median of ${oldest.length}`, oldest.length ? median(oldest) : null, 'ms', 25, '< 25 ms'));
    }
    for (const m of metrics) if (m.value !== null) m.met = m.value < 25;
    const base = valid(baseline['newest'] ?? []);
    metrics.push({ name: 'activation: the fixture extension (host baseline, newest), median', value: base.length ? median(base) : null, unit: 'ms', target: null, met: null, suite: 'activation' });
    // Ours minus the fixture, run by run (they alternate, so each pair saw about the same load): our own share.
    for (const [v, xs] of Object.entries(perVersion)) {
      const pairs = xs.map((s, i) => (s.wasActive ? undefined : s.ms - (baseline[v]?.[i]?.ms ?? NaN))).filter((d): d is number => d !== undefined && Number.isFinite(d));
      if (pairs.length) metrics.push(info('activation', `activation: ours minus the fixture in the same host version (${v}), median of pairs`, median(pairs), 'ms'));
    }
    const md = [
      `The production bundle (dist/extension.js, ${fmt(readFileSync(js).length / 1000)} KB; undici and tough-cookie are loaded with the first connection, not at activation) in a fresh code-server extension host per sample; the manifest's activation events emptied so nothing activates it before the timer starts.`,
      '',
      table(
        ['VS Code', 'Node in the host', 'ours: activate() ms (each run)', 'ours: median ms', 'fixture (host baseline): median ms'],
        Object.entries(perVersion).map(([v, xs]) => [
          `${v} (${xs[0]?.vscode ?? '?'})`,
          xs[0]?.node ?? '?',
          xs.map((s) => fmt(s.ms) + (s.wasActive ? ' (already active)' : '')).join(', '),
          fmt(median(valid(xs))),
          fmt(median(valid(baseline[v] ?? []))),
        ]),
      ),
    ].join('\n');
    return { title: '5d. Activation time', metrics, markdown: md };
  } finally {
    rmSync(ext, { recursive: true, force: true });
    rmSync(build.dir, { recursive: true, force: true });
  }
}
