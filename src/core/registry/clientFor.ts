import type { ServerEndpoint } from '../server/endpoint';
import type { ServerCookieJar } from '../session/cookieJar';
import type { Credential } from '../session/credentials';
import { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import type { Logger } from '../util/log';
import { authModeOf, reachOf, type ServerSource } from './serverSource';
import { transportFor } from './transportFor';

/** What a server's client is built with besides the server itself. */
export interface ClientContext {
  /** The options every client shares (timeouts); the source adds the server's own trust. */
  readonly transport: TransportOptions;
  readonly log: Logger;
  /** A restored cookie session. */
  readonly jar?: ServerCookieJar;
  readonly now?: () => number;
}

/**
 * The one place a server's `JupyterClient` is built (its connection's, and the probe that proves a server before
 * it is added): the auth mode and how the server is reached (`transportFor`) come from its source.
 */
export function clientFor(endpoint: ServerEndpoint, source: ServerSource, credential: Credential, ctx: ClientContext): JupyterClient {
  return new JupyterClient({
    endpoint,
    credential,
    mode: authModeOf(source),
    logger: ctx.log,
    transport: transportFor(reachOf(source), ctx.transport),
    ...(ctx.jar ? { jar: ctx.jar } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
  });
}
