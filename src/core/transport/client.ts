import type { Dispatcher } from 'undici';
import { serverUrl, type ServerEndpoint } from '../server/endpoint';
import { ServerCookieJar } from '../session/cookieJar';
import type { AuthMode, Credential } from '../session/credentials';
import { fetchXsrf, loginWithForm } from './login';
import { isXsrfRejection, type ForbiddenCause } from '../session/forbidden';
import { ServerAuth } from '../session/serverAuth';
import type { Disposable } from '../util/disposable';
import {
  AuthExpiredError,
  AuthRequiredError,
  HostRejectedError,
  InvalidTokenError,
  JupyterError,
  KernelNotFoundError,
  NotAJupyterServerError,
  ServerUnreachableError,
  TlsFailureError,
  UnexpectedReplyError,
  clientCertificateRefused,
  errorCodeOf,
  isClientCertificateAlert,
  XsrfRejectedError,
  isJupyterError,
  toJupyterError,
} from '../util/errors';
import { Emitter } from '../util/event';
import { nullLogger, type Logger } from '../util/log';
import { createServerTransport, type ServerTransport, type TransportOptions } from './dispatcher';
import { readPostHandshakeAlert, readServerCertificate } from './certificateProbe';
import { PIN_MISMATCH_REASON } from './tlsTrust';
import { exchange } from './exchange';
import { MUTATING_METHODS, describeRequest, parseJson, replyMessage, type HttpMethod, type HttpReply, type SendOptions } from './reply';

export interface ClientOptions {
  endpoint: ServerEndpoint;
  credential: Credential;
  mode?: AuthMode;
  /** A restored cookie jar (a persisted session). */
  jar?: ServerCookieJar;
  logger?: Logger;
  transport?: TransportOptions;
  /** The clock (ms) for activity tracking, cookie expiry and renewal; injectable for tests. */
  now?: () => number;
  /**
   * Renew a cookie session this long before its login cookie expires, when it is in use (a background re-login
   * with the saved password or token, so the session never lapses mid-work). 0 turns renewal off.
   */
  renewBeforeMs?: number;
}

/** Returned by an attempt that repaired something itself (a fresh `_xsrf`): run it again. */
const AGAIN = Symbol('again');

export interface RequestOptions extends SendOptions {
  /** Statuses returned instead of thrown (2xx always are). */
  accept?: readonly number[];
  /**
   * Every reply is returned, not thrown, except the 403s the client handles itself (a refused XSRF token, an
   * ended session, a refused Host): a foreign caller's request, whose caller reads the status.
   */
  acceptAll?: boolean;
}

/**
 * A Jupyter server's client: one session (credential + cookie jar), one composed dispatcher.
 * `request` prepares the session (login, `_xsrf`), refreshes XSRF and retries once on an XSRF 403, tells
 * "log in again" from a refused Host by re-probing, re-logs in once (shared by all requests in flight) when a
 * cookie session has ended, and turns failures into typed errors. WebSockets open through `openWebSocket`
 * (upgrade.ts), which shares the session rule (`withRelogin`).
 */
export class JupyterClient implements Disposable {
  readonly endpoint: ServerEndpoint;
  /** The credential, the auth plan and the cookie jar. */
  readonly auth: ServerAuth;
  readonly log: Logger;
  private readonly transport: ServerTransport;
  private readonly transportOptions: TransportOptions;
  private forbiddenProbe: Promise<ForbiddenCause> | undefined;
  private disposed = false;
  private readonly now: () => number;
  private readonly renewBeforeMs: number;
  /** Last REST call or kernel WebSocket frame (ms, from the injected clock): what idle expiry measures. */
  lastActivity: number;
  private readonly activity = new Emitter<void>();
  /** Fired on each REST call and kernel frame; only worth listening to briefly (e.g. to notice the next use). */
  readonly onDidActivity = this.activity.event;

  constructor(options: ClientOptions) {
    this.endpoint = options.endpoint;
    this.log = (options.logger ?? nullLogger).scoped(this.endpoint.id);
    this.now = options.now ?? Date.now;
    this.renewBeforeMs = options.renewBeforeMs ?? 60_000;
    this.lastActivity = this.now();
    const jar = options.jar ?? new ServerCookieJar(undefined, () => new Date(this.now()));
    this.auth = new ServerAuth(this.endpoint, options.credential, options.mode ?? 'auto', jar, this.log);
    this.transport = createServerTransport(this.endpoint, this.auth, this.log, options.transport);
    this.transportOptions = options.transport ?? {};
  }

