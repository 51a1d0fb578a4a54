/**
 * A HAND-MADE FAKE JupyterHub 5.x on 127.0.0.1 (node:http), with one user's single-user server on the same origin.
 * Not a test file (no `.test.` in the name).
 *
 * Why a fake: the only real hub this workplace can run is Debian's JupyterHub 3.0, which cannot show the rules that
 * came later (jupyterhub-facts.md A.6): 4.0 added XSRF to cookie-authenticated API POSTs, 4.1 (CVE-2024-28233) to
 * every cookie-authenticated API request, GET included, and 5.0 turned `allow_token_in_url` off. This fake enforces
 * exactly those rules, as the facts sheet states them, so tests can prove our client never depends on a hub cookie
 * and never puts a token in a URL:
 *
 * - `GET /hub/api/` is public: `{"version": "5.2.1"}`.
 * - Authorization: `token <t>` (or `bearer <t>`) authenticates; no XSRF is asked of it.
 * - A hub login cookie authenticates too, but then every API request (GET included; only HEAD and OPTIONS are
 *   exempt) needs an `X-XSRFToken` equal to the `_xsrf` cookie, else 403 "'_xsrf' argument missing from GET".
 * - `?token=` in a URL is ignored (5.0's default: 403 unless the header carries it), on the hub and on the
 *   single-user server; `allowTokenInUrl: true` makes the single-user server behave as before 5.0.
 * - `POST /hub/api/users/{name}/tokens` with `{"auth": {username, password}}` and no credential at all → 201 token
 *   model (A.1); the same with a hub cookie present is cookie-authenticated, so without `X-XSRFToken` → 403
 *   "'_xsrf' argument missing from POST". The reply sets a hub session cookie (and `_xsrf`), as does every
 *   token-authenticated user-model reply, and the public version reply sets an anonymous `_xsrf`: a client that
 *   sent any of them back would be seen doing it.
 * - Scopes are checked as the hub checks them (a missing one is 403 "… requires any of [tokens]"); `servers`
 *   implies `read:servers` and `delete:servers`, `tokens` implies `read:tokens` (3.0's expansion, kept in 5.x).
 * - Start `POST …/server` → 202 (pending; `spawn: 'instant'` → 201), progress SSE with one ready event, stop
 *   `DELETE …/server` → 204; `DELETE …/tokens/{id}` → 204 with `tokens`, 404 for an unknown id.
 *
 * Every request is recorded when it arrives (before it is answered) and announced on `onRequest`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Emitter } from '../../src/core/util/event';

export const FAKE_HUB_VERSION = '5.2.1';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** The raw query string, with its `?` (empty when none). */
  readonly search: string;
  readonly cookie: string | undefined;
  readonly authorization: string | undefined;
  readonly xsrf: string | undefined;
  /** A token-creation request that authenticated by the `auth` field of its body. */
  bodyAuth: boolean;
  /** Set when the reply is written. */
  status: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly token: string;
  readonly user: string;
  readonly scopes: readonly string[];
  readonly note: string;
  readonly created: string;
  readonly expiresAt: string | null;
}

export interface FakeHub5Options {
  /** User name → password (default alice with FAKE_HUB_PASSWORD). */
  users?: Record<string, string>;
  /** The single-user servers accept `?token=` (JupyterHub before 5.0). Default false (5.x). */
  allowTokenInUrl?: boolean;
  /** How a start is answered: 202 and a progress stream ('pending', default) or 201 at once ('instant'). */
  spawn?: 'pending' | 'instant';
}

export const FAKE_HUB_PASSWORD = 'fake-hub5-password-7c1e';

interface ServerState {
  ready: boolean;
  pending: 'spawn' | 'stop' | null;
  started?: string;
}

type Auth = { kind: 'token'; record: TokenRecord } | { kind: 'cookie'; user: string } | { kind: 'none' };

