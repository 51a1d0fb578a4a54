import { isLocalEndpoint } from '../server/endpoint';
import { isXsrfRejection } from '../session/forbidden';
import { makeFinding, type Finding } from './findings';
import { FIXES } from './fixes';
import type { CorsProbe, ProbeReply, ServerObservations } from './observations';

/** How the server is reached and what its probes said about authentication, XSRF and CORS. */

function shownReply(p: ProbeReply): string {
  const who = p.credentials === 'none' ? 'without credentials' : 'with the login cookie only';
  return `${p.request} ${who} → ${p.status}${p.message ? ` "${p.message}"` : ''}`;
}

export function transportFindings(obs: ServerObservations): Finding[] {
  const url = obs.endpoint.baseUrl;
  if (url.protocol !== 'http:' || isLocalEndpoint(obs.endpoint)) return [];
  return [
    makeFinding(
      'plain-http-remote',
      'Credentials and notebooks travel unencrypted to a remote host',
      `${obs.endpoint.id} is plain http to ${url.hostname}, which is not a loopback address: the token or password, the login cookie and all code and data cross the network in clear text.`,
      FIXES['plain-http-remote'],
    ),
  ];
}

export function authFindings(obs: ServerObservations): Finding[] {
  const probe = obs.auth;
  if (!probe || probe.credentials !== 'none' || probe.status !== 200) return [];
  return [
    makeFinding(
      'auth-disabled',
      'Authentication is off: anyone who can connect can run code',
      `${shownReply(probe)}: the server answers its API without any token, password or cookie.`,
      FIXES['auth-disabled'],
    ),
  ];
}

export type XsrfVerdict = 'enforced' | 'not-enforced' | 'unknown';

/**
 * A POST without X-XSRFToken is rejected with an XSRF message when the check is on. A reply from the handler
 * behind it (404 "Kernel does not exist", or success) means the check let it through. A plain 403 "Forbidden"
 * says nothing: on jupyter_server 2.x authentication runs first.
 */
export function xsrfVerdict(probe: ProbeReply | undefined): XsrfVerdict {
  if (!probe) return 'unknown';
  if (probe.status === 403 && isXsrfRejection(probe.message)) return 'enforced';
  if ((probe.status >= 200 && probe.status < 300) || (probe.status === 404 && /Kernel does not exist/i.test(probe.message ?? ''))) {
    return 'not-enforced';
  }
  return 'unknown';
}

export function xsrfFindings(obs: ServerObservations): Finding[] {
  if (xsrfVerdict(obs.xsrf) !== 'not-enforced' || !obs.xsrf) return [];
  return [
    makeFinding(
      'xsrf-check-disabled',
      'The XSRF check is disabled',
      // No "X-XSRFToken:" here: redaction takes a header name and a colon for a header line and masks the rest.
      `${shownReply(obs.xsrf)}: sent without an X-XSRFToken header, the request got past the XSRF check to the kernel handler. Only the server's Origin check still stops cross-site writes made with the login cookie.`,
      FIXES['xsrf-check-disabled'],
    ),
  ];
}

/** The probe shows a foreign origin allowed: a wildcard or echoed Access-Control-Allow-Origin, or a 2xx despite the Origin check. */
export function allowsForeignOrigin(p: CorsProbe): boolean {
  const echoed = p.allowOrigin !== undefined && (p.allowOrigin.trim() === '*' || p.allowOrigin.trim() === p.origin);
  return echoed || (p.status >= 200 && p.status < 300);
}

export function corsFindings(obs: ServerObservations): Finding[] {
  const open = obs.cors.filter(allowsForeignOrigin);
  if (open.length === 0) return [];
  const shown = open
    .map((p) => {
      const headers = [
        p.allowOrigin !== undefined ? `Access-Control-Allow-Origin: ${p.allowOrigin}` : 'no Access-Control-Allow-Origin',
        ...(p.allowCredentials !== undefined ? [`Access-Control-Allow-Credentials: ${p.allowCredentials}`] : []),
      ].join(', ');
      return `${shownReply(p)} with Origin: ${p.origin} (${headers})`;
    })
    .join('; ');
  return [
    makeFinding(
      'cors-any-origin',
      'The server accepts requests from any web origin',
      `${shown}. A server that lets any origin through also accepts kernel WebSockets opened with the login cookie from any web page, which runs code without the XSRF check.`,
      FIXES['cors-any-origin'],
    ),
  ];
}
