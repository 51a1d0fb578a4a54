/**
 * A TLS-INTERCEPTING CONNECT PROXY WRITTEN FOR THE TESTS, as a corporate "TLS inspection" proxy works: it answers
 * `CONNECT host:port` with 200, then, instead of piping bytes, terminates TLS itself with a certificate its own CA
 * signed for the server's names (test/servers/testCa.ts `interceptor`), opens its own verified TLS connection to the
 * server and forwards the decrypted stream both ways. It records each tunnel (before answering it), and the first line of every HTTP
 * request it decrypted with whether it carried an `Authorization` header or a `token=` (never the value): what such
 * a proxy can read.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket, connect as tlsConnect } from 'node:tls';

export interface DecryptedRequest {
  /** `GET /api/status?no_track_activity=1 HTTP/1.1`, with any `token=` value cut off. */
  readonly line: string;
  readonly authorization: boolean;
}

export interface InterceptingProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `host:port` of every CONNECT, oldest first. */
  readonly tunnels: readonly string[];
  /** Every request read inside a tunnel (after this proxy's TLS), oldest first. */
  readonly decrypted: readonly DecryptedRequest[];
  stop(): Promise<void>;
}

export interface InterceptingProxyOptions {
  /** The forged certificate and its key (PEM). */
  readonly cert: string;
  readonly key: string;
  /** The CAs the proxy verifies the real server with. */
  readonly upstreamCa: readonly string[];
}

export async function startInterceptingProxy(o: InterceptingProxyOptions): Promise<InterceptingProxy> {
  const tunnels: string[] = [];
  const decrypted: DecryptedRequest[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = createServer((_req, res) => res.writeHead(400).end('CONNECT only\n'));
  server.on('connection', (s: Socket) => track(s));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    client.on('error', () => client.destroy());
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const host = m[1] as string;
    tunnels.push(target);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) client.unshift(head);
    const inner = new TLSSocket(client as Socket, { isServer: true, cert: o.cert, key: o.key });
    track(inner);
    const upstream = tlsConnect({ host, port: Number(m[2]), ca: [...o.upstreamCa], ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }) });
    track(upstream);
    inner.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      const first = /^([A-Z]+ \S+ HTTP\/1\.[01])\r\n/.exec(text)?.[1];
      if (first) decrypted.push({ line: first.replace(/(token=)[^&\s]+/g, '$1…'), authorization: /\r\nauthorization:/i.test(text) || /[?&]token=/.test(first) });
    });
    inner.pipe(upstream);
    upstream.pipe(inner);
    const close = (): void => {
      inner.destroy();
      upstream.destroy();
      client.destroy();
    };
    for (const s of [inner, upstream, client]) {
      s.once('error', close);
      s.once('close', close);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    decrypted,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
