import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import type { ConnectionStateKind } from '../../../src/core/lifecycle/state';
import type { ServerConnection } from '../../../src/core/registry/connection';
import type { TokenPromptRequest } from '../../../src/core/registry/tokenRecovery';
import { secretKey } from '../../../src/core/secrets/secretStore';
import type { TestApi } from '../../../src/vscode/testApi';
import { freePort, startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, serverNodes, whenState } from './helpers';

interface Shown {
  description: string;
  icon: string | undefined;
  tooltip: string;
  statusText: string;
  statusBackground: string | undefined;
}

/** What the tree row and the status bar show for a server right now (both computed synchronously). */
function shown(api: TestApi, id: string): Shown {
  const row = serverNodes(api).find((s) => s.server.id === id);
  assert.ok(row, `${id} is in the tree`);
  const item = api.tree.getTreeItem(row.node);
  api.statusBar.update();
  return {
    description: String(item.description ?? ''),
    icon: (item.iconPath as vscode.ThemeIcon | undefined)?.id,
    // appendText escapes spaces and punctuation; read it back as plain text.
    tooltip: ((item.tooltip as vscode.MarkdownString | undefined)?.value ?? '').replace(/&nbsp;/g, ' ').replace(/\\/g, ''),
    statusText: api.statusBar.item.text,
    statusBackground: (api.statusBar.item.backgroundColor as vscode.ThemeColor | undefined)?.id,
  };
}

/** Snapshot of what is shown at the moment the connection enters a state (before anything can move it on). */
function shownWhen(api: TestApi, c: ServerConnection, kind: ConnectionStateKind, what: string): Promise<Shown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}; the state is ${c.state.kind}`));
    }, 60_000);
    const sub = c.onDidChange(() => {
      if (c.state.kind !== kind) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(shown(api, c.id));
    });
  });
}

describe('session lifecycle in VS Code: idle expiry, silent re-login, a restarted server', () => {
  let api: TestApi;
  let pw: RunningJupyter;
  const servers: RunningJupyter[] = [];
  const added: string[] = [];
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('secureJupyter');

  before(async () => {
    api = await activate();
    pw = await startJupyter({ flavor: 'server', password: 'lc-pass-1' });
    servers.push(pw);
  });
  after(async () => {
    await config().update('session.idleTimeout', undefined, vscode.ConfigurationTarget.Global);
    for (const id of added) await vscode.commands.executeCommand('secureJupyter.removeServer', id, { confirm: false });
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('a fractional idle timeout (0.05 min = 3 s) closes the session: the tree row and the status bar say idle; Refresh signs in again silently and shows connected', async () => {
    await config().update('session.idleTimeout', 0.05, vscode.ConfigurationTarget.Global);
    const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: pw.url, credential: { kind: 'password', password: 'lc-pass-1' } });
    added.push(id);
    const c = api.registry.get(id);
    assert.ok(c);
    assert.equal(c.lifecycle.idleTimeoutMs, 3000, 'the setting took effect in minutes, fractions allowed');
    assert.equal(c.client?.auth.plan, 'password-login');

    await whenState(c, (k) => k === 'idle-expired', 'idle expiry');
    const idle = shown(api, id);
    assert.match(idle.description, /Idle/);
    assert.equal(idle.icon, 'watch');
    assert.match(idle.tooltip, /signs in again on next use/);
    assert.match(idle.tooltip, /secureJupyter\.session\.idleTimeout/);
    assert.match(idle.statusText, /^\$\(watch\) \d+ Jupyter: idle$/);
    assert.equal(idle.statusBackground, undefined, 'idle is not a problem: no warning or error background');
    assert.equal(c.client?.auth.hasLoginCookie(), false, 'the cookie session was dropped');

    const logins = c.client?.auth.loginCount ?? 0;
    const prompts = api.tokenRecovery.prompts;
    const reauth = shownWhen(api, c, 're-authenticating', 'the silent re-login');
    const connected = shownWhen(api, c, 'connected', 'connected again');
    await vscode.commands.executeCommand('secureJupyter.refresh');
    const during = await reauth;
    assert.match(during.description, /Signing in again/);
    assert.equal(during.icon, 'sync~spin');
    assert.match(during.statusText, /signing in again/);
    const back = await connected;
    assert.match(back.description, /Connected/);
    assert.equal(back.icon, 'vm-active');
    assert.match(back.statusText, /^\$\(plug\) \d+ Jupyter$/);
    assert.equal(c.client?.auth.loginCount, logins + 1, 'one silent login with the saved password');
    assert.equal(api.tokenRecovery.prompts, prompts, 'nobody was asked');
    await config().update('session.idleTimeout', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a hand-added server restarted with a new token asks exactly once (prompt stubbed through the test API) and reconnects with the answer', async () => {
    const port = await freePort();
    const first = await startJupyter({ flavor: 'server', port, token: 'lc-token-1' });
    servers.push(first);
    const requests: TokenPromptRequest[] = [];
    const previous = api.tokenRecovery.setPort({
      askForNewToken: async (r) => {
        requests.push(r);
        return 'lc-token-2';
      },
    });
    try {
      const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: first.url, credential: { kind: 'token', token: 'lc-token-1' }, name: 'restarting box' });
      added.push(id);
      const c = api.registry.get(id);
      assert.ok(c);
      await first.kill();
      servers.push(await startJupyter({ flavor: 'server', port, token: 'lc-token-2' }));
      const expired = shownWhen(api, c, 'auth-expired', 'the saved token refused');
      // The next use meets the restarted server.
      await vscode.commands.executeCommand('secureJupyter.refresh');
      const refused = await expired;
      // Waited for only now: made earlier, it would be satisfied at once by the connection still looking connected
      // before the restart was noticed, and the checks below would race the recovery saving the new token.
      const reconnected = whenState(c, (k) => k === 'connected', 'reconnected with the new token');
      assert.equal(refused.icon, 'key');
      assert.match(refused.statusText, /session expired/);
      assert.equal(refused.statusBackground, 'statusBarItem.errorBackground');
      await reconnected;
      assert.equal(requests.length, 1);
      assert.equal(requests[0]?.serverName, 'restarting box');
      assert.match(requests[0]?.reason ?? '', /rejected the token/);
      assert.equal(await api.secrets.get(secretKey(id, 'token')), 'lc-token-2', 'the new token is in the secret storage');
      await vscode.commands.executeCommand('secureJupyter.refresh');
      assert.equal(c.state.kind, 'connected');
      assert.equal(requests.length, 1, 'asked once');
    } finally {
      api.tokenRecovery.setPort(previous);
    }
  });
});
