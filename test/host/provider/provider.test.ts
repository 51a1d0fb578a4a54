import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import type { ServerConnection } from '../../../src/core/registry/connection';
import type { TestApi } from '../../../src/vscode/testApi';
import { freePort, startJupyter, xsrfLogLines, type RunningJupyter } from '../../servers/jupyter';
import type { FixtureJupyterApi } from '../jupyterFixture/extension';
import type { NotebookSession } from '../jupyterFixture/notebookSession';
import { activate, treeLines, waitFor, whenState } from '../suite/helpers';

const COLLECTION = 'secure-jupyter-connections';

/** Every secret of a connection right now: its credential and the values of all cookies in its jar. */
function secretsOf(c: ServerConnection, server: RunningJupyter): string[] {
  const out = [server.token, server.password ?? '', ...(c.client?.auth.jar.all().map((k) => k.value) ?? [])];
  return out.filter((s) => s.length >= 8);
}

function assertNothingSecret(session: NotebookSession, secrets: Iterable<string>): void {
  const seen = JSON.stringify(session.transcript);
  let checked = 0;
  for (const s of secrets) {
    checked++;
    // Never print the secret itself, even in a failure.
    assert.ok(!seen.includes(s), `a secret (${s.length} characters) reached the Jupyter extension`);
  }
  assert.ok(checked > 0, 'there were secrets to look for');
  assert.equal(session.transcript.setCookies, 0, 'no Set-Cookie reached the Jupyter extension');
  assert.doesNotMatch(session.transcript.connectionInformation, /"token"|"headers"/, 'no token or headers in the connection information');
}

