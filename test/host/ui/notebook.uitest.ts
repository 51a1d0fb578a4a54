// A notebook runs through the REAL Jupyter extension (ms-toolsai.jupyter, built from source, ../shared/vendor) on
// our connections, in the workbench (Chromium via playwright-core):
//   SJC_VSCODE_VERSION=oldest|newest npx mocha --timeout 180000 'out/test/host/ui/notebook.uitest.js'
// The kernel picker lists our collection; its servers run `1+1` → 2 on jupyter-server 1.23 (token, discovered)
// and notebook 6.4 (password, cookie + XSRF, the subprotocol fallback); a server-side expiry between two runs costs
// exactly one silent login. SJC_UPDATE_SCREENSHOTS=1 writes the README's screenshots.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import type { Frame, Page } from 'playwright-core';
import { repoRoot } from '../harness/install';
import { launchVsCode, type VsCodeHandle } from '../harness/launch';
import { openViewContainer, readNotifications, runCommand, screenshot, treeRows, waitForStatusBarItem } from '../harness/ui';
import { startJupyter, xsrfLogLines, type RunningJupyter } from '../../servers/jupyter';
import { pollUntil } from '../../support/pollUntil';
import { filesContaining, pickQuickItem, quickInput, screenshotPath, typeInQuickInput, waitForQuickInputText, widenSideBar } from './uiSupport';

const version = process.env['SJC_VSCODE_VERSION'] ?? 'oldest';
const PASSWORD = 'ui-notebook-pass-3';
/** The login cookie the password server accepts for ~21.6 s (max_age_days), while the cookie itself claims a day. */
const MAX_AGE_DAYS = 0.00025;

/** The vendored Jupyter extension build for this VS Code version (../shared/vendor/README.md). */
function jupyterVsix(): { file: string | undefined; looked: string[] } {
  const name = version === 'oldest' || version.startsWith('4.100.') ? 'ms-toolsai-jupyter-2025.4.1.vsix' : 'ms-toolsai-jupyter-2026.6.1.vsix';
  const dirs = [process.env['SJC_JUPYTER_VSIX_DIR'], path.resolve(repoRoot(), '..', 'shared', 'vendor'), '/work/shared/vendor'].filter((d): d is string => !!d);
  const looked = dirs.map((d) => path.join(d, name));
  return { file: looked.find((f) => fs.existsSync(f)), looked };
}

function notebookJson(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: 'code', source: [source], metadata: {}, outputs: [], execution_count: null })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** The webview frame of a notebook's outputs that shows `text` (outputs render inside nested iframes). */
async function outputFrame(page: Page, text: RegExp, timeoutMs = 90_000): Promise<Frame> {
  const shown = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const body = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
      if (body.trim() && body.length < 500) out.push(JSON.stringify(body));
    }
    return out;
  };
  return pollUntil(
    `a notebook output matching ${String(text)}`,
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        const body = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
        if (text.test(body)) return frame;
      }
      return undefined;
    },
    timeoutMs,
  ).catch(async (err: unknown) => {
    await page.screenshot({ path: screenshotPath(version, 'notebook-output-missing') });
    throw new Error(`${(err as Error).message}; the webviews show: ${(await shown()).join(' | ') || 'nothing'}`);
  });
}

/** The password notebook's two outputs, in whichever order the webview holds them: `2` and `'run N'`. */
function bothOutputs(run: number): RegExp {
  return new RegExp(`^(?=[\\s\\S]*^\\s*2\\s*$)(?=[\\s\\S]*^\\s*'run ${run}'\\s*$)`, 'm');
}

/** Server log lines written by xsrfLogLines: "SJC-XSRF <status> <method> <path> present|absent". */
function requestLines(server: RunningJupyter): string[] {
  return server.log().split('\n').filter((l) => l.includes('SJC-XSRF '));
}

const PROBE_LOGIN = /SJC-XSRF 302 POST \S*\/login \w+ \(test probe\)/;
const VSCODE_LOGIN = /SJC-XSRF 302 POST \S*\/login \w+\s*$/;

