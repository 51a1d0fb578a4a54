import { basename } from 'node:path';
import { endpointFromUrl, type ServerEndpoint } from '../server/endpoint';
import { InvalidInputError, JupyterError } from '../util/errors';
import { registerSecret } from '../util/redact';

/** Runtime files written by notebook 6.x (`nbserver-<pid>.json`) and jupyter_server (`jpserver-<pid>.json`). */
export const RUNTIME_FILE = /^(nbserver|jpserver)-(\d+)\.json$/;

export type ServerKind = 'notebook' | 'jupyter-server';

/** Everything a runtime file says, checked. `token` is a secret: it goes to the secret store, never elsewhere. */
export interface RuntimeServerInfo {
  /** The file it came from, or e.g. `jupyter server list` when it came from a command. */
  source: string;
  kind: ServerKind;
  endpoint: ServerEndpoint;
  /** The `url` field as written (never carries the token). */
  url: string;
  baseUrl: string;
  hostname: string;
  port: number;
  pid: number;
  sock: string;
  secure: boolean;
  token: string;
  /** Whether the server has a password configured. */
  password: boolean;
  rootDir: string | undefined;
  version: string | undefined;
}

export function kindFromFileName(name: string): ServerKind | undefined {
  const m = RUNTIME_FILE.exec(basename(name));
  if (!m) return undefined;
  return m[1] === 'nbserver' ? 'notebook' : 'jupyter-server';
}

export function pidFromFileName(name: string): number | undefined {
  const m = RUNTIME_FILE.exec(basename(name));
  return m ? Number(m[2]) : undefined;
}

/** Parses a runtime file's text. A bad file gets an error naming the file and the field, and what to do. */
export function parseRuntimeInfo(text: string, source: string, kind?: ServerKind): RuntimeServerInfo {
  const bad = (what: string): InvalidInputError =>
    new InvalidInputError(`${source}: ${what}.`, {
      hint: 'The file is not a valid Jupyter runtime file; it is ignored. If no server owns it any more, delete it (or run `jupyter server list`, which removes stale files).',
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8 quotes a slice of the text around the error (`..."token": tok-… is not valid JSON`): keep only quote-free messages.
    const why = err instanceof Error ? err.message : String(err);
    throw bad(`is not valid JSON${/["'`]/.test(why) ? '' : ` (${why})`}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw bad('is not a JSON object');
  const d = data as Record<string, unknown>;
  // The value of a field that may hold a secret is described by its type only.
  const shown = (k: string, v: unknown): string =>
    k === 'token' || k === 'password' ? `a value of type ${Array.isArray(v) ? 'array' : typeof v}` : String(JSON.stringify(v)).slice(0, 40);
  const str = (k: string, required: boolean): string | undefined => {
    const v = d[k];
    if (v === undefined || v === null) {
      if (required) throw bad(`has no "${k}" field`);
      return undefined;
    }
    if (typeof v !== 'string') throw bad(`"${k}" should be a string, not ${shown(k, v)}`);
    return v;
  };
  const int = (k: string, required: boolean): number | undefined => {
    const v = d[k];
    if (v === undefined || v === null) {
      if (required) throw bad(`has no "${k}" field`);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`"${k}" should be a non-negative integer, not ${shown(k, v)}`);
    return v;
  };
  const bool = (k: string): boolean => {
    const v = d[k];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw bad(`"${k}" should be true or false, not ${shown(k, v)}`);
    return v;
  };
  const token = str('token', false) ?? '';
  // Only read: a scan parses thousands of files. Once the token is used, its credential registers it as in use.
  registerSecret(token, 'seen');
  const url = str('url', true) as string;
  const pid = int('pid', true) as number;
  if (pid === 0) throw bad('"pid" is 0');
  const baseUrl = str('base_url', false) ?? '/';
  const sock = str('sock', false) ?? '';
  let endpoint: ServerEndpoint;
  try {
    endpoint = endpointFromUrl(url);
  } catch (err) {
    throw bad(`"url" is not usable (${err instanceof JupyterError ? err.message : String(err)})`);
  }
  return {
    source,
    kind: kind ?? (d['version'] !== undefined || d['root_dir'] !== undefined ? 'jupyter-server' : 'notebook'),
    endpoint,
    url: endpoint.id,
    baseUrl,
    hostname: str('hostname', false) ?? endpoint.baseUrl.hostname,
    port: int('port', false) ?? 0,
    pid,
    sock,
    secure: bool('secure'),
    token,
    password: bool('password'),
    rootDir: str('root_dir', false) ?? str('notebook_dir', false),
    version: str('version', false),
  };
}
