import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { AuditTarget } from '../core/audit/observe';
import { parsePastedUrl } from '../core/discovery/pastedUrl';
import { transportFor } from '../core/registry/transportFor';
import { AUTH_MODES, type AuthMode } from '../core/session/credentials';
import type { TransportOptions } from '../core/transport/dispatcher';
import { Logger, type LogSink } from '../core/util/log';
import { resolveCredential } from './credentials';
import { UsageError, type Output } from './output';

/** The options of every command that talks to one server (check, audit), for `parseArgs`. */
export const TARGET_OPTIONS = {
  auth: { type: 'string', default: 'auto' },
  json: { type: 'boolean', default: false },
  'runtime-dir': { type: 'string', multiple: true, default: [] },
  ca: { type: 'string', multiple: true, default: [] },
  timeout: { type: 'string', default: '60' },
  verbose: { type: 'boolean', short: 'v', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** What those options say, checked. */
export interface TargetArgs {
  url: string;
  auth: AuthMode;
  json: boolean;
  runtimeDirs: string[];
  caFiles: string[];
  timeoutSeconds: number;
  verbose: boolean;
}

interface TargetValues {
  auth?: string;
  json?: boolean;
  'runtime-dir'?: string[];
  ca?: string[];
  timeout?: string;
  verbose?: boolean;
}

/** Checks the shared options of `command` (exactly one URL, a known --auth, a positive --timeout). */
export function targetArgs(command: string, values: TargetValues, positionals: readonly string[]): TargetArgs {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one URL.`);
  const auth = values.auth as AuthMode;
  if (!AUTH_MODES.includes(auth)) throw new UsageError(`--auth must be one of ${AUTH_MODES.join(', ')}, not "${values.auth}".`);
  const timeoutSeconds = parseTimeout(values.timeout);
  return {
    url: positionals[0] as string,
    auth,
    json: values.json ?? false,
    runtimeDirs: values['runtime-dir'] ?? [],
    caFiles: values.ca ?? [],
    timeoutSeconds,
    verbose: values.verbose ?? false,
  };
}

/** `--timeout` checked: a positive number of seconds. */
export function parseTimeout(text: string | undefined): number {
  const timeoutSeconds = Number(text);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout must be a positive number of seconds.');
  return timeoutSeconds;
}

/** How every command reaches its server: the `--ca` files read, `--timeout` on the transport, a logger on stderr. */
export function reachOptions(args: { caFiles: readonly string[]; timeoutSeconds: number; verbose: boolean }, output: Output): { transport: TransportOptions; logger: Logger } {
  const ca = args.caFiles.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the CA file ${f}: ${(err as Error).message}`);
    }
  });
  const sink: LogSink = { log: (level, line) => output.err(`${level}: ${line}`) };
  return {
    transport: transportFor({ trustedCertificates: ca }, { headersTimeoutMs: args.timeoutSeconds * 1000 }),
    logger: new Logger(sink, args.verbose ? 'debug' : 'warn'),
  };
}

export interface ResolvedTarget {
  /** Endpoint, credential, auth mode, logger and transport: enough for a client or an audit. */
  target: AuditTarget;
  /** Where the credential came from, never its value. */
  source: string;
}

/**
 * The server a command talks to: a URL without a secret in it, the credential from the environment or a runtime
 * file, the CA files read, the timeout applied to the transport, and a logger writing to stderr.
 */
export async function resolveTarget(args: TargetArgs, output: Output, env: NodeJS.ProcessEnv): Promise<ResolvedTarget> {
  const pasted = parsePastedUrl(args.url);
  if (pasted.token !== undefined) {
    throw new UsageError(
      'The URL contains a token. Secrets are never taken from the command line (they end up in shell history and process lists): remove ?token=… and set JUPYTER_TOKEN instead.',
    );
  }
  const { transport, logger } = reachOptions(args, output);
  const { credential, source } = await resolveCredential(pasted.endpoint, args.auth, env, args.runtimeDirs);
  return {
    target: { endpoint: pasted.endpoint, credential, mode: args.auth, logger, transport },
    source,
  };
}
