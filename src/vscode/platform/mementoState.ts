import type * as vscode from 'vscode';
import type { StateStore } from '../../core/registry/stateStore';

/** The core's StateStore port over a Memento (globalState): only non-secret data goes through it. */
export class MementoStateStore implements StateStore {
  constructor(private readonly memento: vscode.Memento) {}

  get<T>(key: string): T | undefined {
    return this.memento.get<T>(key);
  }

  async update(key: string, value: unknown): Promise<void> {
    await this.memento.update(key, value);
  }
}
