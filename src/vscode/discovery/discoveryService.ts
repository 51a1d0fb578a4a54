import { listWithJupyterCommand } from '../../core/discovery/listCommand';
import { pidState } from '../../core/discovery/liveness';
import { currentDirContext, runtimeDirsToScan } from '../../core/discovery/runtimeDirs';
import { RuntimeScanner, type DiscoveredServer } from '../../core/discovery/scanner';
import { DiscoveryWatcher } from '../../core/discovery/watcher';
import type { ServerRegistry } from '../../core/registry/registry';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/log';
import type { Settings } from '../config';

/**
 * Feeds the registry with the servers running on this machine: the core's watcher over Jupyter's runtime dirs
 * (plus the extra dirs setting), and, when a `jupyter` command is configured, `jupyter … list --json` at start
 * and on Refresh (never on a timer: it is a subprocess).
 */
export class DiscoveryService implements Disposable {
  private readonly scanner: RuntimeScanner;
  private watcher: DiscoveryWatcher | undefined;
  private watcherSubscription: Disposable | undefined;
  private listed: DiscoveredServer[] = [];
  private settings: Settings | undefined;

  constructor(
    private readonly registry: ServerRegistry,
    private readonly log: Logger,
  ) {
    this.scanner = new RuntimeScanner({ log });
  }

  /** The runtime dirs being watched (empty when discovery is off). */
  get dirs(): string[] {
    const s = this.settings;
    return s?.discoveryEnabled ? runtimeDirsToScan(currentDirContext(), s.extraRuntimeDirs) : [];
  }

  /** Applies (new) settings: starts, re-targets or stops the watcher. */
  async apply(settings: Settings): Promise<void> {
    const before = this.settings;
    this.settings = settings;
    if (!settings.discoveryEnabled) {
      this.stopWatcher();
      this.listed = [];
      this.publish();
      return;
    }
    const dirs = this.dirs;
    if (!this.watcher) {
      this.log.info(`discovery: watching ${dirs.join(', ')}`);
      const watcher = new DiscoveryWatcher(this.scanner, dirs, { parseStale: false }, this.log);
      this.watcher = watcher;
      this.watcherSubscription = watcher.onDidChange(() => this.publish());
      await watcher.start();
      this.publish();
    } else if (before?.extraRuntimeDirs.join('\n') !== settings.extraRuntimeDirs.join('\n')) {
      this.log.info(`discovery: watching ${dirs.join(', ')}`);
      await this.watcher.setDirs(dirs);
    }
    if (settings.jupyterCommand !== (before?.jupyterCommand ?? '') || !before?.discoveryEnabled) await this.runListCommand();
  }

  /** A manual refresh: forget cached probe answers, rescan, and ask the jupyter command again. */
  async rescan(): Promise<void> {
    if (!this.watcher) return;
    this.scanner.forgetProbes();
    await this.watcher.rescan();
    await this.runListCommand();
    this.publish();
  }

  /**
   * The registry's rediscover hook: a local server refused its token (restarted?), so look at the runtime dirs now
   * rather than waiting for the file event. Cheap: no probes are forgotten and the jupyter command is not run.
   */
  async rediscover(): Promise<void> {
    if (!this.watcher) return;
    await this.watcher.rescan();
    this.publish();
  }

  private async runListCommand(): Promise<void> {
    const cmd = this.settings?.jupyterCommand;
    if (!cmd) {
      this.listed = [];
      return;
    }
    const result = await listWithJupyterCommand(cmd);
    for (const p of result.problems) this.log.warn(`discovery: ${p}`);
    this.listed = result.servers.map((info) => ({
      file: info.source,
      state: 'live' as const,
      pid: info.pid,
      info,
      reason: `listed by ${info.source}`,
      ...(info.version !== undefined ? { version: info.version } : {}),
    }));
    this.log.info(`discovery: ${cmd} listed ${this.listed.length} server(s)`);
    this.publish();
  }

  private publish(): void {
    const fromFiles = this.watcher?.liveServers ?? [];
    // Servers the command listed stay only while their process runs (the command is not re-run on a timer).
    const listed = this.listed.filter((d) => d.pid === undefined || pidState(d.pid) === 'alive');
    this.registry.setDiscovered([...fromFiles, ...listed]);
  }

  private stopWatcher(): void {
    this.watcherSubscription?.dispose();
    this.watcherSubscription = undefined;
    this.watcher?.dispose();
    this.watcher = undefined;
  }

  dispose(): void {
    this.stopWatcher();
  }
}

