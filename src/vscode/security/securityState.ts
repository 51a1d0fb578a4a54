import * as vscode from 'vscode';
import type { AuditReport } from '../../core/audit/audit';
import { AuditService, runtimeDirsFor, type AuditEntry } from '../../core/audit/auditService';
import { countBySeverity, type Severity } from '../../core/audit/findings';
import { applySilencing } from '../../core/audit/silencing';
import type { ServerConnection } from '../../core/registry/connection';
import type { ServerRegistry } from '../../core/registry/registry';
import type { HubRegistry } from '../../core/hub/hubs';
import { hubAuditContextFor } from '../../core/audit/hubRules';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/log';
import { onDidChangeSecuritySettings, readSecuritySettings, silencedForServer, type SecuritySettings } from './securitySettings';

/** One server's audit as the UI shows it: the last report with the user's silencing applied. */
export interface SecurityView {
  readonly serverId: string;
  readonly status: AuditEntry['status'];
  /** Active findings only; `report.server.silenced` lists the silenced ids that fired. */
  readonly report: AuditReport | undefined;
  readonly error: string | undefined;
  readonly finishedAt: number | undefined;
  readonly counts: Record<Severity, number>;
}

/**
 * The security audit in the extension: audits each server when it connects (setting `auditOnConnect`) and on
 * request, applies the silencing setting, and marks a server with an error-level finding insecure — the
 * connection's insecure reasons drive the tree's state icon and the status bar, as for any other reason.
 */
export class SecurityState implements Disposable {
  readonly service: AuditService;
  private settings: SecuritySettings = readSecuritySettings();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the server id whose view changed. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: Disposable[] = [];
  /** Servers audited since they last connected (cleared when a server goes offline). */
  private readonly auditedThisConnection = new Set<string>();

  constructor(
    private readonly registry: ServerRegistry,
    runtimeDirs: () => readonly string[],
    log: Logger,
    hubs?: HubRegistry,
  ) {
    this.service = new AuditService({
      log,
      // A hub's server is audited with its hub's facts (token lifetime and scopes, plain http, tokens in URLs).
      hubContext: (s) => hubAuditContextFor(s, (id) => hubs?.get(id)?.entry),
      policy: () => this.settings.policy,
      runtimeDirs: (server) => runtimeDirsFor(server, runtimeDirs()),
    });
    this.subscriptions.push(
      this.service,
      this.changed,
      this.service.onDidChange((id) => this.afterChange(id)),
      registry.onDidChange(() => this.onRegistryChange()),
      onDidChangeSecuritySettings((next) => this.applySettings(next)),
    );
    this.onRegistryChange();
  }

  view(serverId: string): SecurityView | undefined {
    const entry = this.service.get(serverId);
    if (!entry) return undefined;
    const silenced = silencedForServer(this.settings, serverId).ids;
    const report = entry.report ? applySilencing(entry.report, silenced) : undefined;
    return {
      serverId,
      status: entry.status,
      report,
      error: entry.error,
      finishedAt: entry.finishedAt,
      counts: countBySeverity(report?.findings ?? []),
    };
  }

  /** Audits now (joining a run in progress); resolves with the view. */
  async audit(server: ServerConnection, signal?: AbortSignal): Promise<SecurityView | undefined> {
    this.auditedThisConnection.add(server.id);
    await this.service.run(server, signal);
    return this.view(server.id);
  }

  private onRegistryChange(): void {
    const live = new Set<string>();
    for (const c of this.registry.list()) {
      live.add(c.id);
      const kind = c.state.kind;
      if (kind === 'connecting' || kind === 'disconnected' || kind === 'unreachable') this.auditedThisConnection.delete(c.id);
      else if (kind === 'connected' && this.settings.auditOnConnect && !this.auditedThisConnection.has(c.id)) {
        void this.audit(c);
      }
      this.syncInsecure(c);
    }
    for (const id of new Set([...this.service.ids(), ...this.auditedThisConnection])) {
      if (live.has(id)) continue;
      this.auditedThisConnection.delete(id);
      this.service.forget(id);
    }
  }

  private applySettings(next: SecuritySettings): void {
    const lifetimeChanged =
      next.policy.maxCookieLifetimeHours !== this.settings.policy.maxCookieLifetimeHours ||
      next.policy.certificateExpiryDays !== this.settings.policy.certificateExpiryDays;
    this.settings = next;
    for (const c of this.registry.list()) {
      if (!this.service.get(c.id)) continue;
      // The cookie lifetime and the certificate's expiry window are judged by the audit itself; silencing only changes the view.
      if (lifetimeChanged && c.state.kind === 'connected') void this.audit(c);
      else this.afterChange(c.id);
    }
    // auditOnConnect turned on: audit the servers connected meanwhile.
    this.onRegistryChange();
  }

  private afterChange(serverId: string): void {
    const c = this.registry.get(serverId);
    if (c) this.syncInsecure(c);
    this.changed.fire(serverId);
  }

  /**
   * The audit's error-level findings become the connection's insecure reasons (next to its own, which name the same
   * ids); the ids silenced for this server are left out of both.
   */
  private syncInsecure(c: ServerConnection): void {
    const errors = this.view(c.id)?.report?.findings.filter((f) => f.severity === 'error') ?? [];
    c.insecureReasons.setAdded(
      errors.map((f) => ({ id: f.id, text: f.title })),
      silencedForServer(this.settings, c.id).ids,
    );
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0).reverse()) s.dispose();
  }
}
