import type { PresentedCertificate } from '../util/errors';

/**
 * A server connection's state, as pure transitions: `transition(state, event, now)` returns the next state, or
 * the same object when the event does not apply (so callers can tell). No timers and no I/O here.
 */
export type ConnectionStateKind =
  | 'disconnected'
  | 'connecting'
  | 'connected'
  | 'idle-expired'
  | 'auth-expired'
  | 're-authenticating'
  | 'unreachable'
  | 'kernel-lost';

export interface StateError {
  code: string;
  message: string;
  /** A refused server certificate (TlsFailure): what a person compares before trusting it. */
  certificate?: PresentedCertificate;
}

export interface ConnectionState {
  readonly kind: ConnectionStateKind;
  /** When this state was entered (ms, from the injected clock). */
  readonly since: number;
  /** Why the connection is not connected (redacted message of a typed error). */
  readonly error?: StateError;
  /** Consecutive failed attempts while unreachable. */
  readonly attempt: number;
  /** When the next automatic attempt is due (unreachable). */
  readonly retryAt?: number;
  /** Kernels that disappeared (server restarted) while the user had them open. */
  readonly lostKernels?: readonly string[];
}

export type ConnectionEvent =
  /** Start connecting (user action, first use, or a due retry). */
  | { type: 'connect' }
  | { type: 'connected' }
  /** A connection attempt failed. `retryable`: network-level; `needsUser`: credentials missing or rejected. */
  | { type: 'failed'; error: StateError; retryable: boolean; needsUser: boolean; retryAt?: number }
  /** While unreachable: when the next automatic attempt is due. */
  | { type: 'retry-scheduled'; retryAt: number }
  /** No REST call or WebSocket traffic for the idle limit: the session was dropped client-side. */
  | { type: 'idle-timeout' }
  /** The server ended the session (expired cookie, confirmed 403, clearing Set-Cookie): a silent re-login starts. */
  | { type: 'reauth-start' }
  | { type: 'reauth-ok' }
  | { type: 'reauth-failed'; error: StateError; needsUser: boolean }
  /** An established connection lost the network (requests fail, sockets closed with 1006). */
  | { type: 'network-lost'; error: StateError; retryAt?: number }
  | { type: 'kernel-lost'; kernelId: string }
  /** The user acknowledged lost kernels (or they were reconnected/replaced). */
  | { type: 'kernels-recovered' }
  /** The machine slept (a clock jump): trust nothing, re-validate. */
  | { type: 'clock-jump' }
  | { type: 'disconnect' };

export function initialState(now: number): ConnectionState {
  return { kind: 'disconnected', since: now, attempt: 0 };
}

function to(kind: ConnectionStateKind, now: number, extra: Partial<Omit<ConnectionState, 'kind' | 'since'>> = {}): ConnectionState {
  return { kind, since: now, attempt: 0, ...extra };
}

export function transition(state: ConnectionState, event: ConnectionEvent, now: number): ConnectionState {
  const k = state.kind;
  switch (event.type) {
    case 'connect':
      if (k === 'connecting' || k === 'connected' || k === 're-authenticating') return state;
      return to('connecting', now, { attempt: state.attempt });
    case 'connected':
      if (k !== 'connecting' && k !== 're-authenticating') return state;
      return to('connected', now);
    case 'failed':
      if (k !== 'connecting') return state;
      if (event.needsUser) return to('auth-expired', now, { error: event.error });
      if (event.retryable) {
        return to('unreachable', now, {
          error: event.error,
          attempt: state.attempt + 1,
          ...(event.retryAt !== undefined ? { retryAt: event.retryAt } : {}),
        });
      }
      return to('disconnected', now, { error: event.error });
    case 'retry-scheduled':
      return k === 'unreachable' && state.retryAt !== event.retryAt ? { ...state, retryAt: event.retryAt } : state;
    case 'idle-timeout':
      return k === 'connected' || k === 'kernel-lost' ? to('idle-expired', now) : state;
    case 'reauth-start':
      // From auth-expired too: a fresh credential (a local server's new runtime file, a token the user entered)
      // signs in again without a full reconnect.
      return k === 'connected' || k === 'idle-expired' || k === 'kernel-lost' || k === 'auth-expired' ? to('re-authenticating', now) : state;
    case 'reauth-ok':
      return k === 're-authenticating' ? to('connected', now) : state;
    case 'reauth-failed':
      if (k !== 're-authenticating') return state;
      return event.needsUser ? to('auth-expired', now, { error: event.error }) : to('disconnected', now, { error: event.error });
    case 'network-lost':
      if (k !== 'connected' && k !== 'kernel-lost' && k !== 're-authenticating' && k !== 'idle-expired') return state;
      return to('unreachable', now, {
        error: event.error,
        attempt: 1,
        ...(event.retryAt !== undefined ? { retryAt: event.retryAt } : {}),
      });
    case 'kernel-lost': {
      if (k !== 'connected' && k !== 'kernel-lost') return state;
      const lost = new Set(state.lostKernels ?? []);
      if (lost.has(event.kernelId)) return state;
      lost.add(event.kernelId);
      return to('kernel-lost', k === 'kernel-lost' ? state.since : now, { lostKernels: [...lost] });
    }
    case 'kernels-recovered':
      return k === 'kernel-lost' ? to('connected', now) : state;
    case 'clock-jump':
      return k === 'connected' || k === 'kernel-lost' || k === 'idle-expired' ? to('connecting', now) : state;
    case 'disconnect':
      return k === 'disconnected' && !state.error ? state : to('disconnected', now);
  }
}

/** States in which requests are served (possibly after a silent re-login). */
export function isUsable(state: ConnectionState): boolean {
  return state.kind === 'connected' || state.kind === 'kernel-lost' || state.kind === 'idle-expired' || state.kind === 're-authenticating';
}

export function describeState(state: ConnectionState): string {
  switch (state.kind) {
    case 'disconnected':
      return state.error ? `disconnected: ${state.error.message}` : 'disconnected';
    case 'connecting':
      return 'connecting…';
    case 'connected':
      return 'connected';
    case 'idle-expired':
      return 'idle: session closed, signs in again on next use';
    case 'auth-expired':
      return `session expired: ${state.error?.message ?? 'sign in again'}`;
    case 're-authenticating':
      return 'signing in again…';
    case 'unreachable':
      return `unreachable (attempt ${state.attempt}${state.retryAt !== undefined ? ', retrying' : ''}): ${state.error?.message ?? ''}`.trim();
    case 'kernel-lost':
      return `${state.lostKernels?.length ?? 0} kernel(s) lost (the server restarted)`;
  }
}
