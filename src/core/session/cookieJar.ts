import type { Cookie, CookieJar } from 'tough-cookie';
import { toughCookie } from '../util/libs';
import { InvalidInputError } from '../util/errors';
import { redact, registerSecret } from '../util/redact';
import { expiryMs, lookupKey, remember, MAX_DATE_MS, type Lookup } from './cookieLookup';

export const XSRF_COOKIE = '_xsrf';

/** A tornado signed value (`2|1:0|…`): what Jupyter and JupyterHub login cookies carry. */
const SIGNED_VALUE = /^"?2\|1:0\|/;

/** Login cookies are signed values; their names vary (`username-<host>-<port>`, `jupyterhub-user-bob`, custom). */
export function isLoginCookie(cookie: Pick<Cookie, 'key' | 'value'>): boolean {
  if (cookie.key === XSRF_COOKIE || /-oauth-state/.test(cookie.key)) return false;
  return SIGNED_VALUE.test(cookie.value) || /^username-/.test(cookie.key) || /^jupyterhub-user-/.test(cookie.key);
}

export interface RejectedCookie {
  /** The Set-Cookie line with its value redacted. */
  line: string;
  reason: string;
}

export interface SetCookieResult {
  stored: Cookie[];
  rejected: RejectedCookie[];
  /** Names of login cookies the server cleared (empty value or an Expires in the past). */
  clearedLogin: string[];
  /** Names of login cookies whose clearing was ignored: it answered a request that carried an older session. */
  staleClears: string[];
}

/**
 * One server's RFC 6265 cookie jar (tough-cookie): domain and path matching, expiry, Secure rules.
 * Serialisable with expiry, so a session survives a reload. Every cookie value is registered for redaction.
 */
export class ServerCookieJar {
  private jar: CookieJar;
  /**
   * What applies to a request URL, memoised per (scheme, host, path): every request asks several times (session
   * preparation, the XSRF and cookie interceptors) and a tough-cookie lookup walks the whole jar. Any change to the
   * jar empties it; an entry lapses at the earliest expiry among its cookies.
   */
  private readonly lookups = new Map<string, Lookup>();

  constructor(
    jar?: CookieJar,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.jar = jar ?? new (toughCookie().CookieJar)();
    Object.assign(this.jar, JAR_SETTINGS);
    for (const c of this.all()) registerSecret(c.value);
  }

  static deserialize(serialized: string, now?: () => Date): ServerCookieJar {
    let jar: CookieJar;
    try {
      jar = toughCookie().CookieJar.deserializeSync(upgradeSaved(JSON.parse(serialized)) as never);
    } catch (err) {
      throw new InvalidInputError('The saved cookie session could not be read.', {
        hint: 'It will be replaced by a new session at the next sign-in.',
        cause: err,
      });
    }
    return new ServerCookieJar(jar, now);
  }

  /** Replaces every cookie with those of a serialised jar (a session saved by another window). */
  replaceWith(serialized: string): void {
    const next = ServerCookieJar.deserialize(serialized, this.now);
    this.jar = next.jar;
    this.changed();
  }

  /** The jar as JSON, expired cookies left out. */
  serialize(): string {
    const now = this.now().getTime();
    for (const c of this.all()) if (expiryMs(c) <= now) this.remove(c);
    return JSON.stringify(this.jar.serializeSync());
  }

