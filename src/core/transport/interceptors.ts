import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ServerEndpoint } from '../server/endpoint';
import type { ServerAuth } from '../session/serverAuth';
import { CrossOriginBlockedError } from '../util/errors';
import type { Logger } from '../util/log';
import { redactUrl } from '../util/redact';
import { normaliseRequestHeaders, setCookieLines } from './headers';

/**
 * Cross-cutting HTTP concerns as undici interceptors, `dispatch => (opts, handler) => …`. One composed
 * dispatcher per server serves REST and the WebSocket handshake alike.
 */
type Dispatch = Dispatcher.Dispatch;
type DispatchOptions = Dispatcher.DispatchOptions;
type DispatchHandler = Dispatcher.DispatchHandler;
type DispatchController = Dispatcher.DispatchController;

function originOf(opts: DispatchOptions): string | undefined {
  const o = opts.origin;
  return o === undefined || o === null ? undefined : typeof o === 'string' ? o : o.origin;
}

function requestUrl(opts: DispatchOptions): URL {
  return new URL(opts.path, originOf(opts));
}

/**
 * The request's absolute URL as a string, without parsing (once per request, for the cookie jar, whose lookups
 * are memoised by it); anything unusual is resolved as a URL.
 */
function requestHref(opts: DispatchOptions): string {
  const origin = originOf(opts);
  if (origin === undefined || origin.endsWith('/') || !isPlainPath(opts.path)) return requestUrl(opts).href;
  return origin + opts.path;
}

/** A path that cannot change the origin it is resolved against (no `//host`, no `/\host`, no scheme). */
function isPlainPath(path: string): boolean {
  return path.charCodeAt(0) === 0x2f && path.charCodeAt(1) !== 0x2f && path.charCodeAt(1) !== 0x5c;
}

/** Passes everything to the inner handler; subclasses override what they watch. */
class ForwardingHandler implements DispatchHandler {
  constructor(protected readonly inner: DispatchHandler) {}
  onRequestStart(controller: DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }
  onResponseStart(controller: DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: DispatchController, trailers: IncomingHttpHeaders): void {
    this.inner.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: DispatchController, error: Error): void {
    this.inner.onResponseError?.(controller, error);
  }
}

/**
 * Refuses any request to an origin other than the server's: credentials and cookies never leave it,
 * whatever a redirect or a caller asks for.
 */
export function originGuard(endpoint: ServerEndpoint) {
  const allowed = endpoint.baseUrl.origin;
  return (dispatch: Dispatch): Dispatch =>
    (opts, handler) => {
      // Fast path: the origin as given and a plain path; anything else is resolved as a browser would.
      const origin = originOf(opts) === allowed && isPlainPath(opts.path) ? allowed : requestUrl(opts).origin;
      if (origin !== allowed) {
        throw new CrossOriginBlockedError(`Refused to send a request for ${endpoint.id} to another origin (${origin}).`, {
          serverUrl: endpoint.id,
          hint: 'Credentials and cookies are only ever sent to the server they belong to.',
        });
      }
      return dispatch(opts, handler);
    };
}

/** `Authorization: token …` for the token-header plan (an explicit Authorization header wins). */
export function authInterceptor(auth: ServerAuth) {
  return (dispatch: Dispatch): Dispatch =>
    (opts, handler) => {
      const value = auth.authorizationHeader();
      if (value === undefined) return dispatch(opts, handler);
      const headers = normaliseRequestHeaders(opts.headers);
      if (headers['authorization'] === undefined) headers['authorization'] = value;
      return dispatch({ ...opts, headers }, handler);
    };
}

class SetCookieCapture extends ForwardingHandler {
  constructor(
    inner: DispatchHandler,
    private readonly url: string,
    private readonly auth: ServerAuth,
    /** The login cookies the request carried, value by name. */
    private readonly sent: ReadonlyMap<string, string>,
  ) {
    super(inner);
  }
  private capture(headers: IncomingHttpHeaders): void {
    const lines = setCookieLines(headers);
    if (lines.length > 0) this.auth.recordSetCookie(this.url, lines, this.sent);
  }
  override onRequestUpgrade(c: DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.capture(headers);
    super.onRequestUpgrade(c, statusCode, headers, socket);
  }
  override onResponseStart(c: DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.capture(headers);
    super.onResponseStart(c, statusCode, headers, statusMessage);
  }
}

/** Sends the jar's cookies for the URL (merged with any given) and stores every `Set-Cookie` back. */
export function cookieInterceptor(auth: ServerAuth) {
  return (dispatch: Dispatch): Dispatch =>
    (opts, handler) => {
      const url = requestHref(opts);
      const fromJar = auth.jar.cookieHeader(url);
      let next = opts;
      if (fromJar) {
        const headers = normaliseRequestHeaders(opts.headers);
        const given = headers['cookie'];
        headers['cookie'] = given ? `${([] as string[]).concat(given).join('; ')}; ${fromJar}` : fromJar;
        next = { ...opts, headers };
      }
      return dispatch(next, new SetCookieCapture(handler, url, auth, auth.jar.sentLoginCookies(url)));
    };
}

/** `X-XSRFToken` from the jar's `_xsrf` cookie on every request while the jar holds one (double submit). */
export function xsrfInterceptor(auth: ServerAuth) {
  return (dispatch: Dispatch): Dispatch =>
    (opts, handler) => {
      const token = auth.jar.xsrfToken(requestHref(opts));
      if (token === undefined) return dispatch(opts, handler);
      const headers = normaliseRequestHeaders(opts.headers);
      if (headers['x-xsrftoken'] === undefined) headers['x-xsrftoken'] = token;
      return dispatch({ ...opts, headers }, handler);
    };
}

class TimingHandler extends ForwardingHandler {
  private readonly started = performance.now();
  constructor(
    inner: DispatchHandler,
    private readonly line: string,
    private readonly log: Logger,
  ) {
    super(inner);
  }
  private ms(): string {
    return `${Math.round(performance.now() - this.started)} ms`;
  }
  override onRequestUpgrade(c: DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.log.debug(`${this.line} → ${statusCode} upgrade (${this.ms()})`);
    super.onRequestUpgrade(c, statusCode, headers, socket);
  }
  override onResponseStart(c: DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.log.debug(`${this.line} → ${statusCode} (${this.ms()})`);
    super.onResponseStart(c, statusCode, headers, statusMessage);
  }
  override onResponseError(c: DispatchController, error: Error): void {
    this.log.debug(`${this.line} failed after ${this.ms()}: ${error.message}`);
    super.onResponseError(c, error);
  }
}

/** One debug line per request: method, redacted path, status, time. Header values are never logged. */
export function loggingInterceptor(log: Logger) {
  return (dispatch: Dispatch): Dispatch =>
    (opts, handler) => {
      if (!log.enabled('debug')) return dispatch(opts, handler);
      const kind = opts.upgrade ? ` (${opts.upgrade} upgrade)` : '';
      const sent = Object.keys(normaliseRequestHeaders(opts.headers))
        .filter((h) => ['authorization', 'cookie', 'x-xsrftoken'].includes(h))
        .join(', ');
      const line = `${opts.method} ${redactUrl(opts.path)}${kind}${sent ? ` [${sent}]` : ''}`;
      return dispatch(opts, new TimingHandler(handler, line, log));
    };
}
