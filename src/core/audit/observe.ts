import { ServerCookieJar, isLoginCookie, type RejectedCookie } from '../session/cookieJar';
import { describePlan, planAuth, type AuthMode, type AuthPlan, type Credential } from '../session/credentials';
import { certificateRoute, readServerCertificate } from '../transport/certificateProbe';
import { loginWithForm, type RawSend } from '../transport/login';
import { JupyterClient } from '../transport/client';
import { setCookieLines } from '../transport/headers';
import { normalisePin } from '../transport/tlsTrust';
import { describeRequest, type HttpReply } from '../transport/reply';
import { TlsFailureError, UnexpectedReplyError, toJupyterError, type JupyterError } from '../util/errors';
import { parseSetCookie } from './cookieRules';
import { EXPIRY_GRACE_MS, heldFromObserved, replayExpiredLoginCookie } from './expiredCookie';
import { sameOriginAsHub, type HubAuditContext } from './hubRules';
import type { CertificateObservation, ExpiredCookieReplay, HubObservations, ObservedLoginCookie, ServerObservations } from './observations';
import { probeAuth, probeCors, probePage, probeTokenInUrl, probeXsrf, withProbeClient, type CookieSeed, type ProbeTarget } from './probes';
import { observeRuntimeFiles } from './runtimeFiles';

/** The server to audit and the credential to sign in with (the audit keeps its own cookie jar). */
export interface AuditTarget extends ProbeTarget {
  credential: Credential;
  mode?: AuthMode;
  /** The server is a hub user's: what is known about its hub (hubAuditContextFor); adds the hub rules and probe. */
  hub?: HubAuditContext;
}

export interface ObserveOptions {
  signal?: AbortSignal;
  /** Runtime dirs in which to look for this server's files (none: file permissions are not observed). */
  runtimeDirs?: readonly string[];
  /** The URL given for the server carried the token (see parsePastedUrl). */
  urlToken?: 'query' | 'fragment';
  /** A replay of an expired login cookie made earlier (replayExpiredLoginCookie). */
  expiredReplay?: ExpiredCookieReplay;
  /** When the login cookie issued now expires within this many ms, wait for it and replay it. Default 0. */
  awaitCookieExpiryMs?: number;
  now?: () => Date;
}

export interface ObservedServer {
  observations: ServerObservations;
  plan: AuthPlan;
  /**
   * The TLS failure that stopped every probe after the certificate: the observations then hold the endpoint and the
   * certificate only (the audit reports what the certificate shows, or this failure when it shows nothing).
   */
  failure?: JupyterError;
}

/**
 * Everything the audit looks at, gathered with side-effect-free requests: the certificate an https server presents
 * on its route, the version (public `GET api`), a sign-in with the credential to see the login cookie as issued,
 * uncredentialed and cookie-only probes for authentication, XSRF and CORS, a logged-in page, and the runtime files.
 * Failing to reach the server or to sign in throws the typed error, except a TLS failure after the certificate was
 * read (a pin the presented certificate does not match, an expired certificate): that is returned as `failure`
 * with the certificate, whose rules can still say why. Everything else is recorded as observed.
 */
export async function observeServer(target: AuditTarget, options: ObserveOptions = {}): Promise<ObservedServer> {
  const { signal } = options;
  const now = options.now ?? (() => new Date());
  const certificate = await observeCertificate(target, now());
  let version: string;
  try {
    version = await withProbeClient(target, undefined, (c) => c.probeVersion(signal));
  } catch (err) {
    const failure = toJupyterError(err, target.endpoint.id);
    if (!certificate || !(failure instanceof TlsFailureError)) throw err;
    const plan = planAuth(target.credential, target.mode ?? 'auto');
    return { observations: { endpoint: target.endpoint, cors: [], runtimeFiles: [], certificate }, plan, failure };
  }
  const client = new JupyterClient({
    endpoint: target.endpoint,
    credential: target.credential,
    mode: target.mode ?? 'auto',
    ...(target.logger ? { logger: target.logger } : {}),
    ...(target.transport ? { transport: target.transport } : {}),
  });
  try {
    const plan = client.auth.plan;
    const replies = await signIn(client, signal);
    const loginCookie = findLoginCookie(replies, plan, now());
    const rejectedCookies = findRejectedCookies(replies);
    const seed: CookieSeed | undefined = loginCookie ? { line: loginCookie.line } : undefined;
    const observations: ServerObservations = {
      endpoint: target.endpoint,
      version,
      ...(options.urlToken ? { urlToken: options.urlToken } : {}),
      ...(loginCookie ? { loginCookie } : {}),
      ...(rejectedCookies.length > 0 ? { rejectedCookies } : {}),
      auth: await probeAuth(target, signal),
      xsrf: await probeXsrf(target, seed, signal),
      cors: await probeCors(target, seed, signal),
      page: await probePage(client, signal),
      runtimeFiles: await observeRuntimeFiles(target.endpoint, options.runtimeDirs ?? []),
      ...(target.hub ? { hub: await observeHub(target, target.hub, now(), signal) } : {}),
      ...(certificate ? { certificate } : {}),
    };
    const replay = options.expiredReplay ?? (loginCookie ? await opportunisticReplay(target, loginCookie, options, now) : undefined);
    if (replay) observations.expiredReplay = replay;
    return { observations, plan };
  } finally {
    await client.close();
  }
}

/**
 * The certificate an https server presents on the route its client takes (readServerCertificate, with the target's
 * own transport: its trust, its proxy), with the pins and pin issuer of that trust. Undefined for a plain-http or
 * unix-socket server and when no certificate could be read.
 */
