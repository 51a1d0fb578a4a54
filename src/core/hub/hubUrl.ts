import { parsePastedUrl } from '../discovery/pastedUrl';
import { endpointFromUrl, type ServerEndpoint } from '../server/endpoint';
import { InvalidInputError } from '../util/errors';

/** A hub as pasted: where it lives, and what the URL said about the user (a single-user URL) or carried (a token). */
export interface PastedHub {
  /** The hub's public base (`https://hub.example.org/` or `…/jhub/`): its API is under `hub/api/`. */
  readonly base: ServerEndpoint;
  /** The hub's API endpoint, `<base>hub/`: what its client is built on and what the hub is saved as. */
  readonly api: ServerEndpoint;
  /** From `…/user/<name>/[<server>/]`. */
  readonly user?: string;
  readonly serverName?: string;
  /** A `?token=` taken out of the URL (to be kept in the secret store only). */
  readonly token?: string;
}

/**
 * Reads a pasted hub URL: `https://hub/`, `https://hub/hub/…` (login, home, token page, API) or a single-user
 * server's `https://hub/user/ada/[server/]lab/…`. Everything from the first `hub/` or `user/<name>/` segment on
 * is dropped; what is before it is the hub's base URL (JupyterHub's `base_url`).
 */
export function parseHubUrl(text: string): PastedHub {
  // The pasted-URL rules (token out, no user:password@, loopback without a scheme) hold for hubs too.
  const pasted = parsePastedUrl(text);
  const segments = pasted.endpoint.basePath.split('/').filter(Boolean);
  let cut = segments.length;
  let user: string | undefined;
  let serverName: string | undefined;
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === 'hub') {
      cut = i;
      break;
    }
    if (segments[i] === 'user' && segments[i + 1]) {
      cut = i;
      user = decodeSegment(segments[i + 1] as string);
      // A named server's URL is /user/<name>/<server>/: its server part is the next segment, unless it is an app route.
      const next = segments[i + 2];
      if (next && !APP_SEGMENTS.has(next)) serverName = decodeSegment(next);
      break;
    }
  }
  const basePath = '/' + segments.slice(0, cut).map((s) => s + '/').join('');
  const origin = pasted.endpoint.socketPath ? undefined : pasted.endpoint.baseUrl.origin;
  if (!origin) throw new InvalidInputError('A JupyterHub is not reached through a unix socket here.', { hint: 'Use the hub\'s http(s) URL.' });
  const base = endpointFromUrl(new URL(basePath, origin));
  const api = endpointFromUrl(new URL('hub/', base.baseUrl));
  return {
    base,
    api,
    ...(user !== undefined ? { user } : {}),
    ...(serverName !== undefined ? { serverName } : {}),
    ...(pasted.token !== undefined ? { token: pasted.token } : {}),
  };
}

/**
 * The single-user server URL of a hub's server: `url` from the hub's user model is a path that already holds the
 * hub's base, so it is resolved against the hub's origin (not its path). A server on another origin (a hub with
 * user subdomains) is refused: the hub's token is never sent to an origin the user did not add.
 */
export function singleUserEndpoint(hubBase: ServerEndpoint, url: string): ServerEndpoint {
  const resolved = new URL(url, hubBase.baseUrl.origin);
  if (resolved.origin !== hubBase.baseUrl.origin) {
    throw new InvalidInputError(`The hub puts this server on another origin (${resolved.origin}), which is not supported.`, {
      hint: 'Hubs with user subdomains are not supported yet; the hub\'s token is only sent to the hub\'s own origin.',
    });
  }
  return endpointFromUrl(resolved);
}

/** Routes a single-user server (JupyterLab, notebook) adds below `/user/<name>/`: not a named server's name. */
const APP_SEGMENTS = new Set(['lab', 'tree', 'notebooks', 'edit', 'view', 'terminals', 'doc', 'api', 'login', 'logout', 'files', 'nbclassic', 'voila', 'consoles', 'static']);

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
