import { createServer, connect, type Socket } from 'node:net';

/**
 * A hand-made TCP proxy in front of a real server, for what a real server cannot do on demand: drop every open
 * connection at once (a network blip or a proxy restart, as the client sees it: close 1006, no close frame).
 */
export interface TcpProxy {
  url: string;
  port: number;
  /** Destroys every proxied connection; new ones still get through. */
  dropAll(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, path = '/'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const forget = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}${path}`,
    dropAll: () => {
      const n = sockets.size;
      for (const s of [...sockets]) s.destroy();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
