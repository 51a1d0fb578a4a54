import type { ServerEndpoint } from '../server/endpoint';
import { Emitter } from '../util/event';
import type { Logger } from '../util/log';
import { nullLogger } from '../util/log';
import { ServerCookieJar, type SetCookieResult } from './cookieJar';
import { planAuth, usesCookieSession, type AuthMode, type AuthPlan, type Credential } from './credentials';

/**
 * One server's authentication state: the credential, the plan derived from it, the cookie jar, and the
 * single-flight slots for logging in and fetching `_xsrf`. No I/O here: the login and `_xsrf` flows that talk to
 * the server are in `transport/login.ts`, run by the client, which owns the transport.
 */
export class ServerAuth {
  private credentialValue: Credential;
  private planValue: AuthPlan;
  private loginInFlight: Promise<void> | undefined;
  private xsrfInFlight: Promise<void> | undefined;
  /** Incremented by every successful login; a request remembers the generation it was sent under. */
  private generationValue = 0;
  /** Logins actually performed (POST /login sent): the figure single-flight is judged by. */
  loginCount = 0;

  private readonly cookiesChanged = new Emitter<void>();
  /** The jar changed (cookies set, cleared or dropped): persist it. */
  readonly onDidChangeCookies = this.cookiesChanged.event;
  private readonly loginStarted = new Emitter<void>();
  /** A login (POST /login) is starting: the first, a re-login after expiry, or a renewal. */
  readonly onDidStartLogin = this.loginStarted.event;
  private readonly loginFinished = new Emitter<{ ok: boolean; error?: unknown }>();
  readonly onDidFinishLogin = this.loginFinished.event;
  private readonly loginCleared = new Emitter<string[]>();
  /** The server cleared the login cookie (a clearing Set-Cookie): the session is over server-side. */
  readonly onDidClearLogin = this.loginCleared.event;

  constructor(
    readonly endpoint: ServerEndpoint,
    credential: Credential,
    readonly mode: AuthMode,
    readonly jar: ServerCookieJar = new ServerCookieJar(),
    private readonly log: Logger = nullLogger,
  ) {
    this.credentialValue = credential;
    this.planValue = planAuth(credential, mode);
  }

  get credential(): Credential {
    return this.credentialValue;
  }

  get plan(): AuthPlan {
    return this.planValue;
  }

  get generation(): number {
    return this.generationValue;
  }

  /** Replaces the credential (a new token after a restart, say). The cookie session is kept. */
  setCredential(credential: Credential): void {
    this.planValue = planAuth(credential, this.mode);
    this.credentialValue = credential;
  }

  get usesCookies(): boolean {
    return usesCookieSession(this.planValue);
  }

  /** The Authorization header value for the token-header plan. */
  authorizationHeader(): string | undefined {
    return this.planValue === 'token-header' && this.credentialValue.kind === 'token'
      ? `token ${this.credentialValue.token}`
      : undefined;
  }

  /** The secret sent in the login form's `password` field, for the login plans. */
  loginSecret(): string | undefined {
    if (this.planValue === 'password-login' && this.credentialValue.kind === 'password') return this.credentialValue.password;
    if (this.planValue === 'token-login' && this.credentialValue.kind === 'token') return this.credentialValue.token;
    return undefined;
  }

  /** True when the jar holds an unexpired login cookie for the server. */
  hasLoginCookie(): boolean {
    return this.jar.loginCookie(this.endpoint.baseUrl) !== undefined;
  }

  hasXsrf(url: URL = this.endpoint.baseUrl): boolean {
    return this.jar.xsrfToken(url) !== undefined;
  }

  /** Called by the cookie interceptor for every response (and WebSocket upgrade). */
  recordSetCookie(url: URL | string, lines: readonly string[], sent?: ReadonlyMap<string, string>): SetCookieResult {
    const result = this.jar.setFromResponse(url, lines, sent);
    if (result.staleClears.length > 0) this.log.debug(`kept the new login cookie: a reply to a request sent before the re-login cleared the old one (${result.staleClears.join(', ')})`);
    for (const r of result.rejected) this.log.warn(`ignored a cookie from the server: ${r.reason} (${r.line})`);
    if (result.stored.length > 0 || result.clearedLogin.length > 0) this.cookiesChanged.fire();
    if (result.clearedLogin.length > 0) {
      this.log.info(`the server cleared the login cookie (${result.clearedLogin.join(', ')})`);
      this.loginCleared.fire(result.clearedLogin);
    }
    return result;
  }

  /** Drops the cookie session (sign out, idle expiry); credentials stay. */
  dropCookies(): void {
    this.jar.clear();
    this.cookiesChanged.fire();
  }

  /**
   * Runs `login` unless one is running (then joins it) or one already finished after `sinceGeneration`
   * (then returns at once): N concurrent callers cause one login.
   */
  async singleFlightLogin(login: () => Promise<void>, sinceGeneration = this.generationValue): Promise<void> {
    if (this.generationValue > sinceGeneration) return;
    if (!this.loginInFlight) {
      // The slot is freed by `.finally` on the assigned promise, so a login that throws synchronously frees it too.
      this.loginInFlight = (async () => {
        this.loginCount++;
        this.loginStarted.fire();
        try {
          await login();
        } catch (error) {
          this.loginFinished.fire({ ok: false, error });
          throw error;
        }
        this.generationValue++;
        this.cookiesChanged.fire();
        this.loginFinished.fire({ ok: true });
      })().finally(() => {
        this.loginInFlight = undefined;
      });
    }
    return this.loginInFlight;
  }

  /** Runs `fetch` unless one is running (then joins it). */
  async singleFlightXsrf(fetch: () => Promise<void>): Promise<void> {
    if (!this.xsrfInFlight) {
      this.xsrfInFlight = (async () => {
        await fetch();
        this.cookiesChanged.fire();
      })().finally(() => {
        this.xsrfInFlight = undefined;
      });
    }
    return this.xsrfInFlight;
  }

  dispose(): void {
    this.cookiesChanged.dispose();
    this.loginCleared.dispose();
    this.loginStarted.dispose();
    this.loginFinished.dispose();
  }
}
