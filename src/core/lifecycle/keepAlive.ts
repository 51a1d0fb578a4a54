import type { KernelModel } from '../rest';
import type { JupyterClient } from '../transport/client';
import type { Clock, ClockTimer } from '../util/clock';
import type { Disposable } from '../util/disposable';
import { Emitter, type Event } from '../util/event';
import type { Logger } from '../util/log';
import type { ConnectionState, ConnectionStateKind } from './state';

/** Keep a server alive while one of its kernels computes (opt-in): the server's idle shutdown and a hub's culler spare it. */
export interface KeepAliveSettings {
  enabled: boolean;
  /** One tracked request per interval while a kernel is busy (ms). */
  intervalMs: number;
  /** Stop after one busy stretch has been kept alive this long (ms), and say so once. */
  maxMs: number;
}

export const KEEP_ALIVE_OFF: KeepAliveSettings = { enabled: false, intervalMs: 5 * 60_000, maxMs: 12 * 3_600_000 };

/** What keep-alive needs from a server connection (a narrow view of ServerConnection). */
export interface KeepAliveTarget {
  readonly id: string;
  readonly state: ConnectionState;
  readonly client: JupyterClient | undefined;
  /** The kernels last listed, and when (a new time = a new listing). */
  readonly kernels: readonly KernelModel[];
  readonly kernelsListedAt: number | undefined;
  readonly onDidChange: Event<void>;
  /**
   * Whether an untracked look may be sent while no kernel is known busy. Not to a hub's server: the hub's proxy
   * counts every request as activity (serverSource.listsOnTimer), so a look would keep an idle server from being
   * culled; there busy is known from our kernel sockets and from listings made for other reasons.
   */
  readonly listsOnTimer: boolean;
}

/** A kernel socket whose iopub `status` messages tell busy from idle at once (a KernelConnection). */
export interface WatchedKernel {
  readonly kernelId: string;
  readonly status: string;
  readonly onMessage: Event<{ channel: string; header: { msg_type: string }; content: Record<string, unknown> }>;
  readonly onDidChangeStatus: Event<{ status: string }>;
}

/** A busy stretch reached the maximum: keep-alive stopped for it (reported once). */
export interface KeepAliveLimit {
  serverId: string;
  kernelIds: string[];
  maxMs: number;
}

export type KeepAliveStatus =
  | { kind: 'off' }
  /** On, no kernel known busy (or the connection is not up): nothing is sent for it. */
  | { kind: 'watching' }
  /** A kernel is busy: one tracked request per interval, until `until` at the latest. */
  | { kind: 'keeping'; kernelIds: string[]; since: number; until: number; intervalMs: number }
  /** Still busy after the maximum: no longer kept alive until the kernels go idle (or the settings change). */
  | { kind: 'stopped-at-maximum'; kernelIds: string[]; since: number; maxMs: number };

/**
 * Lists a server's kernels: `tracked` is the keep-alive request itself (SendOptions.keepAlive: the server's
 * `api_last_activity` moves, while the client's idle expiry does not count it as the user's use); untracked is the
 * look for busy kernels while none is known busy (a background request: it must not keep an idle server alive).
 * `GET api/status` would not do for the tracked one: its handler never records activity.
 */
export type KernelLister = (client: JupyterClient, tracked: boolean, signal: AbortSignal) => Promise<KernelModel[]>;

export const listOnServer: KernelLister = (client, tracked, signal) =>
  client.json<KernelModel[]>('GET', 'api/kernels', tracked ? { signal, keepAlive: true } : { signal, background: true });

/** States in which the server answers and the session works: requests are sent (paused in the others). */
const BEATING: ReadonlySet<ConnectionStateKind> = new Set(['connected', 'kernel-lost', 're-authenticating']);

function hours(ms: number): string {
  return String(Math.round((ms / 3_600_000) * 100) / 100);
}

function minutes(ms: number): string {
  return String(Math.round((ms / 60_000) * 100) / 100);
}

/**
 * Keep-alive for one server connection. While enabled and connected it beats once per interval: when a kernel is
 * known busy (from the iopub `status` of a kernel socket we hold, or from a kernel listing: ours, the connection's
 * or the view's) the beat is a tracked kernel listing, otherwise an untracked one that only looks. A busy stretch
 * (from the first busy kernel until none is busy) is kept alive for at most `maxMs`, then reported once.
 */
