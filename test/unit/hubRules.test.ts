import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeServer } from '../../src/core/audit/audit';
import { FINDING_IDS, SEVERITY_OF, isFindingId, type Finding } from '../../src/core/audit/findings';
import {
  MAX_HUB_TOKEN_DAYS,
  hubAuditContextFor,
  hubFindings,
  hubScopeFindings,
  hubTokenInUrlFindings,
  hubTokenLifetimeFindings,
  hubTransportFindings,
  sameOriginAsHub,
} from '../../src/core/audit/hubRules';
import type { HubObservations } from '../../src/core/audit/observations';
import { DEFAULT_AUDIT_POLICY, auditPolicy } from '../../src/core/audit/policy';
import { evaluateAudit } from '../../src/core/audit/rules';
import { applySilencing, silencedFor } from '../../src/core/audit/silencing';
import type { SavedHub } from '../../src/core/hub/savedHubs';
import { requestedScopes } from '../../src/core/hub/scopes';
import type { ServerSource } from '../../src/core/registry/serverSource';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { redact } from '../../src/core/util/redact';
import { observations } from './auditHelpers';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00.000Z');
/** What 3.0 makes of our request (A.9: `servers` expanded, read scopes implied). */
const EXPANDED = [...requestedScopes({ user: 'alice' }), 'read:servers!user=alice', 'delete:servers!user=alice', 'read:users:groups!user=alice'];

function hub(extra: Partial<HubObservations> = {}): HubObservations {
  const created = new Date(NOW.getTime() - DAY);
  return {
    base: 'https://hub.example.org/',
    user: 'alice',
    scopes: EXPANDED,
    expiresAt: new Date(created.getTime() + 7 * DAY).toISOString(),
    createdAt: created.toISOString(),
    signIn: 'password',
    observedAt: NOW,
    tokenInUrl: { request: 'GET /user/alice/api/status', status: 403, message: 'Forbidden' },
    ...extra,
  };
}

const ids = (fs: readonly Finding[]): string[] => fs.map((f) => f.id);

/** Every hub finding is about the hub only: one fix line, JupyterHub's. */
function assertHubFix(f: Finding | undefined): void {
  assert.ok(f);
  assert.equal(f.fixFor.notebook, '');
  assert.equal(f.fixFor.jupyterServer, '');
  assert.match(f.fix, /^JupyterHub: \S/);
  assert.equal(f.fix.split('\n').length, 1, f.id);
}

