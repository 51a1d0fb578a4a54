import { CancelledError, isJupyterError } from '../util/errors';

/**
 * The one retry policy: how often and how fast to try again (reconnecting a kernel WebSocket, reaching an
 * unreachable server). Delays grow exponentially from `minDelayMs` by `factor` up to `maxDelayMs`; `jitter`
 * spreads them (×1–2) so many clients do not retry in step. The loop itself is p-retry's.
 */
export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: boolean;
  /**
   * WebSocket close codes after which a kernel connection is re-established: 1006 (lost, no close frame: what a
   * server stop or a dropped network looks like), 1001 (going away), 1011/1012/1013 (server error/restart/overload).
   */
  closeCodes: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 8,
  minDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: true,
  closeCodes: [1006, 1001, 1011, 1012, 1013],
};

export function shouldReconnect(policy: RetryPolicy, closeCode: number): boolean {
  return policy.closeCodes.includes(closeCode);
}

/** The delay before attempt `n` (1-based retry number), without jitter: what the policy promises at most ×2. */
export function baseDelay(policy: RetryPolicy, n: number): number {
  return Math.min(policy.maxDelayMs, Math.round(policy.minDelayMs * policy.factor ** Math.max(0, n - 1)));
}

export interface RetryOptions {
  signal?: AbortSignal;
  /** Whether an error is worth another attempt (default: every error except a cancellation). */
  shouldRetry?: (err: unknown) => boolean;
  /** After each failed attempt; `nextDelayMs` is set when another attempt follows, that long from now. */
  onFailedAttempt?: (err: unknown, attempt: number, retriesLeft: number, nextDelayMs?: number) => void;
  /** The jitter's randomness (tests pin it). */
  random?: () => number;
}

type PRetry = typeof import('p-retry', { with: { 'resolution-mode': 'import' } });
let pRetryModule: Promise<PRetry> | undefined;

/**
 * Runs `fn` until it succeeds, the policy's retries are used up, `shouldRetry` says no, or the signal aborts.
 * p-retry waits the exponential delay; the jitter (×1–2, capped at `maxDelayMs`) is drawn here and waited before
 * it, so the time of the next attempt is known and can be shown ("next attempt in 8 s").
 */
export async function retryWithPolicy<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  pRetryModule ??= import('p-retry');
  const { default: pRetry } = await pRetryModule;
  const retryable = (error: unknown): boolean => !isJupyterError(error, 'Cancelled') && (options.shouldRetry?.(error) ?? true);
  const random = options.random ?? Math.random;
  try {
    return await pRetry(fn, {
      retries: policy.retries,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      factor: policy.factor,
      randomize: false,
      unref: true,
      ...(options.signal ? { signal: options.signal } : {}),
      shouldRetry: ({ error }) => retryable(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft, retriesConsumed }) => {
        if (retriesLeft <= 0 || options.signal?.aborted || !retryable(error)) {
          options.onFailedAttempt?.(error, attemptNumber, retriesLeft);
          return;
        }
        const base = baseDelay(policy, retriesConsumed + 1);
        const total = policy.jitter ? Math.min(policy.maxDelayMs, Math.max(base, Math.round(base * (1 + random())))) : base;
        options.onFailedAttempt?.(error, attemptNumber, retriesLeft, total);
        if (total > base) await unrefDelay(total - base, options.signal);
      },
    });
  } catch (err) {
    if (options.signal?.aborted && !isJupyterError(err)) throw new CancelledError('Retrying was cancelled.', { cause: err });
    throw err;
  }
}

/** Waits `ms` (without keeping the process alive), or less when the signal aborts. */
function unrefDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal?.addEventListener('abort', done, { once: true });
  });
}
