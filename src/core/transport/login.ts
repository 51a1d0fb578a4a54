import { randomBytes } from 'node:crypto';
import { serverUrl } from '../server/endpoint';
import type { HttpMethod, HttpReply, SendOptions } from './reply';
import { replyMessage } from './reply';
import {
  InvalidTokenError,
  NotAJupyterServerError,
  UnexpectedReplyError,
  WrongPasswordError,
  XsrfRejectedError,
} from '../util/errors';
import type { Logger } from '../util/log';
import { XSRF_COOKIE } from '../session/cookieJar';
import { isXsrfRejection } from '../session/forbidden';
import type { ServerAuth } from '../session/serverAuth';

/**
 * The login and `_xsrf` flows: the only requests a server's authentication needs before anything else can be sent.
 */

/** One request through the server's transport, no preflight and no recovery: what the flows need. */
export type RawSend = (method: HttpMethod, path: string, options?: SendOptions) => Promise<HttpReply>;

/**
 * Password login (and token-as-password): GET login for `_xsrf`, POST `_xsrf` + `password`, redirects not
 * followed. 302 with a login cookie = signed in; 401 = wrong password (or token).
 */
export async function loginWithForm(send: RawSend, auth: ServerAuth, log: Logger, signal?: AbortSignal): Promise<void> {
  const secret = auth.loginSecret();
  const viaToken = auth.plan === 'token-login';
  const server = auth.endpoint.id;
  if (secret === undefined) throw new Error(`no login secret for plan ${auth.plan}`);
  const loginUrl = serverUrl(auth.endpoint, 'login');
  // The login cookie in use stays in the jar until the new one replaces it: requests already on their way (a
  // renewal before expiry runs alongside them) keep working. Success is judged by a new cookie value.
  const before = auth.jar.loginCookie(loginUrl)?.value;
  let post = await postLogin(send, auth, log, secret, signal);
  if (post.status === 403 && isXsrfRejection(replyMessage(post))) {
    // The form carried the `_xsrf` the server reads, and it still refused: drop what the jar holds for the login
    // page (stale or duplicate values) and try once more with a fresh one.
    const dropped = auth.jar.dropXsrf(loginUrl);
    log.debug(`${server} refused the login form's XSRF token; dropped ${dropped} _xsrf cookie(s), retrying once`);
    post = await postLogin(send, auth, log, secret, signal);
  }
  const after = auth.jar.loginCookie(loginUrl)?.value;
  const signedIn = after !== undefined && after !== before;
  if (post.status === 404) throw noLoginPage(server, 404);
  if (post.status === 401 || (post.status === 200 && !signedIn)) {
    if (viaToken) {
      throw new InvalidTokenError(`${server} rejected the token at its login page.`, { serverUrl: server, status: post.status });
    }
    throw new WrongPasswordError(`${server} rejected the password.`, {
      serverUrl: server,
      status: post.status,
      hint: 'Check the password (it is the server password, not a token) and sign in again.',
    });
  }
  if (post.status === 403) {
    const message = replyMessage(post);
    if (isXsrfRejection(message)) {
      throw new XsrfRejectedError(`${server} refused the login form's XSRF token (${message}).`, {
        serverUrl: server,
        status: 403,
        hint: 'The server did not accept the _xsrf cookie it issued; a proxy may be stripping cookies.',
      });
    }
    throw new UnexpectedReplyError(`${server} refused the login (403 ${message ?? ''}).`.replace(' )', ')'), { serverUrl: server, status: 403 });
  }
  if (!signedIn) {
    throw new UnexpectedReplyError(`Login at ${server} returned ${post.status} without a session cookie.`, {
      serverUrl: server,
      status: post.status,
      hint: 'The server may use a login method this extension does not support (e.g. OAuth); use a token instead.',
    });
  }
  log.info(`signed in to ${server} (${viaToken ? 'token as password' : 'password'})`);
}

/** GET login for `_xsrf` when the jar holds none for it, then POST the form with `_xsrf` + password. */
async function postLogin(send: RawSend, auth: ServerAuth, log: Logger, secret: string, signal?: AbortSignal): Promise<HttpReply> {
  const server = auth.endpoint.id;
  const loginUrl = serverUrl(auth.endpoint, 'login');
  let xsrf = auth.jar.xsrfToken(loginUrl);
  if (xsrf === undefined) {
    const page = await send('GET', 'login', signal ? { signal } : {});
    if (page.status === 404) throw noLoginPage(server, 404);
    if (page.status >= 500) {
      throw new UnexpectedReplyError(`The login page of ${server} failed with ${page.status}.`, { serverUrl: server, status: page.status });
    }
    xsrf = auth.jar.xsrfToken(loginUrl);
  }
  if (xsrf === undefined) {
    await fetchXsrf(send, auth, log, signal);
    xsrf = auth.jar.xsrfToken(loginUrl);
  }
  const form: Record<string, string> = { password: secret };
  if (xsrf !== undefined) form[XSRF_COOKIE] = xsrf;
  return send('POST', 'login', { form, ...(signal ? { signal } : {}) });
}

function noLoginPage(serverUrl: string, status: number): NotAJupyterServerError {
  return new NotAJupyterServerError(`${serverUrl} has no login page (login returned ${status}).`, {
    serverUrl,
    status,
    hint: 'Check the base URL; for JupyterHub use the token of your single-user server.',
  });
}

/**
 * Gets an `_xsrf` cookie for a cookie auth. Logged-in pages set it (NB: /tree; JS: / or the 404 page
 * for /tree); when a server issues none, the client sets its own value: `_xsrf` is an unsigned
 * double-submit token, so any value the client both stores and echoes passes the check.
 */
export async function fetchXsrf(send: RawSend, auth: ServerAuth, log: Logger, signal?: AbortSignal): Promise<void> {
  const base = auth.endpoint.baseUrl;
  for (const page of ['tree', '', 'login']) {
    const reply = await send('GET', page, signal ? { signal } : {});
    if (auth.jar.xsrfToken(reply.url) !== undefined && auth.jar.xsrfToken(base) !== undefined) return;
  }
  const value = randomBytes(16).toString('hex');
  auth.jar.setClientCookie(base, XSRF_COOKIE, value, auth.endpoint.basePath);
  log.debug(`${auth.endpoint.id} issued no _xsrf cookie; using a client-generated double-submit token`);
}
