import { tokenCredential } from '../session/credentials';
import type { Disposable } from '../util/disposable';
import { toJupyterError } from '../util/errors';
import type { Logger } from '../util/log';
import type { ServerConnection } from './connection';
import type { ServerRegistry } from './registry';

/** What the token prompt is told about the server (nothing secret). */
export interface TokenPromptRequest {
  readonly serverId: string;
  readonly serverName: string;
  /** The redacted reason, e.g. "… rejected the token." */
  readonly reason: string;
  /** Set when the token entered last time did not work either. */
  readonly previousAttemptError?: string;
}

/**
 * The user-facing side of "the server's token no longer works" (a warning with "Enter New Token…" in VS Code, a
 * stub in tests). Resolves the new token, or undefined when the user dismissed the prompt.
 */
export interface TokenPromptPort {
  askForNewToken(request: TokenPromptRequest): Promise<string | undefined>;
}

/**
 * A hand-added (remote) server whose saved token is refused — typically it was restarted with a new one — asks the
 * user once, clearly, for the new token. Once per failure: not again while the same failure lasts, only after the
 * connection worked again. The new token is validated before it replaces the saved one (ServerRegistry.add), so a
 * wrong entry never deletes the old token; it is offered again with what went wrong.
 * Local servers are not asked about: their new token comes from the new runtime file.
 */
export class TokenRecovery implements Disposable {
  /** Servers asked about during their current failure (cleared when the server is connected again). */
  private readonly asked = new Set<string>();
  private readonly subscription: Disposable;
  private port: TokenPromptPort;
  /** Prompts shown (for tests and logs). */
  prompts = 0;

  constructor(
    private readonly registry: ServerRegistry,
    port: TokenPromptPort,
    private readonly log: Logger,
  ) {
    this.port = port;
    this.subscription = registry.onDidChange(() => this.check());
  }

  /** Replaces the prompt (the test API stubs it). Returns the previous one. */
  setPort(port: TokenPromptPort): TokenPromptPort {
    const previous = this.port;
    this.port = port;
    return previous;
  }

  private check(): void {
    for (const c of this.registry.list()) {
      if (c.state.kind === 'connected') this.asked.delete(c.id);
      else if (this.needsNewToken(c) && !this.asked.has(c.id)) {
        this.asked.add(c.id);
        void this.ask(c);
      }
    }
  }

  private needsNewToken(c: ServerConnection): boolean {
    return c.state.kind === 'auth-expired' && c.state.error?.code === 'InvalidToken' && !c.runtime && c.savedEntry?.credential === 'token';
  }

  private async ask(c: ServerConnection): Promise<void> {
    let previousAttemptError: string | undefined;
    for (;;) {
      this.prompts++;
      this.log.info(`${c.id}: the saved token was refused (restarted with a new one?); asking for the new token`);
      const token = await this.port
        .askForNewToken({ serverId: c.id, serverName: c.name, reason: c.state.error?.message ?? '', ...(previousAttemptError ? { previousAttemptError } : {}) })
        .catch(() => undefined);
      if (!token) {
        this.log.info(`${c.id}: no new token entered; the server stays signed out until its credentials are updated`);
        return;
      }
      try {
        const saved = c.savedEntry;
        await this.registry.add({
          url: c.id,
          credential: tokenCredential(token.trim()),
          ...(saved?.authMode ? { authMode: saved.authMode } : {}),
          ...(saved?.name ? { name: saved.name } : {}),
          ...(saved?.trustedCertificates?.length ? { trustedCertificates: saved.trustedCertificates } : {}),
        });
        this.log.info(`${c.id}: the new token works; it replaced the saved one`);
        return;
      } catch (err) {
        const e = toJupyterError(err, c.id);
        previousAttemptError = e.describe();
        this.log.warn(`${c.id}: the new token did not work (${previousAttemptError}); the saved one was kept`);
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
