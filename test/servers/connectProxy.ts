/**
 * A SMALL HTTP PROXY WRITTEN FOR THE TESTS (Debian's tinyproxy or squid are not assumed installed): a node:http
 * server on 127.0.0.1 with a free port that
 * - tunnels `CONNECT host:port` (net.connect, piped both ways: https and WebSockets go through it this way);
 * - forwards plain absolute-URI HTTP requests (`GET http://host:port/path`);
 * - optionally requires a `Proxy-Authorization` value (407 with `Proxy-Authenticate: Basic` otherwise);
 * - records every tunnel and request as an event: method, target `host:port`, whether a credential was given and
 *   the raw `Proxy-Authorization` value (so a test can check exactly what reached the proxy), and the status it
 *   answered with.
 * Reused by the host tests (the extension's proxy settings); nothing here is specific to Jupyter.
 */
import { EventEmitter } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyEvent {
  /** `CONNECT` for a tunnel, otherwise the forwarded request's method. */
  readonly method: string;
  /** `host:port` the client asked for. */
  readonly target: string;
  /** The request URL as sent to the proxy (`host:port` for CONNECT, the absolute URI otherwise). */
  readonly url: string;
  readonly authGiven: boolean;
  /** The raw Proxy-Authorization header value, when there was one. */
  readonly authorization: string | undefined;
  /** What the proxy answered: 200 (tunnel up), 407, 502 (target unreachable), or the forwarded reply's status. */
  readonly status: number;
}

export interface ConnectProxyOptions {
  /** The exact Proxy-Authorization value to require (e.g. `Basic dXNlcjpwYXNz`); none required when undefined. */
  readonly requireAuthorization?: string;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every tunnel and forwarded request so far, oldest first. */
  readonly events: readonly ProxyEvent[];
  /** Emits `'event'` (ProxyEvent) as each one is recorded. */
  readonly emitter: EventEmitter;
  /**
   * Request lines (`GET /api/kernels/…/channels`) seen in plain-http traffic inside the tunnels, oldest first: a
   * request sent on a tunnel that was already open (a kept-alive connection) shows here, not as a new CONNECT.
   */
  readonly tunnelled: readonly string[];
  /** Tunnels currently open. */
  openTunnels(): number;
  /**
   * Resolves with the first event (from index `since`, default 0: already recorded ones count) that `match` accepts;
   * rejects after `timeoutMs` naming `what` and the events seen.
   */
  waitFor(match: (e: ProxyEvent) => boolean, what: string, options?: { since?: number; timeoutMs?: number }): Promise<ProxyEvent>;
  /** A CONNECT to `target` (`host:port`) that the proxy answered with `status` (default 200). */
  onTunnel(target: string, options?: { since?: number; status?: number; timeoutMs?: number }): Promise<ProxyEvent>;
  /** Closes the listener and every open tunnel or forwarded connection. */
  stop(): Promise<void>;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const events: ProxyEvent[] = [];
  const emitter = new EventEmitter();
  const sockets = new Set<Duplex>();
  const tunnelled: string[] = [];
  const sniff = (chunk: Buffer): void => {
    for (const m of chunk.toString('latin1').matchAll(/^(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.1\r$/gm)) tunnelled.push(`${m[1]} ${m[2]}`);
  };
  let tunnels = 0;
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const record = (e: ProxyEvent): void => {
    events.push(e);
    emitter.emit('event', e);
  };
  const authOf = (req: IncomingMessage): string | undefined => {
    const v = req.headers['proxy-authorization'];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const authorized = (auth: string | undefined): boolean => options.requireAuthorization === undefined || auth === options.requireAuthorization;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const auth = authOf(req);
    let target: URL | undefined;
    try {
      target = new URL(req.url ?? '');
    } catch {
      target = undefined;
    }
    const base = { method: req.method ?? '?', url: req.url ?? '', authGiven: auth !== undefined, authorization: auth };
    if (!target || target.protocol !== 'http:') {
      record({ ...base, target: req.headers.host ?? '', status: 400 });
      res.writeHead(400, { 'content-type': 'text/plain' }).end('this proxy forwards absolute http:// URIs and CONNECT only\n');
      return;
    }
    const hostPort = `${target.hostname}:${target.port || 80}`;
    if (!authorized(auth)) {
      record({ ...base, target: hostPort, status: 407 });
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="sjc-test-proxy"', 'content-type': 'text/plain' }).end('proxy authentication required\n');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      { host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 80), method: req.method, path: target.pathname + target.search, headers },
      (up) => {
        record({ ...base, target: hostPort, status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      record({ ...base, target: hostPort, status: 502 });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unreachable\n');
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connection', (s: Socket) => track(s));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const auth = authOf(req);
    const target = req.url ?? '';
    const base = { method: 'CONNECT', target, url: target, authGiven: auth !== undefined, authorization: auth };
    client.on('error', () => client.destroy());
    if (!authorized(auth)) {
      record({ ...base, status: 407 });
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="sjc-test-proxy"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (!m) {
      record({ ...base, status: 400 });
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect(Number(m[2]), m[1]);
    track(upstream);
    let up = false;
    upstream.once('connect', () => {
      up = true;
      tunnels++;
      upstream.once('close', () => tunnels--);
      record({ ...base, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) {
        sniff(head);
        upstream.write(head);
      }
      client.on('data', sniff);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (!up) {
        record({ ...base, status: 502 });
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }
      upstream.destroy();
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  const waitFor: ConnectProxy['waitFor'] = (match, what, o = {}) => {
    const found = events.slice(o.since ?? 0).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        emitter.off('event', listener);
        reject(new Error(`timed out waiting for the proxy to see ${what}; it saw: ${JSON.stringify(events.map((e) => `${e.method} ${e.target} ${e.status}`))}`));
      }, o.timeoutMs ?? 30_000);
      const listener = (e: ProxyEvent): void => {
        if (!match(e)) return;
        clearTimeout(timer);
        emitter.off('event', listener);
        resolve(e);
      };
      emitter.on('event', listener);
    });
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events,
    tunnelled,
    emitter,
    openTunnels: () => tunnels,
    waitFor,
    onTunnel: (target, o = {}) =>
      waitFor((e) => e.method === 'CONNECT' && e.target === target && e.status === (o.status ?? 200), `a CONNECT to ${target}`, o),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
