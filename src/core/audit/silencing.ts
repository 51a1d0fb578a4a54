import { endpointFromUrl } from '../server/endpoint';
import type { AuditReport } from './audit';
import { isFindingId, type Finding, type FindingId } from './findings';

/**
 * Silencing per server, as the extension's `secureJupyter.security.silencedFindings` setting holds it: an object
 * from a server URL (or "*" for every server) to finding ids. Applied to a report after the audit, so changing
 * the setting takes effect without probing the server again.
 */
export interface SilencedFor {
  ids: Set<FindingId>;
  /** Entries that are not finding ids (for a warning in the log; they silence nothing). */
  unknown: string[];
}

const ALL_SERVERS = '*';

/** The server id a setting key names: its canonical URL, or undefined when the key is no server URL. */
function keyServerId(key: string): string | undefined {
  try {
    return endpointFromUrl(key.trim()).id;
  } catch {
    return undefined;
  }
}

/** The ids silenced for `serverId`: the "*" entry plus the entry whose URL is this server (any spelling of it). */
export function silencedFor(setting: unknown, serverId: string): SilencedFor {
  const out: SilencedFor = { ids: new Set(), unknown: [] };
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return out;
  for (const [key, value] of Object.entries(setting as Record<string, unknown>)) {
    if (key.trim() !== ALL_SERVERS && keyServerId(key) !== serverId) continue;
    const list: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    for (const entry of list) {
      if (typeof entry !== 'string') continue;
      const id = entry.trim();
      if (isFindingId(id)) out.ids.add(id);
      else out.unknown.push(id);
    }
  }
  return out;
}

/** The report as the user sees it: silenced findings left out of `findings` and listed in `server.silenced`. */
export function applySilencing(report: AuditReport, silenced: ReadonlySet<FindingId>): AuditReport {
  const active: Finding[] = [];
  const muted = new Set<FindingId>(report.server.silenced);
  for (const f of report.findings) {
    if (silenced.has(f.id)) muted.add(f.id);
    else active.push(f);
  }
  return { server: { ...report.server, silenced: [...muted] }, findings: active };
}

/**
 * What a "you have been told" record keys on: the server and its sorted finding ids. Ids and a token-free URL
 * only — safe for globalState.
 */
export function findingSetKey(serverId: string, findings: readonly Pick<Finding, 'id'>[]): string {
  return `${serverId} ${[...new Set(findings.map((f) => f.id))].sort().join(',')}`;
}
