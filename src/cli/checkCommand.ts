import { runCheck, type CheckStep } from '../core/check/check';
import { JupyterClient } from '../core/transport/client';
import { EXIT_FAILED, EXIT_OK, json, pad, type Output } from './output';
import { resolveTarget, type TargetArgs } from './target';

export type CheckArgs = TargetArgs;

export async function checkCommand(args: CheckArgs, output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { target, source } = await resolveTarget(args, output, env);
  const client = new JupyterClient(target);
  const signal = AbortSignal.timeout(args.timeoutSeconds * 1000);
  if (!args.json) {
    output.out(`Checking ${target.endpoint.id} (auth: ${args.auth}, credential: ${source})`);
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
