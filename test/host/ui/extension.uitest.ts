// UI tests of the extension in the real workbench (Debian Chromium via playwright-core), plain Node under mocha:
//   SJC_VSCODE_VERSION=oldest|newest npx mocha --timeout 180000 'out/test/host/ui/*.uitest.js'
// SJC_UPDATE_SCREENSHOTS=1 writes the README's screenshots to docs/screenshots.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { repoRoot } from '../harness/install';
import { launchVsCode, sleep, type VsCodeHandle } from '../harness/launch';
import { openViewContainer, readNotifications, runCommand, screenshot, treeRows, waitForStatusBarItem } from '../harness/ui';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import {
  browserStorageDump,
  filesContaining,
  forward,
  lanAddress,
  pickQuickItem,
  quickInput,
  screenshotPath,
  showHover,
  typeInQuickInput,
  waitForQuickInputText,
  waitForWebviewText,
  widenSideBar,
} from './uiSupport';
import { pollUntil } from '../../support/pollUntil';

const version = process.env['SJC_VSCODE_VERSION'] ?? 'oldest';
const PASSWORD = 'ui-remote-pass-7';

describe(`Secure Jupyter Connections in the workbench (VS Code ${version})`, function () {
  this.timeout(180_000);
  let vs: VsCodeHandle | undefined;
  let local: RunningJupyter;
  let remote: RunningJupyter;
  let proxy: { port: number; close(): Promise<void> } | undefined;
  let remoteUrl: string;
  const runtimeDir = mkdtempSync(path.join(tmpdir(), 'sjc-ui-runtime-'));

  before(async () => {
    const lan = lanAddress();
    [local, remote] = await Promise.all([
      startJupyter({ flavor: 'server', runtimeDir }),
      // Reached through this machine's LAN address: a remote server as far as the extension can tell.
      startJupyter({ flavor: 'notebook', password: PASSWORD, traits: { allow_remote_access: 'True' } }),
    ]);
    if (lan) {
      proxy = await forward(lan, remote.port);
      remoteUrl = `http://${lan}:${proxy.port}/`;
    } else {
      remoteUrl = remote.url;
    }
    const res = await fetch(`${local.url}api/sessions`, {
      method: 'POST',
      headers: { authorization: `token ${local.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'analysis.ipynb', name: 'analysis.ipynb', type: 'notebook', kernel: { name: 'python3' } }),
    });
    assert.equal(res.status, 201);
    vs = await launchVsCode({
      version,
      extensionDevelopmentPath: repoRoot(),
      viewport: { width: 1280, height: 800 },
      // The runtime dir jupyter_core would use for this VS Code server (discovery's machine-scoped extra-dirs
      // setting is read from the remote's machine settings, not from user settings).
      env: { JUPYTER_RUNTIME_DIR: runtimeDir },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern', 'remote.autoForwardPorts': false },
    });
  });

  after(async () => {
    await vs?.close();
    await proxy?.close();
    await Promise.all([local?.stop(), remote?.stop()]);
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  function page(): VsCodeHandle['page'] {
    assert.ok(vs, 'VS Code did not start');
    return vs.page;
  }

  it('connects to the discovered server by itself: the status bar says 1 Jupyter', async () => {
    const item = await waitForStatusBarItem(page(), /^\s*1 Jupyter\s*$/, { timeout: 60_000 });
    assert.equal(item.text, '1 Jupyter');
  });

  it('sets its log to Trace through "Developer: Set Log Level…" (so the secrets check covers the most detailed log)', async () => {
    const p = page();
    await runCommand(p, 'Developer: Set Log Level...', { waitForClose: false });
    await pickQuickItem(p, 'Jupyter Connections');
    await pickQuickItem(p, /^\s*Trace/);
    await quickInput(p).waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it('shows the server, its kernel and its notebook session in the Jupyter Servers view', async () => {
    await openViewContainer(page(), 'Jupyter Servers');
    await widenSideBar(page(), 560);
    // The Security row comes once the audit on connect finished (after the kernel and session rows).
    const rows = await waitForRows(5, (all) => all.some((r) => r.label === 'Security'));
    assert.deepEqual(rows.map((r) => r.level), [1, 2, 3, 3, 3]);
    assert.equal(rows[0]?.label, 'Local');
    assert.match(rows[1]?.text ?? '', new RegExp(`127\\.0\\.0\\.1:${local.port}.*Jupyter Server 1\\.23\\.3 · token · Connected`));
    assert.match(rows[2]?.text ?? '', /python3.*(idle|starting|busy)/);
    assert.match(rows[3]?.text ?? '', /analysis\.ipynb.*python3/);
    assert.match(rows[4]?.text ?? '', /^Security.*\d warning\(s\)/);
    await showHover(page(), rows[1]!.locator, 'Root dir');
    await screenshot(page(), screenshotPath(version, 'explorer-tooltip'));
    await page().mouse.move(900, 500);
  });

  it('adds a password server from the palette: URL, then "Password", then a hidden input', async () => {
    const p = page();
    await runCommand(p, 'Jupyter Connections: Add Server…', { waitForClose: false });
    await waitForQuickInputText(p, 'Add Jupyter Server');
    await typeInQuickInput(p, remoteUrl);
    await screenshot(p, screenshotPath(version, 'add-server-url'));
    await p.keyboard.press('Enter');
    await waitForQuickInputText(p, 'How does');
    await screenshot(p, screenshotPath(version, 'add-server-credential'));
    await pickQuickItem(p, 'Password');
    await waitForQuickInputText(p, 'Password for');
    assert.equal(await quickInput(p).locator('input').first().getAttribute('type'), 'password', 'the password input is masked');
    await typeInQuickInput(p, PASSWORD);
    await p.keyboard.press('Enter');
    await quickInput(p).waitFor({ state: 'hidden', timeout: 30_000 });
    const port = `:${proxy?.port ?? remote.port}`;
    const rows = await waitForRows(6, (all) => all.some((r) => r.text.includes(port) && r.text.includes('Connected')));
    const remoteRow = rows.find((r) => r.text.includes(port));
    assert.ok(remoteRow, JSON.stringify(rows.map((r) => r.text)));
    assert.match(remoteRow.text, /Jupyter 6\.4\.12 · password · Connected/);
    if (proxy) {
      assert.ok(rows.some((r) => r.level === 1 && r.label === 'Remote'));
      assert.match(remoteRow.text, /insecure/, 'a password over plain http to another host is flagged');
    }
  });

  it('summarises both connections in the status bar and opens the connections quick pick on click', async () => {
    const p = page();
    const text = proxy ? /^\s*2 Jupyter: insecure\s*$/ : /^\s*2 Jupyter\s*$/;
    const item = await waitForStatusBarItem(p, text);
    await p.mouse.move(900, 500);
    await screenshot(p, screenshotPath(version, 'explorer'));
    await p.locator('.part.statusbar .statusbar-item').filter({ hasText: item.text }).first().click();
    await waitForQuickInputText(p, 'Jupyter Connections');
    const labels = await quickInput(p).locator('.monaco-list-row').allInnerTexts();
    assert.ok(labels.some((l) => l.includes('Add Server')), JSON.stringify(labels));
    assert.ok(labels.some((l) => l.includes(`127.0.0.1:${local.port}`)), JSON.stringify(labels));
    await screenshot(p, screenshotPath(version, 'status-bar-menu'));
    await p.keyboard.press('Escape');
  });

  it('runs Test Connection from the palette and shows the step report', async () => {
    const p = page();
    await runCommand(p, 'Jupyter Connections: Test Connection', { waitForClose: false });
    await pickQuickItem(p, `127.0.0.1:${local.port}`);
    const notes = await readNotifications(p, { waitFor: /all 6 steps passed/, keepOpen: true, timeout: 60_000 });
    assert.ok(notes.some((n) => /Test Connection to .*: all 6 steps passed\./.test(n.message) && n.actions.includes('Show Details')), JSON.stringify(notes));
    await p
      .locator('.notifications-center .monaco-list-row', { hasText: 'all 6 steps passed' })
      .locator('.monaco-button', { hasText: 'Show Details' })
      .first()
      .click();
    await p.locator('.tabs-container .tab', { hasText: /Preview/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await runCommand(p, 'Notifications: Hide Notifications').catch(() => undefined);
    await p.mouse.move(300, 600);
    await waitForWebviewText(p, 'All 6 steps passed.');
    await screenshot(p, screenshotPath(version, 'test-connection'));
  });

  it('shows the audited server\'s Security row with its findings and opens the security report', async () => {
    const p = page();
    const port = `:${proxy?.port ?? remote.port}`;
    if (proxy) {
      // Credentials over plain http to another host: plain-http-remote, an error, told once with "Show Report".
      const notes = await readNotifications(p, { waitFor: /security audit of .* found 1 error-level problem/, timeout: 60_000 });
      assert.ok(notes.some((n) => n.message.includes('plain-http-remote') && n.actions.includes('Show Report')), JSON.stringify(notes));
    }
    await runCommand(p, 'View: Close All Editors').catch(() => undefined);
    await openViewContainer(p, 'Jupyter Servers');
    // The remote server's rows come last: its Security row is the last one at level 3.
    let rows = await waitForRows(7, (all) => all.filter((r) => r.label === 'Security').length >= 2);
    const security = rows.filter((r) => r.level === 3 && r.label === 'Security').at(-1);
    assert.ok(security, JSON.stringify(rows.map((r) => r.text)));
    assert.match(security.text, proxy ? /1 error\(s\)/ : /warning/);
    if (!security.expanded) await security.locator.click();
    rows = await waitForRows(8, (all) => all.some((r) => r.level === 4));
    const findings = rows.filter((r) => r.level === 4);
    assert.ok(findings.some((r) => r.text.includes('login-cookie-long-lived')), JSON.stringify(findings.map((r) => r.text)));
    const shown = (proxy ? findings.find((r) => r.text.includes('plain-http-remote')) : findings[0]) ?? findings[0]!;
    await showHover(p, shown.locator, 'Evidence');
    await screenshot(p, screenshotPath(version, 'security-tree'));
    await p.mouse.move(900, 500);

    await runCommand(p, 'Jupyter Connections: Show Security Report', { waitForClose: false });
    await pickQuickItem(p, port);
    await p.locator('.tabs-container .tab', { hasText: /Preview.*security/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await p.mouse.move(300, 600);
    await waitForWebviewText(p, proxy ? 'plain-http-remote' : 'login-cookie-long-lived');
    await screenshot(p, screenshotPath(version, 'security-report'));
  });

  it('keeps the token and password out of every file and out of clear text in the browser storage', async () => {
    assert.ok(vs);
    const handle = vs;
    // The extension's log on disk has caught up with the password server's add (VS Code writes it asynchronously).
    const extensionLog = (): string | undefined => handle.logFiles().find((f) => f.endsWith('Jupyter Connections.log'));
    await pollUntil('the extension log on disk to show the added password server', () => {
      const f = extensionLog();
      return f !== undefined && fs.readFileSync(f, 'utf8').includes('(password credential)');
    });
    for (const secret of [local.token, PASSWORD]) {
      assert.deepEqual(filesContaining(vs.scratchDir, secret), [], `no file under the VS Code scratch folder holds ${secret === PASSWORD ? 'the password' : 'the token'}`);
    }
    const log = extensionLog();
    assert.ok(log, `the extension's log is on disk: ${JSON.stringify(vs.logFiles())}`);
    const text = fs.readFileSync(log, 'utf8');
    assert.match(text, /\[(trace|debug)\]/, `the log has detailed lines: ${text.slice(0, 3000)}`);
    const storage = await browserStorageDump(page());
    assert.ok(storage.includes('secure-jupyter-connections.servers'), 'globalState (the server list) is in the browser storage');
    assert.ok(!storage.includes(PASSWORD), 'the password is not in clear text in the browser storage');
    assert.ok(!storage.includes(local.token), 'the token is not in clear text in the browser storage');
  });

  it('after a window reload, restores the server list from globalState and reconnects the discovered server', async () => {
    const p = page();
    await p.reload({ waitUntil: 'domcontentloaded' });
    // This VS Code server build has no /mint-key endpoint (code-server's wrapper adds it), so the web
    // workbench keeps SecretStorage in memory only: the added server comes back without its password and
    // asks for it ("session expired"); desktop VS Code keeps it in the OS keychain.
    await waitForStatusBarItem(p, /Jupyter/, { timeout: 60_000 });
    // The side bar comes back as it was (the Jupyter Servers view open).
    const rows = await waitForRows(4, (all) => all.some((r) => r.text.includes(`127.0.0.1:${local.port}`) && r.text.includes('Connected')));
    assert.ok(rows.some((r) => r.text.includes(`127.0.0.1:${local.port}`) && r.text.includes('Connected')), JSON.stringify(rows.map((r) => r.text)));
    assert.ok(rows.some((r) => r.text.includes(`:${proxy?.port ?? remote.port}`)), 'the added server is still listed');
  });

  it('shows a server that went away as unreachable with its next attempt, and the status bar summarising it', async () => {
    const p = page();
    // SIGKILL leaves the runtime file behind; discovery's pid check notices, and the lifecycle starts retrying.
    await local.kill();
    // Wait for a settled repaint: while the view re-renders it can briefly hold the old row beside the new one
    // (seen: "Local" twice, the server both Connected and Unreachable).
    const rows = await waitForRows(2, (all) => {
      const mine = all.filter((r) => r.text.includes(`127.0.0.1:${local.port}`));
      return mine.length === 1 && /Unreachable, retrying at/.test(mine[0]?.text ?? '');
    });
    const row = rows.find((r) => r.text.includes(`127.0.0.1:${local.port}`));
    assert.match(row?.text ?? '', /Unreachable, retrying at/, JSON.stringify(rows.map((r) => r.text)));
    await waitForStatusBarItem(p, /Jupyter: (reconnecting|session expired)/, { timeout: 30_000 });
    await runCommand(p, 'View: Close All Editors').catch(() => undefined);
    await widenSideBar(page(), 760);
    // Each new attempt repaints the row (and closes its hover). Delays double from 0.5 s: once the row has shown
    // four different next-attempt times, the next one is at least 4 s away, long enough for a hover. A hover that a
    // repaint closed is opened again.
    const seen = new Set<string>();
    await waitForRows(2, (all) => {
      const t = all.find((r) => r.text.includes(`127.0.0.1:${local.port}`))?.text.match(/retrying at ([^\s·]+(?: [AP]M)?)/)?.[1];
      if (t) seen.add(t);
      return seen.size >= 4;
    }, 90_000);
    assert.ok(seen.size >= 4, `the row showed each next attempt: ${[...seen].join(', ')}`);
    await showHover(p, row!.locator, 'Next attempt at');
    await screenshot(p, screenshotPath(version, 'session-states'));
    await p.mouse.move(900, 500);
  });

  /** Drags the sash on the side bar's right edge so the rows' descriptions fit in the screenshots. */
  type Rows = Awaited<ReturnType<typeof treeRows>>;
  async function waitForRows(min: number, ready: (rows: Rows) => boolean = () => true, timeoutMs = 30_000): Promise<Rows> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await treeRows(page(), 'Servers');
      if ((rows.length >= min && ready(rows)) || Date.now() > deadline) return rows;
      await sleep(250);
    }
  }
});
