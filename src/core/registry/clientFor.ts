import type { ServerEndpoint } from '../server/endpoint';
import type { ServerCookieJar } from '../session/cookieJar';
import type { Credential } from '../session/credentials';
import { JupyterClient } from '../transport/client';
import type { TransportOptions } from '../transport/dispatcher';
import type { Logger } from '../util/log';
import { authModeOf, type ServerSource } from './serverSource';

/** What a server's client is built with besides the server itself. */
export interface ClientContext {
  /** How the server is reached: `transportFor()` of its source. */
  readonly transport: TransportOptions;
  readonly log: Logger;
  /** A restored cookie session. */
  readonly jar?: ServerCookieJar;
  readonly now?: () => number;
}

/**
 * The one place a server's `JupyterClient` is built (its connection's, and the probe that proves a server before
 * it is added): the auth mode comes from its source, how it is reached from `transportFor()` of the same source.
 */
export function clientFor(endpoint: ServerEndpoint, source: ServerSource, credential: Credential, ctx: ClientContext): JupyterClient {
  return new JupyterClient({
    endpoint,
    credential,
    mode: authModeOf(source),
    logger: ctx.log,
    transport: ctx.transport,
    ...(ctx.jar ? { jar: ctx.jar } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
  });
}
