import type { ServerEndpoint } from '../server/endpoint';
import { ServerCookieJar, type SetCookieResult } from '../session/cookieJar';
import { noCredential, tokenCredential } from '../session/credentials';
import { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import type { Logger } from '../util/log';

/**
 * A jar that keeps nothing. A hub may set its session cookies (and `_xsrf`) on a reply to a token-authenticated
 * request; kept, they would go back on every later request, and on 4.1+ a request the token no longer authenticates
 * (revoked, expired) would then be cookie-authenticated: the client would depend on a hub cookie after all.
 */
class NoCookieJar extends ServerCookieJar {
  override setFromResponse(): SetCookieResult {
    return { stored: [], rejected: [], clearedLogin: [], staleClears: [] };
  }
}

/**
 * The one place a hub's API client is built: on the hub's `<base>hub/` endpoint, token-header only (no XSRF), or
 * with no credential for the public version probe and the password exchange. Either way its jar keeps no cookie, so
 * none is ever sent to the hub (a cookie on the password exchange would make it cookie-authenticated, A.1).
 */
export function hubClient(api: ServerEndpoint, token: string | undefined, transport: TransportOptions, log: Logger, now?: () => number): JupyterClient {
  return new JupyterClient({
    endpoint: api,
    credential: token === undefined ? noCredential : tokenCredential(token),
    mode: 'token',
    jar: new NoCookieJar(),
    logger: log,
    transport,
    renewBeforeMs: 0,
    ...(now ? { now } : {}),
  });
}
