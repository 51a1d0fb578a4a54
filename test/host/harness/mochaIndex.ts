// Runs a mocha suite inside the VS Code extension host. A suite's compiled index.js does:
//
//   import * as path from 'node:path';
//   import { runMocha } from '<relative>/harness/mochaIndex';
//   export function run(): Promise<void> { return runMocha(__dirname); }
//
// and its test files (*.test.js under that folder) use mocha's BDD globals (describe/it) or
// `import { describe, it } from 'mocha'`.
//
// mocha 10 is CommonJS, which the extension host can require (mocha 11+/12 are ESM-only there).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface RunMochaOptions {
  /** Per-test timeout in ms (default 20 000). */
  readonly timeout?: number;
  /** Only tests whose full title matches (default: env SJC_MOCHA_GREP, else all). */
  readonly grep?: string | RegExp;
  /** Test files to load, matched against the file name (default /\.test\.js$/). */
  readonly pattern?: RegExp;
  /** mocha reporter (default spec). */
  readonly reporter?: string;
  /** Stop at the first failure. */
  readonly bail?: boolean;
  /** Retries per failing test (default 0). */
  readonly retries?: number;
}

/** What runMocha writes to the file named by env SJC_HOST_TEST_RESULT (read by run.js). */
export interface HostTestResult {
  readonly passes: number;
  readonly failures: number;
  readonly pending: number;
  readonly tests: number;
  readonly durationMs: number;
  readonly failed: readonly { readonly title: string; readonly error: string }[];
}

export function collectTestFiles(root: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !f.split(path.sep).includes('node_modules'))
    .sort();
}

/** Loads every test file under testsRoot into one mocha run; resolves when all pass, rejects otherwise. */
export function runMocha(testsRoot: string, opts: RunMochaOptions = {}): Promise<void> {
  const grepEnv = process.env['SJC_MOCHA_GREP'];
  const grep = opts.grep ?? (grepEnv !== undefined && grepEnv !== '' ? grepEnv : undefined);
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: opts.reporter ?? 'spec',
    color: false,
    timeout: opts.timeout ?? 20_000,
    bail: opts.bail ?? false,
    retries: opts.retries ?? 0,
    ...(grep === undefined ? {} : { grep }),
  });
  const files = collectTestFiles(testsRoot, opts.pattern ?? /\.test\.js$/);
  if (files.length === 0) {
    return Promise.reject(new Error(`no test files under ${testsRoot}`));
  }
  for (const f of files) {
    mocha.addFile(f);
  }

  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const failed: { title: string; error: string }[] = [];
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        const stats = runner.stats;
        const result: HostTestResult = {
          passes: stats?.passes ?? 0,
          failures,
          pending: stats?.pending ?? 0,
          tests: stats?.tests ?? 0,
          durationMs: Date.now() - started,
          failed,
        };
        writeResult(result);
        if (failures > 0) {
          reject(shortError(`${failures} test${failures === 1 ? '' : 's'} failed`));
        } else if (result.passes === 0 && result.pending === 0) {
          reject(shortError('no test ran'));
        } else {
          resolve();
        }
      });
      runner.on('fail', (test, err: unknown) => {
        failed.push({
          title: test.fullTitle(),
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
      });
    } catch (err) {
      writeResult({ passes: 0, failures: 1, pending: 0, tests: 0, durationMs: 0, failed: [{ title: 'loading tests', error: String(err) }] });
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** An error without a stack: VS Code prints it after mocha's report, where a stack into this file is noise. */
function shortError(message: string): Error {
  const err = new Error(message);
  err.stack = `Error: ${message}`;
  return err;
}

function writeResult(result: HostTestResult): void {
  const file = process.env['SJC_HOST_TEST_RESULT'];
  if (file === undefined || file === '') {
    return;
  }
  try {
    fs.writeFileSync(file, JSON.stringify(result));
  } catch (err) {
    console.error(`cannot write ${file}: ${String(err)}`);
  }
}