const LOGIN_COOKIE = 'jupyterhub-hub-login';
const SESSION_COOKIE = 'jupyterhub-session-id';

/** `servers` and `tokens` expand as JupyterHub 3.0+ expands them on a token. */
function expand(scopes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of scopes) {
    out.add(s);
    const [base, filter] = s.split('!') as [string, string | undefined];
    const f = filter ? `!${filter}` : '';
    if (base === 'servers') for (const x of ['read:servers', 'delete:servers']) out.add(`${x}${f}`);
    if (base === 'tokens') out.add(`read:tokens${f}`);
  }
  return [...out];
}

/** Does a token with `scopes` hold `needed` for `user`'s resources (or, with `server`, for that server)? */
function holds(scopes: readonly string[], needed: string, user: string, server?: string): boolean {
  return expand(scopes).some((s) => s === needed || s === `${needed}!user=${user}` || (server !== undefined && s === `${needed}!server=${user}/${server}`));
}

export class FakeHub5 {
  readonly requests: SeenRequest[] = [];
  private readonly requested = new Emitter<SeenRequest>();
  /** Fires as each request arrives (before it is answered). */
  readonly onRequest = this.requested.event;
  readonly tokens = new Map<string, TokenRecord>();
  /** Hub login cookie value → user; `_xsrf` value per login. */
  private readonly sessions = new Map<string, { user: string; xsrf: string }>();
  private readonly servers = new Map<string, ServerState>();
  private readonly users: Record<string, string>;
  private nextId = 1;
  allowTokenInUrl: boolean;
  spawn: 'pending' | 'instant';
  url = '';
  port = 0;

  private constructor(
    private readonly server: Server,
    options: FakeHub5Options,
  ) {
    this.users = options.users ?? { alice: FAKE_HUB_PASSWORD };
    this.allowTokenInUrl = options.allowTokenInUrl ?? false;
    this.spawn = options.spawn ?? 'pending';
    for (const u of Object.keys(this.users)) this.servers.set(u, { ready: false, pending: null });
  }

  static async start(options: FakeHub5Options = {}): Promise<FakeHub5> {
    let hub: FakeHub5 | undefined;
    const server = createServer((req, res) => void hub?.handle(req, res));
    hub = new FakeHub5(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hub.port = (server.address() as { port: number }).port;
    hub.url = `http://127.0.0.1:${hub.port}/`;
    return hub;
  }

  close(): Promise<void> {
    this.requested.dispose();
    return new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** A token as the hub's token page would make it (for the pasted-token sign-in). */
  mint(user: string, scopes: readonly string[], expiresInSeconds: number | null, note = 'made on the token page'): TokenRecord {
    const created = new Date();
    const record: TokenRecord = {
      id: `a${this.nextId++}`,
      token: randomBytes(16).toString('hex'),
      user,
      scopes: expand(scopes),
      note,
      created: created.toISOString(),
      expiresAt: expiresInSeconds === null ? null : new Date(created.getTime() + expiresInSeconds * 1000).toISOString(),
    };
    this.tokens.set(record.id, record);
    return record;
  }

  /** A browser-style sign-in: the hub login cookie and its `_xsrf` (for checking the cookie rules themselves). */
  login(user: string): { cookie: string; xsrf: string } {
    const value = randomBytes(12).toString('hex');
    const xsrf = randomBytes(12).toString('hex');
    this.sessions.set(value, { user, xsrf });
    return { cookie: `${LOGIN_COOKIE}=${value}; _xsrf=${xsrf}`, xsrf };
  }

  serverState(user: string): Readonly<ServerState> | undefined {
    return this.servers.get(user);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      cookie: req.headers.cookie,
      authorization: req.headers.authorization,
      xsrf: typeof req.headers['x-xsrftoken'] === 'string' ? req.headers['x-xsrftoken'] : undefined,
      bodyAuth: false,
      status: 0,
    };
    this.requests.push(seen);
    this.requested.fire(seen);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, json: unknown, headers: Record<string, string | string[]> = {}): void => {
      seen.status = status;
      res.writeHead(status, { 'content-type': 'application/json', date: new Date().toUTCString(), ...headers });
      res.end(json === undefined ? '' : JSON.stringify(json));
    };
    try {
      if (url.pathname.startsWith('/hub/api')) return this.hubApi(req, url, body, seen, send, res);
      const m = /^\/user\/([^/]+)\/(.*)$/.exec(url.pathname);
      if (m) return this.singleUser(req, decodeURIComponent(m[1] as string), m[2] as string, url, send);
      send(404, { status: 404, message: 'Not Found' });
    } catch (err) {
      send(500, { status: 500, message: String(err) });
    }
  }

