/**
 * Runs one benchmark suite in this process and writes its result as JSON (the runner starts one child process
 * per suite, so suites do not share a heap, a JIT state or leftover sockets).
 *   node out/bench/suite.js <name> [--quick] --out <file.json>
 */
import { writeFileSync } from 'node:fs';
import { loadMeter, type SuiteResult } from './lib/results';
import { SUITES } from './suites/index';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = args[0] ?? '';
  const quick = args.includes('--quick');
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? args[outIdx + 1] : undefined;
  const entry = SUITES[name];
  if (!entry) throw new Error(`unknown suite "${name}" (known: ${Object.keys(SUITES).join(', ')})`);
  const log = (line: string): void => void process.stderr.write(`[${name}] ${line}\n`);
  const stopMeter = loadMeter();
  const started = performance.now();
  const output = await entry.suite({ quick, log });
  const result: SuiteResult = {
    suite: name,
    title: output.title,
    quick,
    date: new Date().toISOString(),
    durationS: Math.round((performance.now() - started) / 100) / 10,
    load: stopMeter(),
    metrics: output.metrics,
    markdown: output.markdown,
  };
  if (out) writeFileSync(out, JSON.stringify(result, null, 2));
  else process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`suite failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