async function observeCertificate(target: AuditTarget, observedAt: Date): Promise<CertificateObservation | undefined> {
  const transport = target.transport ?? {};
  let route: ReturnType<typeof certificateRoute>;
  try {
    route = certificateRoute(target.endpoint, transport);
  } catch {
    return undefined; // a proxy URL the client would refuse as well
  }
  if (!route) return undefined;
  const facts = await readServerCertificate(target.endpoint, transport, transport.connectTimeoutMs);
  if (!facts) return undefined;
  const tls = transport.tls;
  return {
    facts,
    route: route.kind === 'proxy' ? { kind: 'proxy', uri: route.uri } : { kind: 'direct' },
    // Checked by readServerCertificate already (tlsOptions normalises them or refuses): this is their canonical form.
    pins: (tls?.pins ?? []).map(normalisePin),
    ...(tls?.pinIssuer ? { pinIssuer: tls.pinIssuer } : {}),
    observedAt,
  };
}

/**
 * The hub facts as given, plus the one hub probe: the token in `?token=` alone. It is sent only with a token
 * credential (the hub's own) and only to a server on the hub's origin, the one a hub server's token goes to anyway.
 */
async function observeHub(target: AuditTarget, hub: HubAuditContext, observedAt: Date, signal: AbortSignal | undefined): Promise<HubObservations> {
  const observed: HubObservations = {
    base: hub.base,
    user: hub.user,
    scopes: [...hub.scopes],
    observedAt,
    ...(hub.expiresAt !== undefined ? { expiresAt: hub.expiresAt } : {}),
    ...(hub.createdAt !== undefined ? { createdAt: hub.createdAt } : {}),
    ...(hub.signIn !== undefined ? { signIn: hub.signIn } : {}),
  };
  if (target.credential.kind === 'token' && sameOriginAsHub(target.endpoint, hub.base)) {
    observed.tokenInUrl = await probeTokenInUrl(target, target.credential.token, signal);
  }
  return observed;
}

/** Signs in the way the plan says and returns every reply on the way (their Set-Cookie lines are the evidence). */
async function signIn(client: JupyterClient, signal: AbortSignal | undefined): Promise<HttpReply[]> {
  const replies: HttpReply[] = [];
  const recording: RawSend = async (method, path, o) => {
    const reply = await client.send(method, path, o);
    replies.push(reply);
    return reply;
  };
  switch (client.auth.plan) {
    case 'token-header': {
      const reply = await recording('GET', 'api/status', { background: true, ...(signal ? { signal } : {}) });
      if (reply.status === 403) throw client.forbiddenError(await forbiddenCause(client, signal), false);
      if (reply.status !== 200) {
        throw new UnexpectedReplyError(`${describeRequest(reply)} failed with ${reply.status}.`, { serverUrl: client.endpoint.id, status: reply.status });
      }
      break;
    }
    case 'password-login':
    case 'token-login':
      await client.auth.singleFlightLogin(() => loginWithForm(recording, client.auth, client.log, signal));
      break;
    case 'anonymous':
      break;
  }
  return replies;
}

async function forbiddenCause(client: JupyterClient, signal: AbortSignal | undefined): Promise<'host' | 'auth'> {
  const cause = await client.classifyForbidden(signal);
  return cause === 'host' ? 'host' : 'auth';
}

/** The Set-Cookie lines of the sign-in replies that a client's jar refuses, judged the way the client judged them. */
export function findRejectedCookies(replies: readonly HttpReply[]): RejectedCookie[] {
  const jar = new ServerCookieJar();
  return replies.flatMap((reply) => jar.setFromResponse(reply.url, setCookieLines(reply.headers)).rejected);
}

/** The first login cookie set (not cleared) by the sign-in replies. */
export function findLoginCookie(replies: readonly HttpReply[], plan: AuthPlan, receivedAt: Date): ObservedLoginCookie | undefined {
  for (const reply of replies) {
    const date = typeof reply.headers['date'] === 'string' ? new Date(reply.headers['date']) : undefined;
    const serverDate = date && !Number.isNaN(date.getTime()) ? date : undefined;
    for (const line of setCookieLines(reply.headers)) {
      const cookie = parseSetCookie(line);
      if (!cookie || !isLoginCookie(cookie) || cookie.value === '' || cookie.value === '""') continue;
      const expiry = cookie.expiryTime(serverDate ?? receivedAt);
      if (expiry !== undefined && expiry <= (serverDate ?? receivedAt).getTime()) continue;
      return { line, source: `${describeRequest(reply)}, ${describePlan(plan)}`, receivedAt, ...(serverDate ? { serverDate } : {}) };
    }
  }
  return undefined;
}

/** Replays the cookie issued in this run if it has expired by now, or will within `awaitCookieExpiryMs`. */
async function opportunisticReplay(
  target: ProbeTarget,
  observed: ObservedLoginCookie,
  options: ObserveOptions,
  now: () => Date,
): Promise<ExpiredCookieReplay | undefined> {
  const held = heldFromObserved(observed);
  if (!held) return undefined;
  // Measured on the client's clock from the moment the cookie arrived: the server's Date and Expires share a clock.
  const skew = observed.serverDate ? observed.receivedAt.getTime() - observed.serverDate.getTime() : 0;
  const dueLocal = held.expiresAt.getTime() + skew + EXPIRY_GRACE_MS + 1_000;
  const wait = dueLocal - now().getTime();
  if (wait > (options.awaitCookieExpiryMs ?? 0)) return undefined;
  if (wait > 0) await sleep(wait, options.signal);
  return replayExpiredLoginCookie(target, held, { ...(options.signal ? { signal: options.signal } : {}), now, clockSkewMs: skew });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