describe('audit: hub rules', () => {
  it('the hub ids are finding ids with their severities, in report order', () => {
    for (const id of ['hub-plain-http', 'hub-token-in-url-accepted', 'hub-token-long-lived', 'hub-token-excess-scopes', 'hub-token-can-mint']) {
      assert.ok(isFindingId(id), id);
    }
    assert.equal(SEVERITY_OF['hub-plain-http'], 'error');
    assert.equal(SEVERITY_OF['hub-token-in-url-accepted'], 'warning');
    assert.equal(SEVERITY_OF['hub-token-long-lived'], 'warning');
    assert.equal(SEVERITY_OF['hub-token-excess-scopes'], 'warning');
    assert.equal(SEVERITY_OF['hub-token-can-mint'], 'info', 'lower than the excess-scope warning');
    assert.ok(FINDING_IDS.indexOf('hub-plain-http') === FINDING_IDS.indexOf('plain-http-remote') + 1);
  });

  it('a well-made hub token on an https hub that refuses ?token= → nothing', () => {
    assert.deepEqual(hubFindings(observations('https://hub.example.org/user/alice/', { hub: hub() })), []);
    assert.deepEqual(hubFindings(observations()), [], 'not a hub server: no hub rules');
  });

  describe('(a) hub-plain-http', () => {
    it('fires for plain http to a hub that is not loopback, with the host and what crosses in clear text', () => {
      for (const base of ['http://hub.example.org/', 'http://10.0.0.5:8000/jhub/']) {
        const f = hubTransportFindings(hub({ base }));
        assert.deepEqual(ids(f), ['hub-plain-http'], base);
        assert.equal(f[0]?.severity, 'error');
        assert.match(f[0]?.evidence ?? '', new RegExp(`${new URL(base).hostname.replace(/\./g, '\\.')}, which is not a loopback address`));
        assert.match(f[0]?.evidence ?? '', /the hub token .* the password/);
        assert.match(f[0]?.fixFor.jupyterHub ?? '', /c\.JupyterHub\.ssl_cert and c\.JupyterHub\.ssl_key/);
        assertHubFix(f[0]);
      }
    });

    it('stays quiet for https and for loopback http', () => {
      for (const base of ['https://hub.example.org/', 'http://127.0.0.1:8000/', 'http://localhost:8000/', 'http://[::1]:8000/', 'not a url']) {
        assert.deepEqual(hubTransportFindings(hub({ base })), [], base);
      }
    });
  });

  describe('(b) hub-token-long-lived', () => {
    it('fires for a token that never expires', () => {
      const f = hubTokenLifetimeFindings(hub({ expiresAt: null }));
      assert.deepEqual(ids(f), ['hub-token-long-lived']);
      assert.equal(f[0]?.title, 'The hub token never expires');
      assert.match(f[0]?.evidence ?? '', /no expiry/);
      assertHubFix(f[0]);
    });

    it(`fires beyond ${MAX_HUB_TOKEN_DAYS} days (made → expires), quiet at ${MAX_HUB_TOKEN_DAYS} days and below`, () => {
      const made = NOW.getTime() - DAY;
      const at = (d: number): Partial<HubObservations> => ({ createdAt: new Date(made).toISOString(), expiresAt: new Date(made + d * DAY).toISOString() });
      const f = hubTokenLifetimeFindings(hub(at(31)));
      assert.deepEqual(ids(f), ['hub-token-long-lived']);
      assert.match(f[0]?.evidence ?? '', /lives 31 days \(made 2026-02-28T12:00:00\.000Z, expires 2026-03-31T12:00:00\.000Z\)/);
      assert.equal(f[0]?.title, 'The hub token lives longer than 30 days');
      assert.deepEqual(hubTokenLifetimeFindings(hub(at(30))), []);
      assert.deepEqual(hubTokenLifetimeFindings(hub(at(7))), []);
    });

    it('a token of unknown age is measured from now; a lifetime not known says nothing', () => {
      const young = hub({ expiresAt: new Date(NOW.getTime() + 45 * DAY).toISOString() });
      delete young.createdAt;
      const f = hubTokenLifetimeFindings(young);
      assert.deepEqual(ids(f), ['hub-token-long-lived']);
      assert.match(f[0]?.evidence ?? '', /45 days from now/);
      const unknown = hub();
      delete unknown.expiresAt;
      assert.deepEqual(hubTokenLifetimeFindings(unknown), [], 'undefined expiry = not known (a pasted token), not "never"');
      assert.deepEqual(hubTokenLifetimeFindings(hub({ expiresAt: 'garbage' })), []);
    });

    it('the fix depends on how the token was had', () => {
      const byPassword = hubTokenLifetimeFindings(hub({ expiresAt: null, signIn: 'password' }))[0];
      assert.match(byPassword?.fixFor.jupyterHub ?? '', /^sign in to the hub again with the password: the extension asks for a token that expires \(after 7 days by default\)/);
      const pasted = hubTokenLifetimeFindings(hub({ expiresAt: null, signIn: 'token' }))[0];
      assert.match(pasted?.fixFor.jupyterHub ?? '', /^make a token that expires \(POST https:\/\/hub\.example\.org\/hub\/api\/users\/alice\/tokens with .*"expires_in": 604800/);
      for (const f of [byPassword, pasted]) assert.match(f?.fixFor.jupyterHub ?? '', /c\.JupyterHub\.token_expires_in_max_seconds = 2592000 \(JupyterHub 5\.1\+\)/);
    });
  });

  describe('(c) scopes', () => {
    it('exactly our request as 3.0 expands it: no finding', () => {
      assert.deepEqual(hubScopeFindings(hub()), []);
      assert.deepEqual(hubScopeFindings(hub({ scopes: ['access:servers!server=alice/', 'servers!user=alice', 'read:users:name!user=alice'] })), [], 'the facts sheet set for the default server');
    });

    it('hub-token-excess-scopes lists every scope beyond the servers: other users, unfiltered, admin', () => {
      const extra = ['access:servers!user=bob', 'access:servers', 'admin:users', 'read:servers!user=bob'];
      const f = hubScopeFindings(hub({ scopes: [...EXPANDED, ...extra] }));
      assert.deepEqual(ids(f), ['hub-token-excess-scopes']);
      assert.equal(f[0]?.severity, 'warning');
      assert.match(f[0]?.evidence ?? '', /holds 4 scopes beyond using, starting and stopping alice's own servers: access:servers!user=bob, access:servers, admin:users, read:servers!user=bob\./);
      assert.match(f[0]?.evidence ?? '', /access:servers!user=alice, servers!user=alice, read:users:name!user=alice are enough/);
      assert.match(f[0]?.fixFor.jupyterHub ?? '', /asks for only access:servers!user=alice, servers!user=alice, read:users:name!user=alice/);
      assertHubFix(f[0]);
      assert.equal(redact(f[0]?.evidence ?? ''), f[0]?.evidence, 'scope names survive redaction whole');
    });

    it('hub-token-can-mint: a note of its own (info) for tokens!user=NAME, which silent renewal asks for', () => {
      const f = hubScopeFindings(hub({ scopes: [...EXPANDED, 'tokens!user=alice', 'read:tokens!user=alice'] }));
      assert.deepEqual(ids(f), ['hub-token-can-mint'], 'tokens!user=alice is not excess: it is ours with silent renewal');
      assert.equal(f[0]?.severity, 'info');
      assert.match(f[0]?.evidence ?? '', /holds tokens!user=alice: .*new tokens with any of alice's scopes \(observed on JupyterHub 3\.0\)/);
      assert.match(f[0]?.evidence ?? '', /silent renewal/);
      assert.match(f[0]?.fixFor.jupyterHub ?? '', /turn silent renewal off and sign in to the hub again/);
      assertHubFix(f[0]);
    });

    it('unfiltered tokens: excess and the can-mint note', () => {
      const f = hubScopeFindings(hub({ scopes: [...EXPANDED, 'tokens'], signIn: 'token' }));
      assert.deepEqual(ids(f), ['hub-token-excess-scopes', 'hub-token-can-mint']);
      assert.match(f[0]?.evidence ?? '', /: tokens\./);
      assert.match(f[1]?.fixFor.jupyterHub ?? '', /^make a token without "tokens"/);
    });
  });

  describe('(d) hub-token-in-url-accepted', () => {
    it('fires when the single-user server answered the token in ?token= alone with 200', () => {
      const f = hubTokenInUrlFindings(hub({ tokenInUrl: { request: 'GET /user/alice/api/status', status: 200 } }));
      assert.deepEqual(ids(f), ['hub-token-in-url-accepted']);
      assert.equal(f[0]?.title, 'Tokens in URLs are accepted (JupyterHub < 5.0 default)');
      assert.match(f[0]?.evidence ?? '', /^GET \/user\/alice\/api\/status\?token=\[redacted\] with the hub token in the URL only \(no Authorization header, no cookie\) → 200/);
      assert.match(f[0]?.fixFor.jupyterHub ?? '', /c\.Spawner\.environment = \{"JUPYTERHUB_ALLOW_TOKEN_IN_URL": "0"\}/);
      assert.match(f[0]?.fixFor.jupyterHub ?? '', /JupyterHub 5/);
      assertHubFix(f[0]);
    });

    it('quiet for 403 (refused), for other statuses, and when not probed', () => {
      for (const status of [403, 404, 500, 503]) {
        assert.deepEqual(hubTokenInUrlFindings(hub({ tokenInUrl: { request: 'GET /user/alice/api/status', status } })), [], String(status));
      }
      const unprobed = hub();
      delete unprobed.tokenInUrl;
      assert.deepEqual(hubTokenInUrlFindings(unprobed), []);
    });
  });

  describe('wired into the audit like the other rules', () => {
    const worstHub = (): HubObservations =>
      hub({ base: 'http://hub.example.org/', expiresAt: null, scopes: [...EXPANDED, 'admin:users', 'tokens!user=alice'], tokenInUrl: { request: 'GET /user/alice/api/status', status: 200 } });

    it('evaluateAudit: the hub findings next to the server findings, most serious first', () => {
      const { findings } = evaluateAudit(observations('http://hub.example.org/user/alice/', { hub: worstHub() }));
      assert.deepEqual(ids(findings), ['plain-http-remote', 'hub-plain-http', 'hub-token-in-url-accepted', 'hub-token-long-lived', 'hub-token-excess-scopes', 'hub-token-can-mint']);
    });

    it('silencing works the same: by policy, by the per-server setting, and the summary says so', () => {
      const obs = observations('http://hub.example.org/user/alice/', { hub: worstHub() });
      const policy = auditPolicy({ silenced: ['hub-token-can-mint', 'hub-plain-http'] });
      const { findings, silenced } = evaluateAudit(obs, policy);
      assert.ok(!findings.some((f) => f.id === 'hub-token-can-mint' || f.id === 'hub-plain-http'));
      assert.deepEqual(silenced, ['hub-plain-http', 'hub-token-can-mint']);
      const all = evaluateAudit(obs, DEFAULT_AUDIT_POLICY);
      const report = { server: summarizeServer(obs, 'token-header', DEFAULT_AUDIT_POLICY, all.silenced), findings: all.findings };
      const setting = { '*': ['hub-token-in-url-accepted'], 'http://hub.example.org/user/alice': ['hub-token-excess-scopes'] };
      const ids2 = silencedFor(setting, 'http://hub.example.org/user/alice/').ids;
      assert.deepEqual([...ids2].sort(), ['hub-token-excess-scopes', 'hub-token-in-url-accepted']);
      const shown = applySilencing(report, ids2);
      assert.deepEqual(shown.server.silenced, ['hub-token-in-url-accepted', 'hub-token-excess-scopes']);
      assert.ok(!shown.findings.some((f) => ids2.has(f.id)));
    });

    it('the summary names the hub, the token expiry and the ?token= probe (no token value)', () => {
      const obs = observations('https://hub.example.org/user/alice/', { hub: worstHub() });
      const s = summarizeServer(obs, 'token-header', DEFAULT_AUDIT_POLICY, []);
      assert.deepEqual(s.hub, { base: 'http://hub.example.org/', user: 'alice', scopes: [...EXPANDED, 'admin:users', 'tokens!user=alice'], tokenExpires: 'never', tokenInUrl: 'accepted' });
      const refused = summarizeServer(observations('https://hub.example.org/user/alice/', { hub: hub() }), 'token-header', DEFAULT_AUDIT_POLICY, []);
      assert.equal(refused.hub?.tokenInUrl, 'refused');
      assert.equal(summarizeServer(observations(), 'token-header', DEFAULT_AUDIT_POLICY, []).hub, undefined);
    });
  });

  describe('hubAuditContextFor (for the VS Code layer)', () => {
    const HUB_ID = 'https://hub.example.org/hub/';
    const source: ServerSource = {
      kind: 'hub',
      hub: { id: HUB_ID, label: 'alice@hub.example.org', user: 'alice' },
      server: { name: '', ready: true, pending: null, stopped: false, url: '/user/alice/' },
    };
    const saved: SavedHub = {
      id: HUB_ID,
      base: 'https://hub.example.org/',
      user: 'alice',
      signIn: 'password',
      tokenId: 'a7',
      scopes: EXPANDED,
      expiresAt: '2026-03-07T12:00:00.000Z',
      tokenCreatedAt: '2026-02-28T12:00:00.000Z',
      addedAt: '2026-02-28T12:00:00.000Z',
    };

    it('derives the context from a hub source and its saved entry', () => {
      const ctx = hubAuditContextFor({ source }, (id) => (id === HUB_ID ? saved : undefined));
      assert.deepEqual(ctx, { base: 'https://hub.example.org/', user: 'alice', scopes: EXPANDED, signIn: 'password', expiresAt: '2026-03-07T12:00:00.000Z', createdAt: '2026-02-28T12:00:00.000Z' });
    });

    it('a token whose model was seen and has no expiry never expires; a pasted one whose model was not seen is unknown', () => {
      const { expiresAt: _e, ...never } = saved;
      assert.equal(hubAuditContextFor({ source }, () => never)?.expiresAt, null);
      const { expiresAt: _e2, tokenCreatedAt: _c, ...pasted } = saved;
      const ctx = hubAuditContextFor({ source }, () => ({ ...pasted, signIn: 'token' }));
      assert.ok(ctx);
      assert.equal('expiresAt' in ctx, false);
      assert.deepEqual(hubTokenLifetimeFindings({ ...ctx, observedAt: NOW }), [], 'nothing said about a lifetime not known');
      assert.deepEqual(ids(hubTokenLifetimeFindings({ ...hubAuditContextFor({ source }, () => never)!, observedAt: NOW })), ['hub-token-long-lived']);
    });

    it('undefined for a server that is not a hub\'s, and for a hub not known', () => {
      const saved2: ServerSource = { kind: 'saved', entry: { id: 'http://127.0.0.1:8888/', authMode: 'auto', credential: 'token', addedAt: '2026-01-01T00:00:00.000Z' } };
      assert.equal(hubAuditContextFor({ source: saved2 }, () => saved), undefined);
      assert.equal(hubAuditContextFor({ source }, () => undefined), undefined);
    });

    it('sameOriginAsHub: the ?token= probe goes only to a server on the hub\'s own origin', () => {
      assert.equal(sameOriginAsHub(endpointFromUrl('https://hub.example.org/user/alice/'), 'https://hub.example.org/'), true);
      assert.equal(sameOriginAsHub(endpointFromUrl('https://hub.example.org/jhub/user/alice/'), 'https://hub.example.org/jhub/'), true);
      assert.equal(sameOriginAsHub(endpointFromUrl('https://alice.hub.example.org/'), 'https://hub.example.org/'), false);
      assert.equal(sameOriginAsHub(endpointFromUrl('http://hub.example.org/user/alice/'), 'https://hub.example.org/'), false, 'another scheme is another origin');
      assert.equal(sameOriginAsHub(endpointFromUrl('http+unix://%2Ftmp%2Fj.sock/'), 'http://localhost/'), false);
      assert.equal(sameOriginAsHub(endpointFromUrl('https://hub.example.org/user/alice/'), 'nonsense'), false);
    });
  });
});
