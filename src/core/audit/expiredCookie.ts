import type { Cookie } from 'tough-cookie';
import { describeRequest } from '../transport/reply';
import { parseSetCookie } from './cookieRules';
import type { ExpiredCookieReplay, ObservedLoginCookie } from './observations';
import { withProbeClient, type ProbeTarget } from './probes';

/**
 * Does the server enforce its own cookie expiry? notebook and jupyter_server only change the `expires=` attribute
 * with `cookie_options`; unless `get_secure_cookie_kwargs={"max_age_days": …}` is set too, they accept the
 * cookie for tornado's 31 days. The only safe way to know is to replay a login cookie whose Expires has passed,
 * alone, on `GET api/status`: 200 = accepted. The extension calls this when a cookie it holds expires.
 */

/**
 * A replay only counts once the server's own clock (its Date header, second resolution) is this far past
 * Expires: Expires is rounded down to the second while the server measures from the cookie's signed
 * timestamp, so right at Expires a server that enforces the same lifetime may still accept it.
 */
export const EXPIRY_GRACE_MS = 5_000;

/** A login cookie the client holds: name, value (a secret) and when it expires on the server's clock. */
export interface HeldLoginCookie {
  name: string;
  value: string;
  path?: string;
  expiresAt: Date;
}

/** From a cookie in the client's jar (tough-cookie); undefined for a session cookie. */
export function heldLoginCookie(cookie: Cookie, now: Date = new Date()): HeldLoginCookie | undefined {
  const t = cookie.expiryTime(now);
  if (t === undefined || !Number.isFinite(t)) return undefined;
  return { name: cookie.key, value: cookie.value, ...(cookie.path ? { path: cookie.path } : {}), expiresAt: new Date(t) };
}

/** From the Set-Cookie line the audit observed; Max-Age is counted from the response's Date. */
export function heldFromObserved(observed: ObservedLoginCookie): HeldLoginCookie | undefined {
  const cookie = parseSetCookie(observed.line);
  if (!cookie) return undefined;
  const issued = (observed.serverDate ?? observed.receivedAt).getTime();
  let expiresAt: number | undefined;
  if (typeof cookie.maxAge === 'number') expiresAt = issued + cookie.maxAge * 1000;
  else if (cookie.expires instanceof Date) expiresAt = cookie.expires.getTime();
  if (expiresAt === undefined) return undefined;
  return { name: cookie.key, value: cookie.value, ...(cookie.path ? { path: cookie.path } : {}), expiresAt: new Date(expiresAt) };
}

export interface ReplayOptions {
  signal?: AbortSignal;
  now?: () => Date;
  /** The client's clock minus the server's (from an earlier Date header); default 0. */
  clockSkewMs?: number;
}

/** Replays an expired login cookie once; a cookie not yet past its Expires (plus the grace) is not sent. */
export async function replayExpiredLoginCookie(target: ProbeTarget, cookie: HeldLoginCookie, options: ReplayOptions = {}): Promise<ExpiredCookieReplay> {
  const now = (options.now ?? (() => new Date()))();
  const due = cookie.expiresAt.getTime() + EXPIRY_GRACE_MS;
  const base = { cookieName: cookie.name, expiredAt: cookie.expiresAt };
  if (now.getTime() - (options.clockSkewMs ?? 0) < due) {
    return { ...base, request: 'GET api/status', status: 0, outcome: 'inconclusive', detail: 'not sent: the cookie has not expired yet' };
  }
  const reply = await withProbeClient(target, { name: cookie.name, value: cookie.value, ...(cookie.path ? { path: cookie.path } : {}) }, (c) =>
    c.send('GET', 'api/status', { background: true, ...(options.signal ? { signal: options.signal } : {}) }),
  );
  const dateHeader = reply.headers['date'];
  const parsed = typeof dateHeader === 'string' ? new Date(dateHeader) : undefined;
  const serverDate = parsed && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
  const result = { ...base, request: describeRequest(reply), status: reply.status, ...(serverDate ? { serverDate } : {}) };
  if (serverDate && serverDate.getTime() < due) {
    return { ...result, outcome: 'inconclusive', detail: "the server's clock had not yet passed the cookie's expiry" };
  }
  if (reply.status === 200) return { ...result, outcome: 'accepted', detail: 'the server accepted the expired cookie' };
  if (reply.status === 403) return { ...result, outcome: 'rejected', detail: 'the server refused the expired cookie' };
  return { ...result, outcome: 'inconclusive', detail: `unexpected status ${reply.status}` };
}
