import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HUB_TOKEN_ENV, resolveCredential } from '../../src/cli/credentials';
import { formatHubReport, hubArgs, hubReport, hubServers, type HubAnswers, type HubReport } from '../../src/cli/hubCommand';
import { main } from '../../src/cli/main';
import { UsageError, terminalSafe, type Output } from '../../src/cli/output';
import { parseHubUrl } from '../../src/core/hub/hubUrl';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { clearRegisteredSecrets, redact } from '../../src/core/util/redact';
import { fakeHttpServer, makeTempDir, type FakeHttpServer } from './helpers';

class Capture implements Output {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  out(line: string): void {
    this.stdout.push(line);
  }
  err(line: string): void {
    this.stderr.push(line);
  }
  get all(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }
}

const HUB = 'https://hub.example.org/';

function answers(over: Partial<HubAnswers> = {}): HubAnswers {
  return {
    pasted: parseHubUrl(HUB),
    version: '5.2.1',
    me: { name: 'ada', scopes: ['servers!user=ada', 'access:servers!user=ada', 'read:users:name!user=ada'] },
    model: { name: 'ada', servers: {} },
    token: undefined,
    tokenUnreadable: false,
    source: HUB_TOKEN_ENV,
    ...over,
  };
}

describe('cli/hubCommand: the report (pure)', () => {
  it('5.x: the token named and readable → its expiry; never-expiring → never; named but unreadable → unknown with the scope', () => {
    const at = hubReport(answers({ me: { name: 'ada', token_id: 'a7', scopes: [] }, token: { id: 'a7', user: 'ada', scopes: [], expires_at: '2030-01-02T03:04:05Z' } }));
    assert.deepEqual([at.token.id, at.token.expiry, at.token.expiresAt, at.token.expiryNote], ['a7', 'at', '2030-01-02T03:04:05Z', null]);
    const never = hubReport(answers({ me: { name: 'ada', token_id: 'a7' }, token: { id: 'a7', user: 'ada', scopes: [], expires_at: null } }));
    assert.deepEqual([never.token.expiry, never.token.expiresAt], ['never', null]);
    const hidden = hubReport(answers({ me: { name: 'ada', token_id: 'a7' }, tokenUnreadable: true }));
    assert.equal(hidden.token.expiry, 'unknown');
    assert.match(hidden.token.expiryNote ?? '', /read:tokens!user=ada/);
    const old = hubReport(answers());
    assert.equal(old.token.expiry, 'unknown');
    assert.match(old.token.expiryNote ?? '', /JupyterHub 5\.0/);
  });

  it('excess scopes are those a client for the own servers does not need', () => {
    const r = hubReport(answers({ me: { name: 'ada', scopes: ['admin:users', 'servers!user=ada', 'read:servers!user=ada', 'access:servers!server=ada/', 'users:activity!user=ada'] } }));
    assert.deepEqual(r.token.excessScopes, ['admin:users', 'users:activity!user=ada']);
    assert.deepEqual(r.token.scopes, [...r.token.scopes].sort(), 'sorted');
  });

  it('servers: default first (listed stopped when the hub has none), named by name, state from the model, URLs on the hub origin', () => {
    const base = parseHubUrl('https://hub.example.org/jhub/').base;
    const list = hubServers(base, 'ada', {
      zeta: { name: 'zeta', ready: false, pending: 'spawn', stopped: false, url: '/jhub/user/ada/zeta/' },
      beta: { name: 'beta', ready: true, pending: 'stop', stopped: false, url: '/jhub/user/ada/beta/', last_activity: '2030-01-01T00:00:00Z' },
      far: { name: 'far', ready: true, pending: null, stopped: false, url: 'https://ada.users.example.org/' },
    });
    assert.deepEqual(
      list.map((s) => [s.name, s.state, s.url, s.lastActivity]),
      [
        ['', 'stopped', 'https://hub.example.org/jhub/user/ada/', null],
        ['beta', 'stopping', 'https://hub.example.org/jhub/user/ada/beta/', '2030-01-01T00:00:00Z'],
        ['far', 'running', 'https://ada.users.example.org/', null],
        ['zeta', 'starting', 'https://hub.example.org/jhub/user/ada/zeta/', null],
      ],
    );
  });

  it('servers the token may not see → null with the scope; the model\'s servers win over whoami\'s', () => {
    assert.equal(hubReport(answers({ model: { name: 'ada' } })).servers, null);
    assert.match(hubReport(answers({ model: { name: 'ada' } })).serversNote ?? '', /read:servers!user=ada/);
    const fromMe = hubReport(answers({ model: { name: 'ada' }, me: { name: 'ada', servers: { '': { name: '', ready: true, pending: null, stopped: false, url: '/user/ada/' } } } }));
    assert.equal(fromMe.servers?.[0]?.state, 'running');
  });

  it('the text: one fact a line, an excess line only when there is excess, servers in columns; nothing the redaction would mask', () => {
    const r: HubReport = hubReport(
      answers({
        me: { name: 'ada', admin: true, token_id: 'a7', scopes: ['tokens', 'servers!user=ada'] },
        token: { id: 'a7', user: 'ada', scopes: [], expires_at: '2030-01-02T03:04:05Z' },
        model: { name: 'ada', servers: { '': { name: '', ready: true, pending: null, stopped: false, url: '/user/ada/', last_activity: '2030-01-01T00:00:00Z' }, gpu: { name: 'gpu', ready: false, pending: null, stopped: true, url: '/user/ada/gpu/' } } },
      }),
    );
    const lines = formatHubReport(r);
    assert.deepEqual(lines, [
      'Hub https://hub.example.org/ (JupyterHub 5.2.1; token: JUPYTERHUB_API_TOKEN)',
      '  user            ada (admin)',
      '  token scopes    servers!user=ada, tokens',
      '                  broader than a client needs: tokens (make a token with only the scopes your servers need)',
      '  token expires   2030-01-02T03:04:05Z',
      '  servers',
      '    (default)  running   https://hub.example.org/user/ada/      last activity 2030-01-01T00:00:00Z',
      '    gpu        stopped   https://hub.example.org/user/ada/gpu/  last activity never',
    ]);
    for (const line of lines) assert.equal(redact(line), line);
    assert.ok(!formatHubReport(hubReport(answers())).some((l) => /broader/.test(l)));
    assert.match(formatHubReport(hubReport(answers({ model: { name: 'ada' } }))).at(-1) ?? '', /^ {2}servers +unknown: .*read:servers!user=ada/);
  });

  it('hubArgs: exactly one URL, a positive --timeout', () => {
    assert.throws(() => hubArgs({}, []), UsageError);
    assert.throws(() => hubArgs({}, ['a', 'b']), UsageError);
    assert.throws(() => hubArgs({ timeout: '0' }, ['x']), /--timeout must be a positive number/);
    assert.deepEqual(hubArgs({ timeout: '5', json: true }, ['x']), { url: 'x', json: true, caFiles: [], timeoutSeconds: 5, verbose: false });
  });
});

