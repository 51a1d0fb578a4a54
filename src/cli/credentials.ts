import { currentDirContext, runtimeDirsToScan } from '../core/discovery/runtimeDirs';
import { RuntimeScanner } from '../core/discovery/scanner';
import type { ServerEndpoint } from '../core/server/endpoint';
import { noCredential, passwordCredential, tokenCredential, type AuthMode, type Credential } from '../core/session/credentials';
import { UsageError } from './output';

export interface ResolvedCredential {
  credential: Credential;
  /** Where it came from, never the value: "JUPYTER_TOKEN", "runtime file …", "none". */
  source: string;
}

/**
 * Secrets come from the environment (JUPYTER_TOKEN, JUPYTER_PASSWORD) or from the runtime file of a live local
 * server with the same URL — never from the command line.
 */
export async function resolveCredential(
  endpoint: ServerEndpoint,
  mode: AuthMode,
  env: NodeJS.ProcessEnv,
  runtimeDirs: readonly string[],
): Promise<ResolvedCredential> {
  const token = env['JUPYTER_TOKEN'] || undefined;
  const password = env['JUPYTER_PASSWORD'] || undefined;
  if (mode === 'cookie' && password) return { credential: passwordCredential(password), source: 'JUPYTER_PASSWORD' };
  if (token) return { credential: tokenCredential(token), source: 'JUPYTER_TOKEN' };
  if (password) {
    if (mode === 'token') throw new UsageError('--auth token needs a token: set JUPYTER_TOKEN (JUPYTER_PASSWORD is set, use --auth cookie or auto).');
    return { credential: passwordCredential(password), source: 'JUPYTER_PASSWORD' };
  }
  const scanner = new RuntimeScanner();
  const dirs = runtimeDirsToScan({ ...currentDirContext(), env }, runtimeDirs);
  const servers = await scanner.scan(dirs, { probe: false, parseStale: false });
  const match = servers.find((s) => s.state === 'live' && s.info?.endpoint.id === endpoint.id && s.info.token);
  if (match?.info) return { credential: tokenCredential(match.info.token), source: `runtime file ${match.file}` };
  return { credential: noCredential, source: 'none (set JUPYTER_TOKEN or JUPYTER_PASSWORD if the server needs one)' };
}
