import type { Disposable } from './disposable';

/** Mirrors VS Code's `Event<T>`: subscribe with a listener, get a Disposable back. */
export type Event<T> = (listener: (e: T) => void) => Disposable;

/** A minimal `EventEmitter` with VS Code's shape; a throwing listener never stops the others. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    // Wrap so the same function can subscribe twice and unsubscribe independently.
    const entry = (e: T): void => listener(e);
    this.listeners.add(entry);
    return { dispose: () => void this.listeners.delete(entry) };
  };

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}
