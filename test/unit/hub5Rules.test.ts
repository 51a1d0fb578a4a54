import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runAudit } from '../../src/core/audit/audit';
import { AuditService } from '../../src/core/audit/auditService';
import { hubAuditContextFor } from '../../src/core/audit/hubRules';
import { auditPolicy } from '../../src/core/audit/policy';
import { applySilencing, silencedFor } from '../../src/core/audit/silencing';
import { HubRegistry, type HubSettings } from '../../src/core/hub/hubs';
import type { SpawnProgress } from '../../src/core/hub/progress';
import { requestedScopes } from '../../src/core/hub/scopes';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { noCredential, tokenCredential } from '../../src/core/session/credentials';
import { Logger, MemorySink } from '../../src/core/util/log';
import { FAKE_HUB_PASSWORD, FAKE_HUB_VERSION, FakeHub5, type SeenRequest } from './fakeHub5';

/**
 * The JupyterHub 4.1+/5.x rules (jupyterhub-facts.md A.1, A.5, A.6) against a HAND-MADE FAKE HUB (fakeHub5.ts).
 * The real hub this workplace runs is Debian's JupyterHub 3.0 (test/servers/hubRegistry.test.ts), which has no XSRF
 * on its API, accepts `?token=` and cannot show these rules. First the fake is checked against the facts sheet;
 * then the real core (HubRegistry, HubConnection, the one transport, the audit) is driven against it, and the fake
 * testifies that no request of ours carried a cookie or a `?token=`, and every authenticated one the token header.
 */

const DAY = 86_400_000;
const T0 = Date.now();

interface World {
  readonly secrets: MemorySecretStore;
  readonly state: MemoryStateStore;
  readonly sink: MemorySink;
  readonly log: Logger;
  readonly registry: ServerRegistry;
  readonly hubs: HubRegistry;
  dispose(): void;
}

function world(settings: HubSettings = { tokenLifetimeDays: 7, silentRenewal: false }): World {
  const secrets = new MemorySecretStore();
  const state = new MemoryStateStore();
  const sink = new MemorySink();
  const log = new Logger(sink, 'trace');
  const registry = new ServerRegistry({ secrets, state, log });
  registry.init();
  const hubs = new HubRegistry({ registry, secrets, state, log, settings });
  hubs.init();
  return { secrets, state, sink, log, registry, hubs, dispose: () => (hubs.dispose(), registry.dispose()) };
}

/** The requests the fake saw from the moment this is called, counted as they arrive. */
function recorder(fake: FakeHub5): { readonly seen: SeenRequest[]; stop(): void } {
  const seen: SeenRequest[] = [];
  const sub = fake.onRequest((r) => seen.push(r));
  return { seen, stop: () => sub.dispose() };
}

const describeReq = (r: SeenRequest): string => `${r.method} ${r.path}`;
const isVersionProbe = (r: SeenRequest): boolean => r.method === 'GET' && (r.path === '/hub/api/' || r.path === '/hub/api');

/** What the design promises on every hub: no hub cookie ever sent, no token in a URL, the token header on everything authenticated. */
function assertTokenHeaderOnly(seen: readonly SeenRequest[], what: string): void {
  assert.ok(seen.length > 0, `${what}: requests were made`);
  for (const r of seen) {
    assert.equal(r.cookie, undefined, `${what}: ${describeReq(r)} sent no Cookie`);
    assert.ok(!/[?&]token=/.test(r.search), `${what}: ${describeReq(r)} had no ?token= (${r.search.replace(/token=[^&]*/, 'token=…')})`);
    assert.equal(r.xsrf, undefined, `${what}: ${describeReq(r)} sent no X-XSRFToken`);
    if (isVersionProbe(r) || r.bodyAuth) assert.equal(r.authorization, undefined, `${what}: ${describeReq(r)} is sent without any credential`);
    else assert.match(r.authorization ?? '', /^token \S+$/, `${what}: ${describeReq(r)} carried Authorization: token`);
  }
}

