import type * as vscode from 'vscode';
import type { SecretStore } from '../../core/secrets/secretStore';
import type { Event } from '../../core/util/event';

/**
 * The core's SecretStore port over VS Code's SecretStorage (the OS keychain on desktop). Its change event also
 * fires for changes made by other windows, which is how the registry picks up a token saved elsewhere.
 */
export class SecretStorageAdapter implements SecretStore {
  readonly onDidChange: Event<{ key: string }>;

  constructor(private readonly storage: vscode.SecretStorage) {
    this.onDidChange = (listener) => storage.onDidChange((e) => listener({ key: e.key }));
  }

  async get(key: string): Promise<string | undefined> {
    return this.storage.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    await this.storage.store(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.storage.delete(key);
  }
}
