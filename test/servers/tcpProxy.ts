import { createServer, connect, type Socket } from 'node:net';

/**
 * A hand-made TCP proxy in front of a real server, for what a real server cannot do on demand: drop every open
 * connection at once (a network blip or a proxy restart, as the client sees it: close 1006, no close frame), or
 * let open connections go silent (a NAT, VPN or proxy that forgot the flow: no FIN, no RST, bytes just vanish).
 */
export interface TcpProxy {
  url: string;
  port: number;
  /** Destroys every proxied connection; new ones still get through. */
  dropAll(): number;
  /**
   * Open connections (`upgraded`: only those that carried a WebSocket upgrade) stop forwarding, silently: what
   * either side sends is read and dropped, nothing is closed. New connections still get through. Returns how many
   * connections went silent.
   */
  stall(which?: 'all' | 'upgraded'): number;
  close(): Promise<void>;
}

interface Flow {
  client: Socket;
  upstream: Socket;
  upgraded: boolean;
}

const UPGRADE = /\r\nupgrade:[ \t]*websocket/i;

export async function startTcpProxy(targetPort: number, path = '/'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const flows = new Set<Flow>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const flow: Flow = { client, upstream, upgraded: false };
    flows.add(flow);
    sockets.add(client);
    sockets.add(upstream);
    const forget = (): void => {
      flows.delete(flow);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    const sniff = (chunk: Buffer): void => {
      if (UPGRADE.test(chunk.toString('latin1'))) {
        flow.upgraded = true;
        client.off('data', sniff);
      }
    };
    client.on('data', sniff);
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const drop = (): void => undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}${path}`,
    dropAll: () => {
      const n = sockets.size;
      for (const s of [...sockets]) s.destroy();
      return n;
    },
    stall: (which = 'all') => {
      let n = 0;
      for (const f of flows) {
        if (which === 'upgraded' && !f.upgraded) continue;
        f.client.unpipe(f.upstream);
        f.upstream.unpipe(f.client);
        for (const s of [f.client, f.upstream]) s.on('data', drop).resume();
        n++;
      }
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
