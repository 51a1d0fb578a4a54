/**
 * The shared set-up: a real jupyter-server 1.23 on loopback with a password (so every contender authenticates
 * by cookie, with XSRF on writes), one login by this project's client, and that same cookie session handed to
 * the floor (undici by hand) and the peer (@jupyterlab/services).
 */
import { Agent, Headers as UndiciHeaders, Pool, Request as UndiciRequest, fetch as undiciFetch } from 'undici';
import { ServerConnection } from '@jupyterlab/services';
import WebSocketWs from 'ws';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { passwordCredential } from '../../src/core/session/credentials';
import { JupyterClient, type ClientOptions } from '../../src/core/transport/client';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { startJupyter, stopAllJupyters, type RunningJupyter, type StartOptions } from '../../test/servers/jupyter';

export const BENCH_PASSWORD = 'bench-password-1';

/**
 * Deleting a file must not move it to the user's trash (jupyter-server's default, send2trash): thousands of
 * POST+DELETE pairs would fill ~/.local/share/Trash and slow every later delete down.
 */
export const NO_TRASH = ['c.FileContentsManager.delete_to_trash = False'];

const started: RunningJupyter[] = [];

/** startJupyter with the bench's defaults; the server's temp folder is removed by stopBenchServers(). */
export async function benchJupyter(options: StartOptions): Promise<RunningJupyter> {
  const s = await startJupyter({ ...options, configLines: [...NO_TRASH, ...(options.configLines ?? [])] });
  started.push(s);
  return s;
}

/** A jupyter-server 1.23 with the bench password (every contender authenticates by cookie). */
export async function startBenchServer(extra: Partial<StartOptions> = {}): Promise<RunningJupyter> {
  return benchJupyter({ flavor: 'server', password: BENCH_PASSWORD, ...extra });
}

/** Stops every server this process started and removes their temp folders (logs included). */
export async function stopBenchServers(): Promise<void> {
  await stopAllJupyters();
  for (const s of started.splice(0)) rmSync(dirname(s.rootDir), { recursive: true, force: true });
}

/** This project's client on a cookie session (password login), as the extension would make it. */
export function ourClient(server: RunningJupyter, extra: Partial<ClientOptions> = {}): JupyterClient {
  return new JupyterClient({ endpoint: endpointFromUrl(server.url), credential: passwordCredential(BENCH_PASSWORD), mode: 'cookie', ...extra });
}

/** The cookie session, as plain header values, after our client signed in and holds `_xsrf`. */
export interface CookieSession {
  /** The `Cookie` header value (login cookie and `_xsrf`). */
  cookie: string;
  /** The `X-XSRFToken` header value. */
  xsrf: string;
}

export async function signedIn(client: JupyterClient): Promise<CookieSession> {
  await client.authenticate();
  await client.ensureXsrf();
  const base = client.endpoint.baseUrl;
  const xsrf = client.auth.jar.xsrfToken(base);
  const cookie = client.auth.jar.cookieHeader(base);
  if (!xsrf || !cookie.includes('username-')) throw new Error(`no cookie session after login (cookies: ${client.auth.jar.all().map((c) => c.key).join(', ')})`);
  return { cookie, xsrf };
}

/** The floor: undici `request` on a kept-alive Pool, headers set by hand. */
export function floorPool(server: RunningJupyter): Pool {
  return new Pool(new URL(server.url).origin, { keepAliveTimeout: 10_000 });
}

/**
 * The peer's settings for Node: undici's fetch (the same undici as ours, on its own kept-alive Agent) wrapped
 * to do what a browser does for @jupyterlab/services: send the cookie jar's `Cookie` header and, because
 * services reads `_xsrf` from `document.cookie` (absent in Node), the `X-XSRFToken` header. The WebSocket is
 * npm `ws` (what services itself requires in Node), given the same Cookie header.
 */
export function peerSettings(server: RunningJupyter, session: CookieSession, agent: Agent) {
  const fetchWithCookies = (input: unknown, init?: unknown): Promise<unknown> => {
    const req = input instanceof UndiciRequest ? input : new UndiciRequest(input as string, init as never);
    req.headers.set('cookie', session.cookie);
    if (req.method !== 'GET' && req.method !== 'HEAD') req.headers.set('x-xsrftoken', session.xsrf);
    return undiciFetch(req, { dispatcher: agent });
  };
  class CookieWebSocket extends WebSocketWs {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie: session.cookie } });
    }
  }
  const base = server.url;
  return ServerConnection.makeSettings({
    baseUrl: base,
    wsUrl: 'ws' + base.slice(4),
    token: '',
    appendToken: false,
    fetch: fetchWithCookies as never,
    Request: UndiciRequest as never,
    Headers: UndiciHeaders as never,
    WebSocket: CookieWebSocket as never,
  });
}

/** @jupyterlab/services logs every WebSocket it opens with console.debug; keep the bench output readable. */
export function quietConsoleDebug(): void {
  console.debug = () => undefined;
}
