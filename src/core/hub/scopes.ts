/**
 * Which scopes our hub token asks for, and how a token's scopes compare with what we need (jupyterhub-facts.md A.2).
 * Pure: no I/O.
 */

/** The name JupyterHub gives a user or server in a scope filter (names are used as they are). */
export interface ScopeRequest {
  readonly user: string;
  /**
   * Silent renewal and revocation need `tokens!user=NAME`. Observed on JupyterHub 3.0: a token holding it can mint
   * tokens with any of the user's scopes (all their servers, their activity), so it is asked for only when the user
   * turns silent renewal on.
   */
  readonly renewal?: boolean;
}

/**
 * The narrowest set that works for a user's servers: use them (`access:servers!user=NAME`, which covers the default
 * server and named ones; `access:servers!server=NAME/` would reach the default server only), start, stop and watch
 * them (`servers!user=NAME`), and read the user's name (`read:users:name!user=NAME`, for `GET /hub/api/user`).
 */
export function requestedScopes({ user, renewal = false }: ScopeRequest): string[] {
  const scopes = [`access:servers!user=${user}`, `servers!user=${user}`, `read:users:name!user=${user}`];
  if (renewal) scopes.push(`tokens!user=${user}`);
  return scopes;
}

/** What the hub expands our request into (3.0 expands `servers` into `read:servers` and `delete:servers`, and adds `read:users:groups`/`read:tokens`). */
const IMPLIED = [/^read:servers!/, /^delete:servers!/, /^read:users:groups!/, /^read:tokens!/, /^read:users:name!/];

/** Scopes that let a token do what a user's own servers do not need. */
export interface ScopeReview {
  /** Scopes beyond what a token for our use needs (e.g. `admin:users`, `tokens`, unfiltered `access:servers`). */
  readonly excess: string[];
  /** The token can mint more tokens (renewal and revocation without asking). */
  readonly canMintTokens: boolean;
  /** The token can use the server (an access scope for it). */
  readonly canAccess: (serverName: string) => boolean;
}

export function reviewScopes(user: string, scopes: readonly string[]): ScopeReview {
  const own = new Set(requestedScopes({ user, renewal: true }));
  const excess = scopes.filter((s) => !own.has(s) && !IMPLIED.some((r) => r.test(s) && s.endsWith(`!user=${user}`)) && !isOwnServerAccess(user, s));
  const canMintTokens = scopes.some((s) => s === 'tokens' || s === `tokens!user=${user}`);
  const canAccess = (serverName: string): boolean =>
    scopes.some(
      (s) =>
        s === 'access:servers' ||
        s === `access:servers!user=${user}` ||
        s === `access:servers!server=${user}/${serverName}`,
    );
  return { excess, canMintTokens, canAccess };
}

function isOwnServerAccess(user: string, scope: string): boolean {
  return scope.startsWith(`access:servers!server=${user}/`);
}

/** How long a token we mint lives, and when to renew it. */
export interface ExpiryPolicy {
  /** The lifetime asked for (`expires_in`, seconds). */
  readonly lifetimeSeconds: number;
}

export const DEFAULT_TOKEN_LIFETIME_DAYS = 7;

/**
 * When a token should be renewed: a fifth of its lifetime before it lapses, but at most a day before (a 7-day token
 * renews on day 6; a 60-second test token 12 s before it lapses). Undefined for a token that never expires.
 */
export function renewalDue(createdAt: number | undefined, expiresAt: number | undefined): number | undefined {
  if (expiresAt === undefined) return undefined;
  const lifetime = createdAt !== undefined && createdAt < expiresAt ? expiresAt - createdAt : 24 * 3600_000;
  return expiresAt - Math.min(24 * 3600_000, lifetime / 5);
}
