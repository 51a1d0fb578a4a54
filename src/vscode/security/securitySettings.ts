import * as vscode from 'vscode';
import { auditPolicy, DEFAULT_CERT_EXPIRY_DAYS, DEFAULT_MAX_COOKIE_HOURS, type AuditPolicy } from '../../core/audit/policy';
import { silencedFor, type SilencedFor } from '../../core/audit/silencing';
import { SETTINGS_SECTION } from '../ids';

const SECTION = `${SETTINGS_SECTION}.security`;

/** The `secureJupyter.security.*` settings (package.json documents each). */
export interface SecuritySettings {
  /** Audit a server each time it connects. */
  auditOnConnect: boolean;
  /** The audit policy without silencing (silencing is applied per server on display). */
  policy: AuditPolicy;
  /** The raw `silencedFindings` object: server URL or "*" → finding ids. */
  silencedSetting: unknown;
}

export function readSecuritySettings(): SecuritySettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const hours = c.get<number>('maxCookieLifetimeHours', DEFAULT_MAX_COOKIE_HOURS);
  const days = c.get<number>('certificateExpiryDays', DEFAULT_CERT_EXPIRY_DAYS);
  // A value that is not a positive number: the default, as each setting's description says.
  const valid = <T>(value: T, check: (v: T) => unknown): T | undefined => {
    try {
      check(value);
      return value;
    } catch {
      return undefined;
    }
  };
  const maxCookieLifetimeHours = valid(hours, (h) => auditPolicy({ maxCookieLifetimeHours: h }));
  const certificateExpiryDays = valid(days, (d) => auditPolicy({ certificateExpiryDays: d }));
  const policy: AuditPolicy = auditPolicy({
    ...(maxCookieLifetimeHours !== undefined ? { maxCookieLifetimeHours } : {}),
    ...(certificateExpiryDays !== undefined ? { certificateExpiryDays } : {}),
  });
  return { auditOnConnect: c.get<boolean>('auditOnConnect', true), policy, silencedSetting: c.get<unknown>('silencedFindings', {}) };
}

export function silencedForServer(settings: SecuritySettings, serverId: string): SilencedFor {
  return silencedFor(settings.silencedSetting, serverId);
}

/** Fires with the new settings when anything under `secureJupyter.security.` changed. */
export function onDidChangeSecuritySettings(listener: (s: SecuritySettings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(readSecuritySettings());
  });
}
