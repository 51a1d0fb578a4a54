import type { ServerEndpoint } from '../server/endpoint';
import type { RejectedCookie } from '../session/cookieJar';
import type { CertificateFacts } from '../transport/tlsTrust';

/**
 * What the audit saw, as plain data: the input of the pure rules (rules.ts), the output of the probes
 * (observe.ts). Statuses and header values are kept raw so the rules decide what they mean.
 */

/** A login cookie as the server issued it. `line` holds the value: it is only ever shown through redactCookieLine. */
export interface ObservedLoginCookie {
  line: string;
  /** The request whose response set it, e.g. "GET api/status (token in the Authorization header)". */
  source: string;
  /** The response's Date header: the server's clock, against which its Expires is measured. */
  serverDate?: Date;
  /** When the client received it (used when the response had no Date). */
  receivedAt: Date;
}

/** Who a probe request was sent as: nobody, or the login cookie alone (no token, no `_xsrf`). */
export type ProbeCredentials = 'none' | 'login cookie';

/** The reply to one probe request. */
export interface ProbeReply {
  /** e.g. "GET api/status". */
  request: string;
  credentials: ProbeCredentials;
  status: number;
  /** The JSON `message` (or HTML error text) of an error reply. */
  message?: string;
}

/** `GET api/status` without credentials: 200 means authentication is off. */
export type AuthProbe = ProbeReply;

/**
 * A POST without `X-XSRFToken` to something that fails harmlessly after the XSRF check (interrupting a kernel
 * id no server can have): 403 "'_xsrf' argument missing" = enforced, 404 "Kernel does not exist" = not.
 */
export type XsrfProbe = ProbeReply;

/** A request with a foreign `Origin` header, and the CORS headers of its reply. */
export interface CorsProbe extends ProbeReply {
  origin: string;
  allowOrigin?: string;
  allowCredentials?: string;
}

/** A logged-in page, scanned for the server token (the token itself is never kept). */
export interface PageProbe {
  request: string;
  status: number;
  /** `data-jupyter-api-token="<non-empty>"` is in the page. */
  apiTokenAttribute: boolean;
  /** Links (`href`/`src`/`action`) carrying `?token=<non-empty>`. */
  tokenLinks: number;
}

export type ReplayOutcome = 'accepted' | 'rejected' | 'inconclusive';

/** A login cookie replayed after its own Expires: `accepted` means the server does not enforce the expiry. */
export interface ExpiredCookieReplay {
  cookieName: string;
  expiredAt: Date;
  request: string;
  /** 0 when the replay was not sent (the cookie had not expired yet). */
  status: number;
  /** The server's clock at the replay (its Date header). */
  serverDate?: Date;
  outcome: ReplayOutcome;
  detail: string;
}

export type RuntimeFileKind = 'server-info' | 'open-html' | 'cookie-secret';

/** A runtime file of the audited server with its permission bits and those of every directory above it. */
export interface RuntimeFileObservation {
  path: string;
  kind: RuntimeFileKind;
  /** `st.mode & 0o7777`. */
  mode: number;
  /** From the file's own directory up to the root, nearest first. */
  dirs: ReadonlyArray<{ path: string; mode: number }>;
}

/**
 * The hub a server belongs to, as the caller knows it (hubRules.ts `HubAuditContext`, from the saved hub entry:
 * nothing here is probed but `tokenInUrl`).
 */
export interface HubObservations {
  /** The hub's public base URL (`https://hub.example.org/`). */
  base: string;
  user: string;
  /** The hub token's scopes as the hub reported them. */
  scopes: readonly string[];
  /** When the token expires (ISO); null: it never expires; undefined: not known (a pasted token whose model we may not read). */
  expiresAt?: string | null;
  /** When the token was made (ISO), if known: its lifetime is measured from here. */
  createdAt?: string;
  /** How the token was had: minted from the user's password, or pasted. */
  signIn?: 'password' | 'token';
  /** The client's clock when the audit ran: a token of unknown age is measured from here. */
  observedAt: Date;
  /**
   * `GET api/status` on the single-user server with the hub token in `?token=` only (no header, no cookie):
   * 200 = tokens in URLs are accepted. Absent when not probed.
   */
  tokenInUrl?: { request: string; status: number; message?: string };
}

/**
 * The certificate an https server presented on the route its client takes (readServerCertificate: straight to it,
 * or inside its proxy's CONNECT tunnel), read with the server's own trust, and what that trust pins.
 */
export interface CertificateObservation {
  /** What the certificate says; `verifyError` is set when the server's trust refused it (an unknown CA, expired, not the pinned one). */
  facts: CertificateFacts;
  /** Straight from the server, or through this proxy (its URL: no credential in it). */
  route: { kind: 'direct' } | { kind: 'proxy'; uri: string };
  /** The SHA-256 pins of the server's trust (`AB:CD:…`); empty when it has none. */
  pins: readonly string[];
  /** The issuer of the certificate the pin was taken from (TlsTrust.pinIssuer), when known. */
  pinIssuer?: string;
  /** The client's clock when the certificate was read: its expiry is measured from here. */
  observedAt: Date;
}

export interface ServerObservations {
  endpoint: ServerEndpoint;
  version?: string;
  /** The URL given for the server carried the token: in its query (sent to the server) or its fragment. */
  urlToken?: 'query' | 'fragment';
  loginCookie?: ObservedLoginCookie;
  /** Set-Cookie lines of the sign-in that the client's jar refused (malformed, foreign Domain, `__Secure-`/`__Host-` rules), redacted. */
  rejectedCookies?: RejectedCookie[];
  auth?: AuthProbe;
  xsrf?: XsrfProbe;
  cors: CorsProbe[];
  page?: PageProbe;
  expiredReplay?: ExpiredCookieReplay;
  runtimeFiles: RuntimeFileObservation[];
  /** Set when the server is a hub user's server (see HubObservations). */
  hub?: HubObservations;
  /** An https server's certificate, when one could be read. */
  certificate?: CertificateObservation;
}
