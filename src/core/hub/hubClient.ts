import type { ServerEndpoint } from '../server/endpoint';
import { noCredential, tokenCredential } from '../session/credentials';
import { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import type { Logger } from '../util/log';

/**
 * The one place a hub's API client is built: on the hub's `<base>hub/` endpoint, token-header only (no cookies,
 * no XSRF), or with no credential and a fresh jar for the public version probe and the password exchange.
 */
export function hubClient(api: ServerEndpoint, token: string | undefined, transport: TransportOptions, log: Logger, now?: () => number): JupyterClient {
  return new JupyterClient({
    endpoint: api,
    credential: token === undefined ? noCredential : tokenCredential(token),
    mode: 'token',
    logger: log,
    transport,
    renewBeforeMs: 0,
    ...(now ? { now } : {}),
  });
}