describe('notebooks on our connections: the Jupyter extension (a stand-in consumer) uses our server provider', () => {
  let api: TestApi;
  let jupyter: FixtureJupyterApi;
  const servers: RunningJupyter[] = [];
  const added: string[] = [];
  const sessions: NotebookSession[] = [];
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('secureJupyter');

  before(async () => {
    const ext = vscode.extensions.getExtension<FixtureJupyterApi>('ms-toolsai.jupyter');
    assert.ok(ext, 'the stand-in Jupyter extension is loaded (scripts/test-host.sh provider)');
    api = await activate();
    jupyter = ext.isActive ? ext.exports : await ext.activate();
    await waitFor('our collection to be registered', () => jupyter.consumer.collections().some((c) => c.id === COLLECTION));
  });
  after(async () => {
    for (const s of sessions) s.dispose();
    await config().update('session.idleTimeout', undefined, vscode.ConfigurationTarget.Global);
    for (const id of added) await vscode.commands.executeCommand('secureJupyter.removeServer', id, { confirm: false });
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function addServer(server: RunningJupyter, name: string): Promise<ServerConnection> {
    const credential = server.password === undefined ? { kind: 'token', token: server.token } : { kind: 'password', password: server.password };
    const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: server.url, credential, name });
    added.push(id);
    const c = api.registry.get(id);
    assert.ok(c);
    return c;
  }

  async function open(c: ServerConnection): Promise<NotebookSession> {
    const s = await jupyter.consumer.open(COLLECTION, c.id);
    sessions.push(s);
    return s;
  }

  it('registers one collection, "Secure Jupyter Connections", with an Add Server… command; a new server is listed and announced', async () => {
    const ours = jupyter.consumer.collections().filter((c) => c.id === COLLECTION);
    assert.deepEqual(ours, [{ id: COLLECTION, label: 'Secure Jupyter Connections', commands: true }]);
    assert.deepEqual(await jupyter.consumer.commands(COLLECTION), ['Add Server…']);
    const before = jupyter.consumer.changes(COLLECTION);
    const server = await startJupyter({ flavor: 'server' });
    servers.push(server);
    const c = await addServer(server, 'listed box');
    const listed = await waitFor('the new server in the list', async () => (await jupyter.consumer.servers(COLLECTION)).find((s) => s.id === c.id));
    assert.match(listed.label, /listed box/);
    await waitFor('onDidChangeServers', () => jupyter.consumer.changes(COLLECTION) > before);
  });

  it('removing a server in the kernel picker hides it there only: it stays in our view, and the hidden list holds ids only', async () => {
    const server = await startJupyter({ flavor: 'server' });
    servers.push(server);
    const c = await addServer(server, 'hidden box');
    await waitFor('listed', async () => (await jupyter.consumer.servers(COLLECTION)).some((s) => s.id === c.id));
    const before = jupyter.consumer.changes(COLLECTION);
    await jupyter.consumer.remove(COLLECTION, c.id);
    assert.equal((await jupyter.consumer.servers(COLLECTION)).some((s) => s.id === c.id), false, 'gone from the picker');
    assert.ok(api.registry.get(c.id), 'still one of our servers');
    assert.ok(jupyter.consumer.changes(COLLECTION) > before, 'the picker was told');
    const hidden = api.globalState.get<unknown>('secure-jupyter-connections.pickerHidden');
    assert.ok(Array.isArray(hidden) && hidden.includes(c.id));
    assert.ok(!JSON.stringify(hidden).includes(server.token), 'no token in globalState');
  });

  it('a server whose session expired and needs the user leaves the server list and is offered as "Sign In to …" instead', async () => {
    const port = await freePort();
    const first = await startJupyter({ flavor: 'server', port, token: 'prov-token-1' });
    servers.push(first);
    const previous = api.tokenRecovery.setPort({ askForNewToken: async () => undefined });
    try {
      const c = await addServer(first, 'rotating box');
      await first.kill();
      servers.push(await startJupyter({ flavor: 'server', port, token: 'prov-token-2' }));
      await vscode.commands.executeCommand('secureJupyter.refresh');
      await whenState(c, (k) => k === 'auth-expired', 'the refused token (the prompt answered nothing)');
      await waitFor('the server to leave the picker', async () => !(await jupyter.consumer.servers(COLLECTION)).some((s) => s.id === c.id));
      const commands = await jupyter.consumer.commands(COLLECTION);
      assert.ok(commands.includes('Sign In to rotating box…'), JSON.stringify(commands));
    } finally {
      api.tokenRecovery.setPort(previous);
    }
  });

  it('after Disconnect, the notebook\'s reconnects and requests do not connect the server again; choosing it again does', async () => {
    const server = await startJupyter({ flavor: 'server' });
    servers.push(server);
    fs.writeFileSync(path.join(server.rootDir, 'after-disconnect.txt'), 'x');
    const c = await addServer(server, 'disconnected box');
    const session = await open(c);
    await session.startKernel();
    assert.deepEqual(await session.execute('1+1'), ['2']);
    await vscode.commands.executeCommand('secureJupyter.disconnect', c.id);
    assert.equal(c.state.kind, 'disconnected');
    await assert.rejects(session.listContents(), /disconnected/);
    assert.equal(c.state.kind, 'disconnected', 'still disconnected: the notebook did not undo it');
    const again = await open(c);
    assert.equal(c.state.kind, 'connected', 'choosing the server in the picker connects');
    assert.ok((await again.listContents()).includes('after-disconnect.txt'));
    session.dispose(); // its kernel connection stops trying
  });

  const cases = [
    { flavor: 'server' as const, auth: 'token' as const },
    { flavor: 'notebook' as const, auth: 'password' as const },
  ];
  for (const { flavor, auth } of cases) {
    it(`${flavor === 'server' ? 'jupyter-server 1.23' : 'notebook 6.4'} with a ${auth}: a kernel starts, 1+1 → 2, contents list, the kernel shuts down; no secret reaches the Jupyter extension`, async () => {
      const configLines = xsrfLogLines(flavor === 'notebook' ? 'NotebookApp' : 'ServerApp');
      const server = await startJupyter(auth === 'password' ? { flavor, password: `nb-provider-${flavor}-pw`, configLines } : { flavor, configLines });
      servers.push(server);
      fs.writeFileSync(path.join(server.rootDir, 'hello-provider.ipynb'), '{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}');
      const c = await addServer(server, `${flavor} ${auth}`);
      const session = await open(c);
      assert.doesNotMatch(session.settings.token, /./, 'the Jupyter extension was given no token');
      const kernelId = await session.startKernel();
      assert.deepEqual(await session.execute('1+1'), ['2']);
      assert.ok((await session.listContents()).includes('hello-provider.ipynb'));
      // The explorer says the server and the kernel are in use by a notebook here, and which one.
      const label = `${flavor} ${auth}`;
      const rows = await waitFor('the explorer to show the notebook', async () => {
        const lines = await treeLines(api);
        const at = lines.findIndex((l) => l.trim().startsWith(label));
        const serverRow = /in use by notebooks \(1\)/.test(lines[at] ?? '');
        const kernelRow = lines.slice(at + 1).some((l) => /^\s+python3 — in use by analysis\.ipynb · /.test(l));
        return at >= 0 && serverRow && kernelRow ? lines : undefined;
      });
      assert.ok(rows.length > 0);
      const secrets = new Set(secretsOf(c, server));
      if (auth === 'password') {
        // Writes pass notebook 6.4's XSRF check only with our X-XSRFToken: the stand-in sends no header of its own.
        assert.ok(c.client?.auth.hasXsrf(), 'the session holds _xsrf');
        assert.ok(c.client?.auth.hasLoginCookie(), 'signed in with a cookie');
      }
      await session.shutdown();
      await waitFor('the explorer to drop "in use"', async () => !(await treeLines(api)).some((l) => l.includes('in use by')));
      const t = session.transcript;
      assert.ok(t.requests.includes(`POST ${new URL('api/sessions', server.url).pathname}`), t.requests.join('\n'));
      assert.ok(t.requests.some((r) => r.startsWith('DELETE ') && r.includes('/api/sessions/')), t.requests.join('\n'));
      assert.ok(t.sockets.some((u) => u.includes(`/api/kernels/${kernelId}/channels`)));
      assert.ok(t.frames.length > 0, 'kernel frames reached the subclass through its emit override');
      assert.ok(t.pings > 0, 'the keep-alive ping called back');
      assert.ok(!t.headers.some((h) => /^> (authorization|cookie|x-xsrftoken):/i.test(h)), 'the stand-in sent no credential of its own');
      assertNothingSecret(session, secrets);
      if (auth === 'password') {
        const logged = server.log().split('\n').filter((l) => l.includes('SJC-XSRF'));
        const line = (re: RegExp): string | undefined => logged.find((l) => re.test(l));
        assert.ok(line(/SJC-XSRF 201 POST \S*\/api\/sessions present/), `the kernel start carried X-XSRFToken:\n${logged.join('\n')}`);
        assert.ok(line(/SJC-XSRF 204 DELETE \S*\/api\/sessions\/\S+ present/), `the shutdown carried X-XSRFToken:\n${logged.join('\n')}`);
        assert.ok(line(new RegExp(`SJC-XSRF 101 GET \\S*/api/kernels/${kernelId}/channels present`)), `the upgrade carried X-XSRFToken:\n${logged.join('\n')}`);
      }
    });
  }

  it('notebook 6.4 with a password: after an idle expiry and after a server-side expiry the next execute works with exactly one silent login each, nobody asked', async () => {
    // The server refuses a login cookie older than ~8.6 s (max_age_days), while the cookie itself claims a day: only
    // the server knows it has expired.
    const server = await startJupyter({
      flavor: 'notebook',
      password: 'nb-provider-expiry-pw',
      traits: { cookie_options: '{"expires_days": 1}', get_secure_cookie_kwargs: '{"max_age_days": 0.0001}' },
    });
    servers.push(server);
    fs.writeFileSync(path.join(server.rootDir, 'after-expiry.txt'), 'x');
    await config().update('session.idleTimeout', 0.05, vscode.ConfigurationTarget.Global);
    const c = await addServer(server, 'expiring box');
    assert.equal(c.lifecycle.idleTimeoutMs, 3000);
    const session = await open(c);
    await session.startKernel();
    assert.deepEqual(await session.execute('1+1'), ['2']);
    const secrets = new Set(secretsOf(c, server));
    const prompts = api.tokenRecovery.prompts;

    // Idle: the session is dropped; the notebook's socket stays open; its next frame signs in again.
    await whenState(c, (k) => k === 'idle-expired', 'idle expiry');
    assert.equal(c.client?.auth.hasLoginCookie(), false, 'the cookie session was dropped');
    const idleLogins = c.client?.auth.loginCount ?? 0;
    const back = whenState(c, (k) => k === 'connected', 'signed in again');
    assert.deepEqual(await session.execute('2+2'), ['4']);
    await back;
    assert.equal(c.client?.auth.loginCount, idleLogins + 1, 'one silent login after the idle expiry');
    for (const s of secretsOf(c, server)) secrets.add(s);

    // Server-side: idle expiry off, then wait until the server itself refuses the login cookie we hold.
    await config().update('session.idleTimeout', 0, vscode.ConfigurationTarget.Global);
    // Counted from here: a background listing of ours may be the first to meet the refused cookie.
    const serverLogins = c.client?.auth.loginCount ?? 0;
    const cookie = c.client?.auth.jar.cookieHeader(new URL(server.url)) ?? '';
    assert.match(cookie, /username-/, 'a login cookie to test');
    await waitFor(
      'the server to refuse the login cookie',
      async () => (await fetch(new URL('api/contents', server.url), { headers: { cookie } })).status === 403,
      60_000,
    );
    // The Jupyter extension opens a new socket (as after a lost one): the upgrade is refused, we sign in and retry.
    await session.reconnect();
    assert.deepEqual(await session.execute('3+3'), ['6']);
    assert.ok((await session.listContents()).includes('after-expiry.txt'));
    assert.equal(c.client?.auth.loginCount, serverLogins + 1, 'one silent login after the server-side expiry');
    assert.equal(api.tokenRecovery.prompts, prompts, 'nobody was asked');
    for (const s of secretsOf(c, server)) secrets.add(s);
    await session.shutdown();
    assertNothingSecret(session, secrets);
  });
});
