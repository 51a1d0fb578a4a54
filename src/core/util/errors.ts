import { redact } from './redact';

/**
 * Errors a person can act on. Each says what went wrong (`message`) and what to do (`hint`);
 * both are redacted at construction, so an error can be logged or shown anywhere.
 */
export type ErrorCode =
  | 'ServerUnreachable'
  | 'AuthRequired'
  | 'AuthExpired'
  | 'InvalidToken'
  | 'WrongPassword'
  | 'XsrfRejected'
  | 'HostRejected'
  | 'OriginRejected'
  | 'NotAJupyterServer'
  | 'TlsFailure'
  | 'ProxyAuthRequired'
  | 'CrossOriginBlocked'
  | 'InvalidInput'
  | 'UnexpectedReply'
  | 'KernelNotFound'
  | 'KernelLost'
  | 'WebSocketFailed'
  | 'Timeout'
  | 'ServerStopped'
  | 'Cancelled';

export interface ErrorDetails {
  hint?: string;
  serverUrl?: string;
  status?: number;
  cause?: unknown;
}

export abstract class JupyterError extends Error {
  abstract readonly code: ErrorCode;
  readonly hint: string;
  readonly serverUrl: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.hint = redact(details.hint ?? '');
    this.serverUrl = details.serverUrl === undefined ? undefined : redact(details.serverUrl);
    this.status = details.status;
  }

  override get name(): string {
    return this.code;
  }

  /** Message and hint in one line, for a notification or a CLI line. */
  describe(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }

  /** The code and the one-line description, as a connection state keeps them (what the explorer shows). */
  summary(): { code: ErrorCode; message: string; certificate?: PresentedCertificate } {
    return { code: this.code, message: this.describe() };
  }
}

export class ServerUnreachableError extends JupyterError {
  readonly code = 'ServerUnreachable';
}
export class AuthRequiredError extends JupyterError {
  readonly code = 'AuthRequired';
}
export class AuthExpiredError extends JupyterError {
  readonly code = 'AuthExpired';
}
export class InvalidTokenError extends JupyterError {
  readonly code = 'InvalidToken';

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { hint: 'The server may have been restarted with a new token: provide the current one.', ...details });
  }
}
export class WrongPasswordError extends JupyterError {
  readonly code = 'WrongPassword';
}
export class XsrfRejectedError extends JupyterError {
  readonly code = 'XsrfRejected';
}
export class HostRejectedError extends JupyterError {
  readonly code = 'HostRejected';
}
export class OriginRejectedError extends JupyterError {
  readonly code = 'OriginRejected';
}
export class NotAJupyterServerError extends JupyterError {
  readonly code = 'NotAJupyterServer';
}
/** What a refused server certificate says (tlsTrust.ts fills it in), for a person to compare before trusting it. */
export interface PresentedCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
  readonly selfSigned: boolean;
  readonly pem: string;
  readonly verifyError?: string;
}

export class TlsFailureError extends JupyterError {
  readonly code = 'TlsFailure';
  /** The certificate the server presented, when it could be read. */
  certificate: PresentedCertificate | undefined;

  /** With the certificate: the explorer shows it, and offers to trust it, from the connection's state. */
  override summary(): { code: ErrorCode; message: string; certificate?: PresentedCertificate } {
    return { ...super.summary(), ...(this.certificate ? { certificate: this.certificate } : {}) };
  }
}
/**
 * The proxy on the server's route wants a (different) credential (407): the proxy settings must change, not the
 * server's credential, so it is not retried and does not ask for a token; a changed proxy setting tries again.
 */
export class ProxyAuthRequiredError extends JupyterError {
  readonly code = 'ProxyAuthRequired';
}
export class CrossOriginBlockedError extends JupyterError {
  readonly code = 'CrossOriginBlocked';
}
export class InvalidInputError extends JupyterError {
  readonly code = 'InvalidInput';
}
export class UnexpectedReplyError extends JupyterError {
  readonly code = 'UnexpectedReply';
}
export class KernelNotFoundError extends JupyterError {
  readonly code = 'KernelNotFound';
}
export class KernelLostError extends JupyterError {
  readonly code = 'KernelLost';
}
export class WebSocketFailedError extends JupyterError {
  readonly code = 'WebSocketFailed';
}
export class TimeoutError extends JupyterError {
  readonly code = 'Timeout';
}
export class CancelledError extends JupyterError {
  readonly code = 'Cancelled';
}

/** A hub's server that is not running: it is started on purpose (Start Server), never implicitly. */
export class ServerStoppedError extends JupyterError {
  readonly code = 'ServerStopped';
}

export function isJupyterError(err: unknown, code?: ErrorCode): err is JupyterError {
  return err instanceof JupyterError && (code === undefined || err.code === code);
}

/** What a failure calls for: trying again later, the user (a credential), or nothing (retrying cannot help). */
export type ErrorClass = 'retryable' | 'needs-user' | 'final';

/**
 * Every code's class, and whether a kernel socket's reconnect tries again after it. That one stops only on a gone
 * kernel, a cancel and what the user or the server's settings must fix, so it also waits out what a restarting
 * server shows on its way back (a refused token until the new one is adopted, an ended session, an odd reply).
 */
