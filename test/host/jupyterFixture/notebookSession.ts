// The notebook side of the stand-in Jupyter extension: @jupyterlab/services configured the way the real extension
// configures it for a provider that brings its own fetch and WebSocket (jupyter-extension-api.md, D and G):
// node-fetch v2 Request objects, no token, no headers, and the provider's WebSocket class subclassed as its
// KernelSocketWrapper does (close listener, 30 s ping, emit override).
import { ContentsManager, KernelManager, ServerConnection, SessionManager, type Kernel, type KernelMessage, type Session } from '@jupyterlab/services';
import { Headers as NodeFetchHeaders, Request as NodeFetchRequest } from 'node-fetch';

/** What the provider handed over for a server (the proposed jupyterSettings API). */
export interface ProviderConnectionInformation {
  readonly baseUrl: { toString(): string };
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly fetch: (input: unknown) => Promise<Response>;
  readonly WebSocket: new (url: string, protocols?: string | string[], options?: unknown) => WsLike;
}

interface WsLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  ping(cb?: (err?: Error) => void): void;
}

export interface Transcript {
  /** The connection information's plain fields (functions named only). */
  connectionInformation: string;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  /** Every header name and value, of requests sent and replies received. */
  headers: string[];
  /** Reply bodies as text. */
  bodies: string[];
  /** Kernel frames received, as text. */
  frames: string[];
  /** WebSocket URLs constructed. */
  sockets: string[];
  pings: number;
  setCookies: number;
}

export class NotebookSession {
  readonly transcript: Transcript = { connectionInformation: '', requests: [], headers: [], bodies: [], frames: [], sockets: [], pings: 0, setCookies: 0 };
  readonly settings: ServerConnection.ISettings;
  private readonly kernels: KernelManager;
  private readonly sessions: SessionManager;
  private session: Session.ISessionConnection | undefined;

  constructor(info: ProviderConnectionInformation) {
    const t = this.transcript;
    t.connectionInformation = JSON.stringify(info, (_k, v: unknown) => (typeof v === 'function' ? `[function ${(v as { name?: string }).name ?? ''}]` : v));
    const baseUrl = info.baseUrl.toString();
    const providerFetch = info.fetch;
    const fetch = async (request: NodeFetchRequest): Promise<Response> => {
      t.requests.push(`${request.method} ${new URL(request.url).pathname}`);
      request.headers.forEach((value, name) => t.headers.push(`> ${name}: ${value}`));
      const response = await providerFetch(request);
      response.headers.forEach((value, name) => t.headers.push(`< ${name}: ${value}`));
      if (response.headers.get('set-cookie') !== null) t.setCookies++;
      t.bodies.push(await response.clone().text());
      return response;
    };
    const Base = info.WebSocket;
    class KernelSocketWrapper extends Base {
      private timer: ReturnType<typeof setInterval> | undefined;
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, undefined);
        t.sockets.push(url);
        this.on('open', () => {
          this.ping(() => (t.pings += 1));
          this.timer = setInterval(() => this.ping(() => (t.pings += 1)), 30_000);
        });
        this.on('close', () => clearInterval(this.timer));
      }
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        if (event === 'message') {
          const data = args[0];
          t.frames.push(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8'));
        }
        return super.emit(event, ...args);
      }
    }
    this.settings = ServerConnection.makeSettings({
      baseUrl,
      wsUrl: baseUrl.replace(/^http/, 'ws'),
      token: info.token ?? '',
      appendToken: info.token !== undefined || info.headers !== undefined,
      fetch: fetch as never,
      Request: NodeFetchRequest as never,
      Headers: NodeFetchHeaders as never,
      WebSocket: KernelSocketWrapper as never,
    });
    this.kernels = new KernelManager({ serverSettings: this.settings });
    this.sessions = new SessionManager({ serverSettings: this.settings, kernelManager: this.kernels });
  }

  /** Starts a kernel for a notebook, as the Jupyter extension does (a session for the notebook's path). */
  async startKernel(notebookPath = 'analysis.ipynb', name = 'python3'): Promise<string> {
    this.session = await this.sessions.startNew({ path: notebookPath, name: notebookPath, type: 'notebook', kernel: { name } });
    await this.connected();
    return this.current().id;
  }

  /** Resolves when the kernel's socket is connected (at once if it is). */
  connected(): Promise<void> {
    return kernelConnected(this.current());
  }

  /** Runs code; the execute_result's text/plain values and any error name. */
  async execute(code: string): Promise<string[]> {
    const out: string[] = [];
    const future = this.current().requestExecute({ code });
    future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
      const type = msg.header.msg_type;
      if (type === 'execute_result') out.push(String((msg.content as { data: Record<string, unknown> }).data['text/plain']));
      if (type === 'error') out.push(`error: ${(msg.content as { ename: string }).ename}`);
    };
    await future.done;
    return out;
  }

  /** Names in the server's root folder. */
  async listContents(): Promise<string[]> {
    const listing = await new ContentsManager({ serverSettings: this.settings }).get('');
    return ((listing.content ?? []) as { name: string }[]).map((c) => c.name);
  }

  /** What the Jupyter extension does after a lost socket: a new socket to the same kernel. */
  async reconnect(): Promise<void> {
    await this.current().reconnect();
  }

  /** Shuts the notebook's session and its kernel down. */
  async shutdown(): Promise<void> {
    if (!this.session) throw new Error('no kernel started');
    await this.session.shutdown();
    this.session = undefined;
  }

  dispose(): void {
    this.session?.dispose();
    this.sessions.dispose();
    this.kernels.dispose();
  }

  private current(): Kernel.IKernelConnection {
    const kernel = this.session?.kernel;
    if (!kernel) throw new Error('no kernel started');
    return kernel;
  }
}

/** Resolves when a kernel connection's socket is connected (at once if it is): by its status events. */
export function kernelConnected(k: Kernel.IKernelConnection): Promise<void> {
  if (k.connectionStatus === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const on = (_: unknown, status: Kernel.ConnectionStatus): void => {
      if (status !== 'connected') return;
      k.connectionStatusChanged.disconnect(on);
      resolve();
    };
    k.connectionStatusChanged.connect(on);
  });
}
