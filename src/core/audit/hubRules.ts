import type { SavedHub } from '../hub/savedHubs';
import { DEFAULT_TOKEN_LIFETIME_DAYS, requestedScopes, reviewScopes } from '../hub/scopes';
import type { ServerSource } from '../registry/serverSource';
import { endpointFromUrl, isLocalEndpoint, type ServerEndpoint } from '../server/endpoint';
import { makeFinding, type Finding, type FixText } from './findings';
import type { HubObservations, ServerObservations } from './observations';

/**
 * The hub a server belongs to: how it is reached and what its token may do (jupyterhub-facts.md A.2, A.5, A.6).
 * Facts from the saved hub entry (scopes, expiry, base URL) plus one probe of the single-user server (a token in
 * `?token=` only). Pure rules, like the others: observations in, findings out.
 */

/**
 * What the audit of a hub's server is told about the hub, by a caller that knows it (the VS Code layer has the
 * HubRegistry; `hubAuditContextFor` derives it from the connection's source and the saved hub entry).
 */
export interface HubAuditContext {
  /** The hub's public base URL (`SavedHub.base`). */
  readonly base: string;
  readonly user: string;
  /** The token's scopes as the hub reported them. */
  readonly scopes: readonly string[];
  /** ISO; null: the token never expires; absent: not known (a pasted token whose model could not be read). */
  readonly expiresAt?: string | null;
  /** ISO: when the token was made. */
  readonly createdAt?: string;
  readonly signIn?: 'password' | 'token';
}

/**
 * The hub context of a hub user's server, for `AuditServiceDeps.hubContext` / `AuditTarget.hub`: undefined for a
 * server that is not a hub's, or whose hub entry is not known. `savedHub` looks a hub entry up by its id
 * (`(id) => hubRegistry.get(id)?.entry`).
 *
 * An entry's expiry is known when the token's model was seen (`tokenCreatedAt` is set: every minted token, and a
 * pasted one whose model could be read); then a missing `expiresAt` means the token never expires.
 */
export function hubAuditContextFor(server: { readonly source: ServerSource }, savedHub: (hubId: string) => SavedHub | undefined): HubAuditContext | undefined {
  const source = server.source;
  if (source.kind !== 'hub') return undefined;
  const entry = savedHub(source.hub.id);
  if (!entry) return undefined;
  const expiresAt = entry.expiresAt ?? (entry.tokenCreatedAt ? null : undefined);
  return {
    base: entry.base,
    user: entry.user,
    scopes: [...entry.scopes],
    signIn: entry.signIn,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(entry.tokenCreatedAt ? { createdAt: entry.tokenCreatedAt } : {}),
  };
}

/** Longer-lived hub tokens are `hub-token-long-lived` (as are tokens that never expire). */
export const MAX_HUB_TOKEN_DAYS = 30;
const DAY_MS = 86_400_000;

/** The hub's base as an endpoint, or undefined when it is not a URL. */
function hubEndpoint(hub: Pick<HubObservations, 'base'>): ServerEndpoint | undefined {
  try {
    return endpointFromUrl(hub.base);
  } catch {
    return undefined;
  }
}

/** True when the probe may put the hub token in a URL for this server: an http(s) server on the hub's own origin. */
export function sameOriginAsHub(server: ServerEndpoint, hubBase: string): boolean {
  const hub = hubEndpoint({ base: hubBase });
  return !!hub && server.socketPath === undefined && hub.socketPath === undefined && server.baseUrl.origin === hub.baseUrl.origin;
}

const hubFix = (jupyterHub: string): FixText => ({ notebook: '', jupyterServer: '', jupyterHub });

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function days(ms: number): string {
  const d = Math.floor((ms / DAY_MS) * 10) / 10;
  return `${d} day${d === 1 ? '' : 's'}`;
}

/** (a) Plain http to a hub that is not on this machine: the hub token and a password cross the network in clear. */
export function hubTransportFindings(hub: HubObservations): Finding[] {
  const endpoint = hubEndpoint(hub);
  if (!endpoint || endpoint.baseUrl.protocol !== 'http:' || isLocalEndpoint(endpoint)) return [];
  return [
    makeFinding(
      'hub-plain-http',
      'The hub token and password travel unencrypted to the hub',
      `The hub ${endpoint.id} is plain http to ${endpoint.baseUrl.hostname}, which is not a loopback address: the hub token (which reaches every server of ${hub.user}), the password when one is exchanged for a token, and all the hub API returns cross the network in clear text.`,
      hubFix(
        "serve the hub over https: c.JupyterHub.ssl_cert and c.JupyterHub.ssl_key, or TLS termination in front of the proxy; then remove the hub here, add it again with its https:// URL and sign in again (treat the token sent over http as leaked: revoke it on the hub's token page)",
      ),
    ),
  ];
}

/** The REST call that makes a token with only the scopes a user's servers need. */
function mintCall(hub: HubObservations): string {
  const needed = requestedScopes({ user: hub.user }).map((s) => `"${s}"`).join(', ');
  return `POST ${hub.base}hub/api/users/${encodeURIComponent(hub.user)}/tokens with {"scopes": [${needed}], "expires_in": ${DEFAULT_TOKEN_LIFETIME_DAYS * 86_400}}`;
}

/** For a pasted token: make a better one, sign in with it, delete the old one. */
function pasteAnother(hub: HubObservations, what: string): string {
  return `make ${what} (${mintCall(hub)}, or the hub's token page ${hub.base}hub/token), sign in to the hub with it, and delete the old token on the token page if it is still listed`;
}