  /** One request, as is: no session preparation, no recovery, network failures typed. */
  readonly send = async (method: HttpMethod, path: string, options: SendOptions = {}): Promise<HttpReply> => {
    if (!options.background && !options.keepAlive) this.noteActivity();
    const url = serverUrl(this.endpoint, path, options.background ? { ...options.query, [NO_TRACK_ACTIVITY]: '1' } : options.query);
    const headers: Record<string, string> = { accept: 'application/json, text/html;q=0.9, */*;q=0.8', ...options.headers };
    let body: Uint8Array | string | undefined;
    if (options.body !== undefined) {
      body = options.body;
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    try {
      const opts: Dispatcher.DispatchOptions = { origin: url.origin, path: url.pathname + url.search, method, headers, body: body ?? null };
      if (options.timeoutMs !== undefined) opts.headersTimeout = options.timeoutMs;
      const res = await exchange(this.transport.dispatcher, opts, options.signal, options.onData);
      return { method, url, status: res.status, headers: res.headers, text: res.text, body: res.body };
    } catch (err) {
      throw toJupyterError(err, this.endpoint.id);
    }
  };

  /** A JSON API call with session preparation, recovery and typed errors. */
  async json<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const reply = await this.request(method, path, options);
    return parseJson<T>(reply, this.endpoint.id);
  }

  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<HttpReply> {
    this.assertUsable();
    let xsrfRetried = false;
    return this.withRelogin(method, options.signal, async (_wire, afterRelogin) => {
      const reply = await this.send(method, path, options);
      if (reply.status < 300 || options.accept?.includes(reply.status) || (options.acceptAll && reply.status !== 403)) return reply;
      if (reply.status !== 403) throw this.statusError(reply);

      const message = replyMessage(reply);
      if (isXsrfRejection(message)) {
        if (!xsrfRetried) {
          xsrfRetried = true;
          // Resending the same pair would only be refused again: drop every `_xsrf` the request carried (a stale
          // duplicate or one shadowing it on a longer path), so the fetch stores one fresh value.
          const dropped = this.auth.jar.dropXsrf(reply.url);
          this.log.debug(`${describeRequest(reply)}: XSRF rejected (${message}); dropped ${dropped} _xsrf cookie(s), fetching a fresh one and retrying once`);
          await this.auth.singleFlightXsrf(() => fetchXsrf(this.send, this.auth, this.log, options.signal));
          return AGAIN;
        }
        throw new XsrfRejectedError(`${this.endpoint.id} rejected the XSRF token on ${describeRequest(reply)} (${message}).`, {
          serverUrl: this.endpoint.id,
          status: 403,
          hint: 'A proxy may strip the X-XSRFToken header or the _xsrf cookie; check its configuration.',
        });
      }
      const cause = await this.classifyForbidden(options.signal);
      if (cause === 'host') throw this.hostError();
      if (cause === 'other') {
        if (options.acceptAll) return reply;
        throw this.statusError(reply);
      }
      // Not logged in (any more): the AuthExpired below makes withRelogin sign in again, once.
      if (this.canLogin() && !afterRelogin) this.log.info(`session for ${this.endpoint.id} is no longer accepted; signing in again`);
      throw this.authError(afterRelogin);
    });
  }

  /**
   * The one "sign in again once" rule, shared by `request` and the WebSocket door (upgrade.ts). Prepares the
   * session for `method`, then runs `attempt` with the wire (the composed dispatcher and handshake log, which the
   * client exposes no other way). An AuthExpired from it signs in again (one login for every caller that saw the
   * same session end) and runs it once more; an attempt that returns AGAIN (it repaired something) runs again.
   */
  async withRelogin<T>(
    method: HttpMethod,
    signal: AbortSignal | undefined,
    attempt: (wire: ServerTransport, afterRelogin: boolean) => Promise<T | typeof AGAIN>,
  ): Promise<T> {
    let afterRelogin = false;
    for (;;) {
      await this.prepare(method, signal);
      const generation = this.auth.generation;
      try {
        const result = await attempt(this.transport, afterRelogin);
        if (result !== AGAIN) return result;
      } catch (err) {
        if (afterRelogin || !this.canLogin() || !isJupyterError(err, 'AuthExpired')) throw err;
        afterRelogin = true;
        await this.login(signal, generation);
      }
    }
  }

