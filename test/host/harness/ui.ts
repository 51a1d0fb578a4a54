// playwright-core helpers for UI tests against the VS Code workbench opened by launchVsCode(). Selectors were
// checked against VS Code 1.100 and 1.139; every helper waits for what it needs instead of sleeping.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

const DEFAULT_TIMEOUT = 30_000;

// The code inside evaluate callbacks runs in the page (so it may only use its arguments, never this module's
// functions); the repo compiles without the DOM lib, so these minimal shapes stand in for Element/document.
interface DomEl {
  readonly className: string;
  readonly textContent: string | null;
  readonly innerText?: string;
  readonly offsetParent?: unknown;
  readonly offsetWidth?: number;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomEl | null;
  querySelectorAll(selector: string): ArrayLike<DomEl>;
}

export interface WaitOptions {
  readonly timeout?: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactText(s: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(s)}\\s*$`);
}

/** Waits until the workbench and its status bar are rendered. */
export async function waitForWorkbench(page: Page, opts: WaitOptions = {}): Promise<void> {
  const timeout = opts.timeout ?? 60_000;
  await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout });
  await page.locator('.part.statusbar').first().waitFor({ state: 'visible', timeout });
}

function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Closes the quick input (palette, quick pick) when it is open. */
export async function closeQuickInput(page: Page, opts: WaitOptions = {}): Promise<void> {
  const widget = quickInput(page);
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: opts.timeout ?? DEFAULT_TIMEOUT });
  }
}

export interface RunCommandOptions extends WaitOptions {
  /** Wait for the palette to close after running (default true; false for commands that open a quick pick). */
  readonly waitForClose?: boolean;
}

/**
 * Runs a command through the command palette by its label as the palette shows it, e.g. "Fixture: Say Hello"
 * (category, colon, title). Picks the row whose label is exactly that, not merely the first match.
 */
export async function runCommand(page: Page, title: string, opts: RunCommandOptions = {}): Promise<void> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  await closeQuickInput(page, { timeout });
  await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout });
  const input = quickInput(page).locator('input');
  // F1 can arrive before the keybinding service is ready right after start-up: retry until the palette opens.
  const deadline = Date.now() + timeout;
  for (;;) {
    await page.keyboard.press('F1');
    try {
      await input.first().waitFor({ state: 'visible', timeout: Math.min(3_000, Math.max(1, deadline - Date.now())) });
      break;
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new Error(`command palette did not open: ${String(err)}`);
      }
    }
  }
  await input.first().fill(`>${title}`);
  const row = quickInput(page)
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactText(title) }) })
    .first();
  try {
    await row.waitFor({ state: 'visible', timeout: Math.max(1, deadline - Date.now()) });
  } catch {
    const shown = await quickInput(page).locator('.monaco-list-row .label-name').allInnerTexts();
    await closeQuickInput(page).catch(() => undefined);
    throw new Error(`no command "${title}" in the palette; it shows: ${JSON.stringify(shown.slice(0, 15))}`);
  }
  await row.click();
  if (opts.waitForClose ?? true) {
    await quickInput(page).waitFor({ state: 'hidden', timeout: Math.max(1, deadline - Date.now()) });
  }
}

/**
 * Opens a view container (Explorer, Search, an extension's container…) by the activity bar entry whose
 * aria-label starts with ariaLabel (VS Code appends the keybinding, e.g. "Explorer (Ctrl+Shift+E)").
 * Does not toggle it closed when it is already open.
 */
export async function openViewContainer(page: Page, ariaLabel: string, opts: WaitOptions = {}): Promise<void> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  const items = page.locator('.part.activitybar .action-item, .part.sidebar .composite-bar .action-item');
  const q = ariaLabel.replace(/["\\]/g, '\\$&');
  const item = items
    .filter({ has: page.locator(`.action-label[aria-label="${q}"], .action-label[aria-label^="${q} ("]`) })
    .first();
  try {
    await item.waitFor({ state: 'visible', timeout });
  } catch {
    const labels = await page
      .locator('.part.activitybar .action-label, .part.sidebar .composite-bar .action-label')
      .evaluateAll((els) => (els as unknown as DomEl[]).map((e) => e.getAttribute('aria-label')));
    throw new Error(`no activity bar entry "${ariaLabel}"; there are: ${JSON.stringify(labels)}`);
  }
  const isOpen = async (): Promise<boolean> =>
    (await item.getAttribute('class'))?.split(/\s+/).includes('checked') === true &&
    (await page.locator('.part.sidebar').first().isVisible());
  if (!(await isOpen())) {
    await item.click();
  }
  await page.waitForFunction(
    ({ label }) => {
      const doc = (globalThis as unknown as { document: DomEl }).document;
      const labels = Array.from(
        doc.querySelectorAll('.part.activitybar .action-item.checked .action-label, .part.sidebar .composite-bar .action-item.checked .action-label'),
      ).map((e) => e.getAttribute('aria-label') ?? '');
      const sidebar = doc.querySelector('.part.sidebar');
      return sidebar !== null && (sidebar.offsetWidth ?? 0) > 0 && labels.some((l) => l === label || l.startsWith(`${label} (`));
    },
    { label: ariaLabel },
    { timeout },
  );
}

/** The pane (a view inside a view container) whose header shows title. */
export function pane(page: Page, title: string): Locator {
  const exact = new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`, 'i'); // headers are upper-cased by CSS only
  return page.locator('.pane').filter({ has: page.locator('.pane-header .title', { hasText: exact }) }).first();
}

