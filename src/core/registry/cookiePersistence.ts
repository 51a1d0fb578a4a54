import type { ServerSecrets } from '../secrets/secretStore';
import { ServerCookieJar } from '../session/cookieJar';
import type { JupyterClient } from '../transport/client';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/log';

/**
 * A cookie-authenticated server's session in the secret store: restored into the jar when the client is created,
 * written shortly after it changes (coalesced), replaced when another window saved a newer one.
 */
export class CookiePersistence {
  private timer: ReturnType<Clock['setTimeout']> | undefined;
  private lastPersisted: string | undefined;

  constructor(
    private readonly id: string,
    private readonly secrets: ServerSecrets,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The stored session as a jar (a new one when none is stored or it is unreadable). */
  async restoreJar(): Promise<ServerCookieJar> {
    const now = (): Date => new Date(this.clock.now());
    const stored = await this.secrets.get('cookies');
    if (!stored) return new ServerCookieJar(undefined, now);
    try {
      this.lastPersisted = stored;
      return ServerCookieJar.deserialize(stored, now);
    } catch (err) {
      this.log.warn(`${this.id}: ${(err as Error).message} Starting a new session.`);
      return new ServerCookieJar(undefined, now);
    }
  }

  /** The jar changed: write it soon (bursts of Set-Cookie lines make one write). */
  schedule(client: JupyterClient): void {
    if (!client.auth.usesCookies) return;
    this.cancel();
    this.timer = this.clock.setTimeout(() => void this.flush(client), 300);
  }

  cancel(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes the cookie session now (if it changed). */
  async flush(client: JupyterClient | undefined): Promise<void> {
    this.cancel();
    if (!client?.auth.usesCookies) return;
    const serialized = client.auth.jar.serialize();
    if (serialized === this.lastPersisted) return;
    try {
      await this.secrets.set('cookies', serialized);
      this.lastPersisted = serialized;
    } catch (err) {
      this.log.warn(`${this.id}: could not save the cookie session (${(err as Error).message})`);
    }
  }

  /** Another window saved a new session: replace ours. True when the jar changed. */
  async reload(client: JupyterClient | undefined): Promise<boolean> {
    const stored = await this.secrets.get('cookies');
    if (!stored || stored === this.lastPersisted || !client) return false;
    try {
      client.auth.jar.replaceWith(stored);
      this.lastPersisted = stored;
      return true;
    } catch {
      return false; // an unreadable session from elsewhere is ignored; ours stays
    }
  }

  /** Deletes the stored session (sign out). */
  async forget(): Promise<void> {
    this.cancel();
    await this.secrets.delete('cookies');
    this.lastPersisted = undefined;
  }
}
