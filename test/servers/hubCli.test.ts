import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHub, stopAllHubs, type RunningHub } from './jupyterhub';

/**
 * `jupyter-secure hub` and `check`/`audit` with JUPYTERHUB_API_TOKEN, the built CLI (dist/cli.js) run as a user
 * runs it, against Debian's JupyterHub 3.0 started by the test harness.
 */
const CLI = resolve(__dirname, '../../../dist/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: mkdtempSync(join(tmpdir(), 'sjc-home-')), ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function assertNoSecrets(run: Run, secrets: string[]): void {
  for (const s of secrets) {
    assert.ok(!run.stdout.includes(s) && !run.stderr.includes(s), `a secret reached the CLI output:\n${run.stdout}\n${run.stderr}`);
  }
}

interface HubJson {
  hub: { url: string; api: string; version: string };
  user: string;
  admin: boolean;
  token: { source: string; id: string | null; scopes: string[]; excessScopes: string[]; expiry: string; expiresAt: string | null; expiryNote: string | null };
  servers: { name: string; state: string; url: string | null; started: string | null; lastActivity: string | null }[] | null;
  serversNote: string | null;
}

/** What our client asks for (requestedScopes): the user's servers, nothing else. */
const NARROW = ['access:servers!user=alice', 'servers!user=alice', 'read:users:name!user=alice'];

