// CLI: runs a mocha suite inside a real VS Code extension host and exits with its code.
//
//   node out/test/host/harness/run.js --version oldest|newest|4.x.y --extension <dir> [--extension <dir>…] --tests <index.js>
//        [--workspace <dir>] [--timeout <s>] [--grep <text>] [--settings <json file>] [--verbose] [--keep]
//
// The extension host's console output (mocha's spec reporter included) is streamed to stdout; the run ends
// with mocha's summary ("N passing", "N failing"). A run that does not finish within --timeout (default
// 600 s) fails with exit code 124 and the tail of the server's logs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveServer } from './install';
import { launchVsCode, type LogLine, type VsCodeHandle } from './launch';
import type { HostTestResult } from './mochaIndex';

interface CliArgs {
  version: string;
  extension: string;
  /** Further --extension folders, loaded beside the first. */
  extraExtensions: string[];
  tests: string;
  workspace?: string;
  timeoutS: number;
  grep?: string;
  settings?: string;
  verbose: boolean;
  keep: boolean;
}

function usage(msg?: string): never {
  if (msg !== undefined) {
    process.stderr.write(`run: ${msg}\n`);
  }
  process.stderr.write(
    'usage: node out/test/host/harness/run.js --version oldest|newest|4.x.y --extension <dir> --tests <index.js>\n' +
      '         [--workspace <dir>] [--timeout <seconds>] [--grep <text>] [--settings <settings.json>] [--verbose] [--keep]\n',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): CliArgs {
  const out: Partial<CliArgs> & { verbose: boolean; keep: boolean; extraExtensions: string[] } = { verbose: false, keep: false, extraExtensions: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) {
        usage(`${String(a)} needs a value`);
      }
      return v;
    };
    switch (a) {
      case '--version': out.version = value(); break;
      case '--extension': {
        const v = value();
        if (out.extension === undefined) out.extension = v;
        else out.extraExtensions.push(v);
        break;
      }
      case '--tests': out.tests = value(); break;
      case '--workspace': out.workspace = value(); break;
      case '--timeout': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0) {
          usage('--timeout needs a positive number of seconds');
        }
        out.timeoutS = n;
        break;
      }
      case '--grep': out.grep = value(); break;
      case '--settings': out.settings = value(); break;
      case '--verbose': out.verbose = true; break;
      case '--keep': out.keep = true; break;
      case '-h':
      case '--help': usage();
      // falls through (usage never returns)
      default: usage(`unknown argument ${String(a)}`);
    }
  }
  if (out.version === undefined || out.extension === undefined || out.tests === undefined) {
    usage('--version, --extension and --tests are required');
  }
  return {
    version: out.version,
    extension: out.extension,
    extraExtensions: out.extraExtensions,
    tests: out.tests,
    timeoutS: out.timeoutS ?? 600,
    verbose: out.verbose,
    keep: out.keep,
    ...(out.workspace === undefined ? {} : { workspace: out.workspace }),
    ...(out.grep === undefined ? {} : { grep: out.grep }),
    ...(out.settings === undefined ? {} : { settings: out.settings }),
  };
}