  /** Token header first; a valid login cookie second (then XSRF on every method but HEAD/OPTIONS); `?token=` never. */
  private authenticate(req: IncomingMessage, method: string): Auth | { kind: 'xsrf'; message: string } {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m) {
      const record = [...this.tokens.values()].find((t) => t.token === m[1]);
      if (record && (record.expiresAt === null || Date.parse(record.expiresAt) > Date.now())) return { kind: 'token', record };
      return { kind: 'none' };
    }
    const cookies = Object.fromEntries(
      (req.headers.cookie ?? '')
        .split(';')
        .map((p) => p.trim().split('='))
        .filter((p) => p.length >= 2)
        .map(([k, ...v]) => [k, v.join('=')]),
    ) as Record<string, string>;
    const session = cookies[LOGIN_COOKIE] ? this.sessions.get(cookies[LOGIN_COOKIE]) : undefined;
    if (!session) return { kind: 'none' };
    if (method === 'HEAD' || method === 'OPTIONS') return { kind: 'cookie', user: session.user };
    const given = req.headers['x-xsrftoken'];
    if (!given) return { kind: 'xsrf', message: `'_xsrf' argument missing from ${method}` };
    if (given !== session.xsrf || cookies['_xsrf'] !== session.xsrf) return { kind: 'xsrf', message: `XSRF cookie does not match ${method} argument` };
    return { kind: 'cookie', user: session.user };
  }

  /** The cookies a hub sets when it starts a browser session: a client must never send them back. */
  private sessionCookies(user: string): string[] {
    const value = randomBytes(12).toString('hex');
    const xsrf = randomBytes(12).toString('hex');
    this.sessions.set(value, { user, xsrf });
    return [`${LOGIN_COOKIE}=${value}; HttpOnly; Path=/hub/`, `${SESSION_COOKIE}=${randomBytes(8).toString('hex')}; HttpOnly; Path=/`, `_xsrf=${xsrf}; Path=/hub/`];
  }

  private hubApi(
    req: IncomingMessage,
    url: URL,
    body: string,
    seen: SeenRequest,
    send: (status: number, json: unknown, headers?: Record<string, string | string[]>) => void,
    res: ServerResponse,
  ): void {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/hub\/api\/?/, '');
    // An anonymous `_xsrf` too (as a hub page or a proxy in front may set one): kept by the client, it would go with
    // the password exchange that follows.
    if (method === 'GET' && path === '') return send(200, { version: FAKE_HUB_VERSION }, { 'set-cookie': [`_xsrf=${randomBytes(8).toString('hex')}; Path=/hub/; Max-Age=3600`] });
    const auth = this.authenticate(req, method);
    if (auth.kind === 'xsrf') return send(403, { status: 403, message: auth.message });
    const scopes: readonly string[] = auth.kind === 'token' ? auth.record.scopes : auth.kind === 'cookie' ? [`inherit`] : [];
    const who = auth.kind === 'token' ? auth.record.user : auth.kind === 'cookie' ? auth.user : undefined;
    const may = (needed: string, user: string): boolean => (auth.kind === 'cookie' ? who === user : holds(scopes, needed, user));
    const denied = (needed: string): void => send(403, { status: 403, message: `Action is not authorized with current scopes; requires any of [${needed}]` });
    const json = (): Record<string, unknown> => (body ? (JSON.parse(body) as Record<string, unknown>) : {});

    if (method === 'GET' && path === 'user') {
      if (!who) return send(403, { status: 403, message: 'Missing or invalid credentials.' });
      const model: Record<string, unknown> = { kind: 'user', name: who, admin: false, groups: [], scopes: [...scopes] };
      if (may('read:servers', who)) model['servers'] = this.serversModel(who);
      if (auth.kind === 'token') model['token_id'] = auth.record.id;
      return send(200, model, { 'set-cookie': this.sessionCookies(who) });
    }
    const tokens = /^users\/([^/]+)\/tokens(?:\/([^/]+))?$/.exec(path);
    if (tokens) {
      const user = decodeURIComponent(tokens[1] as string);
      const id = tokens[2] ? decodeURIComponent(tokens[2]) : undefined;
      if (method === 'POST' && id === undefined) {
        const data = json();
        let owner: string;
        if (auth.kind === 'none') {
          const a = data['auth'] as { username?: unknown; password?: unknown } | undefined;
          if (!a || typeof a.username !== 'string' || this.users[a.username] === undefined || this.users[a.username] !== a.password || a.username !== user) {
            return send(403, { status: 403, message: 'Missing or invalid credentials.' });
          }
          seen.bodyAuth = true;
          owner = a.username;
        } else {
          if (!may('tokens', user)) return denied('tokens');
          owner = user;
        }
        const requested = Array.isArray(data['scopes']) ? (data['scopes'] as string[]) : [`inherit`];
        const foreign = requested.filter((s) => s !== 'inherit' && !s.endsWith(`!user=${owner}`));
        if (foreign.length > 0) return send(400, { status: 400, message: `Not assigning requested scopes ${foreign.join(', ')} not held by User ${owner}` });
        const expiresIn = typeof data['expires_in'] === 'number' ? data['expires_in'] : null;
        const r = this.mint(owner, requested, expiresIn, typeof data['note'] === 'string' ? data['note'] : '');
        const model = { ...this.tokenModel(r), token: r.token };
        return send(201, model, { 'set-cookie': this.sessionCookies(owner) });
      }
      if (id === undefined) return send(405, { status: 405, message: 'Method Not Allowed' });
      const record = this.tokens.get(id);
      if (method === 'GET') {
        if (!may('read:tokens', user)) return denied('read:tokens');
        return record && record.user === user ? send(200, this.tokenModel(record)) : send(404, { status: 404, message: 'No such token' });
      }
      if (method === 'DELETE') {
        if (!may('tokens', user)) return denied('tokens');
        if (!record || record.user !== user) return send(404, { status: 404, message: 'No such token' });
        this.tokens.delete(id);
        return send(204, undefined);
      }
    }
    const server = /^users\/([^/]+)\/server(\/progress)?$/.exec(path);
    if (server) {
      const user = decodeURIComponent(server[1] as string);
      const state = this.servers.get(user);
      if (!state) return send(404, { status: 404, message: 'No such user' });
      if (server[2]) {
        if (method !== 'GET') return send(405, { status: 405, message: 'Method Not Allowed' });
        if (!may('read:servers', user)) return denied('read:servers');
        if (!state.ready && state.pending !== 'spawn') return send(400, { status: 400, message: `${user} is not starting` });
        state.ready = true;
        state.pending = null;
        state.started = new Date().toISOString();
        seen.status = 200;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const event = { progress: 100, ready: true, message: `Server ready at /user/${user}/`, html_message: 'Server ready', url: `/user/${user}/` };
        // A keep-alive blank line and a comment first, as a hub and a proxy may send them.
        res.write('\n: keep-alive\n\n');
        res.end(`data: ${JSON.stringify(event)}\n\n`);
        return;
      }
      if (method === 'POST') {
        if (!may('servers', user)) return denied('servers');
        if (state.ready || state.pending) return send(400, { status: 400, message: `${user} is already running` });
        if (this.spawn === 'instant') {
          Object.assign(state, { ready: true, pending: null, started: new Date().toISOString() });
          return send(201, undefined);
        }
        state.pending = 'spawn';
        return send(202, undefined);
      }
      if (method === 'DELETE') {
        if (!may('delete:servers', user)) return denied('delete:servers');
        if (!state.ready && !state.pending) return send(400, { status: 400, message: `${user} is not running` });
        Object.assign(state, { ready: false, pending: null });
        delete state.started;
        return send(204, undefined);
      }
    }
    const userPath = /^users\/([^/]+)$/.exec(path);
    if (userPath && method === 'GET') {
      const user = decodeURIComponent(userPath[1] as string);
      if (!this.servers.has(user)) return send(404, { status: 404, message: 'No such user' });
      if (!may('read:users:name', user) && !may('read:servers', user)) return denied('read:users:name');
      const model: Record<string, unknown> = { kind: 'user', name: user };
      if (may('read:servers', user)) model['servers'] = this.serversModel(user);
      return send(200, model, who ? { 'set-cookie': this.sessionCookies(who) } : {});
    }
    send(404, { status: 404, message: 'Not Found' });
  }

  private serversModel(user: string): Record<string, unknown> {
    const s = this.servers.get(user);
    if (!s || (!s.ready && !s.pending)) return {};
    return {
      '': {
        name: '',
        ready: s.ready,
        pending: s.pending,
        stopped: !s.ready && !s.pending,
        url: `/user/${user}/`,
        progress_url: `/hub/api/users/${user}/server/progress`,
        started: s.started ?? null,
        last_activity: s.started ?? null,
        full_url: null,
        full_progress_url: null,
        user_options: {},
      },
    };
  }

  private tokenModel(r: TokenRecord): Record<string, unknown> {
    return { id: r.id, kind: 'api_token', user: r.user, scopes: r.scopes, note: r.note, created: r.created, expires_at: r.expiresAt, last_activity: null, session_id: null, oauth_client: 'JupyterHub' };
  }

  /**
   * A single-user server (jupyter_server behind jupyterhub-singleuser): the hub token in the header with an access
   * scope for the server; `?token=` only when `allowTokenInUrl`; no cookie session here. A foreign Origin gets 404
   * (its Origin check); a stopped server 503, as the hub answers for it.
   */
  private singleUser(req: IncomingMessage, user: string, rest: string, url: URL, send: (status: number, json: unknown, headers?: Record<string, string>) => void): void {
    const state = this.servers.get(user);
    if (!state?.ready) return send(503, { status: 503, message: `${user}'s server is not running` });
    if (req.headers.origin) return send(404, { message: 'Not Found', reason: null });
    if (req.method === 'GET' && rest === 'api') return send(200, { version: '2.14.2' });
    const header = /^token\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const fromUrl = this.allowTokenInUrl ? (url.searchParams.get('token') ?? undefined) : undefined;
    const value = header ?? fromUrl;
    const record = value ? [...this.tokens.values()].find((t) => t.token === value) : undefined;
    const ok = !!record && record.user === user && holds(record.scopes, 'access:servers', user, '');
    if (!ok) return send(403, { message: 'Forbidden', reason: null });
    if (req.method === 'GET' && rest === 'api/status') return send(200, { started: state.started, last_activity: state.started, kernels: 0, connections: 0 });
    if (req.method === 'POST' && rest.startsWith('api/kernels/')) return send(404, { message: `Kernel does not exist: ${rest.split('/')[2] ?? ''}`, reason: null });
    if (req.method === 'GET' && (rest === 'tree' || rest === '' || rest === 'lab')) {
      send(200, undefined);
      return;
    }
    send(404, { message: 'Not Found', reason: null });
  }
}