const CLASSES: Record<ErrorCode, readonly [ErrorClass, 'kernel retries' | 'kernel stops']> = {
  ServerUnreachable: ['retryable', 'kernel retries'],
  Timeout: ['retryable', 'kernel retries'],
  WebSocketFailed: ['retryable', 'kernel retries'],
  AuthExpired: ['needs-user', 'kernel retries'],
  InvalidToken: ['needs-user', 'kernel retries'],
  AuthRequired: ['needs-user', 'kernel stops'],
  WrongPassword: ['needs-user', 'kernel stops'],
  XsrfRejected: ['final', 'kernel retries'],
  NotAJupyterServer: ['final', 'kernel retries'],
  UnexpectedReply: ['final', 'kernel retries'],
  CrossOriginBlocked: ['final', 'kernel retries'],
  InvalidInput: ['final', 'kernel retries'],
  KernelLost: ['final', 'kernel retries'],
  HostRejected: ['final', 'kernel stops'],
  OriginRejected: ['final', 'kernel stops'],
  TlsFailure: ['final', 'kernel stops'],
  ProxyAuthRequired: ['final', 'kernel stops'],
  KernelNotFound: ['final', 'kernel stops'],
  ServerStopped: ['final', 'kernel stops'],
  Cancelled: ['final', 'kernel stops'],
};

export function errorClass(code: ErrorCode): ErrorClass {
  return CLASSES[code][0];
}

/** A network failure: the server may answer again. */
export function isRetryable(err: JupyterError): boolean {
  return errorClass(err.code) === 'retryable';
}

/** A credential failure: the user has to give a (new) token or password, or sign in again. */
export function needsUser(err: JupyterError): boolean {
  return errorClass(err.code) === 'needs-user';
}

/** A kernel socket's reconnect tries again after this failure. */
export function kernelRetries(err: JupyterError): boolean {
  return CLASSES[err.code][1] === 'kernel retries';
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed unexpectedly',
  UND_ERR_CLOSED: 'the connection was closed',
  ENOENT: 'the unix socket does not exist',
  EACCES: 'permission to the unix socket was denied',
};

/** The code that says most about a network failure (the system error inside undici's wrapper, or undici's own). */
export function errorCodeOf(err: unknown): string | undefined {
  let e: unknown = err;
  // undici's socket errors wrap the system error that says more; without one, their own code is all there is.
  let socketCode: string | undefined;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('UND_ERR_SOCKET')) {
      socketCode ??= code;
    } else if (typeof code === 'string') {
      if (code !== 'UND_ERR_CONNECT' || !(e as { cause?: unknown }).cause) return code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return socketCode;
}

/** The TLS alerts (Node's codes for them) by which a server refuses the client's certificate, or its absence. */
export function isClientCertificateAlert(code: string): boolean {
  return /^ERR_SSL_(TLSV13|TLSV1|SSLV3)_ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|ACCESS_DENIED|HANDSHAKE_FAILURE)$/.test(code);
}

/** A server that refused the client's certificate (or wants one): what to choose, and where. */
export function clientCertificateRefused(serverUrl: string, alert: string, cause?: unknown): TlsFailureError {
  const required = alert.endsWith('_CERTIFICATE_REQUIRED');
  const handshake = alert.endsWith('_HANDSHAKE_FAILURE');
  return new TlsFailureError(
    required
      ? `${serverUrl} requires a client certificate and none was given (${alert}).`
      : handshake
        ? `${serverUrl} ended the TLS handshake (${alert}): it may require a client certificate, or share no protocol version or cipher with this client.`
        : `${serverUrl} refused this client's certificate (${alert}).`,
    {
      serverUrl,
      cause,
      hint: 'Choose a client certificate the server accepts (one issued by the CA in its client_ca) for this server: Trust Certificate… → Use a Client Certificate… in VS Code, or --cert and --key (or a .p12) with jupyter-secure.',
    },
  );
}

/**
 * Turns a network-level failure (undici, node:net, node:tls, an abort) into a typed error.
 * Typed errors pass through unchanged.
 */
export function toJupyterError(err: unknown, serverUrl: string): JupyterError {
  if (err instanceof JupyterError) return err;
  const name = err && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  if (name === 'AbortError' || errorCodeOf(err) === 'ABORT_ERR') {
    return new CancelledError('The operation was cancelled.', { serverUrl, cause: err });
  }
  const code = errorCodeOf(err) ?? '';
  const detail = err instanceof Error ? err.message : String(err);
  // A deadline given as AbortSignal.timeout() fires as a DOMException named TimeoutError.
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new TimeoutError(`${serverUrl} did not answer in time.`, {
      serverUrl,
      cause: err,
      hint: 'The server is up but not responding; it may be overloaded or stuck. Try again later.',
    });
  }
  if (isClientCertificateAlert(code)) return clientCertificateRefused(serverUrl, code, err);
  // The message is only a clue when the code says nothing else (a host named ssl.example.org is no TLS failure).
  if (TLS_CODES.has(code) || (!Object.hasOwn(UNREACHABLE, code) && /certificate|SSL|TLS/i.test(detail))) {
    return new TlsFailureError(`TLS handshake with ${serverUrl} failed (${code || detail}).`, {
      serverUrl,
      cause: err,
      hint:
        code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO'
          ? 'The server may not speak HTTPS on this port: check http:// versus https://.'
          : "The server's certificate is not trusted. Trust it explicitly for this server (its CA or the certificate itself); verification is never turned off.",
    });
  }
  const why = UNREACHABLE[code] ?? detail;
  return new ServerUnreachableError(`Cannot reach ${serverUrl}: ${why}.`, {
    serverUrl,
    cause: err,
    hint: 'Check that the Jupyter server is running and the URL (host, port, base URL) is right.',
  });
}
