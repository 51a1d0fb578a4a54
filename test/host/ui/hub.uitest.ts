// JupyterHub in the workbench (Debian Chromium via playwright-core), plain Node under mocha, against Debian's
// JupyterHub 3.0 on loopback (test/servers/jupyterhub.ts):
//   SJC_VSCODE_VERSION=oldest|newest npx mocha --timeout 180000 'out/test/host/ui/hub.uitest.js'
// Add JupyterHub… from the palette (URL, "User name and password", user, hidden password), the hub row and its
// default server in the Jupyter Servers view, Start Server from the row's inline action (the hub's progress in a
// notification), Stop Server from the palette, and the password in no file and not in the browser storage.
// SJC_UPDATE_SCREENSHOTS=1 writes the README's screenshots to docs/screenshots.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from '../harness/install';
import { launchVsCode, sleep, type VsCodeHandle } from '../harness/launch';
import { openViewContainer, runCommand, screenshot, treeRows, waitForStatusBarItem } from '../harness/ui';
import { startHub, type RunningHub } from '../../servers/jupyterhub';
import { pollUntil } from '../../support/pollUntil';
import { browserStorageDump, filesContaining, pickQuickItem, quickInput, screenshotPath, waitForQuickInputText, widenSideBar } from './uiSupport';

const version = process.env['SJC_VSCODE_VERSION'] ?? 'oldest';
const PASSWORD = 'ui-hub-pass-9';

type Rows = Awaited<ReturnType<typeof treeRows>>;