  /**
   * Makes sure the credential works: a cookie plan signs in unless the jar already holds a login cookie (a restored
   * session), then `GET api/status` proves it (re-signing in once if the server has ended the session).
   * Throws a typed error (AuthRequired, InvalidToken, WrongPassword, HostRejected, …) on failure.
   */
  async authenticate(signal?: AbortSignal, { background = false }: { background?: boolean } = {}): Promise<void> {
    this.assertUsable();
    if (this.canLogin() && !this.auth.hasLoginCookie()) await this.login(signal, this.auth.generation);
    await this.request('GET', 'api/status', { ...(signal ? { signal } : {}), ...(background ? { background } : {}) });
  }

  /** Makes sure a cookie session holds `_xsrf` (fetching it if not); `force` fetches a fresh one. */
  async ensureXsrf(signal?: AbortSignal, force = false): Promise<void> {
    if (!force && this.auth.hasXsrf()) return;
    await this.auth.singleFlightXsrf(() => fetchXsrf(this.send, this.auth, this.log, signal));
  }

  /** The server's version from the public `GET api`, or NotAJupyterServer. */
  async probeVersion(signal?: AbortSignal): Promise<string> {
    const reply = await this.send('GET', 'api', probeOptions(signal)).catch((err: unknown) => this.withCertificate(err));
    if (reply.status === 403) throw this.hostError();
    const version = reply.status === 200 ? tryVersion(reply.text) : undefined;
    if (version === undefined) {
      throw new NotAJupyterServerError(
        `${this.endpoint.id} does not answer as a Jupyter server (GET api returned ${reply.status}${reply.status === 200 ? ' without a version' : ''}).`,
        { serverUrl: this.endpoint.id, status: reply.status, hint: 'Check the port and the base URL (e.g. /user/<name>/ behind JupyterHub).' },
      );
    }
    return version;
  }

  /**
   * A refused certificate, with what it says: the certificate is read in a second handshake on the same route
   * (straight to the server, or through its proxy's CONNECT tunnel; verification on, nothing sent) so the error can
   * name its subject, issuer, validity and fingerprint. A connection an https server closed right away is asked once
   * more for a TLS alert (readPostHandshakeAlert): over TLS 1.3 that is how a missing client certificate shows.
   */
  private async withCertificate(err: unknown): Promise<never> {
    const e = toJupyterError(err, this.endpoint.id);
    if (e instanceof ServerUnreachableError && this.endpoint.baseUrl.protocol === 'https:' && errorCodeOf(e.cause)?.startsWith('UND_ERR_SOCKET')) {
      const alert = await readPostHandshakeAlert(this.endpoint, this.transportOptions);
      throw alert && isClientCertificateAlert(alert) ? clientCertificateRefused(this.endpoint.id, alert, err) : e;
    }
    if (!(e instanceof TlsFailureError)) throw e;
    const cert = await readServerCertificate(this.endpoint, this.transportOptions);
    if (!cert) throw e;
    const out = new TlsFailureError(
      `${e.message} It presented a certificate for "${cert.subject}" issued by "${cert.issuer}"${cert.selfSigned ? ' (self-signed)' : ''}, valid ${cert.validFrom.slice(0, 10)} to ${cert.validTo.slice(0, 10)}, SHA-256 fingerprint ${cert.fingerprint256}.`,
      {
        serverUrl: this.endpoint.id,
        cause: err,
        hint: cert.verifyError === PIN_MISMATCH_REASON
          ? "It is not the certificate pinned for this server. If its administrator renewed it, compare the new fingerprint with theirs and pin it again (Trust Certificate…); otherwise something between you and the server presents its own certificate: do not trust it."
          : "The certificate is not trusted. Compare the fingerprint with the one the server's administrator gives you; if they match, trust the certificate (or its CA) for this server only. Verification is never turned off.",
      },
    );
    out.certificate = cert;
    throw out;
  }

  /** Logs in once for all callers that saw the session end under `generation`. */
  async login(signal: AbortSignal | undefined, generation: number): Promise<void> {
    await this.auth.singleFlightLogin(() => loginWithForm(this.send, this.auth, this.log, signal), generation);
  }

  /**
   * A plain 403 is either "not logged in" or a refused Host header; `GET api` is public, so a 403 there
   * means the Host was refused. One probe at a time, shared by every request that needs it.
   */
  classifyForbidden(signal?: AbortSignal): Promise<ForbiddenCause> {
    if (!this.forbiddenProbe) {
      this.forbiddenProbe = (async (): Promise<ForbiddenCause> => {
        try {
          // A cookie session whose login cookie is gone (cleared by the server, or expired) needs no probe.
          if (this.canLogin() && !this.auth.hasLoginCookie()) return 'auth';
          const api = await this.send('GET', 'api', probeOptions(signal));
          if (api.status === 403) return 'host';
          const status = await this.send('GET', 'api/status', probeOptions(signal));
          return status.status === 403 ? 'auth' : 'other';
        } finally {
          this.forbiddenProbe = undefined;
        }
      })();
    }
    return this.forbiddenProbe;
  }