describe('cli/output: terminalSafe', () => {
  it('escape sequences, carriage returns and C1 controls are shown, not obeyed; newlines, tabs and text stay', () => {
    assert.equal(terminalSafe('gpu\u001b[2J\rx\u009b'), 'gpu\\x1B[2J\\x0Dx\\x9B');
    assert.equal(terminalSafe('a\tb\nc ✓ é'), 'a\tb\nc ✓ é');
  });
});

describe('cli: hub and JUPYTERHUB_API_TOKEN', () => {
  let dir: string;
  let cleanup: () => void;
  let env: NodeJS.ProcessEnv;
  const TOKEN = 'hub-unit-token-5150';

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    mkdirSync(join(dir, 'empty-runtime'));
    env = { JUPYTER_RUNTIME_DIR: join(dir, 'empty-runtime'), PATH: process.env['PATH'] ?? '' };
  });
  afterEach(() => {
    cleanup();
    clearRegisteredSecrets();
  });

  async function run(...argv: string[]): Promise<{ code: number; out: Capture }> {
    const out = new Capture();
    return { code: await main(argv, out, env), out };
  }

  it('hub without JUPYTERHUB_API_TOKEN → 2, says to set it and where to make one (nothing is contacted)', async () => {
    const { code, out } = await run('hub', 'http://127.0.0.1:1/user/ada/');
    assert.equal(code, 2);
    assert.match(out.stderr[0] ?? '', /set JUPYTERHUB_API_TOKEN \(make one on http:\/\/127\.0\.0\.1:1\/hub\/token\)/);
  });

  it('hub with ?token= in the URL → 2, never printed; no URL → 2', async () => {
    env[HUB_TOKEN_ENV] = TOKEN;
    const inUrl = await run('hub', 'http://127.0.0.1:1/hub/?token=argv-token-777');
    assert.equal(inUrl.code, 2);
    assert.match(inUrl.out.all, /remove \?token=… and set JUPYTERHUB_API_TOKEN/);
    assert.ok(!inUrl.out.all.includes('argv-token-777'));
    assert.equal((await run('hub')).code, 2);
  });

  describe('against a hand-made 5.x hub', () => {
    let hub: FakeHttpServer;
    const seen: { url: string; authorization: string | undefined; cookie: string | undefined }[] = [];
    beforeEach(async () => {
      seen.length = 0;
      hub = await fakeHttpServer((req, res) => {
        seen.push({ url: req.url ?? '', authorization: req.headers.authorization, cookie: req.headers.cookie });
        const reply = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        const path = (req.url ?? '').split('?')[0] ?? '';
        // As JupyterHub: the version is public, unknown paths are 404, the rest needs the token.
        if (path === '/hub/api/' || path === '/hub/api') return reply(200, { version: '5.2.1' });
        const answers: Record<string, unknown> = {
          '/hub/api/user': { name: 'ada', token_id: 'a9', scopes: ['access:servers!user=ada', 'servers!user=ada', 'read:tokens!user=ada'] },
          '/hub/api/users/ada': { name: 'ada', servers: { '': { name: '', ready: true, pending: null, stopped: false, url: '/user/ada/', last_activity: '2030-01-01T00:00:00Z' } } },
          '/hub/api/users/ada/tokens/a9': { id: 'a9', user: 'ada', scopes: [], expires_at: '2030-02-03T04:05:06Z', token: 'never-shown' },
        };
        if (!(path in answers)) return reply(404, { status: 404, message: 'Not Found' });
        if (req.headers.authorization !== `token ${TOKEN}`) return reply(403, { status: 403, message: 'Forbidden' });
        return reply(200, answers[path]);
      });
    });
    afterEach(() => hub.close());

    it('hub --json: the token id and expiry (5.x), the servers; the token only in the Authorization header, never printed', async () => {
      env[HUB_TOKEN_ENV] = `  ${TOKEN}\n`;
      const { code, out } = await run('hub', `${hub.url}user/ada/`, '--json', '--verbose');
      assert.equal(code, 0, out.all);
      const r = JSON.parse(out.stdout.join('\n')) as HubReport;
      assert.equal(r.hub.version, '5.2.1');
      assert.deepEqual([r.user, r.token.id, r.token.expiry, r.token.expiresAt], ['ada', 'a9', 'at', '2030-02-03T04:05:06Z']);
      assert.deepEqual(r.servers?.map((s) => [s.name, s.state, s.url]), [['', 'running', `${hub.url}user/ada/`]]);
      assert.deepEqual([...new Set(seen.map((s) => s.url.split('?')[0]))], ['/hub/api/', '/hub/api/user', '/hub/api/users/ada', '/hub/api/users/ada/tokens/a9']);
      assert.ok(seen.every((s) => s.cookie === undefined), 'no cookie is ever sent to a hub');
      assert.ok(seen.filter((s) => s.url !== '/hub/api/').every((s) => s.authorization === `token ${TOKEN}`), 'trimmed, as a token header');
      assert.ok(!out.all.includes(TOKEN) && !out.all.includes('never-shown'));
    });

    it('a refused token → 1 with what to do; the URL naming another user → a warning', async () => {
      env[HUB_TOKEN_ENV] = 'wrong-token-4242';
      const refused = await run('hub', hub.url);
      assert.equal(refused.code, 1);
      assert.match(refused.out.stderr.join('\n'), /refused the token.*Set JUPYTERHUB_API_TOKEN to a current token \(make one on http:\/\/127\.0\.0\.1:\d+\/hub\/token\)/);
      assert.ok(!refused.out.all.includes('wrong-token-4242'));
      env[HUB_TOKEN_ENV] = TOKEN;
      const other = await run('hub', `${hub.url}user/bob/`);
      assert.equal(other.code, 0, other.out.all);
      assert.match(other.out.stderr.join('\n'), /names the user bob, but the token is ada's/);
    });

    it('a hub that is not there → 1 saying it is not a hub', async () => {
      env[HUB_TOKEN_ENV] = TOKEN;
      const notHub = await fakeHttpServer((_req, res) => void res.writeHead(404).end('nope'));
      try {
        const { code, out } = await run('hub', notHub.url);
        assert.equal(code, 1);
        assert.match(out.stderr.join('\n'), /does not answer as a JupyterHub/);
      } finally {
        await notHub.close();
      }
    });
  });

  describe('resolveCredential', () => {
    const resolveFor = (url: string, mode: 'auto' | 'token' | 'cookie' = 'auto') => resolveCredential(endpointFromUrl(url), mode, env, []);

    it('JUPYTERHUB_API_TOKEN is the token for a hub single-user URL (default or named server) when nothing else is given', async () => {
      env[HUB_TOKEN_ENV] = TOKEN;
      for (const url of ['https://hub.example.org/user/ada/', 'https://hub.example.org/jhub/user/ada/gpu/']) {
        const r = await resolveFor(url);
        assert.equal(r.source, HUB_TOKEN_ENV);
        assert.deepEqual(r.credential, { kind: 'token', token: TOKEN });
      }
      assert.equal((await resolveFor('https://hub.example.org/user/ada/', 'token')).source, HUB_TOKEN_ENV);
    });

    it('JUPYTER_TOKEN and JUPYTER_PASSWORD win; other URLs never get the hub token; --auth cookie with it → usage error', async () => {
      env[HUB_TOKEN_ENV] = TOKEN;
      assert.equal((await resolveFor('https://hub.example.org/user/ada/')).source, HUB_TOKEN_ENV);
      const plain = await resolveFor('http://127.0.0.1:8888/');
      assert.equal(plain.credential.kind, 'none');
      assert.match(plain.source, /JUPYTERHUB_API_TOKEN is used only for a hub server URL/);
      await assert.rejects(resolveFor('https://hub.example.org/user/ada/', 'cookie'), /--auth cookie cannot use JUPYTERHUB_API_TOKEN/);
      env['JUPYTER_PASSWORD'] = 'pw-1234';
      assert.equal((await resolveFor('https://hub.example.org/user/ada/')).source, 'JUPYTER_PASSWORD');
      env['JUPYTER_TOKEN'] = 'jt-1234';
      assert.equal((await resolveFor('https://hub.example.org/user/ada/')).source, 'JUPYTER_TOKEN');
    });

    it('the hub token is registered for redaction as soon as it is read', async () => {
      env[HUB_TOKEN_ENV] = TOKEN;
      await resolveFor('http://127.0.0.1:8888/');
      assert.equal(redact(`x ${TOKEN} y`), 'x [redacted] y');
    });
  });
});