export interface TreeRow {
  /** The row's visible text (label and description), whitespace collapsed. */
  readonly text: string;
  /** The label alone when VS Code renders one (.label-name / .monaco-highlighted-label), else text. */
  readonly label: string;
  readonly ariaLabel: string | null;
  /** aria-level: 1 for top-level rows. */
  readonly level: number;
  /** true/false for collapsible rows, undefined for leaves. */
  readonly expanded: boolean | undefined;
  readonly locator: Locator;
}

export interface TreeRowsOptions extends WaitOptions {
  /** Wait until at least this many rows are rendered (default 0: return what is there once the pane shows). */
  readonly minRows?: number;
}

/**
 * Rows of the tree/list in the pane titled paneTitle (expands the pane when it is collapsed). Only rendered
 * rows are returned (lists are virtualised: scroll or enlarge the viewport for very long trees).
 */
export async function treeRows(page: Page, paneTitle: string, opts: TreeRowsOptions = {}): Promise<TreeRow[]> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  const p = pane(page, paneTitle);
  await p.waitFor({ state: 'attached', timeout });
  const header = p.locator('.pane-header').first();
  if ((await header.isVisible()) && (await header.getAttribute('aria-expanded')) === 'false') {
    await header.click();
    await p.locator('.pane-header[aria-expanded="true"]').first().waitFor({ state: 'attached', timeout });
  }
  const rows = p.locator('.pane-body .monaco-list-row');
  const min = opts.minRows ?? 0;
  if (min > 0) {
    await rows.nth(min - 1).waitFor({ state: 'attached', timeout });
  }
  const data = await rows.evaluateAll((els) =>
    (els as unknown as DomEl[]).map((e) => {
      const labelEl = e.querySelector('.label-name') ?? e.querySelector('.monaco-highlighted-label') ?? e.querySelector('.label');
      const expanded = e.getAttribute('aria-expanded');
      return {
        text: (e.innerText ?? e.textContent ?? '').replace(/\s+/g, ' ').trim(),
        label: (labelEl?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        ariaLabel: e.getAttribute('aria-label'),
        level: Number(e.getAttribute('aria-level') ?? '1'),
        expanded: expanded === null ? undefined : expanded === 'true',
        index: Number(e.getAttribute('data-index') ?? '-1'),
      };
    }),
  );
  data.sort((a, b) => a.index - b.index);
  return data.map((d) => ({
    text: d.text,
    label: d.label === '' ? d.text : d.label,
    ariaLabel: d.ariaLabel,
    level: d.level,
    expanded: d.expanded,
    locator: p.locator(`.pane-body .monaco-list-row[data-index="${d.index}"]`).first(),
  }));
}

export interface StatusBarItem {
  readonly text: string;
  readonly ariaLabel: string | null;
  /** The element id, e.g. "publisher.extension.itemId" for an extension's item (when VS Code sets one). */
  readonly id: string | null;
}

/** The visible status bar items, left to right. */
export async function statusBarItems(page: Page, opts: WaitOptions = {}): Promise<StatusBarItem[]> {
  await page.locator('.part.statusbar').first().waitFor({ state: 'visible', timeout: opts.timeout ?? DEFAULT_TIMEOUT });
  const items = await page.locator('.part.statusbar .statusbar-item').evaluateAll((els) =>
    (els as unknown as DomEl[])
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({
        text: (e.innerText ?? '').replace(/\s+/g, ' ').trim(),
        ariaLabel: e.querySelector('[aria-label]')?.getAttribute('aria-label') ?? e.getAttribute('aria-label'),
        id: e.getAttribute('id'),
      })),
  );
  return items.filter((i) => i.text !== '' || i.ariaLabel !== null);
}

