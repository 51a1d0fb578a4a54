import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHub, stopAllHubs, type RunningHub } from './jupyterhub';

/**
 * Debian's JupyterHub 3.0, started by the test harness, behaves as the hub support is designed on
 * (jupyterhub-facts.md A.1–A.5): a password exchanged once for a scoped, expiring token without cookies; that token
 * alone starts, watches (progress events), uses and stops the user's server. If a hub update changes any of this,
 * these tests say which assumption broke.
 */
const SCOPES = ['access:servers!server=alice/', 'servers!user=alice', 'read:users:name!user=alice'];

async function mintToken(hub: RunningHub, password: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(new URL('hub/api/users/alice/tokens', hub.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { username: 'alice', password }, scopes: SCOPES, expires_in: 3600, note: 'sjc test', ...body }),
  });
}

/** The server-sent events of a progress stream, until `ready` or `failed`. */
async function progressEvents(hub: RunningHub, token: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(new URL('hub/api/users/alice/server/progress', hub.url), { headers: { authorization: `token ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: Array<Record<string, unknown>> = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('');
      if (!data) continue; // keep-alive
      const e = JSON.parse(data) as Record<string, unknown>;
      events.push(e);
      if (e['ready'] || e['failed']) return events;
    }
  }
  return events;
}

describe('JupyterHub 3.0 (Debian) behaves as the hub support assumes', { timeout: 180_000 }, () => {
  let hub: RunningHub;
  before(async () => {
    hub = await startHub();
  });
  after(() => stopAllHubs());

  it('GET /hub/api/ names the hub and its version, without credentials', async () => {
    const res = await fetch(new URL('hub/api/', hub.url));
    assert.equal(res.status, 200);
    assert.match(String(((await res.json()) as { version: string }).version), /^3\./);
  });

  it('a password in the body is exchanged once for a token with exactly the requested scopes and expiry; no cookie is set', async () => {
    const res = await mintToken(hub, hub.password);
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.getSetCookie().length, 0, 'no cookie: the body auth does not start a browser session');
    const t = (await res.json()) as { token: string; id: string; scopes: string[]; expires_at: string };
    assert.match(t.token, /^[0-9a-f]{32}$/);
    assert.match(t.id, /^a\d+$/);
    for (const s of ['access:servers!server=alice/', 'read:servers!user=alice', 'delete:servers!user=alice', 'read:users:name!user=alice']) {
      assert.ok(t.scopes.includes(s), `${s} in ${JSON.stringify(t.scopes)}`);
    }
    assert.ok(!t.scopes.some((s) => s.startsWith('tokens') || s === 'admin:users'), 'nothing beyond the request');
    const lifetimeS = (Date.parse(t.expires_at) - Date.now()) / 1000;
    assert.ok(lifetimeS > 3500 && lifetimeS <= 3600, `expires in ~1 h (${lifetimeS} s)`);
    const me = await fetch(new URL('hub/api/user', hub.url), { headers: { authorization: `token ${t.token}` } });
    assert.equal(((await me.json()) as { name: string }).name, 'alice');
  });

  it('a wrong password is refused with 403 and scopes the user lacks with 400', async () => {
    assert.equal((await mintToken(hub, 'not-the-password')).status, 403);
    assert.equal((await mintToken(hub, hub.password, { scopes: ['admin:users'] })).status, 400);
  });

  it('the scoped token starts the server (progress events to ready), uses it (REST, a kernel), stops it; it cannot revoke itself', async () => {
    const t = (await (await mintToken(hub, hub.password)).json()) as { token: string; id: string };
    const auth = { authorization: `token ${t.token}` };
    const start = await fetch(new URL('hub/api/users/alice/server', hub.url), { method: 'POST', headers: auth });
    assert.ok(start.status === 201 || start.status === 202, `started: ${start.status}`);
    const events = await progressEvents(hub, t.token);
    const last = events.at(-1) ?? {};
    assert.equal(last['ready'], true, JSON.stringify(events));
    assert.equal(last['url'], '/user/alice/');
    const single = new URL('user/alice/', hub.url);
    assert.equal((await fetch(new URL('api/status', single), { headers: auth })).status, 200);
    assert.equal((await fetch(new URL('api/status', single))).status, 403, 'no credential, no access');
    const kernel = await fetch(new URL('api/kernels', single), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"python3"}' });
    assert.equal(kernel.status, 201, 'a write with the token needs no XSRF');
    const revoke = await fetch(new URL(`hub/api/users/alice/tokens/${t.id}`, hub.url), { method: 'DELETE', headers: auth });
    assert.equal(revoke.status, 403, 'revoking needs the tokens scope');
    const stop = await fetch(new URL('hub/api/users/alice/server', hub.url), { method: 'DELETE', headers: auth });
    assert.ok(stop.status === 204 || stop.status === 202, `stopped: ${stop.status}`);
  });
});
