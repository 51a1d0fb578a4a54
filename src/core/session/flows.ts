import { randomBytes } from 'node:crypto';
import type { HttpMethod, HttpReply, SendOptions } from '../transport/reply';
import { replyMessage } from '../transport/reply';
import {
  InvalidTokenError,
  NotAJupyterServerError,
  UnexpectedReplyError,
  WrongPasswordError,
  XsrfRejectedError,
} from '../util/errors';
import type { Logger } from '../util/log';
import { XSRF_COOKIE } from './cookieJar';
import { isXsrfRejection } from './forbidden';
import type { JupyterSession } from './session';

/** One request through the server's transport, no preflight and no recovery: what the flows need. */
export type RawSend = (method: HttpMethod, path: string, options?: SendOptions) => Promise<HttpReply>;

/**
 * Password login (and token-as-password): GET login for `_xsrf`, POST `_xsrf` + `password`, redirects not
 * followed. 302 with a login cookie = signed in; 401 = wrong password (or token).
 */
export async function loginWithForm(send: RawSend, session: JupyterSession, log: Logger, signal?: AbortSignal): Promise<void> {
  const secret = session.loginSecret();
  const viaToken = session.plan === 'token-login';
  const serverUrl = session.endpoint.id;
  if (secret === undefined) throw new Error(`no login secret for plan ${session.plan}`);
  // A stale login cookie would make GET /login redirect without a form: start clean.
  session.jar.clearLogin();
  const page = await send('GET', 'login', signal ? { signal } : {});
  if (page.status === 404) {
    throw new NotAJupyterServerError(`${serverUrl} has no login page (GET login returned 404).`, {
      serverUrl,
      status: 404,
      hint: 'Check the base URL; for JupyterHub use the token of your single-user server.',
    });
  }
  if (page.status >= 500) {
    throw new UnexpectedReplyError(`The login page of ${serverUrl} failed with ${page.status}.`, { serverUrl, status: page.status });
  }
  const loginUrl = page.url;
  let xsrf = session.jar.xsrfToken(loginUrl);
  if (xsrf === undefined) {
    await fetchXsrf(send, session, log, signal);
    xsrf = session.jar.xsrfToken(loginUrl);
  }
  const form: Record<string, string> = { password: secret };
  if (xsrf !== undefined) form[XSRF_COOKIE] = xsrf;
  const post = await send('POST', 'login', { form, ...(signal ? { signal } : {}) });
  if (post.status === 401 || (post.status === 200 && !session.hasLoginCookie())) {
    if (viaToken) {
      throw new InvalidTokenError(`${serverUrl} rejected the token at its login page.`, {
        serverUrl,
        status: post.status,
        hint: 'The server may have been restarted with a new token: provide the current one.',
      });
    }
    throw new WrongPasswordError(`${serverUrl} rejected the password.`, {
      serverUrl,
      status: post.status,
      hint: 'Check the password (it is the server password, not a token) and sign in again.',
    });
  }
  if (post.status === 403) {
    const message = replyMessage(post);
    if (isXsrfRejection(message)) {
      throw new XsrfRejectedError(`${serverUrl} refused the login form's XSRF token (${message}).`, {
        serverUrl,
        status: 403,
        hint: 'The server did not accept the _xsrf cookie it issued; a proxy may be stripping cookies.',
      });
    }
    throw new UnexpectedReplyError(`${serverUrl} refused the login (403 ${message ?? ''}).`.replace(' )', ')'), { serverUrl, status: 403 });
  }
  if (!session.hasLoginCookie()) {
    throw new UnexpectedReplyError(`Login at ${serverUrl} returned ${post.status} without a session cookie.`, {
      serverUrl,
      status: post.status,
      hint: 'The server may use a login method this extension does not support (e.g. OAuth); use a token instead.',
    });
  }
  log.info(`signed in to ${serverUrl} (${viaToken ? 'token as password' : 'password'})`);
}

/**
 * Gets an `_xsrf` cookie for a cookie session. Logged-in pages set it (NB: /tree; JS: / or the 404 page
 * for /tree); when a server issues none, the client sets its own value: `_xsrf` is an unsigned
 * double-submit token, so any value the client both stores and echoes passes the check.
 */
export async function fetchXsrf(send: RawSend, session: JupyterSession, log: Logger, signal?: AbortSignal): Promise<void> {
  const base = session.endpoint.baseUrl;
  for (const page of ['tree', '', 'login']) {
    const reply = await send('GET', page, signal ? { signal } : {});
    if (session.jar.xsrfToken(reply.url) !== undefined && session.jar.xsrfToken(base) !== undefined) return;
  }
  const value = randomBytes(16).toString('hex');
  session.jar.setClientCookie(base, XSRF_COOKIE, value, session.endpoint.basePath);
  log.debug(`${session.endpoint.id} issued no _xsrf cookie; using a client-generated double-submit token`);
}