/** (b) A token that never expires, or lives longer than MAX_HUB_TOKEN_DAYS. A lifetime not known says nothing. */
export function hubTokenLifetimeFindings(hub: HubObservations): Finding[] {
  if (hub.expiresAt === undefined) return [];
  const cap = `; admins can cap every new token with c.JupyterHub.token_expires_in_max_seconds = ${MAX_HUB_TOKEN_DAYS * 86_400} (JupyterHub 5.1+)`;
  const fix = hubFix(
    (hub.signIn === 'password'
      ? `sign in to the hub again with the password: the extension asks for a token that expires (after ${plural(DEFAULT_TOKEN_LIFETIME_DAYS, 'day')} by default)`
      : pasteAnother(hub, 'a token that expires')) + cap,
  );
  if (hub.expiresAt === null) {
    return [
      makeFinding(
        'hub-token-long-lived',
        'The hub token never expires',
        `The token for ${hub.user} on ${hub.base} has no expiry (the hub reports expires_at null): if it leaks, it works until someone revokes it on the hub.`,
        fix,
      ),
    ];
  }
  const expires = Date.parse(hub.expiresAt);
  if (Number.isNaN(expires)) return [];
  const created = hub.createdAt !== undefined ? Date.parse(hub.createdAt) : Number.NaN;
  const madeKnown = !Number.isNaN(created) && created < expires;
  const lifetime = expires - (madeKnown ? created : hub.observedAt.getTime());
  if (lifetime <= MAX_HUB_TOKEN_DAYS * DAY_MS) return [];
  const span = madeKnown
    ? `lives ${days(lifetime)} (made ${new Date(created).toISOString()}, expires ${new Date(expires).toISOString()})`
    : `expires ${new Date(expires).toISOString()}, ${days(lifetime)} from now`;
  return [
    makeFinding(
      'hub-token-long-lived',
      `The hub token lives longer than ${MAX_HUB_TOKEN_DAYS} days`,
      `The token for ${hub.user} on ${hub.base} ${span}: more than ${MAX_HUB_TOKEN_DAYS} days in which a leaked copy works.`,
      fix,
    ),
  ];
}

/**
 * (c) Scopes beyond what the user's own servers need (reviewScopes: filters for other users, unfiltered scopes,
 * admin scopes), and, as a note of its own, `tokens`: observed on JupyterHub 3.0, a token with
 * `tokens!user=NAME` mints tokens with all of the user's scopes, so it is as strong as the user. Silent renewal
 * asks for it.
 */
export function hubScopeFindings(hub: HubObservations): Finding[] {
  const review = reviewScopes(hub.user, hub.scopes);
  const out: Finding[] = [];
  if (review.excess.length > 0) {
    const needed = requestedScopes({ user: hub.user }).join(', ');
    out.push(
      makeFinding(
        'hub-token-excess-scopes',
        'The hub token holds more scopes than its servers need',
        `The token for ${hub.user} holds ${plural(review.excess.length, 'scope')} beyond using, starting and stopping ${hub.user}'s own servers: ${review.excess.join(', ')}. Whoever holds the token holds them too; ${needed} are enough.`,
        hubFix(hub.signIn === 'password' ? `sign in to the hub again with the password: the extension asks for only ${needed}` : pasteAnother(hub, 'a token with only these scopes')),
      ),
    );
  }
  if (review.canMintTokens) {
    const minting = hub.scopes.filter((s) => s === 'tokens' || s === `tokens!user=${hub.user}`);
    out.push(
      makeFinding(
        'hub-token-can-mint',
        'The hub token can make new tokens: it is as strong as the user',
        `The token for ${hub.user} holds ${minting.join(', ')}: with it, anyone holding it can make new tokens with any of ${hub.user}'s scopes (observed on JupyterHub 3.0), not only the ones it was made with. This is what silent renewal asks for, so that the token renews and revokes itself.`,
        hubFix(
          hub.signIn === 'password'
            ? 'turn silent renewal off and sign in to the hub again: the new token holds only the server scopes (it lapses at its expiry and the extension then asks for the password), and this one is revoked'
            : pasteAnother(hub, 'a token without "tokens"'),
        ),
      ),
    );
  }
  return out;
}

/**
 * (d) The single-user server accepted the hub token in `?token=` alone: `allow_token_in_url` is on (the default
 * before JupyterHub 5.0). 403 means it is off; any other reply says nothing.
 */
export function hubTokenInUrlFindings(hub: HubObservations): Finding[] {
  const probe = hub.tokenInUrl;
  if (!probe || probe.status !== 200) return [];
  return [
    makeFinding(
      'hub-token-in-url-accepted',
      'Tokens in URLs are accepted (JupyterHub < 5.0 default)',
      `${probe.request}?token=[redacted] with the hub token in the URL only (no Authorization header, no cookie) → 200: the single-user server signs in whoever brings a token in a link. Anyone can send another user a link with their own token that logs the victim into the sender's server (which then serves the victim its pages), and URLs with tokens end up in browser history and proxy logs.`,
      hubFix(
        'c.Spawner.environment = {"JUPYTERHUB_ALLOW_TOKEN_IN_URL": "0"} (read by each single-user server: HubAuth.allow_token_in_url, JupyterHub 4.1+), or upgrade to JupyterHub 5, which refuses tokens in URLs by default',
      ),
    ),
  ];
}

/** Every hub finding for a hub user's server; none for another server. */
export function hubFindings(obs: ServerObservations): Finding[] {
  const hub = obs.hub;
  if (!hub) return [];
  return [...hubTransportFindings(hub), ...hubTokenLifetimeFindings(hub), ...hubScopeFindings(hub), ...hubTokenInUrlFindings(hub)];
}