describe('jupyter-secure hub, and check/audit with JUPYTERHUB_API_TOKEN, against JupyterHub 3.0', { timeout: 300_000 }, () => {
  let hub: RunningHub;
  /** A token with exactly NARROW, one with all of alice's scopes (none asked for), one that may not see servers. */
  let narrow: string;
  let broad: string;
  let blind: string;
  let secrets: string[];

  async function mint(scopes: string[] | undefined): Promise<string> {
    const res = await fetch(new URL('hub/api/users/alice/tokens', hub.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { username: 'alice', password: hub.password }, expires_in: 3600, note: 'sjc cli test', ...(scopes ? { scopes } : {}) }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { token: string }).token;
  }

  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(new URL(`hub/api/users/alice/${path}`, hub.url), { ...init, headers: { authorization: `token ${narrow}`, ...init.headers } });

  async function serverModel(name: string): Promise<{ ready: boolean; pending: string | null } | undefined> {
    const res = await fetch(new URL('hub/api/users/alice?include_stopped_servers=1', hub.url), { headers: { authorization: `token ${narrow}` } });
    return ((await res.json()) as { servers?: Record<string, { ready: boolean; pending: string | null }> }).servers?.[name];
  }

  /** Polls the user model until `ok` holds for the server (the hub's own answer, not a guess at how long it takes). */
  async function waitForServer(name: string, ok: (m: { ready: boolean; pending: string | null } | undefined) => boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!ok(await serverModel(name))) {
      if (Date.now() > deadline) throw new Error(`server "${name}" did not get there: ${JSON.stringify(await serverModel(name))}\n${hub.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Starts a server and waits for it: a 202 is followed on the progress stream to its `ready` event. */
  async function startServer(name: string): Promise<void> {
    const path = name ? `servers/${encodeURIComponent(name)}` : 'server';
    const res = await api(path, { method: 'POST' });
    assert.ok(res.status === 201 || res.status === 202, `start ${name}: ${res.status} ${await res.text()}`);
    if (res.status === 202) {
      const progress = await api(`${path}/progress`, { headers: { accept: 'text/event-stream' } });
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of progress.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (/"(ready|failed)": true/.test(text)) break;
      }
      assert.match(text, /"ready": true/, text);
    }
    await waitForServer(name, (m) => m?.ready === true);
  }

  async function stopServer(name: string): Promise<void> {
    const res = await api(name ? `servers/${encodeURIComponent(name)}` : 'server', { method: 'DELETE' });
    assert.ok(res.status === 204 || res.status === 202, `stop ${name}: ${res.status}`);
    await waitForServer(name, (m) => !m || (!m.ready && m.pending === null));
  }

  const hubJson = async (token: string, url = hub.url): Promise<HubJson> => {
    const run = await cli(['hub', url, '--json', '--verbose'], { JUPYTERHUB_API_TOKEN: token });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assertNoSecrets(run, secrets);
    return JSON.parse(run.stdout) as HubJson;
  };

  before(async () => {
    hub = await startHub();
    [narrow, broad, blind] = await Promise.all([mint(NARROW), mint(undefined), mint(['access:servers!server=alice/'])]);
    secrets = [narrow, broad, blind, hub.password];
  });
  after(async () => {
    // The server is stopped by the last test; stopping the hub ends anything a failed test left running.
    await stopAllHubs();
  });

  it('hub --json: user alice, version 3.x, the scopes, expiry unknown before 5.0, the default server stopped; any hub URL form', async () => {
    const r = await hubJson(narrow);
    assert.equal(r.user, 'alice');
    assert.match(r.hub.version, /^3\./);
    assert.equal(r.hub.url, hub.url);
    assert.equal(r.hub.api, `${hub.url}hub/`);
    assert.equal(r.token.source, 'JUPYTERHUB_API_TOKEN');
    for (const s of [...NARROW, 'read:servers!user=alice', 'delete:servers!user=alice']) assert.ok(r.token.scopes.includes(s), `${s} in ${r.token.scopes.join(', ')}`);
    assert.deepEqual(r.token.excessScopes, []);
    // 3.0's whoami has no token_id, so the token's own model (its expiry) cannot be looked up.
    assert.equal(r.token.id, null);
    assert.equal(r.token.expiry, 'unknown');
    assert.match(r.token.expiryNote ?? '', /JupyterHub 5\.0/);
    assert.deepEqual(r.servers, [{ name: '', state: 'stopped', url: `${hub.url}user/alice/`, started: null, lastActivity: null }]);
    // The hub's own URL and a single-user URL name the same hub.
    assert.deepEqual(await hubJson(narrow, `${hub.url}hub/home`), r);
    assert.deepEqual(await hubJson(narrow, `${hub.url}user/alice/lab`), r);
  });

  it('hub (text): the facts one per line; a token broader than a client needs gets a line saying so', async () => {
    const plain = await cli(['hub', hub.url], { JUPYTERHUB_API_TOKEN: narrow });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^Hub http:\/\/127\.0\.0\.1:\d+\/ \(JupyterHub 3\.\d+\.\d+; token: JUPYTERHUB_API_TOKEN\)$/m);
    assert.match(plain.stdout, /^ {2}user +alice$/m);
    assert.match(plain.stdout, /^ {2}token scopes +access:servers!user=alice, /m);
    assert.match(plain.stdout, /^ {2}token expires +unknown \(/m);
    assert.match(plain.stdout, /^ {4}\(default\) +stopped +http:\/\/127\.0\.0\.1:\d+\/user\/alice\/ +last activity never$/m);
    assert.doesNotMatch(plain.stdout, /broader/);
    const wide = await cli(['hub', hub.url], { JUPYTERHUB_API_TOKEN: broad });
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(wide.stdout, /broader than a client needs: .*users:activity!user=alice/);
    const r = await hubJson(broad);
    assert.ok(r.token.excessScopes.includes('users:activity!user=alice'), r.token.excessScopes.join(', '));
    assert.ok(!r.token.excessScopes.includes('servers!user=alice'), 'what a client needs is not excess');
    assertNoSecrets(plain, secrets);
    assertNoSecrets(wide, secrets);
  });

  it('a token that may not see the servers: servers unknown, with the scope that would show them', async () => {
    const r = await hubJson(blind);
    assert.equal(r.user, 'alice');
    assert.equal(r.servers, null);
    assert.match(r.serversNote ?? '', /read:servers!user=alice/);
  });

  it('without JUPYTERHUB_API_TOKEN: exit 2 and what to set; a token in the URL is refused and never echoed', async () => {
    const run = await cli(['hub', hub.url]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /set JUPYTERHUB_API_TOKEN \(make one on http:\/\/127\.0\.0\.1:\d+\/hub\/token\)/);
    const inUrl = await cli(['hub', `${hub.url}hub/?token=${narrow}`, '--json'], { JUPYTERHUB_API_TOKEN: narrow });
    assert.equal(inUrl.code, 2);
    assert.match(inUrl.stderr, /never taken from the command line.*set JUPYTERHUB_API_TOKEN/);
    assertNoSecrets(inUrl, secrets);
  });

  it('a token the hub refuses: exit 1, says so and what to do, never echoed', async () => {
    const bogus = 'deadbeef'.repeat(4);
    const run = await cli(['hub', hub.url, '--json', '--verbose'], { JUPYTERHUB_API_TOKEN: bogus });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /refused the token.*Set JUPYTERHUB_API_TOKEN to a current token/);
    assertNoSecrets(run, [bogus, ...secrets]);
  });

  it('after starting the default server (and a named one, stopped again): running with its URL and last activity; the named one stopped', async () => {
    await startServer('');
    await startServer('gpu');
    await stopServer('gpu');
    const r = await hubJson(narrow);
    const byName = Object.fromEntries((r.servers ?? []).map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(byName), ['', 'gpu'], 'default first, then named');
    assert.equal(byName['']?.state, 'running');
    assert.equal(byName['']?.url, `${hub.url}user/alice/`);
    assert.ok(!Number.isNaN(Date.parse(byName['']?.lastActivity ?? '')), `last activity ${byName['']?.lastActivity}`);
    assert.equal(byName['gpu']?.state, 'stopped');
    assert.equal(byName['gpu']?.url, `${hub.url}user/alice/gpu/`);
    const text = await cli(['hub', hub.url], { JUPYTERHUB_API_TOKEN: narrow });
    assert.match(text.stdout, /^ {4}\(default\) +running +http:\/\/127\.0\.0\.1:\d+\/user\/alice\/ +last activity \d{4}-/m);
    assert.match(text.stdout, /^ {4}gpu +stopped +http:\/\/127\.0\.0\.1:\d+\/user\/alice\/gpu\/ /m);
    assertNoSecrets(text, secrets);
  });

  it('check on the single-user URL takes JUPYTERHUB_API_TOKEN as a token header: every step passes', async () => {
    const run = await cli(['check', `${hub.url}user/alice/`, '--json', '--verbose'], { JUPYTERHUB_API_TOKEN: narrow });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; server: { auth: string; credentialSource: string }; steps: { name: string; ok: boolean }[] };
    assert.equal(report.ok, true);
    assert.deepEqual(report.steps.map((s) => [s.name, s.ok]), ['reach', 'authenticate', 'xsrf', 'start-kernel', 'kernel-websocket', 'cleanup'].map((n) => [n, true]));
    assert.equal(report.server.credentialSource, 'JUPYTERHUB_API_TOKEN');
    assert.match(report.server.auth, /Authorization header/);
    // --verbose logs each request with the headers it carried (named, never shown): the token, no cookie, no XSRF.
    assert.match(run.stderr, /POST \/user\/alice\/api\/kernels \[authorization\] → 201/);
    assert.doesNotMatch(run.stderr, /\[[^\]]*(cookie|xsrf)[^\]]*\]/i);
    assertNoSecrets(run, secrets);
    const text = await cli(['check', `${hub.url}user/alice/`], { JUPYTERHUB_API_TOKEN: narrow });
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /credential: JUPYTERHUB_API_TOKEN\)/);
    assert.match(text.stdout, /All 6 steps passed\./);
    assertNoSecrets(text, secrets);
  });

  it('audit on the single-user URL takes JUPYTERHUB_API_TOKEN too; --auth cookie with it is refused (exit 2)', async () => {
    const run = await cli(['audit', `${hub.url}user/alice/`, '--json'], { JUPYTERHUB_API_TOKEN: narrow });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as { server: { credentialSource: string; auth: string } };
    assert.equal(report.server.credentialSource, 'JUPYTERHUB_API_TOKEN');
    assertNoSecrets(run, secrets);
    const cookie = await cli(['check', `${hub.url}user/alice/`, '--auth', 'cookie'], { JUPYTERHUB_API_TOKEN: narrow });
    assert.equal(cookie.code, 2);
    assert.match(cookie.stderr, /--auth cookie cannot use JUPYTERHUB_API_TOKEN.*Use --auth token or auto/);
    assertNoSecrets(cookie, secrets);
  });

  it('stopping the default server: hub reports it stopped', async () => {
    await stopServer('');
    const r = await hubJson(narrow);
    assert.equal(r.servers?.find((s) => s.name === '')?.state, 'stopped');
  });
});