  /**
   * Stores the `Set-Cookie` lines of a response to `url`. Malformed or foreign cookies are reported, not thrown.
   * `sent` is what the request carried (`sentLoginCookies`), when known: a response that clears a login cookie
   * after a newer value was stored under that name (a request sent before a re-login, answered after it) only
   * speaks for the old session, and is not allowed to end the new one.
   */
  setFromResponse(url: URL | string, setCookie: readonly string[], sent?: ReadonlyMap<string, string>): SetCookieResult {
    const result: SetCookieResult = { stored: [], rejected: [], clearedLogin: [], staleClears: [] };
    const now = this.now();
    for (const line of setCookie) {
      const parsed = toughCookie().Cookie.parse(line, { loose: false });
      if (!parsed) {
        result.rejected.push({ line: redactCookieLine(line), reason: 'not a valid Set-Cookie header (RFC 6265)' });
        continue;
      }
      registerSecret(parsed.value);
      const expiry = parsed.expiryTime(now);
      const clearing = parsed.value === '' || parsed.value === '""' || (expiry !== undefined && expiry <= now.getTime());
      // A clearing line carries no signed value, so look at what the jar holds under that name (custom names too).
      const clearsLogin =
        clearing &&
        parsed.key !== XSRF_COOKIE &&
        (isLoginCookie(parsed) || this.cookiesFor(url).some((c) => c.key === parsed.key && isLoginCookie(c)));
      if (clearsLogin && sent !== undefined) {
        const current = this.lookup(url).cookies.find((c) => c.key === parsed.key)?.value;
        if (current !== undefined && current !== sent.get(parsed.key)) {
          result.staleClears.push(parsed.key);
          continue;
        }
      }
      // RFC 6265 5.3 step 3: Max-Age sets an absolute expiry-time at receipt. tough-cookie keeps Max-Age relative to
      // lastAccessed, which every read moves on (a cookie in use would never expire), so store it as an Expires.
      if (parsed.maxAge !== null && expiry !== undefined && expiry !== Infinity) {
        parsed.expires = new Date(Math.min(Math.max(expiry, 0), MAX_DATE_MS));
        parsed.maxAge = null;
      }
      if (parsed.path) parsed.path = encodedPath(parsed.path);
      try {
        const stored = this.jar.setCookieSync(parsed, asSent(url), { now, ignoreError: false });
        this.changed();
        if (!stored) {
          result.rejected.push({ line: redactCookieLine(line), reason: 'the cookie jar refused it' });
          continue;
        }
        result.stored.push(stored);
      } catch (err) {
        result.rejected.push({ line: redactCookieLine(line), reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (clearsLogin) result.clearedLogin.push(parsed.key);
    }
    return result;
  }

  /** The `Cookie` header value for a request to `url` (empty string when none apply). */
  cookieHeader(url: URL | string): string {
    const l = this.lookup(url);
    l.header ??= l.cookies.map((c) => c.cookieString()).join('; ');
    return l.header;
  }

  /**
   * The cookies that apply to `url`, judged by the injected clock (tough-cookie's own read path always uses the
   * real one); expired cookies are dropped from the jar as they are found. A copy: callers may keep or change it.
   */
  cookiesFor(url: URL | string): Cookie[] {
    return [...this.lookup(url).cookies];
  }

  /**
   * The `_xsrf` value for the `X-XSRFToken` header of a request to `url`: the one the server reads. With several
   * `_xsrf` cookies in the `Cookie` header (different paths), Tornado keeps the last one.
   */
  xsrfToken(url: URL | string): string | undefined {
    return this.lookup(url).xsrf;
  }

  /** The login cookies a request to `url` carries, value by name: pass to `setFromResponse` with its reply. */
  sentLoginCookies(url: URL | string): ReadonlyMap<string, string> {
    const l = this.lookup(url);
    l.loginValues ??= new Map(l.cookies.filter(isLoginCookie).map((c) => [c.key, c.value]));
    return l.loginValues;
  }

  /** The login cookie that applies to `url`, if any and not expired. */
  loginCookie(url: URL | string): Cookie | undefined {
    return this.lookup(url).login;
  }

  /** When the login cookie for `url` expires by its own Expires/Max-Age (undefined: session cookie or none). */
  loginExpiry(url: URL | string): Date | undefined {
    const c = this.loginCookie(url);
    const t = c === undefined ? Infinity : expiryMs(c);
    return Number.isFinite(t) ? new Date(t) : undefined;
  }

  /** Sets a cookie the client made itself (a double-submit `_xsrf` when the server issued none). */
  setClientCookie(url: URL | string, name: string, value: string, path: string): void {
    registerSecret(value);
    this.jar.setCookieSync(new (toughCookie().Cookie)({ key: name, value, path: encodedPath(path) }), asSent(url), { now: this.now() });
    this.changed();
  }

  /**
   * Drops every `_xsrf` cookie a request to `url` carries, after the server refused the pair: the next fetch of
   * `_xsrf` then stores exactly one fresh value (a shadowing cookie on a longer path, or a stale duplicate, would
   * otherwise be sent again). Returns how many were dropped.
   */
  dropXsrf(url: URL | string): number {
    const found = this.lookup(url).cookies.filter((c) => c.key === XSRF_COOKIE);
    for (const c of found) this.remove(c);
    return found.length;
  }

  /** Drops every cookie: the session is gone, saved credentials are not touched. */
  clear(): void {
    this.jar.removeAllCookiesSync();
    this.changed();
  }

  /** Drops the login cookies only (keeps `_xsrf`). */
  clearLogin(): void {
    for (const c of this.all()) if (isLoginCookie(c)) this.remove(c);
  }

  private remove(c: Cookie): void {
    // MemoryCookieStore is synchronous: the callback runs before removeCookie returns.
    if (c.domain && c.path) this.jar.store.removeCookie(c.domain, c.path, c.key, () => undefined);
    this.changed();
  }

  /** Every change to the jar goes through here: memoised lookups are void. */
  private changed(): void {
    this.lookups.clear();
  }

  private lookup(url: URL | string): Lookup {
    const key = lookupKey(url);
    const now = this.now().getTime();
    const hit = this.lookups.get(key);
    if (hit !== undefined && now < hit.validUntil) return hit;
    // tough-cookie picks (domain, path, Secure, HttpOnly) and orders (RFC 6265 5.4: longer paths first, then earlier
    // creation); its expiry check reads the real clock, so expiry is judged here, and expired cookies dropped.
    const cookies: Cookie[] = [];
    let validUntil = Infinity;
    for (const c of this.jar.getCookiesSync(asSent(url), { http: true, expire: false, sort: true })) {
      const t = expiryMs(c);
      if (t <= now) {
        this.remove(c);
        continue;
      }
      cookies.push(c);
      if (t < validUntil) validUntil = t;
    }
    const login = cookies.find(isLoginCookie);
    const entry: Lookup = {
      cookies,
      validUntil,
      // What the server reads: Tornado keeps the last cookie of a name in the header.
      xsrf: cookies.findLast((c) => c.key === XSRF_COOKIE)?.value,
      login: login && cookies.findLast((c) => c.key === login.key),
      header: undefined,
      loginValues: undefined,
    };
    remember(this.lookups, key, entry);
    return entry;
  }

  all(): Cookie[] {
    const ser = this.jar.serializeSync();
    return (ser?.cookies ?? []).map((c) => toughCookie().Cookie.fromJSON(c)).filter((c): c is Cookie => c !== undefined);
  }

  get size(): number {
    return this.all().length;
  }
}

/**
 * A saved jar as this version stores cookies. A Path saved unencoded is encoded (`encodedPath`). Jars saved before
 * Max-Age was stored as an Expires hold a relative Max-Age, which tough-cookie measures from the last read (a cookie
 * in use would never expire). Each becomes an absolute Expires counted from the cookie's creation: the earliest
 * moment it can have been received, so a restored cookie never outlives what it was given.
 */
function upgradeSaved(serialized: unknown): unknown {
  const cookies = (serialized as { cookies?: unknown } | null)?.cookies;
  if (!Array.isArray(cookies)) return serialized;
  for (const c of cookies as Array<Record<string, unknown>>) {
    if (c === null || typeof c !== 'object') continue;
    if (typeof c['path'] === 'string') c['path'] = encodedPath(c['path']);
    if (c['maxAge'] === undefined || c['maxAge'] === null) continue;
    const created = typeof c['creation'] === 'string' ? Date.parse(c['creation']) : NaN;
    const maxAge = c['maxAge'];
    if (maxAge === 'Infinity') c['expires'] = 'Infinity';
    else if (typeof maxAge === 'number' && Number.isFinite(created)) {
      c['expires'] = new Date(Math.min(Math.max(created + maxAge * 1000, 0), MAX_DATE_MS)).toISOString();
    } else if (typeof maxAge === 'number') c['expires'] = new Date(0).toISOString(); // no receipt time: treat as expired
    delete c['maxAge'];
  }
  return serialized;
}

/**
 * Every jar's settings, over those a saved jar carries (whatever version saved it). `__Secure-` / `__Host-`
 * violations throw (and are reported) instead of being dropped silently.
 */
const JAR_SETTINGS = { rejectPublicSuffixes: true, allowSpecialUseDomain: true, enableLooseMode: false, prefixSecurity: 'strict' };

/**
 * The request URL as tough-cookie must see it to match paths as sent. RFC 6265 5.1.4 path-matches against, and takes
 * the default-path from, the request path as sent (percent-encoded); tough-cookie 6 runs `decodeURI` over the path
 * first, so a cookie on `/a%20b/` would never reach `/a%20b/`. With every `%` escaped as `%25` that decoding gives
 * back the path as sent. tough-cookie reads nothing else of a URL than these three fields.
 */
function asSent(url: URL | string): URL {
  const u = typeof url === 'string' ? new URL(url) : url;
  return { protocol: u.protocol, hostname: u.hostname, pathname: (u.pathname || '/').replaceAll('%', '%25') } as URL;
}

/**
 * A cookie's Path in the form a request path holds it. Paths the server wrote percent-encoded stay as they are; the
 * characters no request path holds (a space, non-ASCII) are stored encoded as a URL encodes them, so
 * `Path=/user/jürgen/` still reaches `/user/j%C3%BCrgen/`.
 */
function encodedPath(path: string): string {
  if (!/[^\x21-\x7e]/.test(path)) return path;
  try {
    return path.replace(/[^\x21-\x7e]+/g, (s) => encodeURIComponent(s));
  } catch {
    return path;
  }
}

/** A Set-Cookie line as evidence: name and attributes kept, the value masked. */
export function redactCookieLine(line: string): string {
  const eq = line.indexOf('=');
  if (eq < 0) return redact(line.length > 80 ? line.slice(0, 80) + '…' : line);
  const semi = line.indexOf(';', eq);
  const name = line.slice(0, eq).trim();
  const attrs = semi < 0 ? '' : line.slice(semi);
  return redact(`${name}=[redacted]${attrs}`);
}
