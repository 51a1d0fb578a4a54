import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import type { TestApi } from '../../../src/vscode/testApi';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { NOTIFIED_KEY } from '../../../src/vscode/security/securityNotifier';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, serverNodes, waitFor } from './helpers';

const SILENCED = 'secureJupyter.security.silencedFindings';

function background(api: TestApi): string | undefined {
  return (api.statusBar.item.backgroundColor as vscode.ThemeColor | undefined)?.id;
}

function tooltip(item: vscode.TreeItem | vscode.StatusBarItem): string {
  const t = item.tooltip;
  return typeof t === 'string' ? t : (t?.value ?? '');
}

/** The server's Security row, once its audit finished. */
async function securityNode(api: TestApi, id: string): Promise<Extract<TreeNode, { kind: 'security' }>> {
  return waitFor(
    `the Security row of ${id}`,
    async () => {
      await api.tree.settled();
      const row = serverNodes(api).find((n) => n.server.id === id);
      const node = row && api.tree.getChildren(row.node).find((n) => n.kind === 'security');
      return node?.kind === 'security' && node.view.status === 'done' && !api.security.service.isRunning(id) ? node : undefined;
    },
    30_000,
  );
}

/** "severity id" per finding row under the Security node, with the row's icon. */
function findingRows(api: TestApi, node: TreeNode): string[] {
  return api.tree.getChildren(node).map((n) => {
    assert.equal(n.kind, 'finding');
    const item = api.tree.getTreeItem(n);
    const icon = item.iconPath as vscode.ThemeIcon;
    return `${icon.id}/${(icon.color as vscode.ThemeColor | undefined)?.id ?? ''} ${String(item.description)}`;
  });
}

async function setSilenced(value: Record<string, string[]> | undefined): Promise<void> {
  await vscode.workspace.getConfiguration().update(SILENCED, value, vscode.ConfigurationTarget.Global);
}

