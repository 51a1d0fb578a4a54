import { Emitter, type Event } from '../util/event';
import { registerSecret } from '../util/redact';

/** Shaped like VS Code's `SecretStorage`, so the extension adapts it in a few lines. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  readonly onDidChange: Event<{ key: string }>;
}

/** `passphrase`: of a server's client-certificate key. */
export type SecretKind = 'token' | 'password' | 'cookies' | 'passphrase';

const PREFIX = 'secure-jupyter-connections';

/** One key per server and kind; the server id is its secret-free canonical URL. */
export function secretKey(serverId: string, kind: SecretKind): string {
  return `${PREFIX}/${kind}/${serverId}`;
}

/** The reverse of `secretKey`, for change events; undefined for keys that are not ours. */
export function parseSecretKey(key: string): { serverId: string; kind: SecretKind } | undefined {
  const m = /^secure-jupyter-connections\/(token|password|cookies|passphrase)\/(.+)$/.exec(key);
  return m ? { kind: m[1] as SecretKind, serverId: m[2] as string } : undefined;
}

/** For the CLI and tests: secrets in process memory only. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  private readonly changed = new Emitter<{ key: string }>();
  readonly onDidChange = this.changed.event;

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    this.changed.fire({ key });
  }

  async delete(key: string): Promise<void> {
    if (this.values.delete(key)) this.changed.fire({ key });
  }

  keys(): string[] {
    return [...this.values.keys()];
  }
}

/** A server's view of the secret store. Every value read or written is registered for redaction. */
export class ServerSecrets {
  constructor(
    private readonly store: SecretStore,
    readonly serverId: string,
  ) {}

  async get(kind: SecretKind): Promise<string | undefined> {
    const value = await this.store.get(secretKey(this.serverId, kind));
    if (kind !== 'cookies') registerSecret(value);
    return value;
  }

  async set(kind: SecretKind, value: string): Promise<void> {
    if (kind !== 'cookies') registerSecret(value);
    await this.store.store(secretKey(this.serverId, kind), value);
  }

  async delete(kind: SecretKind): Promise<void> {
    await this.store.delete(secretKey(this.serverId, kind));
  }

  /** The view of another id in the same store (a hub server's connection reads its hub's token). */
  sibling(serverId: string): ServerSecrets {
    return new ServerSecrets(this.store, serverId);
  }

  /** Removes the token, the password, the cookies and a key's passphrase. */
  async deleteAll(): Promise<void> {
    for (const kind of ['token', 'password', 'cookies', 'passphrase'] as const) await this.delete(kind);
  }
}
