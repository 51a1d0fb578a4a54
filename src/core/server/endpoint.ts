import { InvalidInputError } from '../util/errors';

/**
 * Where a Jupyter server lives, without any secret. `id` is the canonical URL (origin + base path, or
 * `http+unix://<encoded socket path>/base/`), stable across sessions and safe to store and show.
 */
export interface ServerEndpoint {
  readonly id: string;
  /** The http(s) URL requests are built on; for a unix socket `http://localhost/<base>/`. Ends with `/`. */
  readonly baseUrl: URL;
  /** Set when the server listens on a unix socket. */
  readonly socketPath?: string;
  /** The base path, `/` or e.g. `/user/bob/`. */
  readonly basePath: string;
}

const UNIX_SCHEME = 'http+unix:';

export function normaliseBasePath(path: string): string {
  let p = path.trim() || '/';
  if (!p.startsWith('/')) p = '/' + p;
  p = p.replace(/\/{2,}/g, '/');
  if (!p.endsWith('/')) p += '/';
  return p;
}

/** An endpoint from a server root URL (no token, base path included). Throws `InvalidInputError`. */
export function endpointFromUrl(input: string | URL, basePathOverride?: string): ServerEndpoint {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    throw new InvalidInputError(`"${String(input)}" is not a valid URL.`, {
      hint: 'Use the form http://host:port/ or https://host/base/ (or http+unix://%2Fpath%2Fto.sock/).',
    });
  }
  const basePath = normaliseBasePath(basePathOverride ?? url.pathname);
  if (url.protocol === UNIX_SCHEME) {
    let socketPath: string;
    try {
      socketPath = decodeURIComponent(url.hostname);
    } catch {
      socketPath = '';
    }
    if (!socketPath.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(socketPath)) {
      throw new InvalidInputError(`The unix socket URL "${url.href}" does not name an absolute socket path.`, {
        hint: 'Percent-encode the socket path as the host, e.g. http+unix://%2Ftmp%2Fjupyter.sock/.',
      });
    }
    const baseUrl = new URL(basePath, 'http://localhost');
    const id = `http+unix://${encodeURIComponent(socketPath)}${basePath}`;
    return { id, baseUrl, socketPath, basePath };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(`Unsupported URL scheme "${url.protocol}" in "${url.origin === 'null' ? url.protocol : url.origin}".`, {
      hint: 'A Jupyter server URL starts with http://, https:// or http+unix://.',
    });
  }
  if (!url.hostname) {
    throw new InvalidInputError('The URL has no host.', { hint: 'Use the form http://host:port/.' });
  }
  const baseUrl = new URL(basePath, url.origin);
  return { id: baseUrl.href, baseUrl, basePath };
}

/** The absolute URL of `relative` (e.g. `api/kernels`) under the server's base path. */
export function serverUrl(endpoint: ServerEndpoint, relative: string, query?: Record<string, string>): URL {
  const url = new URL(relative.replace(/^\/+/, ''), endpoint.baseUrl);
  if (query) for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url;
}

/** The ws(s) URL for a path under the server's base path. */
export function websocketUrl(endpoint: ServerEndpoint, relative: string, query?: Record<string, string>): URL {
  const url = serverUrl(endpoint, relative, query);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** True when traffic to this endpoint never leaves the machine (loopback or a unix socket). */
export function isLocalEndpoint(endpoint: ServerEndpoint): boolean {
  return endpoint.socketPath !== undefined || isLoopbackHost(endpoint.baseUrl.hostname);
}
