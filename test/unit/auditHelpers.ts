/** Literal observations for the audit rule tests. Not a test file (no `.test.` in the name). */
import type { ServerObservations } from '../../src/core/audit/observations';
import { endpointFromUrl } from '../../src/core/server/endpoint';

/** Set-Cookie lines as notebook 6.4 / jupyter_server 1.23 send them (from the facts sheet and the real servers). */
export const HMAC = '3eacc04b9d6b02fc8370acbe09db13d939d36624254beffc85535967ae5ddd06';
export const SIGNED = `"2|1:0|10:1795420612|24:username-127-0-0-1-8888|44:NjY1NDBhZTQ3ZjQ4NGRlNGIyYTEwYTRjODc5MzNkYTg=|${HMAC}"`;
export const DEFAULT_LINE = `username-127-0-0-1-8888=${SIGNED}; expires=Wed, 23 Dec 2026 07:56:52 GMT; HttpOnly; Path=/`;
/** The Date header of the response that carried DEFAULT_LINE (30 days before its Expires). */
export const ISSUED = new Date('Mon, 23 Nov 2026 07:56:52 GMT');

export function observations(url = 'http://127.0.0.1:8888/', extra: Partial<ServerObservations> = {}): ServerObservations {
  return { endpoint: endpointFromUrl(url), version: '1.23.3', cors: [], runtimeFiles: [], ...extra };
}

/** Observations with only a login cookie, issued at ISSUED (server clock) and received years later (client clock). */
export function withCookie(line: string, url = 'http://127.0.0.1:8888/'): ServerObservations {
  return observations(url, {
    loginCookie: { line, source: 'GET /api/status, token in the Authorization header', serverDate: ISSUED, receivedAt: new Date('2031-01-01T00:00:00Z') },
  });
}
