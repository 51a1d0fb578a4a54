import type { ParseArgsConfig } from 'node:util';
import type { AuditTarget } from '../core/audit/observe';
import { parsePastedUrl } from '../core/discovery/pastedUrl';
import { transportFor, type SavedTrust } from '../core/registry/transportFor';
import { proxyUri } from '../core/transport/proxy';
import { normalisePin } from '../core/transport/tlsTrust';
import { JupyterError } from '../core/util/errors';
import { registerSecret } from '../core/util/redact';
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
  cert: { type: 'string' },
  key: { type: 'string' },
  pfx: { type: 'string' },
  pin: { type: 'string', multiple: true, default: [] },
  proxy: { type: 'string' },
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
  /** Client certificate (PEM cert + key files, or a PKCS#12 file), pins, proxy (`direct` or a URL). */
  trust: TrustArgs;
  timeoutSeconds: number;
  verbose: boolean;
}

export interface TrustArgs {
  certFile?: string;
  keyFile?: string;
  pfxFile?: string;
  pins?: string[];
  proxy?: string;
}

interface TargetValues {
  auth?: string;
  json?: boolean;
  'runtime-dir'?: string[];
  ca?: string[];
  cert?: string;
  key?: string;
  pfx?: string;
  pin?: string[];
  proxy?: string;
  timeout?: string;
  verbose?: boolean;
}

/** `--cert/--key/--pfx/--pin/--proxy`, checked (cert and key go together; a pin is a SHA-256 fingerprint). */
export function trustArgs(values: TargetValues): TrustArgs {
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together (the client certificate and its key, PEM files).');
  if (values.pfx !== undefined && values.cert !== undefined) throw new UsageError('Give either --pfx or --cert with --key, not both.');
  const pins = (values.pin ?? []).map((p) => {
    try {
      return normalisePin(p);
    } catch (err) {
      throw new UsageError(`--pin: ${(err as Error).message}`);
    }
  });
  return {
    ...(values.cert !== undefined ? { certFile: values.cert } : {}),
    ...(values.key !== undefined ? { keyFile: values.key } : {}),
    ...(values.pfx !== undefined ? { pfxFile: values.pfx } : {}),
    ...(pins.length ? { pins } : {}),
    ...(values.proxy !== undefined ? { proxy: values.proxy } : {}),
  };
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
    trust: trustArgs(values),
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

/** The environment variable a client key's passphrase is read from (never from an argument). */
export const PASSPHRASE_ENV = 'JUPYTER_CLIENT_KEY_PASSPHRASE';

/**
 * How every command reaches its server: the `--ca` files, the client certificate and pins read and checked through
 * the same `transportFor` the extension uses (regular files only, bounded), the proxy (`--proxy`, else
 * HTTPS_PROXY/HTTP_PROXY/NO_PROXY), `--timeout` on the transport, a logger on stderr.
 */
export function reachOptions(
  args: { caFiles: readonly string[]; trust?: TrustArgs; timeoutSeconds: number; verbose: boolean },
  output: Output,
  env: NodeJS.ProcessEnv = process.env,
): { transport: TransportOptions; logger: Logger } {
  const t = args.trust ?? {};
  const passphrase = env[PASSPHRASE_ENV] || undefined;
  registerSecret(passphrase);
  const clientCert = t.pfxFile !== undefined ? { pfxFile: t.pfxFile } : t.certFile !== undefined && t.keyFile !== undefined ? { certFile: t.certFile, keyFile: t.keyFile } : undefined;
  const trust: SavedTrust = { caFiles: args.caFiles, ...(clientCert ? { clientCert } : {}), ...(t.pins ? { pins: t.pins } : {}) };
  if (t.proxy !== undefined && t.proxy !== 'direct') {
    try {
      proxyUri(t.proxy);
    } catch (err) {
      throw new UsageError(`--proxy: ${(err as Error).message}`);
    }
  }
  const sink: LogSink = { log: (level, line) => output.err(`${level}: ${line}`) };
  let transport: TransportOptions;
  try {
    transport = transportFor({ trust, ...(t.proxy !== undefined ? { proxy: t.proxy } : {}) }, { headersTimeoutMs: args.timeoutSeconds * 1000 }, passphrase !== undefined ? { passphrase } : {});
  } catch (err) {
    throw new UsageError(err instanceof JupyterError ? err.describe() : (err as Error).message);
  }
  return { transport, logger: new Logger(sink, args.verbose ? 'debug' : 'warn') };
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
  const { transport, logger } = reachOptions(args, output, env);
  const { credential, source } = await resolveCredential(pasted.endpoint, args.auth, env, args.runtimeDirs);
  return {
    target: { endpoint: pasted.endpoint, credential, mode: args.auth, logger, transport },
    source,
  };
}