  private canLogin(): boolean {
    return this.auth.loginSecret() !== undefined;
  }

  /** Marks the connection as in use (kernel WebSocket traffic counts too). */
  noteActivity(): void {
    this.lastActivity = this.now();
    if (this.activity.hasListeners) this.activity.fire();
  }

  private async prepare(method: HttpMethod, signal?: AbortSignal): Promise<void> {
    if (!this.auth.usesCookies) return;
    if (this.canLogin()) {
      if (!this.auth.hasLoginCookie()) await this.login(signal, this.auth.generation);
      else this.renewIfExpiring();
    }
    if (MUTATING_METHODS.has(method) && !this.auth.hasXsrf()) await this.ensureXsrf(signal);
  }

  /** A session in use whose login cookie expires soon is renewed in the background (single flight). */
  private renewIfExpiring(): void {
    if (this.renewBeforeMs <= 0) return;
    const expiry = this.auth.jar.loginExpiry(this.endpoint.baseUrl);
    if (!expiry || expiry.getTime() - this.now() > this.renewBeforeMs) return;
    this.log.debug(`the login cookie expires at ${expiry.toISOString()}; renewing the session`);
    // Not awaited: this request still has a valid cookie. Requests that start after the renewal began wait for it.
    this.login(undefined, this.auth.generation).catch((err: unknown) => {
      this.log.warn(`renewing the session failed: ${(err as Error).message}`);
    });
  }

  private hostError(): JupyterError {
    return new HostRejectedError(`${this.endpoint.id} refused the request because of its Host header.`, {
      serverUrl: this.endpoint.id,
      status: 403,
      hint: 'The server only accepts local host names. Set c.ServerApp.allow_remote_access = True (notebook: c.NotebookApp.allow_remote_access) or c.ServerApp.local_hostnames on the server, or connect through its loopback address.',
    });
  }

  /** The typed error for a classified 403 ('host' or 'auth'). */
  forbiddenError(cause: Exclude<ForbiddenCause, 'other'>, afterRelogin: boolean): JupyterError {
    return cause === 'host' ? this.hostError() : this.authError(afterRelogin);
  }

  private authError(afterRelogin: boolean): JupyterError {
    const serverUrl = this.endpoint.id;
    switch (this.auth.plan) {
      case 'token-header':
        return new InvalidTokenError(`${serverUrl} rejected the token.`, { serverUrl, status: 403 });
      case 'anonymous':
        return new AuthRequiredError(`${serverUrl} requires authentication.`, {
          serverUrl,
          status: 403,
          hint: 'Provide the server token (JUPYTER_TOKEN) or password (JUPYTER_PASSWORD).',
        });
      default:
        return new AuthExpiredError(
          afterRelogin ? `${serverUrl} ended the session again right after signing in.` : `The session with ${serverUrl} has ended.`,
          { serverUrl, status: 403, hint: 'Sign in again.' },
        );
    }
  }

  private statusError(reply: HttpReply): JupyterError {
    const message = replyMessage(reply);
    const what = describeRequest(reply);
    if (reply.status === 404 && message && /Kernel does not exist/i.test(message)) {
      return new KernelNotFoundError(`${message}.`, {
        serverUrl: this.endpoint.id,
        status: 404,
        hint: 'The kernel has been shut down or the server was restarted; start a new kernel.',
      });
    }
    return new UnexpectedReplyError(`${what} failed with ${reply.status}${message ? `: ${message}` : ''}.`, {
      serverUrl: this.endpoint.id,
      status: reply.status,
    });
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`the client for ${this.endpoint.id} has been disposed`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.auth.dispose();
    void this.transport.close();
  }

  /** Closes connections and waits for them (CLI, tests). */
  async close(): Promise<void> {
    this.disposed = true;
    this.auth.dispose();
    await this.transport.close();
  }
}

/**
 * The query parameter by which jupyter_server and notebook (`APIHandler.update_api_activity`) leave a request out of
 * the server's activity.
 */
export const NO_TRACK_ACTIVITY = 'no_track_activity';

/** Probes are not user activity: they never reset the server's own idle timers (SendOptions.background). */
function probeOptions(signal: AbortSignal | undefined): SendOptions {
  return { background: true, ...(signal ? { signal } : {}) };
}

function tryVersion(text: string): string | undefined {
  try {
    const v = (JSON.parse(text) as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
