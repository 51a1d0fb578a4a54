import { endpointFromUrl, isLoopbackHost, type ServerEndpoint } from '../server/endpoint';
import { InvalidInputError } from '../util/errors';
import { registerSecret } from '../util/redact';

/** The routes a Jupyter front end or API adds below the base path; everything before the first is the base. */
const APP_ROUTES = new Set([
  'lab', 'tree', 'notebooks', 'edit', 'view', 'terminals', 'doc', 'api', 'login', 'logout', 'files',
  'nbclassic', 'retro', 'voila', 'consoles', 'kernelspecs', 'nbconvert', 'static',
]);

export interface PastedServer {
  endpoint: ServerEndpoint;
  /** The token that was in the URL, now out of it: store it in the secret store, never with the URL. */
  token?: string;
  /** Notes for the user about what was changed (e.g. "the token was removed from the URL"). */
  notes: string[];
}

/**
 * Parses a URL a person pasted (`…/?token=`, `/lab?token=`, `/tree?token=`, `/user/bob/lab/tree/x.ipynb`,
 * `http+unix://…`) into a secret-free endpoint and, separately, its token.
 */
export function parsePastedUrl(text: string): PastedServer {
  const raw = text.trim();
  if (!raw) {
    throw new InvalidInputError('No URL was given.', { hint: 'Paste the server URL, e.g. http://127.0.0.1:8888/?token=… .' });
  }
  let input = raw;
  // "localhost:8888/…" or "127.0.0.1:8888": loopback without a scheme is unambiguous enough to mean http.
  const bare = /^([\w.-]+|\[[0-9a-f:]+\]):(\d+)([/?#].*)?$/i.exec(raw);
  if (bare && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    if (!isLoopbackHost(bare[1] ?? '')) {
      throw new InvalidInputError(`"${raw}" has no scheme.`, {
        hint: 'Start the URL with https:// (or http:// only on a trusted network).',
      });
    }
    input = `http://${raw}`;
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InvalidInputError(`"${raw}" is not a valid URL.`, {
      hint: 'Paste the URL the server printed, e.g. http://127.0.0.1:8888/lab?token=… .',
    });
  }
  const notes: string[] = [];
  let token: string | undefined;
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) {
    token = fromQuery;
    registerSecret(token);
    notes.push('The token was taken out of the URL and will be kept in the secret store.');
  }
  const fromHash = /(?:^#|&)token=([^&]+)/.exec(url.hash)?.[1];
  if (!token && fromHash) {
    token = decodeURIComponent(fromHash);
    registerSecret(token);
    notes.push('The token was taken out of the URL fragment and will be kept in the secret store.');
  }
  if (url.username || url.password) {
    throw new InvalidInputError('The URL contains a user name or password.', {
      hint: 'Remove "user:password@" from the URL; you will be asked for the password separately.',
    });
  }
  const segments = url.pathname.split('/');
  const cut = segments.findIndex((s, i) => i > 0 && APP_ROUTES.has(s));
  let basePath = url.pathname;
  if (cut > 0) {
    basePath = segments.slice(0, cut).join('/') + '/';
    notes.push(`The base URL is ${basePath} (the path after it, /${segments.slice(cut).join('/')}, was dropped).`);
  }
  const endpoint = endpointFromUrl(url, basePath);
  return token === undefined ? { endpoint, notes } : { endpoint, token, notes };
}
