// Helpers for the extension's UI tests (plain Node, playwright-core): a LAN-address proxy for a "remote" server,
// quick-input handling, and where screenshots go.
import * as fs from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from '../harness/install';

/** This machine's first non-loopback IPv4 address, to reach a local server the way a remote one is reached. */
export function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** A TCP forwarder from host:<free port> to 127.0.0.1:targetPort. */
export async function forward(host: string, targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Types into the open quick input (input box or quick pick filter). */
export async function typeInQuickInput(page: Page, text: string): Promise<void> {
  const input = quickInput(page).locator('input').first();
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(text);
}

/** Clicks the quick pick row whose label contains text. */
export async function pickQuickItem(page: Page, text: string | RegExp): Promise<void> {
  const row = quickInput(page).locator('.monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/** Waits until the quick input shows a title or message matching text. */
export async function waitForQuickInputText(page: Page, text: string | RegExp): Promise<void> {
  await quickInput(page).filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: 30_000 });
}

/**
 * Where screenshots go: docs/screenshots when SJC_UPDATE_SCREENSHOTS=1 (what the README shows, committed),
 * else test-results/screenshots/<version> (a normal test run does not touch committed files).
 */
export function screenshotPath(version: string, name: string): string {
  const dir = process.env['SJC_UPDATE_SCREENSHOTS'] === '1'
    ? path.join(repoRoot(), 'docs', 'screenshots')
    : path.join(repoRoot(), 'test-results', 'screenshots', version);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

/** Every file under dir whose bytes contain needle. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle);
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    try {
      if (fs.readFileSync(p).includes(bytes)) hits.push(p);
    } catch {
      // a socket or a file that vanished
    }
  }
  return hits;
}

/** Everything the page keeps in localStorage and IndexedDB (where the web workbench keeps state and secrets), as one string. */
export async function browserStorageDump(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const g = globalThis as unknown as {
      localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null };
      indexedDB: {
        databases(): Promise<{ name?: string }[]>;
        open(name: string): { result: IdbDb; onsuccess: (() => void) | null; onerror: (() => void) | null };
      };
    };
    interface IdbDb {
      objectStoreNames: ArrayLike<string>;
      transaction(names: string[], mode: string): { objectStore(n: string): { getAll(): { result: unknown[]; onsuccess: (() => void) | null } } };
      close(): void;
    }
    const parts: string[] = [];
    for (let i = 0; i < g.localStorage.length; i++) {
      const k = g.localStorage.key(i) ?? '';
      parts.push(`${k}=${g.localStorage.getItem(k) ?? ''}`);
    }
    for (const info of await g.indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IdbDb>((resolve, reject) => {
        const req = g.indexedDB.open(info.name as string);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(new Error(`cannot open ${info.name}`));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve) => {
          const req = db.transaction([store], 'readonly').objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result);
        });
        parts.push(`${info.name}/${store}=${JSON.stringify(values, (_k, v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v))}`);
      }
      db.close();
    }
    return parts.join('\n');
  });
}

/** Waits until a webview (a Markdown preview renders in nested iframes) shows text: screenshots then show content. */
export async function waitForWebviewText(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      try {
        if ((await frame.locator('body', { hasText: text }).count()) > 0) return;
      } catch {
        // a frame navigating or detached: look again
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no webview showed ${String(text)} within ${timeoutMs} ms`);
}

/**
 * Rests the pointer on `target` until the workbench shows a hover containing `text`. The workbench opens a hover
 * only after the pointer rests, and a repaint of the row (a busy machine, a state change) closes it: move away and
 * rest again, up to `attempts` times.
 */
export async function showHover(page: Page, target: Locator, text: string, attempts = 4): Promise<void> {
  const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: text }).first();
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(900, 500);
    await new Promise((r) => setTimeout(r, 300));
    await target.hover();
    try {
      await hover.waitFor({ state: 'visible', timeout: 8_000 });
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

/** Drags the side bar's sash until the side bar is `width` pixels wide (long tree rows then show in full). */
export async function widenSideBar(p: Page, width: number): Promise<void> {
  const bar = await p.locator('.part.sidebar').first().boundingBox();
  if (!bar || bar.width >= width) return;
  const edge = bar.x + bar.width;
  const sashes = p.locator('.monaco-sash.vertical');
  for (let i = 0; i < (await sashes.count()); i++) {
    const box = await sashes.nth(i).boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 6 || box.height < bar.height / 2) continue;
    const x = box.x + box.width / 2;
    const y = bar.y + bar.height / 2;
    await p.mouse.move(x, y);
    await new Promise((r) => setTimeout(r, 400)); // the sash activates on hover
    await p.mouse.down();
    await p.mouse.move(bar.x + width, y, { steps: 12 });
    await p.mouse.up();
    return;
  }
}
