import { isDeepStrictEqual } from 'node:util';
import type * as vscode from 'vscode';
import type { StateStore } from '../../core/registry/stateStore';
import type { Logger } from '../../core/util/log';

/** How many times a write that a storage echo undid is made again before it is reported. */
const MAX_REAPPLY = 3;

/**
 * The core's StateStore port over a Memento (globalState): only non-secret data goes through it. Every writer
 * of the extension's globalState shares one instance, because VS Code's extension-host Memento holds one object
 * for all keys and replaces it whole when the main side reports a change of it, its own earlier writes included.
 * An echo that lands between one `update()` and the flush of it undoes that update, and the flush then writes
 * the older object, the updated key lost (a record of a shown notification, a saved server). So writes go
 * one at a time, each after the previous flush (whose echo comes before its reply), and a key that reads back
 * otherwise after its flush (another window wrote in between) is written again. Until its flush, a key reads
 * as last written.
 */
export class MementoStateStore implements StateStore {
  /** Values written here and not yet flushed, newest per key. */
  private readonly pending = new Map<string, unknown>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly memento: vscode.Memento,
    private readonly log?: Logger,
  ) {}

  get<T>(key: string): T | undefined {
    const v = this.pending.has(key) ? this.pending.get(key) : this.memento.get<T>(key);
    return v === undefined ? undefined : (structuredClone(v) as T);
  }

  update(key: string, value: unknown): Promise<void> {
    // As storage will hold it (JSON: no undefined fields), so that reading it back compares equal.
    this.pending.set(key, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
    const run = this.queue.then(() => this.flush());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Writes every pending key, then checks they read back; those that do not are written again. */
  private async flush(): Promise<void> {
    if (this.pending.size === 0) return; // an earlier flush took this update along
    const batch = new Map(this.pending);
    for (let attempt = 1; ; attempt++) {
      let written: Thenable<void> = Promise.resolve();
      for (const [key, value] of batch) written = this.memento.update(key, value);
      await written;
      const undone = [...batch.keys()].filter((k) => !isDeepStrictEqual(this.memento.get(k), batch.get(k)));
      if (undone.length === 0) break;
      if (attempt >= MAX_REAPPLY) {
        this.log?.warn(`globalState: ${undone.join(', ')} changed again while being written (another window?); the last value written elsewhere stays`);
        break;
      }
      this.log?.debug(`globalState: ${undone.join(', ')} undone by a storage change before its flush; writing again`);
    }
    // A key updated again during the flush stays pending for the next one.
    for (const [key, value] of batch) if (this.pending.get(key) === value) this.pending.delete(key);
  }
}
