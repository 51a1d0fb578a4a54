/** One event of a hub's spawn progress stream (`…/server/progress`, jupyterhub-facts.md A.3). */
export interface SpawnProgress {
  /** 0–100, when the hub says. */
  readonly progress?: number;
  readonly message: string;
  readonly ready?: boolean;
  readonly failed?: boolean;
  /** With `ready`: the server's URL path (already holding the hub's base path). */
  readonly url?: string;
}

/**
 * Server-sent events to progress events: `data:` lines joined per block, blank keep-alive lines and comments
 * ignored, `\r\n` tolerated, a block split across chunks held until it ends. Data that is not a JSON object is
 * skipped (and counted), never thrown: a hub's odd event must not end a spawn the user is watching.
 */
export class SpawnProgressParser {
  private buffered = '';
  private readonly decoder = new TextDecoder();
  /** Blocks whose data was not a progress event. */
  skipped = 0;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: Uint8Array | string): SpawnProgress[] {
    this.buffered += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    // A CR at the end may be half of a CRLF whose LF is in the next chunk: it is normalised with that chunk, or a
    // line break split across chunks would count twice (and end a multi-line block early). (A stream that ends its
    // lines with CR alone has each block's last CR wait for the next chunk; hubs send LF.)
    const heldCr = this.buffered.endsWith('\r');
    this.buffered = (heldCr ? this.buffered.slice(0, -1) : this.buffered).replace(/\r\n?/g, '\n');
    const out: SpawnProgress[] = [];
    let end: number;
    while ((end = this.buffered.indexOf('\n\n')) >= 0) {
      const block = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      const e = this.parseBlock(block);
      if (e) out.push(e);
    }
    if (heldCr) this.buffered += '\r';
    // A stream that never sends a blank line must not grow without bound (events are small).
    if (this.buffered.length > 1_000_000) {
      this.buffered = '';
      this.skipped++;
    }
    return out;
  }

  private parseBlock(block: string): SpawnProgress | undefined {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (!data.trim()) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      this.skipped++;
      return undefined;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      this.skipped++;
      return undefined;
    }
    const r = raw as Record<string, unknown>;
    const progress = typeof r['progress'] === 'number' && Number.isFinite(r['progress']) ? Math.max(0, Math.min(100, r['progress'])) : undefined;
    return {
      message: typeof r['message'] === 'string' ? r['message'] : '',
      ...(progress !== undefined ? { progress } : {}),
      ...(r['ready'] === true ? { ready: true } : {}),
      ...(r['failed'] === true ? { failed: true } : {}),
      ...(typeof r['url'] === 'string' ? { url: r['url'] } : {}),
    };
  }
}
