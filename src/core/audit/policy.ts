import { InvalidInputError } from '../util/errors';
import { FINDING_IDS, isFindingId, type FindingId } from './findings';

/**
 * What the audit holds a server to.
 *
 * The longest acceptable login-cookie lifetime defaults to 8 hours. Jupyter servers have no idle expiry (a
 * login cookie is never refreshed by use, §6 of the facts sheet), so the cookie's absolute lifetime is the only
 * bound the server puts on a stolen cookie; the 15–20 idle minutes the extension wants are enforced on the
 * client. 8 hours is one working day, the upper end of the absolute timeouts OWASP's session-management guidance
 * gives for applications used through the day: a browser user signs in once a day, the extension re-signs in by
 * itself, and running kernels are unaffected (open WebSockets are never re-authenticated). 24 hours would let a
 * cookie taken today work through tomorrow morning; notebook's own default is 30 days.
 */
export const DEFAULT_MAX_COOKIE_HOURS = 8;

/**
 * A server certificate that expires within this many days is `tls-certificate-expiring`. 30 days is the renewal
 * window of the common automated CAs (Let's Encrypt renews 90-day certificates 30 days before they end), so a
 * certificate inside it that is still served means renewal is not happening; it leaves a month to act.
 */
export const DEFAULT_CERT_EXPIRY_DAYS = 30;

export interface AuditPolicy {
  /** Login cookies whose Max-Age/Expires goes beyond this are `login-cookie-long-lived`. */
  readonly maxCookieLifetimeHours: number;
  /** Server certificates that expire within this many days (or have expired) are `tls-certificate-expiring`. */
  readonly certificateExpiryDays: number;
  /** Findings left out of the report (they are still counted as silenced). */
  readonly silenced: ReadonlySet<FindingId>;
}

export const DEFAULT_AUDIT_POLICY: AuditPolicy = {
  maxCookieLifetimeHours: DEFAULT_MAX_COOKIE_HOURS,
  certificateExpiryDays: DEFAULT_CERT_EXPIRY_DAYS,
  silenced: new Set(),
};

export interface AuditPolicyInput {
  maxCookieLifetimeHours?: number;
  certificateExpiryDays?: number;
  silenced?: Iterable<string>;
}

/** A checked policy: a positive finite lifetime and expiry window and known finding ids, or InvalidInputError saying which. */
export function auditPolicy(input: AuditPolicyInput = {}): AuditPolicy {
  const hours = input.maxCookieLifetimeHours ?? DEFAULT_MAX_COOKIE_HOURS;
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new InvalidInputError(`The maximum login-cookie lifetime must be a positive number of hours, not ${String(hours)}.`, {
      hint: `The default is ${DEFAULT_MAX_COOKIE_HOURS} hours.`,
    });
  }
  const days = input.certificateExpiryDays ?? DEFAULT_CERT_EXPIRY_DAYS;
  if (!Number.isFinite(days) || days <= 0) {
    throw new InvalidInputError(`The certificate expiry warning must be a positive number of days, not ${String(days)}.`, {
      hint: `The default is ${DEFAULT_CERT_EXPIRY_DAYS} days.`,
    });
  }
  const silenced = new Set<FindingId>();
  for (const id of input.silenced ?? []) {
    if (!isFindingId(id)) {
      throw new InvalidInputError(`"${id}" is not an audit finding id.`, { hint: `Known ids: ${FINDING_IDS.join(', ')}.` });
    }
    silenced.add(id);
  }
  return { maxCookieLifetimeHours: hours, certificateExpiryDays: days, silenced };
}
