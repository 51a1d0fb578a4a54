import type { HubServerModel } from '../server/hubServer';
import type { JupyterClient } from '../transport/client';
import type { HttpReply } from '../transport/reply';
import { InvalidTokenError, NotAJupyterServerError, UnexpectedReplyError, WrongPasswordError, type JupyterError } from '../util/errors';
import { registerSecret } from '../util/redact';
import { SpawnProgressParser, type SpawnProgress } from './progress';

export type { HubServerModel };

/**
 * Typed calls on JupyterHub's REST API (jupyterhub-facts.md A.1–A.5), all through one `JupyterClient` whose
 * endpoint is the hub's `<base>hub/`: the one transport, with its timeouts, trust and redaction. Every call but the
 * public version probe and the password exchange is authenticated by the token header alone: no hub cookie, no
 * XSRF, no Referer, which is what works on 3.x, 4.1+ and 5.x alike (A.6).
 */

export interface HubUserModel {
  readonly name: string;
  readonly admin?: boolean;
  /** The token's scopes, on `GET api/user` (3.0+). */
  readonly scopes?: readonly string[];
  /** With `read:servers`; keyed by server name ('' is the default server). */
  readonly servers?: Readonly<Record<string, HubServerModel>>;
  /** 5.0+: the id of the token that asked (lets a pasted token be revoked later). */
  readonly token_id?: string;
}

export interface HubTokenModel {
  readonly id: string;
  readonly user: string;
  readonly scopes: readonly string[];
  readonly created?: string;
  readonly expires_at: string | null;
  readonly note?: string;
  /** Only on creation. */
  readonly token?: string;
}

export interface MintRequest {
  readonly user: string;
  /** With a password: exchanged in the body (`auth`), the request sent without any cookie. Else the client's token asks. */
  readonly password?: string;
  readonly scopes: readonly string[];
  readonly expiresInSeconds: number;
  readonly note: string;
}

type Opts = { signal?: AbortSignal };

const seg = (s: string): string => encodeURIComponent(s);
const userPath = (user: string): string => `api/users/${seg(user)}`;
/** The default server is `…/server`; a named one `…/servers/<name>`. */
export const serverPath = (user: string, serverName: string): string => (serverName ? `${userPath(user)}/servers/${seg(serverName)}` : `${userPath(user)}/server`);

/** `GET /hub/api/` (public): the hub's version, or NotAJupyterServer when nothing there answers as a hub. */
export async function hubVersion(hub: JupyterClient, o: Opts = {}): Promise<string> {
  const reply = await hub.send('GET', 'api/', { ...o, headers: { accept: 'application/json' } });
  const version = reply.status === 200 ? jsonField(reply, 'version') : undefined;
  if (typeof version !== 'string') {
    throw new NotAJupyterServerError(`${hub.endpoint.id} does not answer as a JupyterHub (GET hub/api/ returned ${reply.status}).`, {
      serverUrl: hub.endpoint.id,
      status: reply.status,
      hint: "Paste the hub's address (e.g. https://hub.example.org/) or a server URL on it (…/user/<name>/).",
    });
  }
  return version;
}

/** `GET /hub/api/user`: who the token belongs to, its scopes, and (with read:servers) the user's servers. */
export function whoami(hub: JupyterClient, o: Opts = {}): Promise<HubUserModel> {
  return hubJson<HubUserModel>(hub, 'GET', 'api/user', o);
}

/** `GET /hub/api/users/{name}`, stopped named servers included. */
export function userModel(hub: JupyterClient, user: string, o: Opts & { background?: boolean } = {}): Promise<HubUserModel> {
  return hubJson<HubUserModel>(hub, 'GET', userPath(user), { ...o, query: { include_stopped_servers: '1' } });
}

/**
 * `POST /hub/api/users/{name}/tokens`. With a password: `client` must hold no credential and no cookie (a fresh
 * one), so the hub authenticates the body's `auth` field (A.1). A wrong password is WrongPassword; scopes the user
 * lacks or a lifetime over the hub's maximum come back as the hub's own 400 message.
 */
export async function mintToken(client: JupyterClient, req: MintRequest, o: Opts = {}): Promise<HubTokenModel & { token: string }> {
  const json: Record<string, unknown> = { scopes: req.scopes, expires_in: req.expiresInSeconds, note: req.note };
  if (req.password !== undefined) {
    registerSecret(req.password);
    json['auth'] = { username: req.user, password: req.password };
  }
  const path = `${userPath(req.user)}/tokens`;
  // The password exchange is sent as is (no session preparation: no login, no _xsrf fetch, so no hub cookie).
  const reply = req.password !== undefined ? await client.send('POST', path, { ...o, json }) : await client.request('POST', path, { ...o, json, acceptAll: true });
  if (reply.status === 403 && req.password !== undefined) {
    throw new WrongPasswordError(`${client.endpoint.id} did not accept the user name and password for ${req.user}.`, {
      serverUrl: client.endpoint.id,
      status: 403,
      hint: 'Check them, or sign in with a token made on the hub\'s token page (hubs that sign in through another site need a token).',
    });
  }
  const model = expectReply<HubTokenModel>(client, reply, [200, 201]);
  if (typeof model?.token !== 'string' || typeof model.id !== 'string') throw unexpected(client, reply, 'not a token model');
  registerSecret(model.token);
  return model as HubTokenModel & { token: string };
}

