/**
 * Jupyter answers several different problems with 403. The body tells XSRF failures apart; "Forbidden"
 * (not logged in) and a refused Host header look identical and need a re-probe (see classifyForbidden).
 */
const XSRF_MESSAGES = [
  /'_xsrf' argument missing/i,
  /XSRF cookie does not match/i,
  /'_xsrf' argument has invalid format/i,
  /XSRF/i,
];

export function isXsrfRejection(message: string | undefined): boolean {
  return message !== undefined && XSRF_MESSAGES.some((re) => re.test(message));
}

export function isOriginRejection(message: string | undefined): boolean {
  return message !== undefined && /cross origin|Blocking Cross Origin|unknown origin/i.test(message);
}

/** What a re-probe found behind a plain 403. */
export type ForbiddenCause = 'host' | 'auth' | 'other';