describe(`JupyterHub in the workbench (VS Code ${version})`, function () {
  this.timeout(180_000);
  let vs: VsCodeHandle | undefined;
  let hub: RunningHub;
  let hubLabel: string;
  // An empty Jupyter runtime dir: no discovered local server in the view, only the hub.
  const runtimeDir = mkdtempSync(path.join(tmpdir(), 'sjc-ui-hub-runtime-'));

  before(async () => {
    hub = await startHub({ password: PASSWORD });
    hubLabel = `alice@127.0.0.1:${hub.port}`;
    vs = await launchVsCode({
      version,
      extensionDevelopmentPath: repoRoot(),
      viewport: { width: 1280, height: 800 },
      env: { JUPYTER_RUNTIME_DIR: runtimeDir },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern', 'remote.autoForwardPorts': false },
    });
  });

  after(async () => {
    await vs?.close();
    await hub?.stop();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  function page(): Page {
    assert.ok(vs, 'VS Code did not start');
    return vs.page;
  }

  /** Polls the Servers view until ready(rows) holds; on timeout saves a screenshot and fails with the rows shown. */
  async function waitForRows(what: string, ready: (rows: Rows) => boolean, timeoutMs = 60_000): Promise<Rows> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await treeRows(page(), 'Servers');
      if (ready(rows)) return rows;
      if (Date.now() > deadline) {
        // Never into docs/screenshots, even with SJC_UPDATE_SCREENSHOTS=1.
        const shot = await screenshot(page(), path.join(repoRoot(), 'test-results', 'screenshots', version, 'hub-failure.png')).catch(() => 'none');
        throw new Error(`timed out waiting for ${what}; the view shows ${JSON.stringify(rows.map((r) => `${r.level}: ${r.text}`))} (screenshot ${shot})`);
      }
      await sleep(250);
    }
  }

  const hubRow = (rows: Rows) => rows.find((r) => r.level === 1 && r.label === hubLabel);
  /** The hub's default server: the child row of the hub row labelled "Default server". */
  const defaultServer = (rows: Rows) => {
    const i = rows.findIndex((r) => r === hubRow(rows));
    if (i < 0) return undefined;
    const end = rows.findIndex((r, j) => j > i && r.level <= 1);
    return rows.slice(i + 1, end < 0 ? undefined : end).find((r) => r.level === 2 && r.label === 'Default server');
  };

  /** Clicks the quick input's box, types text with the keyboard (over what it held), then waits until the box holds it. */
  async function typeIntoQuickInput(p: Page, text: string): Promise<void> {
    const input = quickInput(p).locator('input').first();
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.click();
    await p.keyboard.press('Control+A');
    await p.keyboard.type(text);
    await pollUntil(`the quick input to hold what was typed`, async () => (await input.inputValue()) === text, 30_000);
  }

  /** Rests the pointer on the row and clicks its inline action (shown on hover) labelled `title`. */
  async function clickInlineAction(p: Page, row: Locator, title: string): Promise<void> {
    const action = row.locator(`.actions .action-label[aria-label="${title}"], .actions .action-label[title="${title}"]`).first();
    for (let attempt = 1; ; attempt++) {
      await row.hover();
      try {
        await action.waitFor({ state: 'visible', timeout: 5_000 });
        await action.click({ timeout: 10_000 });
        return;
      } catch (err) {
        // The row repainted under the pointer (a refresh on a busy machine): move away and rest on it again.
        if (attempt >= 4) {
          const labels = await row.locator('.action-label').evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string | null }).getAttribute('aria-label')));
          throw new Error(`no inline action "${title}" on the row (it has ${JSON.stringify(labels)}): ${String(err)}`);
        }
        await p.mouse.move(900, 500);
      }
    }
  }

  it('starts: its status bar item shows (the extension activates after start-up)', async () => {
    await waitForStatusBarItem(page(), /Jupyter/, { timeout: 90_000 });
  });

  it('sets its log to Trace through "Developer: Set Log Level…" (so the secrets check covers the most detailed log)', async () => {
    const p = page();
    await runCommand(p, 'Developer: Set Log Level...', { waitForClose: false, timeout: 60_000 });
    await pickQuickItem(p, 'Jupyter Connections');
    await pickQuickItem(p, /^\s*Trace/);
    await quickInput(p).waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it('adds the hub from the palette: URL, "User name and password", user name, hidden password; the view shows the hub and its stopped default server', async () => {
    const p = page();
    await openViewContainer(p, 'Jupyter Servers');
    await widenSideBar(p, 560);
    await runCommand(p, 'Jupyter Connections: Add JupyterHub…', { waitForClose: false });
    await waitForQuickInputText(p, 'Add JupyterHub');
    await typeIntoQuickInput(p, hub.url);
    await p.keyboard.press('Enter');
    await waitForQuickInputText(p, 'Sign in to 127.0.0.1');
    await pickQuickItem(p, 'User name and password');
    await waitForQuickInputText(p, 'User name on 127.0.0.1');
    await typeIntoQuickInput(p, 'alice');
    await p.keyboard.press('Enter');
    await waitForQuickInputText(p, 'Password for alice on 127.0.0.1');
    assert.equal(await quickInput(p).locator('input').first().getAttribute('type'), 'password', 'the password input is masked');
    await typeIntoQuickInput(p, PASSWORD);
    await p.keyboard.press('Enter');
    await quickInput(p).waitFor({ state: 'hidden', timeout: 30_000 });

    const rows = await waitForRows('the hub row and its stopped default server', (all) => /^Stopped\b/.test(descriptionOf(defaultServer(all))));
    const h = hubRow(rows);
    assert.ok(h, JSON.stringify(rows.map((r) => r.text)));
    assert.match(h.text, /JupyterHub 3\.\d+\.\d+ · Token expires in \d+ days?/);
    assert.equal(h.expanded, true, 'the hub row is expanded');
    const server = defaultServer(rows);
    assert.ok(server);
    assert.equal(rows[rows.indexOf(h) + 1], server, 'the default server is the hub row\'s first child');
    await runCommand(p, 'Notifications: Clear All Notifications').catch(() => undefined);
    await p.mouse.move(900, 500);
    await screenshot(p, screenshotPath(version, 'hub-explorer'));
  });

  it('starts the default server from its inline "Start Server" action: the hub\'s progress shows, then the row says Running and Connected', async () => {
    const p = page();
    const rows = await treeRows(p, 'Servers');
    const server = defaultServer(rows);
    assert.ok(server, JSON.stringify(rows.map((r) => r.text)));
    // The notification center open: the progress notification shows there whether or not the workbench shows
    // toasts (1.139 under the smoke-test driver does not).
    await runCommand(p, 'Notifications: Show Notifications');
    await p.locator('.notifications-center').first().waitFor({ state: 'visible', timeout: 30_000 });
    await clickInlineAction(p, server.locator, 'Start Server');

    // The progress notification while the hub spawns the server; the spawn may finish before it can be captured,
    // so whichever comes first.
    const progress = p
      .locator('.notifications-center .monaco-list-row', { hasText: `Starting the default server on ${hubLabel}` })
      .first();
    const running = (all: Rows): boolean => /^Running\b.*\bConnected\b/.test(descriptionOf(defaultServer(all)));
    const seen: string[] = []; // the row's descriptions while starting, for failure messages
    const first = await pollUntil('the start progress or the running server', async () => {
      if (await progress.isVisible()) return 'progress';
      const row = descriptionOf(defaultServer(await treeRows(p, 'Servers')));
      if (seen.at(-1) !== row) seen.push(row);
      return /^Running\b.*\bConnected\b/.test(row) ? 'running' : undefined;
    }, 120_000);
    // Taken at once: JupyterHub answers the start request only once the spawn is done or 10 s went by, so the
    // notification may already be gone by then (the screenshot then shows what there is).
    if (first === 'progress') await p.mouse.move(900, 500);
    await screenshot(p, screenshotPath(version, 'hub-start-progress'));

    const now = await waitForRows('the default server to run and be connected', running, 120_000);
    const s = defaultServer(now);
    assert.ok(s);
    assert.doesNotMatch(s.text, /Unreachable|insecure/, `the row went through ${JSON.stringify(seen)}`);
    await progress.waitFor({ state: 'hidden', timeout: 60_000 });
    // The center hides by itself once its last notification (the progress) is gone; hide it when it did not.
    const center = p.locator('.notifications-center').first();
    if (await center.isVisible()) await runCommand(p, 'Notifications: Hide Notifications', { timeout: 5_000 }).catch(() => undefined);
    await center.waitFor({ state: 'hidden', timeout: 30_000 });
    await runCommand(p, 'Notifications: Clear All Notifications').catch(() => undefined);
    await p.mouse.move(900, 500);
    await screenshot(p, screenshotPath(version, 'hub-explorer-running'));
  });

  it('stops it with "Jupyter Connections: Stop Server" from the palette: the row says Stopped, not Unreachable', async () => {
    const p = page();
    await runCommand(p, 'Jupyter Connections: Stop Server', { waitForClose: false });
    // A quick pick of the hub's running servers (even for one).
    await pickQuickItem(p, 'Default server');
    await quickInput(p).waitFor({ state: 'hidden', timeout: 30_000 });
    const rows = await waitForRows('the default server to be stopped', (all) => /^Stopped\b/.test(descriptionOf(defaultServer(all))), 120_000);
    assert.doesNotMatch(defaultServer(rows)?.text ?? '', /Unreachable|Connected/);
    const res = await fetch(new URL('hub/api/', hub.url));
    assert.equal(res.status, 200, 'the hub is still up');
  });

  it('keeps the password out of every file and out of the browser storage', async () => {
    assert.ok(vs);
    const handle = vs;
    // The extension's log on disk has caught up with the sign-in (VS Code writes it asynchronously).
    const extensionLog = (): string | undefined => handle.logFiles().find((f) => f.endsWith('Jupyter Connections.log'));
    await pollUntil('the extension log on disk to show the sign-in', () => {
      const f = extensionLog();
      return f !== undefined && fs.readFileSync(f, 'utf8').includes('signed in as alice');
    });
    const inHubDir = (f: string): boolean => path.resolve(f).startsWith(path.resolve(hub.dir) + path.sep);
    assert.deepEqual(filesContaining(handle.scratchDir, PASSWORD).filter((f) => !inHubDir(f)), [], 'no file under the VS Code scratch folder holds the password');
    assert.deepEqual(filesContaining(runtimeDir, PASSWORD), [], 'nor under the Jupyter runtime dir');
    const text = fs.readFileSync(extensionLog()!, 'utf8');
    assert.match(text, /\[(trace|debug)\]/, `the log has detailed lines: ${text.slice(0, 3000)}`);
    const storage = await browserStorageDump(page());
    assert.ok(storage.includes('secure-jupyter-connections.hubs'), 'globalState (the hub list) is in the browser storage');
    assert.ok(!storage.includes(PASSWORD), 'the password is not in clear text in the browser storage');
  });
});

/** A tree row's description: its text after the label. */
function descriptionOf(row: { text: string; label: string } | undefined): string {
  if (!row) return '';
  return row.text.startsWith(row.label) ? row.text.slice(row.label.length).trim() : row.text;
}
