import { readFileSync } from 'node:fs';
import { runCheck, type CheckStep } from '../core/check/check';
import { parsePastedUrl } from '../core/discovery/pastedUrl';
import { JupyterClient } from '../core/transport/client';
import type { AuthMode } from '../core/session/credentials';
import { Logger, type LogSink } from '../core/util/log';
import { resolveCredential } from './credentials';
import { EXIT_FAILED, EXIT_OK, UsageError, json, pad, type Output } from './output';

export interface CheckArgs {
  url: string;
  auth: AuthMode;
  json: boolean;
  runtimeDirs: string[];
  caFiles: string[];
  timeoutSeconds: number;
  verbose: boolean;
}

export async function checkCommand(args: CheckArgs, output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const pasted = parsePastedUrl(args.url);
  if (pasted.token !== undefined) {
    throw new UsageError(
      'The URL contains a token. Secrets are never taken from the command line (they end up in shell history and process lists): remove ?token=… and set JUPYTER_TOKEN instead.',
    );
  }
  const ca = args.caFiles.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the CA file ${f}: ${(err as Error).message}`);
    }
  });
  const { credential, source } = await resolveCredential(pasted.endpoint, args.auth, env, args.runtimeDirs);
  const sink: LogSink = { log: (level, line) => output.err(`${level}: ${line}`) };
  const client = new JupyterClient({
    endpoint: pasted.endpoint,
    credential,
    mode: args.auth,
    logger: new Logger(sink, args.verbose ? 'debug' : 'warn'),
    transport: { tls: { ca }, headersTimeoutMs: args.timeoutSeconds * 1000 },
  });
  const signal = AbortSignal.timeout(args.timeoutSeconds * 1000);
  if (!args.json) {
    output.out(`Checking ${pasted.endpoint.id} (auth: ${args.auth}, credential: ${source})`);
  }
  const onStep = (s: CheckStep): void => {
    if (args.json) return;
    const mark = s.skipped ? '-' : s.ok ? '✓' : '✗';
    output.out(`  ${mark} ${pad(s.name, 17)}${pad(s.skipped ? '' : `${s.ms} ms`, 9)}${s.detail}`);
  };
  try {
    const report = await runCheck(client, { signal, onStep });
    if (args.json) {
      output.out(json({ ok: report.ok, server: { ...report.server, credentialSource: source }, steps: report.steps }));
    } else {
      const passed = report.steps.filter((s) => s.ok).length;
      output.out(report.ok ? `All ${passed} steps passed.` : `${passed} of ${report.steps.length} steps passed.`);
    }
    return report.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    await client.close();
  }
}
