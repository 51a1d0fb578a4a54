import { dirname } from 'node:path';
import type { ServerConnection } from '../registry/connection';
import type { Disposable } from '../util/disposable';
import { CancelledError, toJupyterError } from '../util/errors';
import { Emitter } from '../util/event';
import type { Logger } from '../util/log';
import { runAudit, type AuditReport } from './audit';
import type { HubAuditContext } from './hubRules';
import type { AuditTarget } from './observe';
import type { AuditPolicy } from './policy';

/** Where one server's audit stands. A re-run keeps the previous report until it finishes. */
export interface AuditEntry {
  readonly status: 'running' | 'done' | 'failed';
  /** The last completed audit (unsilenced: silencing is applied on display). */
  readonly report?: AuditReport;
  /** Why the last run failed (a typed error's redacted description). */
  readonly error?: string;
  /** When the last run finished (ms since the epoch). */
  readonly finishedAt?: number;
}

export interface AuditServiceDeps {
  log: Logger;
  /** The policy to audit with; its `silenced` is ignored (silencing is a display concern). */
  policy(): AuditPolicy;
  /** Runtime dirs to look for this server's files in (empty: file modes are not observed). */
  runtimeDirs(server: ServerConnection): readonly string[];
  /**
   * What is known about the hub of a hub user's server (its scopes, expiry, base URL), for the hub rules; undefined
   * for other servers. The VS Code layer passes `(s) => hubAuditContextFor(s, (id) => hubs.get(id)?.entry)`.
   */
  hubContext?(server: ServerConnection): HubAuditContext | undefined;
  /** A run that takes longer is cancelled. */
  timeoutMs?: number;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

interface RunningAudit {
  readonly promise: Promise<AuditEntry>;
  readonly controller: AbortController;
  /** Callers still waiting for it that could cancel (or, without a signal, never will). */
  waiting: number;
}

/**
 * Runs the security audit for servers of the registry: at most one run per server at a time (a second request
 * joins the running one), each cancellable, results kept in memory per server id. The credential goes from the
 * connection straight into the core audit; nothing secret is stored here (reports are redacted by the core).
 */
export class AuditService implements Disposable {
  private readonly entries = new Map<string, AuditEntry>();
  private readonly running = new Map<string, RunningAudit>();
  private readonly changed = new Emitter<string>();
  /** Fires with the server id whose entry changed. */
  readonly onDidChange = this.changed.event;
  private disposed = false;

  constructor(private readonly deps: AuditServiceDeps) {}

  get(serverId: string): AuditEntry | undefined {
    return this.entries.get(serverId);
  }

  /** The servers with an entry. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  isRunning(serverId: string): boolean {
    return this.running.has(serverId);
  }

  /**
   * Audits the server, or joins the audit already running for it. Resolves with the entry; never rejects. A caller
   * whose `signal` aborts stops waiting at once (with the entry as it stands); the run itself is cancelled only when
   * every caller that joined it has left — a caller without a signal (an automatic audit) keeps it going.
   */
  run(server: ServerConnection, signal?: AbortSignal): Promise<AuditEntry> {
    let run = this.running.get(server.id);
    if (!run) {
      const controller = new AbortController();
      const previous = this.entries.get(server.id);
      this.set(server.id, { ...previous, status: 'running' });
      const promise = this.doRun(server, controller.signal).finally(() => this.running.delete(server.id));
      run = { promise, controller, waiting: 0 };
      this.running.set(server.id, run);
    }
    return this.join(server.id, run, signal);
  }

  private join(serverId: string, run: RunningAudit, signal: AbortSignal | undefined): Promise<AuditEntry> {
    run.waiting++;
    if (!signal) return run.promise;
    return new Promise<AuditEntry>((resolve) => {
      const leave = (): void => {
        if (--run.waiting === 0) {
          run.controller.abort();
          void run.promise.then(resolve);
        } else {
          resolve(this.entries.get(serverId) ?? { status: 'running' });
        }
      };
      if (signal.aborted) return leave();
      signal.addEventListener('abort', leave, { once: true });
      void run.promise.then((entry) => {
        signal.removeEventListener('abort', leave);
        resolve(entry);
      });
    });
  }

  /** Cancels the server's running audit (its previous report stays). */
  cancel(serverId: string): void {
    this.running.get(serverId)?.controller.abort();
  }

  /** Drops what is known about a server (removed from the registry). */
  forget(serverId: string): void {
    this.cancel(serverId);
    if (this.entries.delete(serverId)) this.changed.fire(serverId);
  }

  private async doRun(server: ServerConnection, signal: AbortSignal): Promise<AuditEntry> {
    const previous = this.entries.get(server.id);
    const timeout = AbortSignal.timeout(this.deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const combined = AbortSignal.any([signal, timeout]);
    let entry: AuditEntry;
    try {
      const target = await auditTargetOf(server, this.deps.log, this.deps.hubContext?.(server));
      const policy = { ...this.deps.policy(), silenced: new Set<never>() };
      const report = await runAudit(target, policy, { signal: combined, runtimeDirs: this.deps.runtimeDirs(server) });
      entry = { status: 'done', report, finishedAt: this.now() };
      this.deps.log.info(`${server.id}: security audit: ${report.findings.map((f) => `${f.id} (${f.severity})`).join(', ') || 'no findings'}`);
    } catch (err) {
      const e = signal.aborted ? new CancelledError('The security audit was cancelled.', { serverUrl: server.id }) : toJupyterError(err, server.id);
      entry = { ...(previous?.report ? { report: previous.report } : {}), status: 'failed', error: e.describe(), finishedAt: this.now() };
      this.deps.log.warn(`${server.id}: security audit failed: ${e.describe()}`);
    }
    if (!this.disposed) this.set(server.id, entry);
    return entry;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private set(serverId: string, entry: AuditEntry): void {
    if (this.disposed) return;
    this.entries.set(serverId, entry);
    this.changed.fire(serverId);
  }

  dispose(): void {
    for (const r of this.running.values()) r.controller.abort();
    this.disposed = true;
    this.running.clear();
    this.entries.clear();
    this.changed.dispose();
  }
}

/** The connection's endpoint, credential, auth mode and transport (timeouts, trust), as the audit wants them. */
async function auditTargetOf(server: ServerConnection, logger: Logger, hub: HubAuditContext | undefined): Promise<AuditTarget> {
  return { endpoint: server.endpoint, credential: await server.credential(), mode: server.authMode, logger, transport: server.transport, ...(hub ? { hub } : {}) };
}

/** The runtime dir a discovered server's file lives in, plus `dirs` for servers on this machine; none for remote ones. */
export function runtimeDirsFor(server: ServerConnection, dirs: readonly string[]): string[] {
  if (!server.isLocal) return [];
  const file = server.runtime?.info.source;
  const own = file ? [dirname(file)] : [];
  return [...new Set([...own, ...dirs])];
}
