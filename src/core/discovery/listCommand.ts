import { execFile } from 'node:child_process';
import { InvalidInputError, JupyterError } from '../util/errors';
import { parseRuntimeInfo, type RuntimeServerInfo } from './runtimeFile';

export interface ListResult {
  servers: RuntimeServerInfo[];
  /** Lines that could not be parsed, and commands that failed, as clear messages. */
  problems: string[];
}

/**
 * Asks `jupyter server list --json` and `jupyter notebook list --json` (JSON Lines: one object per line).
 * Run without a shell; the output holds tokens, so it is parsed and never logged. Note: these commands delete
 * runtime files whose pid is dead.
 */
export async function listWithJupyterCommand(jupyter = 'jupyter', timeoutMs = 15_000, env?: NodeJS.ProcessEnv): Promise<ListResult> {
  const result: ListResult = { servers: [], problems: [] };
  for (const sub of ['server', 'notebook'] as const) {
    const label = `${jupyter} ${sub} list --json`;
    let stdout: string;
    try {
      stdout = await run(jupyter, [sub, 'list', '--json'], timeoutMs, env);
    } catch (err) {
      result.problems.push(`${label}: ${err instanceof JupyterError ? err.describe() : (err as Error).message}`);
      continue;
    }
    for (const [i, line] of stdout.split(/\r?\n/).entries()) {
      if (!line.trim().startsWith('{')) continue;
      try {
        result.servers.push(parseRuntimeInfo(line, `${label} (line ${i + 1})`, sub === 'notebook' ? 'notebook' : 'jupyter-server'));
      } catch (err) {
        result.problems.push(err instanceof JupyterError ? err.message : String(err));
      }
    }
  }
  // A server can be listed by both commands (nbclassic): keep one per endpoint.
  const seen = new Set<string>();
  result.servers = result.servers.filter((s) => !seen.has(s.endpoint.id) && Boolean(seen.add(s.endpoint.id)));
  return result;
}

function run(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true, env: env ?? process.env }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(new InvalidInputError(`"${cmd}" was not found.`, { hint: 'Install Jupyter or set the path of the jupyter command.' }));
        } else if (err.killed) {
          reject(new Error(`timed out after ${timeoutMs} ms`));
        } else {
          // stderr of a failed subcommand says e.g. "Jupyter command `jupyter-server` not found."
          reject(new Error(stderr.trim().split('\n').pop() || err.message));
        }
        return;
      }
      resolve(stdout);
    });
  });
}
