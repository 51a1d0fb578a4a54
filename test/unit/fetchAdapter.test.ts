import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFetch } from '../../src/core/provider/fetchAdapter';
import type { ServerDoor } from '../../src/core/provider/serverDoor';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import type { JupyterClient, RequestOptions } from '../../src/core/transport/client';
import type { HttpMethod, HttpReply } from '../../src/core/transport/reply';

interface Call {
  method: HttpMethod;
  path: string;
  options: RequestOptions;
}

/** A door whose client records what the adapter asks of `request()` and answers with `reply`. */
function recordingDoor(base: string, reply: Partial<HttpReply> = {}): { door: ServerDoor; calls: Call[] } {
  const calls: Call[] = [];
  const endpoint = endpointFromUrl(base);
  const client = {
    request: async (method: HttpMethod, path: string, options: RequestOptions): Promise<HttpReply> => {
      calls.push({ method, path, options });
      const body = Buffer.from(reply.text ?? '{}');
      return { method, url: new URL(path, endpoint.baseUrl), status: 200, headers: {}, text: body.toString(), body, ...reply };
    },
  } as unknown as JupyterClient;
  return { door: { endpoint, use: (fn) => fn(client), noteActivity: () => undefined }, calls };
}

describe('provider/fetchAdapter', () => {
  it("drops the caller's credential, cookie, XSRF and hop-by-hop headers; keeps the rest and the body", async () => {
    const { door, calls } = recordingDoor('http://127.0.0.1:8888/user/bob/');
    const request = new Request('http://127.0.0.1:8888/user/bob/api/sessions?1712345678', {
      method: 'POST',
      headers: { Authorization: 'token caller-token-1', Cookie: 'a=b', 'X-XSRFToken': 'x', 'Content-Type': 'text/plain;charset=UTF-8', 'X-Custom': 'kept' },
      body: '{"path":"a.ipynb"}',
    });
    await createFetch(door)(request);
    const [call] = calls;
    assert.equal(call?.method, 'POST');
    assert.equal(call?.path, 'api/sessions?1712345678', 'relative to the base path, the query as written');
    assert.deepEqual(call?.options.headers, { 'content-type': 'text/plain;charset=UTF-8', 'x-custom': 'kept' });
    assert.equal(Buffer.from(call?.options.body as Uint8Array).toString(), '{"path":"a.ipynb"}');
    assert.equal(call?.options.acceptAll, true);
    assert.equal(call?.options.background, false);
  });

  it("the extension's timed polls (api/sessions, api/kernels, api/kernelspecs, api/status) are background; a kernel's own GET and writes are use", async () => {
    const { door, calls } = recordingDoor('http://127.0.0.1:8888/');
    const fetch = createFetch(door);
    await fetch('http://127.0.0.1:8888/api/sessions?1');
    await fetch('http://127.0.0.1:8888/api/kernels?2');
    await fetch('http://127.0.0.1:8888/api/kernels/abc?3');
    await fetch('http://127.0.0.1:8888/api/kernels?4', { method: 'POST', body: '{}' });
    await fetch('http://127.0.0.1:8888/api/kernelspecs');
    await fetch('http://127.0.0.1:8888/api/status');
    await fetch('http://127.0.0.1:8888/api/contents/a.ipynb', { method: 'PUT', body: '{}' });
    assert.deepEqual(calls.map((c) => c.options.background), [true, true, false, false, true, true, false]);
  });

  it('while the session is closed for inactivity, a poll is answered with its last listing and nothing is sent; other requests are sent (and sign in again)', async () => {
    let idle = false;
    let text = '[{"id":"k1"}]';
    const calls: string[] = [];
    const endpoint = endpointFromUrl('http://127.0.0.1:8888/');
    const client = {
      request: async (method: HttpMethod, path: string): Promise<HttpReply> => {
        calls.push(`${method} ${path}`);
        const body = Buffer.from(text);
        return { method, url: new URL(path, endpoint.baseUrl), status: 200, headers: { 'content-type': 'application/json' }, text, body };
      },
    } as unknown as JupyterClient;
    const door: ServerDoor = { endpoint, use: (fn) => fn(client), noteActivity: () => undefined, isIdle: () => idle };
    const fetch = createFetch(door);
    assert.deepEqual(await (await fetch('http://127.0.0.1:8888/api/kernels?1')).json(), [{ id: 'k1' }]);
    idle = true;
    text = '[]';
    const cached = await fetch('http://127.0.0.1:8888/api/kernels?2');
    assert.deepEqual(await cached.json(), [{ id: 'k1' }], 'the last listing');
    assert.equal(cached.headers.get('content-type'), 'application/json');
    // A poll never answered before is sent; so is anything that is not a poll.
    await fetch('http://127.0.0.1:8888/api/sessions?3');
    await fetch('http://127.0.0.1:8888/api/contents?4');
    assert.deepEqual(calls, ['GET api/kernels?1', 'GET api/sessions?3', 'GET api/contents?4']);
    idle = false;
    assert.deepEqual(await (await fetch('http://127.0.0.1:8888/api/kernels?5')).json(), [], 'in use again: polls are sent');
  });

  it('answers a WHATWG Response: status and headers as the server sent them, never its Set-Cookie; no body where none is allowed', async () => {
    const ok = recordingDoor('http://127.0.0.1:8888/', { status: 201, headers: { 'content-type': 'application/json', 'set-cookie': ['_xsrf=secret-xsrf-1'] }, text: '{"id":"k1"}' });
    const res = await createFetch(ok.door)('http://127.0.0.1:8888/api/kernels', { method: 'POST' });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('set-cookie'), null);
    assert.deepEqual(await res.json(), { id: 'k1' });
    assert.match(res.url, /^http:\/\/127\.0\.0\.1:8888\/api\/kernels/);

    const gone = recordingDoor('http://127.0.0.1:8888/', { status: 204, text: '' });
    const deleted = await createFetch(gone.door)('http://127.0.0.1:8888/api/kernels/k1', { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');

    const missing = recordingDoor('http://127.0.0.1:8888/', { status: 404, text: '{"message":"Kernel does not exist: k9"}' });
    const notFound = await createFetch(missing.door)('http://127.0.0.1:8888/api/kernels/k9');
    assert.equal(notFound.status, 404, 'a reply status is the caller to read, not an exception');
  });

  it('refuses a URL that hides another URL after the base path (…/user/bob/http://host/hub/api/…): it would leave the base path on the same origin', async () => {
    const { door, calls } = recordingDoor('http://127.0.0.1:8888/user/bob/');
    const fetch = createFetch(door);
    await assert.rejects(fetch('http://127.0.0.1:8888/user/bob/http://127.0.0.1:8888/hub/api/users/bob/tokens', { method: 'POST' }), /does not stay under http:\/\/127\.0\.0\.1:8888\/user\/bob\//);
    await assert.rejects(fetch('http://127.0.0.1:8888/user/bob/https://evil.example/x'), /does not stay under/);
    // An ordinary path that merely contains a colon stays allowed.
    await fetch('http://127.0.0.1:8888/user/bob/api/contents/a:b.ipynb');
    assert.deepEqual(calls.map((c) => c.path), ['api/contents/a:b.ipynb']);
  });

  it('refuses another origin and a path outside the base URL, and a method it cannot send', async () => {
    const { door, calls } = recordingDoor('http://127.0.0.1:8888/user/bob/');
    const fetch = createFetch(door);
    await assert.rejects(fetch('http://127.0.0.1:9999/user/bob/api/kernels'), { code: 'CrossOriginBlocked' });
    await assert.rejects(fetch('http://127.0.0.1:8888/user/alice/api/kernels'), { code: 'CrossOriginBlocked' });
    await assert.rejects(fetch('http://127.0.0.1:8888/user/bob/api/kernels', { method: 'TRACE' }), { code: 'InvalidInput' });
    assert.equal(calls.length, 0);
  });
});