// codeAutomationLog carries both the extension host's console output and the workbench's own log lines, with
// nothing to tell them apart; these workbench lines are dropped unless --verbose.
const WORKBENCH_NOISE: readonly RegExp[] = [
  /^Resolv(?:ing|ed) connection token\b/,
  /^Creating a socket \(/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /open-vsx\.org|getaddrinfo ENOTFOUND/,
  /^\[driver\]/,
  /^Started local extension host with pid/,
  /^\[reconnection-grace-time\]/,
  /^\[AgentHost:/,
  /^\[AccountPolicyGate\]/,
];

/** What to print for one log line in quiet mode, or undefined to drop it. */
function hostOutput(line: LogLine): string | undefined {
  if (line.source !== 'host' || WORKBENCH_NOISE.some((r) => r.test(line.text))) {
    return undefined;
  }
  // Errors raised in the browser (e.g. "Canceled" while the workbench shuts down) carry stacks into the
  // workbench bundle; the extension host's own errors have file paths on the server instead.
  if (/\/out\/vs\/(?:code\/browser|workbench)\/[^\s)]*\.js:\d+/.test(line.text) && /^\s+at /m.test(line.text)) {
    return undefined;
  }
  return line.text;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sjc-host-result-')), 'result.json');
  const userSettings: Record<string, unknown> =
    args.settings === undefined ? {} : (JSON.parse(fs.readFileSync(args.settings, 'utf8')) as Record<string, unknown>);

  let sawSummary = false;
  let printedAfterSummary = false;
  // The extension host sends its console output and then its exit over the same ordered channel, so once the
  // exit code is in, what follows is the workbench shutting down ("Canceled" errors…): not printed.
  let exited = false;
  const onLog = (line: LogLine): void => {
    if (args.verbose) {
      process.stdout.write(`[${line.source}:${line.type}] ${line.text}\n`);
      return;
    }
    if (line.source === 'harness' && line.type === 'error') {
      process.stderr.write(`run: ${line.text}\n`);
    }
    const text = hostOutput(line);
    if (text === undefined || exited) {
      return;
    }
    if (/^\s*\d+ passing \(/.test(text)) {
      sawSummary = true;
      printedAfterSummary = false;
    } else if (sawSummary && !/^\s*\d+ (?:pending|failing)$/.test(text)) {
      printedAfterSummary = true;
    }
    process.stdout.write(`${text}\n`);
  };

  process.stderr.write(`run: VS Code ${args.version}: ${path.resolve(args.tests)}\n`);
  let handle: VsCodeHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
    }
    await handle?.close();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`run: ${sig}, stopping VS Code\n`);
      void stop().finally(() => process.exit(130));
    });
  }

  let code: number;
  try {
    // Install first (when missing): the run's timeout is for the run, not for a first-time install.
    resolveServer(args.version);
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), args.timeoutS * 1000);
    });
    const launched = launchVsCode({
      version: args.version,
      extensionDevelopmentPath: args.extension,
      extraExtensionPaths: args.extraExtensions,
      extensionTestsPath: args.tests,
      ...(args.workspace === undefined ? {} : { workspaceFolder: args.workspace }),
      env: { SJC_HOST_TEST_RESULT: resultFile, ...(args.grep === undefined ? {} : { SJC_MOCHA_GREP: args.grep }) },
      userSettings,
      keepScratch: args.keep,
      onLog,
    }).then((h) => {
      handle = h;
      process.stderr.write(`run: VS Code ${h.vscodeVersion} at ${h.serverUrl} (server pid ${h.serverPid})\n`);
      return h.exitCode.then((c) => {
        exited = true;
        return c;
      });
    });
    const outcome = await Promise.race([launched, timeout]);
    if (outcome === 'timeout') {
      process.stderr.write(`\nrun: TIMEOUT: the suite did not finish within ${args.timeoutS} s\n`);
      dumpDiagnostics(handle);
      code = 124;
    } else {
      code = outcome;
    }
  } catch (err) {
    process.stderr.write(`\nrun: ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    dumpDiagnostics(handle);
    code = 1;
  } finally {
    if (args.keep && handle) {
      process.stderr.write(`run: scratch kept in ${handle.scratchDir}\n`);
    }
    await stop();
  }

  const result = readResult(resultFile);
  fs.rmSync(path.dirname(resultFile), { recursive: true, force: true });
  if (result !== undefined && (!sawSummary || printedAfterSummary || result.failures > 0)) {
    // Make the output end with mocha's summary: when it did not come through the console stream, when other
    // output followed it, and after a failing run, whose report ends with the failure details (listed again
    // here in one line each).
    process.stdout.write(`\n  ${result.passes} passing (${Math.round(result.durationMs)}ms)\n`);
    if (result.pending > 0) {
      process.stdout.write(`  ${result.pending} pending\n`);
    }
    if (result.failures > 0) {
      for (const [i, f] of result.failed.entries()) {
        process.stdout.write(`  ${i + 1}) ${f.title}: ${f.error.split('\n')[0] ?? ''}\n`);
      }
      process.stdout.write(`  ${result.failures} failing\n`);
    }
  }
  if (result === undefined && code === 0) {
    process.stderr.write('run: the suite reported success but wrote no result (did its index.js use runMocha?)\n');
  }
  process.stderr.write(`run: exit code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return code;
}

function readResult(file: string): HostTestResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as HostTestResult;
  } catch {
    return undefined;
  }
}

function dumpDiagnostics(handle: VsCodeHandle | undefined): void {
  if (!handle) {
    return;
  }
  const serverLines = handle.logs.filter((l) => l.source !== 'host').slice(-40);
  process.stderr.write('----- last server/browser lines -----\n');
  for (const l of serverLines) {
    const text = l.text.length > 400 ? `${l.text.slice(0, 400)}…` : l.text;
    process.stderr.write(`[${l.source}:${l.type}] ${text}\n`);
  }
  for (const f of handle.logFiles().filter((f) => /exthost|remoteagent|server/i.test(f))) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const lines = text.trimEnd().split('\n').slice(-25);
    process.stderr.write(`----- ${f} (last ${lines.length} lines) -----\n${lines.join('\n')}\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
