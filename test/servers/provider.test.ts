import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ContentsManager, KernelManager, ServerConnection, type KernelMessage } from '@jupyterlab/services';
import { Request as NodeFetchRequest, Headers as NodeFetchHeaders } from 'node-fetch';
import { createFetch } from '../../src/core/provider/fetchAdapter';
import type { ServerDoor } from '../../src/core/provider/serverDoor';
import { webSocketClassFor } from '../../src/core/provider/wsCompat';
import type { Credential } from '../../src/core/session/credentials';
import { clientFor } from './helpers';
import { startJupyter, stopAllJupyters, type Flavor } from './jupyter';

after(() => stopAllJupyters());

/**
 * The Jupyter extension's side, as its source and the facts sheet (jupyter-extension-api.md, D and G) describe
 * it: @jupyterlab/services settings with a node-fetch v2 Request, no token, and the provider's WebSocket class
 * subclassed the way its KernelSocketWrapper does (emit override, close listener, ping).
 */
function extensionSettings(baseUrl: string, door: ServerDoor, seen: { requests: string[]; setCookies: number; frames: number; pings: number }) {
  const fetch = createFetch(door);
  const Base = webSocketClassFor(door);
  class KernelSocketWrapper extends Base {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, undefined);
      this.on('close', () => undefined);
      // Its 30 s keep-alive, once the socket is open.
      this.on('open', () => this.ping(() => (seen.pings += 1)));
    }
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message') seen.frames++;
      return super.emit(event, ...args);
    }
  }
  const recordingFetch = async (input: NodeFetchRequest): Promise<Response> => {
    // A node-fetch Request, as the extension passes it: no credential of ours in it.
    assert.ok(input instanceof NodeFetchRequest);
    assert.equal(input.headers.get('authorization'), null);
    seen.requests.push(`${input.method} ${new URL(input.url).pathname}`);
    const res = await fetch(input);
    if (res.headers.get('set-cookie') !== null) seen.setCookies++;
    return res;
  };
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: 'ws' + baseUrl.slice(4),
    token: '',
    appendToken: false,
    fetch: recordingFetch as never,
    Request: NodeFetchRequest as never,
    Headers: NodeFetchHeaders as never,
    WebSocket: KernelSocketWrapper as never,
  });
}

const cases: { flavor: Flavor; auth: 'token' | 'password' }[] = [
  { flavor: 'server', auth: 'token' },
  { flavor: 'notebook', auth: 'password' },
];

describe('provider fetch and WebSocket under @jupyterlab/services (what the Jupyter extension runs)', () => {
  for (const { flavor, auth } of cases) {
    it(`${flavor} with a ${auth}: starts a kernel, runs 1+1 → 2, lists contents, shuts the kernel down, all through our client`, async () => {
      const server = await startJupyter(auth === 'password' ? { flavor, password: 'pw-provider-test-1' } : { flavor });
      const credential: Credential = auth === 'password' ? { kind: 'password', password: server.password as string } : { kind: 'token', token: server.token };
      const client = clientFor(server, credential);
      let uses = 0;
      const door: ServerDoor = {
        endpoint: client.endpoint,
        use: (fn) => {
          uses++;
          return fn(client);
        },
        noteActivity: () => client.noteActivity(),
      };
      const seen = { requests: [] as string[], setCookies: 0, frames: 0, pings: 0 };
      const serverSettings = extensionSettings(server.url, door, seen);
      const kernels = new KernelManager({ serverSettings });
      try {
        const kernel = await kernels.startNew({ name: 'python3' });
        const results: string[] = [];
        const future = kernel.requestExecute({ code: '1+1' });
        future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
          if (msg.header.msg_type === 'execute_result') results.push(String((msg.content as { data: Record<string, unknown> }).data['text/plain']));
        };
        await future.done;
        assert.deepEqual(results, ['2']);
        const listing = await new ContentsManager({ serverSettings }).get('');
        assert.equal(listing.type, 'directory');
        await kernel.shutdown();
        assert.ok(seen.requests.some((r) => r.endsWith('/api/kernels') && r.startsWith('POST')), seen.requests.join('\n'));
        assert.ok(seen.frames > 0, 'kernel frames reached the subclass through its emit override');
        assert.ok(uses >= seen.requests.length, 'every request and the socket went through the door');
        assert.ok(seen.pings > 0, 'ping(cb) on the open socket calls back');
        assert.equal(seen.setCookies, 0, 'our Set-Cookie never reaches the caller');
        if (auth === 'password') {
          assert.ok(client.auth.hasXsrf(), 'the cookie session holds _xsrf (the writes carried X-XSRFToken: the server refuses them otherwise)');
        }
      } finally {
        kernels.dispose();
        await client.close();
        await server.stop();
      }
    });
  }

  it('refuses a URL on another origin before anything is sent', async () => {
    const server = await startJupyter({ flavor: 'server' });
    const client = clientFor(server, { kind: 'token', token: server.token });
    let uses = 0;
    const door: ServerDoor = { endpoint: client.endpoint, use: (fn) => (uses++, fn(client)), noteActivity: () => undefined };
    try {
      await assert.rejects(createFetch(door)('http://127.0.0.2:1/api/kernels'), /not on http:\/\/127\.0\.0\.1:\d+\/, so it gets none of that server's credentials/);
      assert.throws(() => new (webSocketClassFor(door))('ws://evil.example/api/kernels/x/channels'), /not on/);
      assert.equal(uses, 0);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