async function tokenOf(w: World, hubId: string): Promise<string> {
  const t = await w.secrets.get(`secure-jupyter-connections/token/${hubId}`);
  assert.ok(t, 'the hub token is in the secret store');
  return t;
}

describe('FAKE JupyterHub 5.x (hand-made; the real 3.0 hub cannot show these rules)', () => {
  let fake: FakeHub5;
  beforeEach(async () => {
    fake = await FakeHub5.start();
  });
  afterEach(() => fake.close());

  describe('the fake enforces the 4.1+/5.x rules of the facts sheet', () => {
    const api = (path: string): string => new URL(`hub/api/${path}`, fake.url).href;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(api(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    it('GET /hub/api/ is public and says 5.2.1', async () => {
      const res = await fetch(api(''));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { version: FAKE_HUB_VERSION });
    });

    it('A.1: a token for the password in the body, without any cookie → 201; with a hub cookie and no X-XSRFToken → 403 _xsrf missing', async () => {
      const body = { auth: { username: 'alice', password: FAKE_HUB_PASSWORD }, scopes: requestedScopes({ user: 'alice' }), expires_in: 600, note: 'n' };
      const res = await post('users/alice/tokens', body);
      assert.equal(res.status, 201);
      const model = (await res.json()) as { id: string; token: string; user: string; scopes: string[]; expires_at: string };
      assert.match(model.id, /^a\d+$/);
      assert.equal(model.user, 'alice');
      assert.ok(model.scopes.includes('read:servers!user=alice') && model.scopes.includes('delete:servers!user=alice'), 'servers is expanded');
      assert.ok(Math.abs(Date.parse(model.expires_at) - (Date.now() + 600_000)) < 5_000);
      const cookies = res.headers.getSetCookie();
      assert.ok(cookies.some((c) => c.startsWith('jupyterhub-hub-login=')), 'the reply starts a hub session');
      const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
      const again = await post('users/alice/tokens', body, { cookie });
      assert.equal(again.status, 403);
      assert.match(((await again.json()) as { message: string }).message, /'_xsrf' argument missing from POST/);
      assert.equal((await post('users/alice/tokens', { ...body, auth: { username: 'alice', password: 'wrong' } })).status, 403);
    });

    it('A.6 (4.1+): a cookie-authenticated API GET needs X-XSRFToken too; the token header needs none', async () => {
      const { cookie, xsrf } = fake.login('alice');
      const bare = await fetch(api('user'), { headers: { cookie } });
      assert.equal(bare.status, 403);
      assert.match(((await bare.json()) as { message: string }).message, /'_xsrf' argument missing from GET/);
      assert.equal((await fetch(api('user'), { headers: { cookie, 'x-xsrftoken': 'not-it' } })).status, 403);
      assert.equal((await fetch(api('user'), { headers: { cookie, 'x-xsrftoken': xsrf } })).status, 200);
      const t = fake.mint('alice', requestedScopes({ user: 'alice' }), 600);
      const me = await fetch(api('user'), { headers: { authorization: `token ${t.token}` } });
      assert.equal(me.status, 200);
      const model = (await me.json()) as { name: string; scopes: string[]; servers: unknown; token_id: string };
      assert.equal(model.name, 'alice');
      assert.equal(model.token_id, t.id, '5.0+: whoami names the token');
      assert.deepEqual(model.servers, {});
    });

    it('A.6 (5.0): ?token= is ignored on the hub and on the single-user server, unless allow_token_in_url', async () => {
      const t = fake.mint('alice', requestedScopes({ user: 'alice' }), 600);
      assert.equal((await fetch(`${api('user')}?token=${t.token}`)).status, 403);
      fake.spawn = 'instant';
      assert.equal((await fetch(api('users/alice/server'), { method: 'POST', headers: { authorization: `token ${t.token}` } })).status, 201);
      const status = new URL('user/alice/api/status', fake.url);
      assert.equal((await fetch(status, { headers: { authorization: `token ${t.token}` } })).status, 200);
      assert.equal((await fetch(`${status.href}?token=${t.token}`)).status, 403, '5.x refuses a token in the URL');
      fake.allowTokenInUrl = true;
      assert.equal((await fetch(`${status.href}?token=${t.token}`)).status, 200, 'as before 5.0');
    });

    it('A.5: revoking needs the tokens scope', async () => {
      const plain = fake.mint('alice', requestedScopes({ user: 'alice' }), 600);
      const denied = await fetch(api(`users/alice/tokens/${plain.id}`), { method: 'DELETE', headers: { authorization: `token ${plain.token}` } });
      assert.equal(denied.status, 403);
      assert.match(((await denied.json()) as { message: string }).message, /requires any of \[tokens\]/);
      const manager = fake.mint('alice', ['tokens!user=alice'], 60);
      assert.equal((await fetch(api(`users/alice/tokens/${plain.id}`), { method: 'DELETE', headers: { authorization: `token ${manager.token}` } })).status, 204);
      assert.equal(fake.tokens.has(plain.id), false);
      assert.equal((await fetch(api(`users/alice/tokens/${plain.id}`), { method: 'DELETE', headers: { authorization: `token ${manager.token}` } })).status, 404);
    });
  });

  describe('the real core against the fake 5.x hub: never a cookie, never ?token=, always the token header', () => {
    it('password sign-in, refresh, start with progress, stop, remove with the password (revoked through a one-minute token)', async () => {
      const rec = recorder(fake);
      const w = world();
      try {
        const h = await w.hubs.add({ url: `${fake.url}hub/login`, signIn: { user: 'alice', password: FAKE_HUB_PASSWORD } });
        assert.equal(h.entry.version, FAKE_HUB_VERSION);
        assert.equal(h.entry.signIn, 'password');
        const minted = fake.tokens.get(h.entry.tokenId ?? '');
        assert.ok(minted, 'the entry names the token the hub made');
        assert.equal(await tokenOf(w, h.id), minted.token);
        assert.deepEqual([...h.entry.scopes].sort(), [...minted.scopes].sort());
        assert.deepEqual(h.scopes.excess, []);
        assert.ok(Math.abs((h.expiresAt ?? 0) - (T0 + 7 * DAY)) < 120_000, `a 7-day token (${h.entry.expiresAt})`);
        assert.equal(rec.seen.filter((r) => r.bodyAuth).length, 1, 'one password exchange');
        const serverId = `${fake.url}user/alice/`;
        assert.equal(w.registry.get(serverId)?.source.kind, 'hub', 'the stopped default server is listed');

        await w.hubs.refresh(h);
        const events: SpawnProgress[] = [];
        const ready = await h.start('', (e) => events.push(e));
        assert.equal(ready.endpoint.id, serverId);
        assert.ok(events.some((e) => e.ready === true && e.url === '/user/alice/'), `the ready event came through: ${JSON.stringify(events)}`);
        assert.equal(fake.serverState('alice')?.ready, true);
        assert.ok(rec.seen.some((r) => r.path === '/hub/api/users/alice/server/progress'), 'progress was followed (202)');

        await h.stop('');
        assert.equal(fake.serverState('alice')?.ready, false);
        fake.spawn = 'instant';
        const instant: SpawnProgress[] = [];
        await h.start('', (e) => instant.push(e));
        assert.deepEqual(instant, [{ progress: 100, message: 'Server ready' }], '201: ready at once, no progress stream');
        await h.stop('');

        const before = rec.seen.length;
        const outcome = await w.hubs.remove(h.id, { password: FAKE_HUB_PASSWORD });
        assert.deepEqual(outcome, { revoked: true });
        const removal = rec.seen.slice(before);
        const exchange = removal.filter((r) => r.bodyAuth);
        assert.equal(exchange.length, 1, 'one password exchange for the one-minute token');
        const deletes = removal.filter((r) => r.method === 'DELETE' && r.path.startsWith('/hub/api/users/alice/tokens/'));
        assert.deepEqual(deletes.map((r) => r.status), [204, 204], 'our token, then the one-minute token itself');
        assert.equal(deletes[0]?.path, `/hub/api/users/alice/tokens/${minted.id}`);
        assert.equal(fake.tokens.size, 0, 'no token of ours is left on the hub');
        assert.equal(w.secrets.keys().length, 0);
        assert.deepEqual(w.state.get('secure-jupyter-connections.hubs'), []);
        assert.ok(!w.sink.lines.join('\n').includes(minted.token), 'the token is not in the log');
        assert.ok(!w.sink.lines.join('\n').includes(FAKE_HUB_PASSWORD), 'nor the password');
        assertTokenHeaderOnly(rec.seen, 'password flow');
      } finally {
        w.dispose();
        rec.stop();
      }
    });

    it('a pasted token (even in ?token= of the pasted URL): whoami gives its id, so remove can revoke it', async () => {
      const rec = recorder(fake);
      const w = world();
      try {
        const pasted = fake.mint('alice', requestedScopes({ user: 'alice' }), 3600);
        const h = await w.hubs.add({ url: `${fake.url}user/alice/lab?token=${pasted.token}` });
        assert.equal(h.user, 'alice');
        assert.equal(h.entry.signIn, 'token');
        assert.equal(h.entry.tokenId, pasted.id, '5.0+: token_id from GET /hub/api/user');
        assert.equal(h.scopes.canMintTokens, false);
        assert.equal(h.entry.expiresAt, undefined, 'its model needs read:tokens, which it lacks');
        assert.deepEqual(await w.hubs.remove(h.id, { password: FAKE_HUB_PASSWORD }), { revoked: true });
        assert.equal(fake.tokens.has(pasted.id), false, 'revoked on the hub');

        // A pasted token that holds tokens!user=alice: its expiry is read, and it revokes itself.
        const strong = fake.mint('alice', [...requestedScopes({ user: 'alice', renewal: true })], 3600);
        const h2 = await w.hubs.add({ url: fake.url, signIn: { token: strong.token } });
        assert.equal(h2.entry.tokenId, strong.id);
        assert.equal(h2.entry.expiresAt, strong.expiresAt);
        assert.deepEqual(await w.hubs.remove(h2.id), { revoked: true });
        assert.equal(fake.tokens.has(strong.id), false);
        assert.equal(fake.tokens.size, 0);
        assertTokenHeaderOnly(rec.seen, 'pasted-token flow');
      } finally {
        w.dispose();
        rec.stop();
      }
    });

    it("the audit of a hub server: 5.x refuses ?token= (quiet); the same probe on a hub that accepts it fires; silencing applies", async () => {
      const w = world({ tokenLifetimeDays: 7, silentRenewal: true });
      const service = new AuditService({
        log: w.log,
        policy: () => auditPolicy(),
        runtimeDirs: () => [],
        hubContext: (s) => hubAuditContextFor(s, (id) => w.hubs.get(id)?.entry),
      });
      try {
        fake.spawn = 'instant';
        const h = await w.hubs.add({ url: fake.url, signIn: { user: 'alice', password: FAKE_HUB_PASSWORD } });
        const ready = await h.start('');
        const server = w.registry.get(ready.endpoint.id);
        assert.ok(server);
        const token = await tokenOf(w, h.id);

        const rec = recorder(fake);
        const refused = await service.run(server);
        rec.stop();
        assert.equal(refused.status, 'done', refused.error);
        const ids = refused.report?.findings.map((f) => f.id) ?? [];
        assert.deepEqual(ids.filter((id) => id.startsWith('hub-')), ['hub-token-can-mint'], 'silent renewal: the tokens note, nothing else about the hub');
        assert.equal(refused.report?.server.hub?.tokenInUrl, 'refused');
        assert.equal(refused.report?.server.hub?.user, 'alice');
        const inUrl = rec.seen.filter((r) => /[?&]token=/.test(r.search));
        assert.equal(inUrl.length, 1, 'exactly one request put the token in a URL: the probe');
        assert.equal(inUrl[0]?.path, '/user/alice/api/status', "to the single-user server's own origin and path");
        assert.match(inUrl[0]?.search ?? '', /no_track_activity=1/);
        assert.equal(inUrl[0]?.authorization, undefined, 'the token in the query only: no header');
        assert.equal(inUrl[0]?.cookie, undefined, 'and no cookie');
        assert.equal(inUrl[0]?.status, 403);
        assert.ok(rec.seen.every((r) => r.cookie === undefined), 'no request of the audit carried a cookie');
        // The uncredentialed probes (authentication, XSRF, CORS) carry nothing; all others the token header.
        assertTokenHeaderOnly(rec.seen.filter((r) => r !== inUrl[0] && r.authorization !== undefined), 'the audit');

        fake.allowTokenInUrl = true;
        const accepted = await service.run(server);
        assert.equal(accepted.status, 'done', accepted.error);
        const f = accepted.report?.findings.find((x) => x.id === 'hub-token-in-url-accepted');
        assert.ok(f, 'a hub that accepts ?token= is reported');
        assert.equal(f.severity, 'warning');
        assert.match(f.evidence, /^GET \/user\/alice\/api\/status\?token=\[redacted\] .* → 200/);
        assert.equal(accepted.report?.server.hub?.tokenInUrl, 'accepted');
        const everything = JSON.stringify(accepted.report) + JSON.stringify(refused.report) + w.sink.lines.join('\n');
        assert.ok(!everything.includes(token), 'the token is in no report and no log line');

        const report = accepted.report;
        assert.ok(report);
        const shown = applySilencing(report, silencedFor({ [fake.url]: ['x'], '*': ['hub-token-in-url-accepted'] }, server.id).ids);
        assert.ok(!shown.findings.some((x) => x.id === 'hub-token-in-url-accepted'));
        assert.deepEqual(shown.server.silenced, ['hub-token-in-url-accepted']);
      } finally {
        service.dispose();
        w.dispose();
      }
    });

    it('the ?token= probe is not sent where the hub context names another origin, nor without a token', async () => {
      fake.spawn = 'instant';
      const t = fake.mint('alice', requestedScopes({ user: 'alice' }), 600);
      const res = await fetch(new URL('hub/api/users/alice/server', fake.url), { method: 'POST', headers: { authorization: `token ${t.token}` } });
      assert.equal(res.status, 201);
      const endpoint = endpointFromUrl(`${fake.url}user/alice/`);
      const rec = recorder(fake);
      try {
        const hub = { base: 'http://127.0.0.2:9/', user: 'alice', scopes: t.scopes };
        const report = await runAudit({ endpoint, credential: tokenCredential(t.token), mode: 'token', hub });
        assert.equal(report.server.hub?.tokenInUrl, 'not probed');
        assert.ok(rec.seen.length > 0, 'the audit ran against the server');
        assert.ok(!rec.seen.some((r) => /[?&]token=/.test(r.search)), 'no token in any URL');
        const same = await runAudit({ endpoint, credential: tokenCredential(t.token), mode: 'token', hub: { ...hub, base: fake.url } });
        assert.equal(same.server.hub?.tokenInUrl, 'refused', 'on the hub origin it is probed');
        const anonymous = await runAudit({ endpoint, credential: noCredential, hub: { ...hub, base: fake.url } });
        assert.equal(anonymous.server.hub?.tokenInUrl, 'not probed', 'no token, no probe');
        assert.equal(rec.seen.filter((r) => /[?&]token=/.test(r.search)).length, 1, 'only the one probe on the hub origin');
      } finally {
        rec.stop();
      }
    });
  });
});