/** Waits for a status bar item whose text equals (string) or matches (RegExp) text, and returns it. */
export async function waitForStatusBarItem(page: Page, text: string | RegExp, opts: WaitOptions = {}): Promise<StatusBarItem> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  const re = typeof text === 'string' ? exactText(text) : text;
  const loc = page.locator('.part.statusbar .statusbar-item').filter({ hasText: re }).first();
  await loc.waitFor({ state: 'visible', timeout });
  const items = await statusBarItems(page, { timeout });
  const found = items.find((i) => re.test(i.text));
  if (!found) {
    throw new Error(`status bar item ${String(text)} vanished; items: ${JSON.stringify(items.map((i) => i.text))}`);
  }
  return found;
}

/**
 * Waits until the page is still: no finite CSS animation or transition running (a quick input or hover fading in,
 * a list scrolling), then one more frame so what they left is painted. Spinners that never end do not count.
 */
export async function waitForStill(page: Page, opts: WaitOptions = {}): Promise<void> {
  await page.waitForFunction(
    () => {
      const doc = (globalThis as unknown as { document: { getAnimations(): { playState: string; effect: { getTiming(): { iterations?: number } } | null }[] } }).document;
      return doc.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity);
    },
    undefined,
    { timeout: opts.timeout ?? DEFAULT_TIMEOUT, polling: 'raf' },
  );
  await page.evaluate(() => new Promise<void>((resolve) => (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame(() => resolve())));
}

/** Saves a PNG of the page once it is still (creating folders) and returns its absolute path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const abs = path.resolve(file);
  await waitForStill(page);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  await page.screenshot({ path: abs, fullPage: false });
  return abs;
}

export type NotificationSeverity = 'info' | 'warning' | 'error' | 'unknown';

export interface NotificationEntry {
  readonly message: string;
  readonly source: string;
  readonly severity: NotificationSeverity;
  /** Button labels of the notification. */
  readonly actions: readonly string[];
}

export interface ReadNotificationsOptions extends WaitOptions {
  /** Leave the notification center open (default false: it is hidden again). */
  readonly keepOpen?: boolean;
  /** Wait until a notification whose message matches this appears. */
  readonly waitFor?: string | RegExp;
}

/**
 * Reads notifications from the notification center ("Notifications: Show Notifications"); toasts may not
 * show under the smoke-test driver, the center always lists them.
 */
export async function readNotifications(page: Page, opts: ReadNotificationsOptions = {}): Promise<NotificationEntry[]> {
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  const center = page.locator('.notifications-center');
  if (!(await center.first().isVisible())) {
    await runCommand(page, 'Notifications: Show Notifications', { timeout });
  }
  await center.first().waitFor({ state: 'visible', timeout });
  const rows = center.locator('.notifications-list-container .monaco-list-row');
  if (opts.waitFor !== undefined) {
    const re = typeof opts.waitFor === 'string' ? new RegExp(escapeRegExp(opts.waitFor)) : opts.waitFor;
    await rows.filter({ has: page.locator('.notification-list-item-message', { hasText: re }) }).first().waitFor({ state: 'visible', timeout });
  }
  const entries = await rows.evaluateAll((els) =>
    (els as unknown as DomEl[]).map((e) => {
      const icon = e.querySelector('.notification-list-item-icon');
      const cls = icon?.className ?? '';
      const severity = /codicon-error|severity-error/.test(cls)
        ? 'error'
        : /codicon-warning|severity-warning/.test(cls)
          ? 'warning'
          : /codicon-info|severity-info/.test(cls)
            ? 'info'
            : 'unknown';
      return {
        message: (e.querySelector('.notification-list-item-message')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        source: (e.querySelector('.notification-list-item-source')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        severity: severity as 'info' | 'warning' | 'error' | 'unknown',
        actions: Array.from(e.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b) =>
          (b.textContent ?? '').trim(),
        ),
        index: Number(e.getAttribute('data-index') ?? '-1'),
      };
    }),
  );
  entries.sort((a, b) => a.index - b.index);
  if (!(opts.keepOpen ?? false)) {
    await runCommand(page, 'Notifications: Hide Notifications', { timeout }).catch(async () => {
      await page.keyboard.press('Escape');
    });
    await center.first().waitFor({ state: 'hidden', timeout }).catch(() => undefined);
  }
  return entries.map(({ message, source, severity, actions }) => ({ message, source, severity, actions }));
}