/**
 * Logins by VS Code that the server logged after the test's last probe login (undefined until that probe's line
 * is in the log): the server's own order, whatever the timing of its log output.
 */
function loginsAfterProbe(server: RunningJupyter): number | undefined {
  const lines = requestLines(server);
  const probe = lines.findLastIndex((l) => PROBE_LOGIN.test(l));
  return probe < 0 ? undefined : lines.slice(probe + 1).filter((l) => VSCODE_LOGIN.test(l)).length;
}

/** Our own login, outside VS Code: a cookie the server issued now, to learn when it refuses cookies this old. */
async function probeCookie(server: RunningJupyter): Promise<string> {
  const form = await fetch(new URL('login', server.url), { headers: { 'x-sjc-probe': '1' } });
  const xsrf = /_xsrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const res = await fetch(new URL('login', server.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: `_xsrf=${xsrf}`, 'content-type': 'application/x-www-form-urlencoded', 'x-sjc-probe': '1' },
    body: new URLSearchParams({ _xsrf: xsrf, password: PASSWORD }).toString(),
  });
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  assert.match(cookie, /username-/, 'the probe signed in');
  return cookie;
}

describe(`A notebook through the real Jupyter extension on our connections (VS Code ${version})`, function () {
  this.timeout(240_000);
  const vsix = jupyterVsix();
  let vs: VsCodeHandle | undefined;
  let token: RunningJupyter;
  let password: RunningJupyter;
  const scratch = fs.mkdtempSync(path.join(tmpdir(), 'sjc-ui-notebook-'));
  const runtimeDir = path.join(scratch, 'runtime');
  const workspace = path.join(scratch, 'workspace');

  before(async function () {
    if (!vsix.file) {
      const msg = `SKIPPED: the Jupyter extension build for VS Code ${version} is not on this machine (looked at ${vsix.looked.join(', ')}). ` +
        'Get the same version from the VS Code Marketplace or Open VSX and set SJC_JUPYTER_VSIX_DIR to its folder (README, "Notebooks on your connections").';
      console.warn(`\n    !!! ${msg}\n`);
      this.skip();
    }
    fs.mkdirSync(runtimeDir, { recursive: true });
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'token.ipynb'), notebookJson(['1+1']));
    fs.writeFileSync(path.join(workspace, 'password.ipynb'), notebookJson(['1+1', "runs = globals().get('runs', 0) + 1\nf'run {runs}'"]));
    [token, password] = await Promise.all([
      // Discovered from its runtime file: connected by itself with the token from the file.
      startJupyter({ flavor: 'server', runtimeDir, configLines: xsrfLogLines('ServerApp') }),
      startJupyter({
        flavor: 'notebook',
        password: PASSWORD,
        traits: { cookie_options: '{"expires_days": 1}', get_secure_cookie_kwargs: `{"max_age_days": ${MAX_AGE_DAYS}}` },
        configLines: xsrfLogLines('NotebookApp'),
      }),
    ]);
    vs = await launchVsCode({
      version,
      extensionDevelopmentPath: repoRoot(),
      installVsix: [vsix.file as string],
      workspaceFolder: workspace,
      viewport: { width: 1280, height: 800 },
      env: { JUPYTER_RUNTIME_DIR: runtimeDir },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern', 'remote.autoForwardPorts': false },
    });
  });

  after(async () => {
    await vs?.close();
    await Promise.all([token?.stop(), password?.stop()]);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  function page(): Page {
    assert.ok(vs, 'VS Code did not start');
    return vs.page;
  }

  function ourLog(): string {
    const f = vs?.logFiles().find((l) => l.endsWith('Jupyter Connections.log'));
    return f ? fs.readFileSync(f, 'utf8') : '';
  }

  async function openNotebook(name: string): Promise<void> {
    const p = page();
    await runCommand(p, 'Go to File...', { waitForClose: false });
    await typeInQuickInput(p, name);
    await pickQuickItem(p, name);
    await p.locator('.monaco-action-bar .action-item', { hasText: 'Run All' }).first().waitFor({ state: 'visible', timeout: 60_000 });
  }

  /** Kernel picker → (Select Another Kernel…) → our collection; resolves with the rows it lists. */
  async function openOurCollection(): Promise<string[]> {
    const p = page();
    // The notebook toolbar's kernel button (its label is the selected kernel; its title says Select Kernel).
    await p.locator('.notebook-editor [aria-label*="Select Kernel"], .notebook-editor .kernel-label').first().click();
    await quickInput(p).locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
    const first = await quickInput(p).locator('.monaco-list-row').allInnerTexts();
    if (first.some((r) => r.includes('Select Another Kernel'))) await pickQuickItem(p, 'Select Another Kernel');
    await pickQuickItem(p, 'Secure Jupyter Connections');
    await quickInput(p).locator('.monaco-list-row', { hasText: 'Add Server' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    return quickInput(p).locator('.monaco-list-row').allInnerTexts();
  }

  async function pickServerAndKernel(server: RunningJupyter): Promise<void> {
    const p = page();
    await pickQuickItem(p, `127.0.0.1:${server.port}`);
    await pickQuickItem(p, /Python 3/);
    await quickInput(p).waitFor({ state: 'hidden', timeout: 60_000 });
  }

  async function runAll(): Promise<void> {
    await page().locator('.monaco-action-bar .action-item', { hasText: 'Run All' }).first().click();
  }

  it('sets our log to Debug (so our log shows every request and upgrade) and adds the password server', async () => {
    const p = page();
    // Extension logs join the picker once the extension host has registered them: open it until ours is listed.
    await pollUntil('our log in "Set Log Level"', async () => {
      await runCommand(p, 'Developer: Set Log Level...', { waitForClose: false });
      await quickInput(p).locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 30_000 });
      const row = quickInput(p).locator('.monaco-list-row', { hasText: 'Jupyter Connections' });
      if ((await row.count()) > 0) return true;
      await p.keyboard.press('Escape');
      return false;
    }, 60_000);
    await pickQuickItem(p, 'Jupyter Connections');
    await pickQuickItem(p, /^\s*Debug/);
    await quickInput(p).waitFor({ state: 'hidden', timeout: 30_000 });
    await runCommand(p, 'Jupyter Connections: Add Server…', { waitForClose: false });
    await waitForQuickInputText(p, 'Add Jupyter Server');
    await typeInQuickInput(p, password.url);
    await p.keyboard.press('Enter');
    await waitForQuickInputText(p, 'How does');
    await pickQuickItem(p, 'Password');
    await waitForQuickInputText(p, 'Password for');
    await typeInQuickInput(p, PASSWORD);
    await p.keyboard.press('Enter');
    await quickInput(p).waitFor({ state: 'hidden', timeout: 60_000 });
    // Both servers connected: the discovered one by itself, the added one just now.
    await waitForStatusBarItem(p, /^\s*2 Jupyter/, { timeout: 60_000 });
  });

  it('lists our servers in the kernel picker under "Secure Jupyter Connections", with Add Server…', async () => {
    await openNotebook('token.ipynb');
    const rows = await openOurCollection();
    assert.ok(rows.some((r) => r.includes(`127.0.0.1:${token.port}`)), JSON.stringify(rows));
    assert.ok(rows.some((r) => r.includes(`127.0.0.1:${password.port}`)), JSON.stringify(rows));
    await screenshot(page(), screenshotPath(version, 'notebook-kernel-picker'));
  });

  it('jupyter-server 1.23 (token): the cell 1+1 shows 2, and the session and kernel socket went through our connection', async () => {
    await pickServerAndKernel(token);
    await runAll();
    const frame = await outputFrame(page(), /^\s*2\s*$/);
    assert.ok(frame);
    await restPointer(page());
    await screenshot(page(), screenshotPath(version, 'notebook-cell-ran'));
    const origin = `[http://127.0.0.1:${token.port}/]`;
    const log = await pollUntil('our log to show the notebook\'s session and socket', () => {
      const text = ourLog();
      return text.includes(`${origin} POST /api/sessions`) && new RegExp(`${escape(origin)} GET /api/kernels/[^ ]+/channels\\?[^ ]* \\(websocket upgrade\\).* → 101`).test(text) ? text : undefined;
    });
    assert.ok(log.length > 0);
  });

  it('notebook 6.4 (password, cookie + XSRF, no subprotocol): 1+1 shows 2; the server saw our X-XSRFToken on the session POST and the upgrade', async () => {
    await runCommand(page(), 'View: Close All Editors').catch(() => undefined);
    await openNotebook('password.ipynb');
    await openOurCollection();
    await pickServerAndKernel(password);
    await runAll();
    await outputFrame(page(), bothOutputs(1));
    const lines = requestLines(password);
    assert.ok(lines.some((l) => /SJC-XSRF 201 POST \S*\/api\/sessions present/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /SJC-XSRF 101 GET \S*\/api\/kernels\/\S+\/channels present/.test(l)), lines.join('\n'));
    // (Our audit's probe sends one write without the header on purpose, to see the server refuse it: a 403.)
    // The explorer says which server and kernel the notebook uses.
    let lastRows: string[] = [];
    await openViewContainer(page(), 'Jupyter Servers');
    await widenSideBar(page(), 620);
    const rows = await pollUntil('the explorer to show the notebook in use', async () => {
      const all = await treeRows(page(), 'Servers');
      const server = all.find((r) => r.text.includes(`127.0.0.1:${password.port}`));
      lastRows = all.map((r) => r.text);
      return server && /in use by notebooks \(1\)/.test(server.text) && all.some((r) => /in use by password\.ipynb/.test(r.text)) ? all : undefined;
    }, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; the view shows: ${JSON.stringify(lastRows)}`);
    });
    assert.ok(rows.length > 0);
    await restPointer(page());
    await screenshot(page(), screenshotPath(version, 'notebook-explorer'));
    assert.ok(!lines.some((l) => /SJC-XSRF 2\d\d (POST|PATCH|PUT|DELETE) \S*\/api\/\S* absent/.test(l)), `every accepted API write carried X-XSRFToken:\n${lines.join('\n')}`);
  });

  it('after the server refuses the login cookie, running the notebook again works with exactly one silent login and no prompt', async () => {
    const p = page();
    // A cookie issued now is refused no sooner than ours (issued earlier): once it is refused, ours is too.
    const probe = await probeCookie(password);
    await pollUntil('the server to refuse cookies of this age', async () => (await fetch(new URL('api/contents', password.url), { headers: { cookie: probe, 'x-sjc-probe': '1' } })).status === 403, 90_000);
    await runAll();
    await outputFrame(p, bothOutputs(2));
    // The kernel kept its state (run 2). The one login is the first request after the expiry: the cell's, or the
    // Jupyter extension's 10 s poll.
    await pollUntil('one silent login', () => loginsAfterProbe(password) === 1, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${String(loginsAfterProbe(password))} login(s) after the probe's; the server saw:\n${requestLines(password).slice(-40).join('\n')}`);
    });
    assert.equal(loginsAfterProbe(password), 1, 'exactly one login');
    assert.equal(await quickInput(p).isVisible(), false, 'nothing asked in a quick input');
    const notes = await readNotifications(p).catch(() => []);
    assert.ok(!notes.some((n) => /token|password|sign in/i.test(n.message)), JSON.stringify(notes));
  });

  it('keeps the token and the password out of every file VS Code, the Jupyter extension and we wrote', () => {
    assert.ok(vs);
    for (const [what, secret] of [['the token', token.token], ['the password', PASSWORD]] as const) {
      assert.deepEqual(filesContaining(vs.scratchDir, secret), [], `no file under the VS Code scratch folder holds ${what}`);
    }
    assert.match(ourLog(), /\[debug\]/, 'our detailed log was on disk to check');
  });
});

/** Moves the pointer off the workbench's controls and waits until no hover is showing (for screenshots). */
async function restPointer(page: Page): Promise<void> {
  await page.mouse.move(900, 650);
  await page.locator('.monaco-hover:visible, .workbench-hover:visible').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
