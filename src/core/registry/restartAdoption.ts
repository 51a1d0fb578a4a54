import { ServerSecrets, type SecretStore } from '../secrets/secretStore';
import type { Disposable } from '../util/disposable';
import type { Logger } from '../util/log';
import type { ConnectionState } from '../lifecycle/state';
import type { ServerConnection } from './connection';

const RUNNING_OR_RESTING: ReadonlySet<ConnectionState['kind']> = new Set(['disconnected', 'connected', 'kernel-lost', 'idle-expired']);

/**
 * Looks at the runtime dirs again now and reports what it found through `ServerRegistry.setDiscovered` (the
 * extension's discovery watcher, a rescan in the CLI and the soak).
 */
export type RediscoverHook = () => Promise<void>;

/**
 * A local server restarted with a new token: the token from its new runtime file replaces the saved one and the
 * connection is re-established without asking anyone. When the old token is refused before discovery reported the
 * new file, discovery is asked for a fresh look first (one rescan for everyone asking at the same time).
 */
export class RestartAdoption {
  private rediscover: RediscoverHook | undefined;
  private rediscovering: Promise<void> | undefined;
  /** Adoptions in progress, by server id (one after the other per server). */
  private readonly adopting = new Map<string, Promise<void>>();

  constructor(
    private readonly secrets: SecretStore,
    private readonly log: Logger,
  ) {}

  setRediscover(hook: RediscoverHook): Disposable {
    this.rediscover = hook;
    return { dispose: () => void (this.rediscover === hook && (this.rediscover = undefined)) };
  }

  /** Takes the token from the server's (new) runtime file; reconnects a connection in use. */
  adopt(c: ServerConnection): Promise<void> {
    const previous = this.adopting.get(c.id) ?? Promise.resolve();
    const next = previous
      .then(() => this.adoptNow(c))
      .catch((err: unknown) => this.log.warn(`${c.id}: could not adopt the new token: ${(err as Error).message}`))
      .finally(() => {
        if (this.adopting.get(c.id) === next) this.adopting.delete(c.id);
      });
    this.adopting.set(c.id, next);
    return next;
  }

  private async adoptNow(c: ServerConnection): Promise<void> {
    const token = c.runtime?.info.token;
    if (!token) return;
    this.log.info(`${c.id}: the server was restarted with a new token; using the one from its runtime file`);
    if (c.savedEntry?.credential === 'token') await new ServerSecrets(this.secrets, c.id).set('token', token);
    await c.reloadCredential();
    if (!c.client) return;
    // A connection that works (it came back on its login cookie before the new file was reported, or never noticed
    // the restart) sends the new token from its next request on, and an idle-closed one signs in with it on next
    // use; only one that is down or refused is connected again. Either way the server is up: kernel sockets waiting
    // out a retry delay try now.
    if (RUNNING_OR_RESTING.has(c.state.kind)) c.kickKernels();
    else void c.connect(undefined, { background: true }).catch(() => undefined);
  }

  /**
   * The token of a discovered server was refused: ask discovery for a fresh look, wait for a new token to be
   * adopted, and return the token now in effect (undefined: none, or the server is gone).
   */
  async freshToken(c: ServerConnection): Promise<string | undefined> {
    const hook = this.rediscover;
    if (!hook || !c.runtime) return undefined;
    this.rediscovering ??= hook().finally(() => {
      this.rediscovering = undefined;
    });
    await this.rediscovering;
    await this.adopting.get(c.id);
    const token = c.runtime?.gone ? undefined : c.runtime?.info.token;
    if (!token) return undefined;
    const cred = c.client?.auth.credential;
    if (cred?.kind === 'token' && cred.token !== token) await this.adopt(c);
    const now = c.client?.auth.credential;
    return now?.kind === 'token' ? now.token : undefined;
  }
}
