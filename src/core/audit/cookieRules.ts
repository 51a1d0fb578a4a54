import type { Cookie } from 'tough-cookie';
import { toughCookie } from '../util/libs';
import { XSRF_COOKIE, isLoginCookie, redactCookieLine } from '../session/cookieJar';
import { makeFinding, type Finding } from './findings';
import { FIXES, expiryEnforcementFix, lifetimeFix } from './fixes';
import type { ObservedLoginCookie, ServerObservations } from './observations';
import type { AuditPolicy } from './policy';

/**
 * The login cookie's attributes, judged from the Set-Cookie line the server sent. `_xsrf` is never judged: it is
 * meant to be read by scripts (double submit), so its missing HttpOnly is by design.
 */

const HOUR_MS = 3_600_000;

/** A Set-Cookie line parsed strictly (RFC 6265), or undefined when it is not one. */
export function parseSetCookie(line: string): Cookie | undefined {
  return toughCookie().Cookie.parse(line, { loose: false }) ?? undefined;
}

export interface CookieLifetime {
  ms: number;
  /** How it was worked out, for the evidence. */
  basis: string;
}

/**
 * How long the browser keeps the cookie: Max-Age wins over Expires (RFC 6265 §5.3); Expires is measured from the
 * response's Date (the server's clock) when there is one. A session cookie (neither) has no lifetime.
 */
export function cookieLifetime(cookie: Cookie, issued: Pick<ObservedLoginCookie, 'serverDate' | 'receivedAt'>): CookieLifetime | undefined {
  if (typeof cookie.maxAge === 'number') return { ms: Math.max(0, cookie.maxAge * 1000), basis: `Max-Age=${cookie.maxAge}` };
  if (cookie.maxAge === 'Infinity') return { ms: Number.POSITIVE_INFINITY, basis: 'Max-Age=Infinity' };
  if (cookie.expires instanceof Date) {
    const from = issued.serverDate ?? issued.receivedAt;
    const ref = issued.serverDate ? "the response's Date" : 'the time it was received';
    return { ms: cookie.expires.getTime() - from.getTime(), basis: `Expires is ${formatDuration(cookie.expires.getTime() - from.getTime())} after ${ref}` };
  }
  return undefined;
}

/** "30 days", "7.9 hours", "45 minutes", "12 seconds". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  const round = (x: number): string => String(Math.round(x * 10) / 10);
  const abs = Math.abs(ms);
  if (abs >= 48 * HOUR_MS) return `${round(ms / (24 * HOUR_MS))} days`;
  if (abs >= 2 * HOUR_MS) return `${round(ms / HOUR_MS)} hours`;
  if (abs >= 120_000) return `${round(ms / 60_000)} minutes`;
  return `${round(ms / 1000)} seconds`;
}

/** The login-cookie findings for the cookie the server issued (none when no login cookie was observed). */
export function loginCookieFindings(obs: ServerObservations, policy: AuditPolicy): Finding[] {
  const observed = obs.loginCookie;
  if (!observed) return [];
  const cookie = parseSetCookie(observed.line);
  if (!cookie || cookie.key === XSRF_COOKIE || !isLoginCookie(cookie)) return [];
  const shown = `${redactCookieLine(observed.line)} (Set-Cookie of ${observed.source})`;
  const out: Finding[] = [];

  if (!cookie.httpOnly) {
    out.push(
      makeFinding(
        'login-cookie-not-httponly',
        'The login cookie is readable by scripts (no HttpOnly)',
        `${shown}: no HttpOnly, so any script on a page of the server (a notebook output, an extension) can read the login cookie.`,
        FIXES['login-cookie-not-httponly'],
      ),
    );
  }
  if (obs.endpoint.baseUrl.protocol === 'https:' && !cookie.secure) {
    out.push(
      makeFinding(
        'login-cookie-not-secure',
        'The login cookie of an https server is not marked Secure',
        `${shown}: no Secure, so a browser also sends it over plain http to ${obs.endpoint.baseUrl.hostname} (any port), where a network attacker can read it.`,
        FIXES['login-cookie-not-secure'],
      ),
    );
  }
  if (cookie.sameSite === undefined) {
    out.push(
      makeFinding(
        'login-cookie-no-samesite',
        'The login cookie has no SameSite attribute',
        `${shown}: no SameSite, so whether other sites' requests carry the cookie is left to each browser's default.`,
        FIXES['login-cookie-no-samesite'],
      ),
    );
  } else if (cookie.sameSite === 'none') {
    const insecure = cookie.secure ? '' : ' Without Secure, browsers refuse a SameSite=None cookie altogether.';
    out.push(
      makeFinding(
        'login-cookie-samesite-none',
        'The login cookie is sent on cross-site requests (SameSite=None)',
        `${shown}: SameSite=None, so every other site's requests to the server carry the login cookie.${insecure}`,
        FIXES['login-cookie-samesite-none'],
      ),
    );
  }
  const lifetime = cookieLifetime(cookie, observed);
  const maxMs = policy.maxCookieLifetimeHours * HOUR_MS;
  if (lifetime && lifetime.ms > maxMs) {
    out.push(
      makeFinding(
        'login-cookie-long-lived',
        `The login cookie lives ${formatDuration(lifetime.ms)} (more than ${formatDuration(maxMs)})`,
        `${shown}: ${lifetime.basis}; the maximum is ${formatDuration(maxMs)}. The server has no idle timeout, so this is how long a copied cookie stays usable.`,
        lifetimeFix(policy.maxCookieLifetimeHours),
      ),
    );
  }
  return out;
}

/** Cookies the server sent during the sign-in that the client refused: a browser refuses them as well. */
export function rejectedCookieFindings(obs: ServerObservations): Finding[] {
  const rejected = obs.rejectedCookies ?? [];
  if (rejected.length === 0) return [];
  const lines = rejected.map((r) => `${r.line} (${r.reason})`).join('; ');
  return [
    makeFinding(
      'cookie-rejected',
      rejected.length === 1 ? 'The server sent a cookie that clients refuse' : `The server sent ${rejected.length} cookies that clients refuse`,
      `Refused during the sign-in: ${lines}. Browsers refuse them too, so whatever they were meant to protect is not in place.`,
      FIXES['cookie-rejected'],
    ),
  ];
}

/** Reported only when a replay past the cookie's own Expires was actually accepted. */
export function expiryEnforcementFindings(obs: ServerObservations, policy: AuditPolicy): Finding[] {
  const replay = obs.expiredReplay;
  if (!replay || replay.outcome !== 'accepted') return [];
  const serverTime = replay.serverDate ? `, the server's clock said ${replay.serverDate.toISOString()}` : '';
  return [
    makeFinding(
      'login-cookie-expiry-not-enforced',
      'The server accepts the login cookie after it expired',
      `The login cookie ${replay.cookieName} expired at ${replay.expiredAt.toISOString()}; replayed afterwards (${replay.request}${serverTime}) it was accepted with ${replay.status}.`,
      expiryEnforcementFix(policy.maxCookieLifetimeHours),
    ),
  ];
}