/** `DELETE /hub/api/users/{name}/tokens/{id}` (needs `tokens`): true when revoked, false when it was already gone. */
export async function revokeToken(hub: JupyterClient, user: string, tokenId: string, o: Opts = {}): Promise<boolean> {
  const reply = await hub.request('DELETE', `${userPath(user)}/tokens/${seg(tokenId)}`, { ...o, acceptAll: true });
  if (reply.status === 404) return false;
  expectReply(hub, reply, [204, 200]);
  return true;
}

/** Start: 'ready' (201) or 'pending' (202, follow the progress). Already running is 'ready' too. */
export async function startServer(hub: JupyterClient, user: string, serverName: string, o: Opts = {}): Promise<'ready' | 'pending'> {
  const reply = await hub.request('POST', serverPath(user, serverName), { ...o, json: {}, acceptAll: true });
  if (reply.status === 400 && /already running/i.test(message(reply) ?? '')) return 'ready';
  expectReply(hub, reply, [201, 202]);
  return reply.status === 202 ? 'pending' : 'ready';
}

/** Stop (and with `remove`, delete a named server): 'stopped' (204) or 'pending' (202). */
export async function stopServer(hub: JupyterClient, user: string, serverName: string, { remove = false, ...o }: Opts & { remove?: boolean } = {}): Promise<'stopped' | 'pending'> {
  const reply = await hub.request('DELETE', serverPath(user, serverName), { ...o, ...(remove ? { json: { remove: true } } : {}), acceptAll: true });
  if (reply.status === 400 && /not running/i.test(message(reply) ?? '') && !remove) return 'stopped';
  expectReply(hub, reply, [202, 204]);
  return reply.status === 202 ? 'pending' : 'stopped';
}

/**
 * Follows `…/progress` (server-sent events) until the server is ready or failed, reporting each event. Resolves
 * with the last event; a stream that ends without one (the hub restarted) resolves with undefined.
 */
export async function followProgress(
  hub: JupyterClient,
  user: string,
  serverName: string,
  onEvent: (e: SpawnProgress) => void,
  o: Opts = {},
): Promise<SpawnProgress | undefined> {
  const parser = new SpawnProgressParser();
  let last: SpawnProgress | undefined;
  const done = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, done.signal]) : done.signal;
  const reply = await hub
    .request('GET', `${serverPath(user, serverName)}/progress`, {
      signal,
      headers: { accept: 'text/event-stream' },
      acceptAll: true,
      onData: (chunk) => {
        for (const e of parser.push(chunk)) {
          last = e;
          onEvent(e);
          // The hub ends the stream after the final event; not waiting for that keeps a slow proxy from holding us.
          if (e.ready || e.failed) done.abort();
        }
      },
    })
    .catch((err: unknown) => {
      if (done.signal.aborted && !o.signal?.aborted) return undefined;
      throw err;
    });
  if (reply && reply.status >= 300) {
    // 400 "not starting": it is not pending (already ready, or stopped); the caller looks at the user model.
    if (reply.status === 400) return last;
    expectReply(hub, reply, [200]);
  }
  return last;
}

async function hubJson<T>(hub: JupyterClient, method: 'GET', path: string, o: Opts & { query?: Record<string, string>; background?: boolean }): Promise<T> {
  const reply = await hub.request(method, path, { ...o, acceptAll: true });
  return expectReply<T>(hub, reply, [200]);
}

/** The body of a reply with one of the `ok` statuses; a refused token and other statuses as typed errors. */
function expectReply<T>(hub: JupyterClient, reply: HttpReply, ok: readonly number[]): T {
  if (ok.includes(reply.status)) {
    if (!reply.text) return undefined as T;
    try {
      return JSON.parse(reply.text) as T;
    } catch {
      throw unexpected(hub, reply, 'not JSON');
    }
  }
  throw hubError(hub, reply);
}

export function hubError(hub: JupyterClient, reply: HttpReply): JupyterError {
  const text = message(reply);
  const serverUrl = hub.endpoint.id;
  if (reply.status === 403 && text && /requires any of/i.test(text)) {
    return new UnexpectedReplyError(`The hub token may not do this: ${text}.`, {
      serverUrl,
      status: 403,
      hint: 'The token was made with only the scopes its servers need; sign in to the hub again if this keeps failing.',
    });
  }
  if (reply.status === 403 || reply.status === 401) {
    return new InvalidTokenError(`${serverUrl} refused the token (revoked, expired or never valid).`, {
      serverUrl,
      status: reply.status,
      hint: 'Sign in to the hub again.',
    });
  }
  return unexpected(hub, reply, text);
}

function unexpected(hub: JupyterClient, reply: HttpReply, detail: string | undefined): JupyterError {
  return new UnexpectedReplyError(`${reply.method} ${reply.url.pathname} on the hub failed with ${reply.status}${detail ? `: ${detail}` : ''}.`, {
    serverUrl: hub.endpoint.id,
    status: reply.status,
  });
}

function message(reply: HttpReply): string | undefined {
  const m = jsonField(reply, 'message');
  return typeof m === 'string' ? m.slice(0, 500) : undefined;
}

function jsonField(reply: HttpReply, key: string): unknown {
  try {
    const v = JSON.parse(reply.text) as Record<string, unknown> | null;
    return v && typeof v === 'object' ? v[key] : undefined;
  } catch {
    return undefined;
  }
}