export class KeepAlive implements Disposable {
  private readonly kernelStates = new Map<string, { state: string; bySocket: boolean }>();
  private readonly sockets = new Map<string, { kernel: WatchedKernel; subscriptions: Disposable[] }>();
  private timer: ClockTimer | undefined;
  private lastBeat: number | undefined;
  private startedAt: number | undefined;
  private expired = false;
  private inFlight: AbortController | undefined;
  private listedAt: number | undefined;
  private shown = '';
  private disposed = false;
  private readonly subscription: Disposable;
  private readonly changed = new Emitter<void>();
  /** Being kept alive started or stopped, or the maximum was reached. */
  readonly onDidChange = this.changed.event;
  private readonly limited = new Emitter<KeepAliveLimit>();
  /** A busy stretch reached the maximum (once per stretch). */
  readonly onDidReachLimit = this.limited.event;
  /** Tracked requests sent (logs and tests). */
  trackedRequests = 0;

  constructor(
    private readonly target: KeepAliveTarget,
    private readonly clock: Clock,
    private settings: KeepAliveSettings,
    private readonly log: Logger,
    private readonly lister: KernelLister = listOnServer,
  ) {
    this.subscription = target.onDidChange(() => this.targetChanged());
    this.listedAt = target.kernelsListedAt;
    this.evaluate();
  }

  update(settings: KeepAliveSettings): void {
    const s = this.settings;
    if (s.enabled === settings.enabled && s.intervalMs === settings.intervalMs && s.maxMs === settings.maxMs) return;
    if (s.enabled && !settings.enabled && this.startedAt !== undefined && !this.expired) this.log.info(`${this.target.id}: keep-alive turned off`);
    this.settings = settings;
    // A longer maximum resumes a stretch stopped at the old one.
    if (this.expired && this.startedAt !== undefined && this.clock.now() < this.startedAt + settings.maxMs) this.expired = false;
    this.evaluate();
  }

  /** Follows a kernel socket's `status` messages (its kernel's busy/idle, whoever runs code on it). */
  watchKernel(kernel: WatchedKernel): void {
    this.unwatch(kernel.kernelId);
    const subscriptions = [
      kernel.onMessage((m) => {
        if (m.channel !== 'iopub' || m.header.msg_type !== 'status') return;
        const state = m.content['execution_state'];
        if (typeof state !== 'string') return;
        this.kernelStates.set(kernel.kernelId, { state, bySocket: true });
        this.evaluate();
      }),
      kernel.onDidChangeStatus(({ status }) => {
        if (this.sockets.get(kernel.kernelId)?.kernel !== kernel) return;
        if (status === 'disposed' || status === 'lost') {
          this.unwatch(kernel.kernelId);
          this.kernelStates.delete(kernel.kernelId);
          this.evaluate();
        }
      }),
    ];
    this.sockets.set(kernel.kernelId, { kernel, subscriptions });
  }

  get status(): KeepAliveStatus {
    if (!this.settings.enabled) return { kind: 'off' };
    const kernelIds = this.busyKernels();
    if (this.startedAt === undefined || !BEATING.has(this.target.state.kind)) return { kind: 'watching' };
    if (this.expired) return { kind: 'stopped-at-maximum', kernelIds, since: this.startedAt, maxMs: this.settings.maxMs };
    return { kind: 'keeping', kernelIds, since: this.startedAt, until: this.startedAt + this.settings.maxMs, intervalMs: this.settings.intervalMs };
  }

  /** Tracked requests are being sent for a busy kernel. */
  get keepingAlive(): boolean {
    return this.status.kind === 'keeping';
  }

  private busyKernels(): string[] {
    return [...this.kernelStates].filter(([, k]) => k.state === 'busy').map(([id]) => id);
  }

  private socketOpen(kernelId: string): boolean {
    return this.sockets.get(kernelId)?.kernel.status === 'open';
  }

  /** A listing is the server's word, except for kernels whose open socket reported a status (newer than any listing). */
  private applyListing(models: readonly KernelModel[]): void {
    const listed = new Set(models.map((m) => m.id));
    for (const id of [...this.kernelStates.keys()]) if (!listed.has(id)) this.kernelStates.delete(id);
    for (const m of models) {
      if (this.kernelStates.get(m.id)?.bySocket && this.socketOpen(m.id)) continue;
      if (m.execution_state) this.kernelStates.set(m.id, { state: m.execution_state, bySocket: false });
    }
  }

