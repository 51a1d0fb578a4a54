import * as vscode from 'vscode';

export interface ProgressStep {
  report(message: string): void;
}

/** An AbortSignal that aborts when the token is cancelled: the core only knows AbortSignal. */
export function toAbortSignal(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}

/** Runs long work with a cancellable notification progress; the work receives an AbortSignal. */
export function withCancellableProgress<T>(title: string, work: (signal: AbortSignal, step: ProgressStep) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = toAbortSignal(token);
    try {
      return await work(abort.signal, { report: (message) => progress.report({ message }) });
    } finally {
      abort.dispose();
    }
  });
}
