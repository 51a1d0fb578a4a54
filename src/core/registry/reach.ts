import type { ServerSecrets } from '../secrets/secretStore';
import type { ServerEndpoint } from '../server/endpoint';
import type { Credential } from '../session/credentials';
import type { TransportOptions } from '../transport/dispatcher';
import { proxyUri } from '../transport/proxy';
import { InvalidInputError } from '../util/errors';
import type { Logger } from '../util/log';
import { clientFor } from './clientFor';
import type { SavedServer } from './savedServers';
import { transportFor, type SavedTrust } from './transportFor';

/** A change to how a server is reached; undefined fields stay, `null` (or an empty list) clears. */
export interface ReachChange {
  trustedCertificates?: readonly string[] | undefined;
  trust?: SavedTrust | null | undefined;
  /** The client key's passphrase (kept in the secret store); `null`: the key has none (a saved one is deleted). */
  passphrase?: string | null | undefined;
  /** `direct` or a proxy URL for this server; `null` goes back to the shared settings. */
  proxy?: string | null | undefined;
}

/** The entry with the change applied (a copy); a proxy URL with credentials in it is refused. */
export function withReach(entry: SavedServer, change: ReachChange): SavedServer {
  const next: SavedServer = { ...entry };
  if (change.trustedCertificates !== undefined) {
    if (change.trustedCertificates.length) next.trustedCertificates = [...change.trustedCertificates];
    else delete next.trustedCertificates;
  }
  if (change.trust !== undefined) {
    if (change.trust) next.trust = change.trust;
    else delete next.trust;
  }
  if (change.proxy !== undefined) {
    if (change.proxy) {
      if (change.proxy !== 'direct' && proxyUri(change.proxy).authorization) {
        throw new InvalidInputError('The proxy URL contains a user name or password.', { hint: 'Remove "user:password@"; set the proxy credential in http.proxyAuthorization.' });
      }
      next.proxy = change.proxy;
    } else delete next.proxy;
  }
  return next;
}

/**
 * Proves a server works as `entry` says it is reached, with `credential` (probe and sign in, then close): what
 * Add Server and a trust or proxy change both do before anything is saved. Returns the passphrase it used.
 */
export async function proveReach(
  endpoint: ServerEndpoint,
  entry: SavedServer,
  credential: Credential,
  ctx: { secrets: ServerSecrets; transport: TransportOptions; log: Logger; passphrase?: string | null | undefined },
  signal?: AbortSignal,
): Promise<void> {
  const passphrase = ctx.passphrase === null ? undefined : (ctx.passphrase ?? (entry.trust?.clientCert ? await ctx.secrets.get('passphrase') : undefined));
  const probe = clientFor(endpoint, { kind: 'saved', entry }, credential, { transport: transportFor(entry, ctx.transport, { passphrase }), log: ctx.log });
  try {
    await probe.probeVersion(signal);
    await probe.authenticate(signal);
  } finally {
    await probe.close();
  }
}

/** After a proven change: a new passphrase is kept; one no client certificate needs any more (or `null`) is deleted. */
export async function saveReachSecrets(secrets: ServerSecrets, entry: SavedServer, passphrase: string | null | undefined): Promise<void> {
  if (typeof passphrase === 'string') await secrets.set('passphrase', passphrase);
  else if (passphrase === null || !entry.trust?.clientCert) await secrets.delete('passphrase');
}
