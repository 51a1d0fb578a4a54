import { isLocalEndpoint, type ServerEndpoint } from '../server/endpoint';
import type { FindingId } from '../server/findingIds';
import type { AuthPlan } from '../session/credentials';

/** One reason a connection is insecure, named by the audit finding id it corresponds to. */
export interface InsecureReason {
  readonly id: FindingId;
  /** Plain language, secret-free. */
  readonly text: string;
}

/**
 * Why a connection is insecure: what the connection itself saw when it connected (plain http to a remote host,
 * authentication off), merged with what others add later (the security audit's error-level findings). One line per
 * finding id — the connection's own wording wins over an added duplicate — and ids the user silenced for this
 * server are left out.
 */
export class InsecureReasons {
  private own: readonly InsecureReason[] = [];
  private added: readonly InsecureReason[] = [];
  private hidden: ReadonlySet<FindingId> = new Set();
  private merged: readonly InsecureReason[] = [];

  get list(): readonly InsecureReason[] {
    return this.merged;
  }

  /** The connection's own reasons (replaced at each connect). True when the list changed. */
  setOwn(reasons: readonly InsecureReason[]): boolean {
    this.own = reasons;
    return this.recompute();
  }

  /** Reasons added from outside and the ids silenced for this server. True when the list changed. */
  setAdded(reasons: readonly InsecureReason[], silenced: ReadonlySet<FindingId>): boolean {
    this.added = reasons;
    this.hidden = silenced;
    return this.recompute();
  }

  private recompute(): boolean {
    const seen = new Set<FindingId>();
    const next: InsecureReason[] = [];
    for (const r of [...this.own, ...this.added]) {
      if (seen.has(r.id) || this.hidden.has(r.id)) continue;
      seen.add(r.id);
      next.push(r);
    }
    const same = next.length === this.merged.length && next.every((r, i) => r.id === this.merged[i]?.id && r.text === this.merged[i]?.text);
    if (!same) this.merged = next;
    return !same;
  }
}

/** What a connection sees for itself once signed in: credentials over plain http to a remote host, authentication off. */
export function observedInsecure(endpoint: ServerEndpoint, plan: AuthPlan): InsecureReason[] {
  const reasons: InsecureReason[] = [];
  if (endpoint.baseUrl.protocol === 'http:' && !isLocalEndpoint(endpoint) && plan !== 'anonymous') {
    reasons.push({ id: 'plain-http-remote', text: 'credentials travel over plain http to a remote host' });
  }
  if (plan === 'anonymous') reasons.push({ id: 'auth-disabled', text: 'the server has authentication turned off' });
  return reasons;
}
