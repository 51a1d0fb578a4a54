import { currentDirContext, runtimeDirsToScan } from '../core/discovery/runtimeDirs';
import { RuntimeScanner } from '../core/discovery/scanner';
import { parseHubUrl } from '../core/hub/hubUrl';
import type { ServerEndpoint } from '../core/server/endpoint';
import { noCredential, passwordCredential, tokenCredential, type AuthMode, type Credential } from '../core/session/credentials';
import { registerSecret } from '../core/util/redact';
import { UsageError } from './output';

export interface ResolvedCredential {
  credential: Credential;
  /** Where it came from, never the value: "JUPYTER_TOKEN", "runtime file …", "none". */
  source: string;
}

/** The environment variable a JupyterHub API token is read from (the name the hub itself uses in its servers). */
export const HUB_TOKEN_ENV = 'JUPYTERHUB_API_TOKEN';

/** The hub token from the environment, trimmed, registered for redaction before anything can print it. */
export function hubTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const token = env[HUB_TOKEN_ENV]?.trim() || undefined;
  registerSecret(token);
  return token;
}

/**
 * Secrets come from the environment (JUPYTER_TOKEN, JUPYTER_PASSWORD; JUPYTERHUB_API_TOKEN for a hub's
 * single-user server) or from the runtime file of a live local server with the same URL — never from the command
 * line.
 */
export async function resolveCredential(
  endpoint: ServerEndpoint,
  mode: AuthMode,
  env: NodeJS.ProcessEnv,
  runtimeDirs: readonly string[],
): Promise<ResolvedCredential> {
  const token = env['JUPYTER_TOKEN'] || undefined;
  const password = env['JUPYTER_PASSWORD'] || undefined;
  const hubToken = hubTokenFromEnv(env);
  if (mode === 'cookie' && password) return { credential: passwordCredential(password), source: 'JUPYTER_PASSWORD' };
  if (token) return { credential: tokenCredential(token), source: 'JUPYTER_TOKEN' };
  if (password) {
    if (mode === 'token') throw new UsageError('--auth token needs a token: set JUPYTER_TOKEN (JUPYTER_PASSWORD is set, use --auth cookie or auto).');
    return { credential: passwordCredential(password), source: 'JUPYTER_PASSWORD' };
  }
  // A hub token goes only to a hub's single-user URL (…/user/NAME/): inside a hub's server the variable is always
  // set, and it must not reach every server checked from there.
  if (hubToken && isHubServerUrl(endpoint)) {
    if (mode === 'cookie') {
      throw new UsageError(`--auth cookie cannot use ${HUB_TOKEN_ENV}: a hub token works only in the Authorization header. Use --auth token or auto.`);
    }
    return { credential: tokenCredential(hubToken), source: HUB_TOKEN_ENV };
  }
  const scanner = new RuntimeScanner();
  const dirs = runtimeDirsToScan({ ...currentDirContext(), env }, runtimeDirs);
  const servers = await scanner.scan(dirs, { probe: false, parseStale: false });
  const match = servers.find((s) => s.state === 'live' && s.info?.endpoint.id === endpoint.id && s.info.token);
  if (match?.info) return { credential: tokenCredential(match.info.token), source: `runtime file ${match.file}` };
  const hubNote = hubToken ? `; ${HUB_TOKEN_ENV} is used only for a hub server URL …/user/NAME/` : '';
  return { credential: noCredential, source: `none (set JUPYTER_TOKEN or JUPYTER_PASSWORD if the server needs one${hubNote})` };
}

/** A hub's single-user server URL: `…/user/NAME/` or `…/user/NAME/SERVER/`. */
function isHubServerUrl(endpoint: ServerEndpoint): boolean {
  try {
    return parseHubUrl(endpoint.id).user !== undefined;
  } catch {
    return false;
  }
}
