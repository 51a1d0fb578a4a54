import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { ServerRegistry } from '../../../src/core/registry/registry';
import { secretKey } from '../../../src/core/secrets/secretStore';
import type { TestApi } from '../../../src/vscode/testApi';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, waitFor } from './helpers';

function background(api: TestApi): string | undefined {
  return (api.statusBar.item.backgroundColor as vscode.ThemeColor | undefined)?.id;
}

/** Waits until the status bar text matches (the item updates on a short debounce after each change). */
function waitForText(api: TestApi, re: RegExp): Promise<string> {
  return waitFor(`status bar text ${re}`, () => (re.test(api.statusBar.item.text) ? api.statusBar.item.text : undefined), 30_000);
}

describe('sessions and the status bar, following the connection state', () => {
  let api: TestApi;
  let pw: RunningJupyter;
  let open: RunningJupyter;
  const added: string[] = [];

  before(async () => {
    api = await activate();
    [pw, open] = await Promise.all([startJupyter({ flavor: 'notebook', password: 'sb-pass-1' }), startJupyter({ flavor: 'server', token: '' })]);
  });
  after(async () => {
    for (const id of added) await vscode.commands.executeCommand('secureJupyter.removeServer', id, { confirm: false });
    await Promise.all([pw?.stop(), open?.stop()]);
  });

  it('shows no connection before any server is connected', async () => {
    const text = await waitForText(api, /Jupyter/);
    assert.ok(!/\d+ Jupyter/.test(text) || api.registry.list().some((c) => c.state.kind === 'connected'), text);
  });

  it('counts a connected password server ($(plug) 1 Jupyter), with its cookie session in the secret storage', async () => {
    const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: pw.url, credential: { kind: 'password', password: 'sb-pass-1' } });
    added.push(id);
    assert.equal(await waitForText(api, /^\$\(plug\) 1 Jupyter$/), '$(plug) 1 Jupyter');
    assert.equal(background(api), undefined);
    const c = api.registry.get(id)!;
    assert.equal(c.client?.auth.plan, 'password-login');
    await c.flushCookies();
    assert.ok(await api.secrets.get(secretKey(id, 'cookies')), 'the cookie jar is in the secret storage');
    assert.equal(await api.secrets.get(secretKey(id, 'password')), 'sb-pass-1');
  });

  it('a second window (another registry over the same SecretStorage and globalState) resumes the cookie session without signing in', async () => {
    const id = added[0]!;
    const second = new ServerRegistry({
      secrets: api.secrets,
      state: { get: (k) => api.globalState.get(k), update: async (k, v) => void (await api.globalState.update(k, v)) },
    });
    try {
      second.init();
      const c = second.get(id);
      assert.equal(c?.savedEntry?.credential, 'password', 'the saved entry comes from globalState');
      await c.connect();
      assert.equal(c.state.kind, 'connected');
      assert.equal(c.client?.auth.loginCount, 0, 'the cookie session from the secret storage was used: no new login');
    } finally {
      second.dispose();
    }
  });

  it('Sign Out drops the cookie session and keeps the password', async () => {
    const id = added[0]!;
    assert.equal(await vscode.commands.executeCommand('secureJupyter.signOut', id), true);
    assert.equal(await api.secrets.get(secretKey(id, 'cookies')), undefined);
    assert.equal(await api.secrets.get(secretKey(id, 'password')), 'sb-pass-1');
    assert.equal(api.registry.get(id)?.state.kind, 'disconnected');
    await waitForText(api, /^\$\(debug-disconnect\) Jupyter$/);
  });

  it('says "session expired" on the error background when the server needs credentials again', async () => {
    const id = added[0]!;
    assert.equal(await vscode.commands.executeCommand('secureJupyter.forgetCredentials', id, { confirm: false }), true);
    assert.equal(await api.secrets.get(secretKey(id, 'password')), undefined);
    assert.equal(api.registry.get(id)?.savedEntry?.credential, 'none');
    assert.equal(await vscode.commands.executeCommand('secureJupyter.connect', id), false);
    assert.equal(api.registry.get(id)?.state.kind, 'auth-expired');
    assert.match(await waitForText(api, /session expired/), /^\$\(key\) Jupyter: session expired$/);
    assert.equal(background(api), 'statusBarItem.errorBackground');
    await vscode.commands.executeCommand('secureJupyter.disconnect', id);
  });

  it('warns about an insecure connection (a server with authentication off) on the warning background', async () => {
    await waitForText(api, /^\$\(debug-disconnect\) Jupyter$/);
    const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: open.url, credential: { kind: 'none' } });
    added.push(id);
    // First the connection's own reason; the security audit adds its own line when it finishes (security.test.ts).
    assert.equal(api.registry.get(id)?.insecure[0]?.text, 'the server has authentication turned off');
    assert.equal(await waitForText(api, /insecure/), '$(unlock) 1 Jupyter: insecure');
    assert.equal(background(api), 'statusBarItem.warningBackground');
  });

  it('shows the reconnecting spinner when a connected server goes away, and recovers when disconnected', async () => {
    const id = added[1]!;
    await open.stop();
    // The next request fails: the lifecycle marks it unreachable and starts retrying.
    await vscode.commands.executeCommand('secureJupyter.refresh');
    await api.registry.get(id)?.refreshKernels().catch(() => undefined);
    const text = await waitForText(api, /reconnecting|unreachable/);
    assert.match(text, /^\$\((sync~spin|debug-disconnect)\) Jupyter: (reconnecting|unreachable)$/);
    assert.ok(['statusBarItem.warningBackground', 'statusBarItem.errorBackground'].includes(background(api) ?? ''), background(api));
    await vscode.commands.executeCommand('secureJupyter.disconnect', id);
    await waitForText(api, /^\$\(debug-disconnect\) Jupyter$/);
  });
});
