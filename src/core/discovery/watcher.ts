import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Disposable } from '../util/disposable';
import { Emitter } from '../util/event';
import type { Logger } from '../util/log';
import { nullLogger } from '../util/log';
import { pidState } from './liveness';
import { RUNTIME_FILE } from './runtimeFile';
import type { DiscoveredServer, RuntimeScanner, ScanOptions } from './scanner';

export interface WatchOptions extends ScanOptions {
  /** Coalesces bursts of file events into one rescan. */
  debounceMs?: number;
  /** How often live servers' pids are checked (a SIGKILLed server leaves its file behind). */
  pidPollMs?: number;
  /** How often a runtime dir that does not exist yet is looked for. */
  missingDirPollMs?: number;
  /** A full rescan now and then, in case the file system drops an event. */
  rescanMs?: number;
}

const DEFAULTS = { debounceMs: 50, pidPollMs: 500, missingDirPollMs: 2000, rescanMs: 30_000 };

/**
 * Keeps the discovered servers current: `fs.watch` on each runtime dir (a new or removed runtime file is seen
 * at once), a cheap pid check for live servers (a killed server's file stays behind), and a wait for dirs that
 * do not exist yet. Fires `onDidChange` only when the list really changed.
 */
export class DiscoveryWatcher implements Disposable {
  private readonly changed = new Emitter<readonly DiscoveredServer[]>();
  readonly onDidChange = this.changed.event;
  private current: DiscoveredServer[] = [];
  private signature = '';
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers: NodeJS.Timeout[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescanQueued = false;
  private disposed = false;
  private readonly o: Required<Omit<WatchOptions, keyof ScanOptions>> & ScanOptions;

  constructor(
    private readonly scanner: RuntimeScanner,
    private dirs: readonly string[],
    options: WatchOptions = {},
    private readonly log: Logger = nullLogger,
    private readonly pidAlive: (pid: number) => boolean = (pid) => pidState(pid) === 'alive',
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  get servers(): readonly DiscoveredServer[] {
    return this.current;
  }

  get liveServers(): DiscoveredServer[] {
    return this.current.filter((s) => s.state === 'live');
  }

  async start(): Promise<void> {
    await this.rescan();
    this.watchDirs();
    this.timers.push(setInterval(() => this.checkPids(), this.o.pidPollMs));
    this.timers.push(setInterval(() => this.watchDirs(), this.o.missingDirPollMs));
    this.timers.push(setInterval(() => this.schedule(), this.o.rescanMs));
    for (const t of this.timers) t.unref();
  }

  /** Change the dirs (a setting changed); rescans at once. */
  async setDirs(dirs: readonly string[]): Promise<void> {
    this.dirs = dirs;
    for (const [dir, w] of this.watchers) {
      if (!dirs.includes(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    this.watchDirs();
    await this.rescan();
  }

  /** Rescans now (one at a time; a request during a scan queues one more). */
  async rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanQueued = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescanQueued = false;
        try {
          const list = await this.scanner.scan(this.dirs, this.o);
          if (this.disposed) return;
          const sig = list.map((s) => `${s.file}|${s.state}|${s.info?.url ?? ''}|${s.reason}`).join('\n');
          this.current = list;
          if (sig !== this.signature) {
            this.signature = sig;
            this.changed.fire(list);
          }
        } catch (err) {
          this.log.warn(`discovery scan failed: ${(err as Error).message}`);
        }
      } while (this.rescanQueued && !this.disposed);
    })().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private schedule(): void {
    if (this.disposed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescan(), this.o.debounceMs);
    this.debounce.unref();
  }

  private watchDirs(): void {
    for (const dir of this.dirs) {
      if (this.watchers.has(dir) || this.disposed) continue;
      stat(dir).then(
        (st) => {
          if (!st.isDirectory() || this.watchers.has(dir) || this.disposed) return;
          try {
            const w = watch(dir, { persistent: false }, (_event, name) => {
              // Linux reports the removal (or move) of the watched dir itself as an event named after the dir,
              // and the watcher then sees nothing, not even the dir coming back: start over.
              if (name && String(name) === basename(dir)) this.dropWatcher(dir, w);
              else if (!name || RUNTIME_FILE.test(String(name))) this.schedule();
            });
            // Windows and macOS report a removed dir as an error.
            w.on('error', () => this.dropWatcher(dir, w));
            this.watchers.set(dir, w);
            this.schedule(); // files may have appeared before the watcher existed
          } catch (err) {
            this.log.debug(`cannot watch ${dir}: ${(err as Error).message}`);
          }
        },
        () => undefined,
      );
    }
  }

  /** The dir's watcher is dead (the dir was removed): forget it, rescan, and watch the dir again once it exists. */
  private dropWatcher(dir: string, w: FSWatcher): void {
    w.close();
    if (this.watchers.get(dir) === w) this.watchers.delete(dir);
    this.schedule();
    this.watchDirs();
  }

  private checkPids(): void {
    if (this.current.some((s) => s.state === 'live' && s.pid !== undefined && !this.pidAlive(s.pid))) this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.debounce);
    for (const t of this.timers) clearInterval(t);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.changed.dispose();
  }
}