  private targetChanged(): void {
    if (this.disposed) return;
    if (this.target.kernelsListedAt !== this.listedAt) {
      this.listedAt = this.target.kernelsListedAt;
      this.applyListing(this.target.kernels);
    }
    this.evaluate();
  }

  /** Recomputes the stretch and the timer from the settings, the connection state and the kernels' states. */
  private evaluate(): void {
    if (this.disposed) return;
    const kind = this.target.state.kind;
    if (kind === 'disconnected') {
      for (const [id, k] of [...this.kernelStates]) if (!k.bySocket || !this.socketOpen(id)) this.kernelStates.delete(id);
    }
    const now = this.clock.now();
    const busy = this.busyKernels();
    if (!this.settings.enabled || busy.length === 0) {
      if (this.startedAt !== undefined && !this.expired && this.settings.enabled) this.log.info(`${this.target.id}: no kernel is busy anymore; keep-alive stopped`);
      this.startedAt = undefined;
      this.expired = false;
    } else if (this.startedAt === undefined) {
      this.startedAt = now;
      this.log.info(
        `${this.target.id}: kernel ${busy.join(', ')} busy; keeping the server alive (a tracked request every ${minutes(this.settings.intervalMs)} min, for at most ${hours(this.settings.maxMs)} h)`,
      );
    }
    if (this.startedAt !== undefined && !this.expired && now >= this.startedAt + this.settings.maxMs) this.expire(busy);
    if (this.settings.enabled && BEATING.has(kind)) this.schedule(now);
    else this.stopBeating();
    const shown = JSON.stringify(this.status);
    if (shown !== this.shown) {
      this.shown = shown;
      this.changed.fire();
    }
  }

  private expire(busy: string[]): void {
    this.expired = true;
    this.log.warn(
      `${this.target.id}: kernel ${busy.join(', ')} still busy after ${hours(this.settings.maxMs)} h (the keep-alive maximum); the server is no longer kept alive, so its idle shutdown or a hub's culler may stop it`,
    );
    this.limited.fire({ serverId: this.target.id, kernelIds: busy, maxMs: this.settings.maxMs });
  }

  private schedule(now: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (this.lastBeat === undefined) this.lastBeat = now;
    let due = this.lastBeat + this.settings.intervalMs;
    if (this.startedAt !== undefined && !this.expired) due = Math.min(due, this.startedAt + this.settings.maxMs);
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, due - now));
  }

  private stopBeating(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.lastBeat = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = this.clock.now();
    if (this.lastBeat !== undefined && now >= this.lastBeat + this.settings.intervalMs) void this.beat(now);
    else this.evaluate(); // the maximum's moment
  }

  private async beat(now: number): Promise<void> {
    this.lastBeat = now;
    const client = this.target.client;
    // A slow reply never stacks requests up: this beat is skipped.
    if (this.inFlight || !client) {
      this.evaluate();
      return;
    }
    const tracked = this.keepingAlive;
    if (!tracked && !this.target.listsOnTimer) {
      this.evaluate();
      return;
    }
    const abort = new AbortController();
    this.inFlight = abort;
    this.evaluate();
    try {
      if (tracked) this.trackedRequests++;
      const models = await this.lister(client, tracked, abort.signal);
      if (abort.signal.aborted || this.disposed) return;
      this.applyListing(models);
    } catch (err) {
      if (!abort.signal.aborted) this.log.debug(`${this.target.id}: keep-alive listing failed: ${(err as Error).message}`);
    } finally {
      if (this.inFlight === abort) this.inFlight = undefined;
    }
    this.evaluate();
  }

  private unwatch(kernelId: string): void {
    const w = this.sockets.get(kernelId);
    if (!w) return;
    for (const s of w.subscriptions) s.dispose();
    this.sockets.delete(kernelId);
  }

  dispose(): void {
    if (this.disposed) return;
    this.stopBeating();
    this.disposed = true;
    this.subscription.dispose();
    for (const id of [...this.sockets.keys()]) this.unwatch(id);
    this.changed.dispose();
    this.limited.dispose();
  }
}