describe('security audit in VS Code: Security rows, status bar, notification, report, silencing (real servers)', () => {
  let api: TestApi;
  let notebook: RunningJupyter;
  let open: RunningJupyter;
  const added: string[] = [];

  before(async () => {
    api = await activate();
    [notebook, open] = await Promise.all([
      startJupyter({ flavor: 'notebook', traits: { cookie_options: '{"httponly": False}', disable_check_xsrf: 'True', allow_origin: "'*'" } }),
      startJupyter({ flavor: 'server', token: '' }),
    ]);
  });
  after(async () => {
    await setSilenced(undefined);
    for (const id of added) await vscode.commands.executeCommand('secureJupyter.removeServer', id, { confirm: false });
    await Promise.all([notebook?.stop(), open?.stop()]);
  });

  it('audits notebook 6.4 (httponly off, XSRF check off, allow_origin=*) on connect: one row per finding, icon by severity', async () => {
    const id = (await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: notebook.url, credential: { kind: 'token', token: notebook.token } }))!;
    added.push(id);
    const node = await securityNode(api, id);
    assert.deepEqual(findingRows(api, node), [
      'error/list.errorForeground cors-any-origin',
      'warning/list.warningForeground xsrf-check-disabled',
      'warning/list.warningForeground login-cookie-not-httponly',
      'warning/list.warningForeground login-cookie-no-samesite',
      'warning/list.warningForeground login-cookie-long-lived',
      'info/notificationsInfoIcon.foreground token-in-page',
    ]);
    const item = api.tree.getTreeItem(node);
    assert.equal(item.label, 'Security');
    assert.equal(item.description, '1 error(s) · 4 warning(s) · 1 info');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Expanded, 'expanded: it holds an error');
    const cors = api.tree.getChildren(node)[0]!;
    const corsTip = tooltip(api.tree.getTreeItem(cors));
    assert.match(corsTip, /Access-Control-Allow-Origin: \*/, 'the evidence is in the tooltip');
    assert.match(corsTip, /c\.NotebookApp\.allow_origin/, 'the fix names the notebook setting');
    assert.ok(!corsTip.includes(notebook.token), 'no token in the tooltip');
  });

  it('marks the server insecure in the tree and the status bar (warning background, a line naming the server and the count)', async () => {
    const id = added[0]!;
    const row = serverNodes(api).find((n) => n.server.id === id)!;
    const serverItem = api.tree.getTreeItem(row.node);
    assert.equal((serverItem.iconPath as vscode.ThemeIcon).id, 'unlock');
    assert.match(String(serverItem.description), /insecure/);
    api.statusBar.update();
    assert.equal(api.statusBar.item.text, '$(unlock) 1 Jupyter: insecure');
    assert.equal(background(api), 'statusBarItem.warningBackground');
    // appendText escapes: read the tooltip as the hover shows it.
    const shown = tooltip(api.statusBar.item).replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
    assert.match(shown, new RegExp(`127\\.0\\.0\\.1:${notebook.port} — Connected, insecure: The server accepts requests from any web origin`));
  });

  it('remembers the notification for this server and finding set in globalState: ids only', () => {
    const shown = api.globalState.get<string[]>(NOTIFIED_KEY) ?? [];
    const key = `${added[0]} cors-any-origin,login-cookie-long-lived,login-cookie-no-samesite,login-cookie-not-httponly,token-in-page,xsrf-check-disabled`;
    assert.ok(shown.includes(key), JSON.stringify(shown));
    assert.ok(!JSON.stringify(api.globalState.get(NOTIFIED_KEY)).includes(notebook.token));
  });

  it('"Show Security Report" opens a Markdown report with the server, each finding with its evidence and fix, and no secret', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('secureJupyter.showSecurityReport', added[0]);
    assert.ok(uri, 'the report document');
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /^# Security audit: 127\.0\.0\.1:\d+/);
    for (const id of ['cors-any-origin', 'xsrf-check-disabled', 'login-cookie-not-httponly', 'login-cookie-no-samesite', 'login-cookie-long-lived', 'token-in-page']) {
      assert.ok(text.includes(`Finding id: \`${id}\``), id);
    }
    assert.ok(text.includes('notebook 6.x: c.NotebookApp.disable_check_xsrf'), 'the XSRF fix names the notebook setting');
    assert.ok(text.includes('jupyter_server: 1.x: c.ServerApp.cookie_options'), 'the cookie fix names the jupyter_server setting');
    assert.match(text, /Access-Control-Allow-Origin: \*/, 'evidence');
    assert.match(text, /Nothing is silenced for this server\./);
    assert.ok(!text.includes(notebook.token), 'no token in the report');
    assert.doesNotMatch(text, /2\|1:0\|/, 'no signed cookie value in the report');
  });

  it('silencing cors-any-origin for this server removes it from the counts, the status bar and the rows; the report lists it as silenced', async () => {
    const id = added[0]!;
    await setSilenced({ [notebook.url.replace(/\/$/, '')]: ['cors-any-origin'], '*': ['token-in-page'] });
    await waitFor('the silenced view', () => api.security.view(id)?.counts.error === 0);
    const node = await securityNode(api, id);
    assert.deepEqual(node.view.counts, { error: 0, warning: 4, info: 0 });
    assert.deepEqual(
      findingRows(api, node).map((r) => r.split(' ')[1]),
      ['xsrf-check-disabled', 'login-cookie-not-httponly', 'login-cookie-no-samesite', 'login-cookie-long-lived'],
    );
    assert.equal(api.tree.getTreeItem(node).description, '4 warning(s) · 2 silenced');
    api.statusBar.update();
    assert.equal(api.statusBar.item.text, '$(plug) 1 Jupyter');
    assert.equal(background(api), undefined);
    assert.deepEqual(api.registry.get(id)?.insecure, []);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('secureJupyter.showSecurityReport', id);
    const text = (await vscode.workspace.openTextDocument(uri!)).getText();
    assert.match(text, /silenced by the setting `secureJupyter\.security\.silencedFindings`: `cors-any-origin`, `token-in-page`/);
    assert.ok(!text.includes('Finding id: `cors-any-origin`'));
  });

  it('audits jupyter-server 1.23 with authentication off: auth-disabled, an error', async () => {
    const id = (await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: open.url, credential: { kind: 'none' } }))!;
    added.push(id);
    const node = await securityNode(api, id);
    assert.deepEqual(findingRows(api, node), ['error/list.errorForeground auth-disabled']);
    // The notifier acts on the security state's change event, which the tree may show first: wait for its record.
    await waitFor(`the auth-disabled notification of ${id} remembered`, () => (api.globalState.get<string[]>(NOTIFIED_KEY) ?? []).includes(`${id} auth-disabled`), 30_000);
    const view = await vscode.commands.executeCommand<{ status: string; counts: Record<string, number> }>('secureJupyter.runSecurityAudit', id);
    assert.equal(view?.status, 'done');
    assert.deepEqual(view?.counts, { error: 1, warning: 0, info: 0 });
    assert.deepEqual(api.globalState.get<string[]>(NOTIFIED_KEY)?.filter((k) => k === `${id} auth-disabled`), [`${id} auth-disabled`], 'the same set is not remembered (or shown) twice');
    // The connection saw it too: one reason per finding id, in the connection's own words.
    assert.deepEqual(api.registry.get(id)?.insecure, [{ id: 'auth-disabled', text: 'the server has authentication turned off' }]);
  });

  it('a server with no finding shows "No issues found"', async () => {
    const id = added[1]!;
    await setSilenced({ [id]: ['auth-disabled'] });
    await waitFor('the silenced auth-disabled', () => api.security.view(id)?.counts.error === 0);
    const node = await securityNode(api, id);
    const item = api.tree.getTreeItem(node);
    assert.equal(item.description, 'No issues found · 1 silenced');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.None);
    assert.deepEqual(api.tree.getChildren(node), []);
    // Silencing covers the connection's own reason too: the server no longer counts as insecure.
    assert.deepEqual(api.registry.get(id)?.insecure, []);
    assert.equal((api.tree.getTreeItem(api.tree.getChildren().flatMap((g) => api.tree.getChildren(g)).find((n) => n.kind === 'server' && n.server.id === id)!).iconPath as vscode.ThemeIcon).id, 'vm-active');
  });
});
