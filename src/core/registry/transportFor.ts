import type { TransportOptions } from '../transport/dispatcher';

/** What a server's entry says about reaching it (a saved server, or one being added). */
export interface ReachSettings {
  /** PEM certificates trusted for this server only. */
  readonly trustedCertificates?: readonly string[] | undefined;
}

/**
 * How to reach one server: the defaults every client shares (timeouts) plus the server's own trust. The only
 * place a server's settings become transport options: connections and the add-server probe (through `clientFor`)
 * and the audit's probe clients (through `ServerConnection.transport`) all get theirs here, so none of them
 * reaches a server differently from the others.
 */
export function transportFor(server: ReachSettings | undefined, defaults: TransportOptions = {}): TransportOptions {
  const ca = server?.trustedCertificates;
  return ca?.length ? { ...defaults, tls: { ...defaults.tls, ca } } : { ...defaults };
}
