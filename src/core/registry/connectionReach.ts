import type { ServerSecrets } from '../secrets/secretStore';
import type { TransportOptions } from '../transport/dispatcher';
import { reachOf, type ServerSource } from './serverSource';
import { transportFor, type ReachSecrets } from './transportFor';

/**
 * How one connection reaches its server: the settings every server shares (replaced when a proxy setting changes)
 * and the secrets its own trust needs (a client key's passphrase, read from the secret store before a client is
 * built, since `transport` is read synchronously by the audit's probe clients).
 */
export class ConnectionReach {
  private secrets: ReachSecrets = {};

  constructor(
    public shared: TransportOptions,
    private readonly store: ServerSecrets,
  ) {}

  transport(source: ServerSource): TransportOptions {
    return transportFor(reachOf(source), this.shared, this.secrets);
  }

  async load(source: ServerSource): Promise<void> {
    const passphrase = reachOf(source)?.trust?.clientCert ? await this.store.get('passphrase') : undefined;
    this.secrets = passphrase !== undefined ? { passphrase } : {};
  }
}
