import { parseArgs } from 'node:util';
import { JupyterError } from '../core/util/errors';
import { FAIL_ON_LEVELS, auditCommand, type FailOn } from './auditCommand';
import { checkCommand } from './checkCommand';
import { discoverCommand } from './discoverCommand';
import { HUB_OPTIONS, hubArgs, hubCommand } from './hubCommand';
import { EXIT_FAILED, EXIT_USAGE, UsageError, processOutput, type Output } from './output';
import { TARGET_OPTIONS, targetArgs } from './target';

declare const CLI_VERSION: string | undefined;

export const USAGE = `jupyter-secure — secure connections to Jupyter servers

Usage:
  jupyter-secure discover [--runtime-dir DIR]... [--json] [--no-probe] [--jupyter-list [--jupyter CMD]]
      List Jupyter servers from runtime files, live or stale, with why.
  jupyter-secure check URL [--auth token|cookie|auto] [--json] [--ca FILE]... [--cert FILE --key FILE | --pfx FILE]
                           [--pin sha256:HEX]... [--proxy URL|direct] [--timeout SECONDS] [--verbose]
      Check a server step by step: reach, authenticate, XSRF, start a kernel, kernel WebSocket, clean up.
  jupyter-secure audit URL [--json] [--fail-on error|warning] [--auth token|cookie|auto] [--ca FILE]... (and the
                           trust and proxy options of check)
                           [--runtime-dir DIR]... [--max-cookie-hours N] [--cert-expiry-days N] [--silence ID]...
                           [--timeout SECONDS] [--verbose]
      Audit a server's security settings (login cookie, authentication, XSRF, CORS, token exposure, runtime
      file permissions, the TLS certificate on its route) with side-effect-free probes; exit 1 when a finding
      reaches --fail-on (default error).
  jupyter-secure hub URL [--json] [--ca FILE]... [--timeout SECONDS] [--verbose]
      Ask a JupyterHub (URL with or without hub/, or a server URL .../user/NAME/) about the token in
      JUPYTERHUB_API_TOKEN: hub version, user, scopes, expiry, and the user's servers with their state.

Secrets are read from JUPYTER_TOKEN / JUPYTER_PASSWORD or from a discovered runtime file, never from arguments;
for a hub server URL (.../user/NAME/) check and audit also take the hub token in JUPYTERHUB_API_TOKEN; a client
key's passphrase is read from JUPYTER_CLIENT_KEY_PASSPHRASE. Proxies: --proxy, else HTTPS_PROXY/HTTP_PROXY/NO_PROXY;
loopback servers are never proxied. Certificate verification is never turned off (not even by the Node environment variable for it).
Exit codes: 0 all good, 1 a check failed, 2 bad usage or input.
  audit: 1 when a finding reaches --fail-on; 2 also when the server cannot be audited (unreachable, TLS, not Jupyter).
  hub: 1 when the hub cannot be asked (unreachable, not a hub, token refused); 2 when JUPYTERHUB_API_TOKEN is unset.
`;

export async function main(argv: string[], output: Output = processOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'discover': {
        const { values } = parseArgs({
          args: rest,
          options: {
            'runtime-dir': { type: 'string', multiple: true, default: [] },
            json: { type: 'boolean', default: false },
            'no-probe': { type: 'boolean', default: false },
            'jupyter-list': { type: 'boolean', default: false },
            jupyter: { type: 'string', default: 'jupyter' },
          },
          allowPositionals: false,
        });
        return await discoverCommand(
          {
            runtimeDirs: values['runtime-dir'] ?? [],
            json: values.json ?? false,
            probe: !values['no-probe'],
            jupyterCommand: values['jupyter-list'] ? (values.jupyter ?? 'jupyter') : undefined,
          },
          output,
          env,
        );
      }
      case 'check': {
        const { values, positionals } = parseArgs({ args: rest, options: TARGET_OPTIONS, allowPositionals: true });
        return await checkCommand(targetArgs('check', values, positionals), output, env);
      }
      case 'audit': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            ...TARGET_OPTIONS,
            'fail-on': { type: 'string', default: 'error' },
            'max-cookie-hours': { type: 'string' },
            'cert-expiry-days': { type: 'string' },
            silence: { type: 'string', multiple: true, default: [] },
          },
          allowPositionals: true,
        });
        const target = targetArgs('audit', values, positionals);
        const failOn = values['fail-on'] as FailOn;
        if (!FAIL_ON_LEVELS.includes(failOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON_LEVELS.join(', ')}, not "${values['fail-on']}".`);
        const hoursText = values['max-cookie-hours'];
        const maxCookieHours = hoursText === undefined ? undefined : Number(hoursText);
        if (maxCookieHours !== undefined && (hoursText?.trim() === '' || !Number.isFinite(maxCookieHours) || maxCookieHours <= 0)) {
          throw new UsageError('--max-cookie-hours must be a positive number of hours.');
        }
        const daysText = values['cert-expiry-days'];
        const certExpiryDays = daysText === undefined ? undefined : Number(daysText);
        if (certExpiryDays !== undefined && (daysText?.trim() === '' || !Number.isFinite(certExpiryDays) || certExpiryDays <= 0)) {
          throw new UsageError('--cert-expiry-days must be a positive number of days.');
        }
        return await auditCommand({ ...target, failOn, maxCookieHours, certExpiryDays, silenced: values.silence ?? [] }, output, env);
      }
      case 'hub': {
        const { values, positionals } = parseArgs({ args: rest, options: HUB_OPTIONS, allowPositionals: true });
        return await hubCommand(hubArgs(values, positionals), output, env);
      }
      case '--version':
      case 'version':
        output.out(typeof CLI_VERSION === 'string' ? CLI_VERSION : 'dev');
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        output.out(USAGE);
        return command === undefined ? EXIT_USAGE : 0;
      default:
        throw new UsageError(`unknown command "${command}".`);
    }
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      output.err(`error: ${(err as Error).message}`);
      output.err('Run "jupyter-secure --help" for usage.');
      return EXIT_USAGE;
    }
    if (err instanceof JupyterError && err.code === 'InvalidInput') {
      output.err(`error: ${err.describe()}`);
      return EXIT_USAGE;
    }
    if (err instanceof JupyterError) {
      output.err(`error: ${err.describe()}`);
      return EXIT_FAILED;
    }
    output.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILED;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
