import type { Cookie } from 'tough-cookie';

/** The memo behind ServerCookieJar's lookups, and how it reads a cookie's expiry. */

export interface Lookup {
  readonly cookies: readonly Cookie[];
  /** The earliest expiry (ms) among `cookies`: the entry is stale from then on. */
  readonly validUntil: number;
  readonly xsrf: string | undefined;
  readonly login: Cookie | undefined;
  /** Every login cookie's value by name (computed on first use): what a request to this URL carries. */
  loginValues: ReadonlyMap<string, string> | undefined;
  header: string | undefined;
}

/** The largest time a Date holds. */
export const MAX_DATE_MS = 8.64e15;

/** Request paths vary (kernel ids, file names); the memo is bounded, oldest out first. */
const MAX_LOOKUPS = 64;

export function remember(memo: Map<string, Lookup>, key: string, value: Lookup): void {
  if (memo.size >= MAX_LOOKUPS) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
}

/** What a cookie lookup depends on: scheme, host and port, path (not the query or the fragment). */
export function lookupKey(url: URL | string): string {
  if (typeof url !== 'string') return `${url.protocol}//${url.host}${url.pathname}`;
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

/**
 * A cookie's expiry in ms (Infinity: session cookie). Not `Cookie.expiryTime()`: tough-cookie 6 compares the Expires
 * Date to "Infinity" with `==`, formatting it as a string on every call (~1 µs), and measures a Max-Age from the
 * last access (cookies restored from jars saved before Max-Age was stored as an Expires still take that path).
 */
export function expiryMs(c: Cookie): number {
  if (c.maxAge !== null && c.maxAge !== undefined) return c.expiryTime() ?? Infinity;
  return c.expires instanceof Date ? c.expires.getTime() : Infinity;
}
