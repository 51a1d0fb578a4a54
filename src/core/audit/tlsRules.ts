import { formatDuration } from './cookieRules';
import { makeFinding, type Finding, type FixText } from './findings';
import type { CertificateObservation, ServerObservations } from './observations';
import type { AuditPolicy } from './policy';

/**
 * The certificate an https server presents on its route (observations.ts `CertificateObservation`: read with the
 * server's own trust, straight to it or through its proxy, as the client goes). Pure rules, like the others.
 */

const DAY_MS = 86_400_000;

/** The Node verification code of a certificate past its validity (the only failure the expiry rule still reads). */
const EXPIRED = 'CERT_HAS_EXPIRED';

function described(c: CertificateObservation): string {
  const f = c.facts;
  return `"${f.subject}" issued by "${f.issuer}"${f.selfSigned ? ' (self-signed)' : ''}, SHA-256 ${f.fingerprint256}`;
}

function routeText(c: CertificateObservation): string {
  return c.route.kind === 'proxy' ? `through the proxy ${c.route.uri}` : 'on a direct connection';
}

const pinHint = (fingerprint: string): string =>
  `in VS Code: Trust Certificate… on the server, then Pin (after comparing the fingerprint with the one its administrator gives you); with jupyter-secure: --pin sha256:${fingerprint}`;

/**
 * tls-certificate-expiring (warning): the certificate ends within `policy.certificateExpiryDays` (default 30), or
 * has ended. Read for a certificate the trust accepted, or refused because it has expired (an expired certificate
 * is refused by every client: the server cannot be used until it is renewed; OpenSSL names the expiry before an
 * unknown issuer, so an expired certificate is reported whoever issued it); a certificate refused for another reason
 * is not the server's accepted one and is not judged. One severity, as every id has: a certificate about to expire
 * is a lapse about to happen, not an exposure; the title says how soon.
 */
export function certificateExpiryFindings(obs: ServerObservations, policy: AuditPolicy): Finding[] {
  const c = obs.certificate;
  if (!c || (c.facts.verifyError !== undefined && c.facts.verifyError !== EXPIRED)) return [];
  const end = Date.parse(c.facts.validTo);
  const left = end - c.observedAt.getTime();
  if (!Number.isFinite(left) || left > policy.certificateExpiryDays * DAY_MS) return [];
  const date = c.facts.validTo.slice(0, 10);
  const expired = left <= 0;
  const fixFor: FixText = {
    notebook: 'renew the certificate and point c.NotebookApp.certfile and c.NotebookApp.keyfile at the new files (restart the server), or renew it on the TLS proxy in front',
    jupyterServer: 'renew the certificate and point c.ServerApp.certfile and c.ServerApp.keyfile at the new files (1.x and 2.x; restart the server), or renew it on the TLS proxy in front',
    jupyterHub: 'renew the certificate of c.JupyterHub.ssl_cert and c.JupyterHub.ssl_key (or of the TLS termination in front of the proxy); automate renewal (e.g. ACME) so it never lapses',
    ...(c.pins.length > 0 ? { client: 'the server is pinned: after the renewal, compare the new fingerprint with the administrator\'s and pin it again (Trust Certificate… → Pin, or --pin sha256:…)' } : {}),
  };
  return [
    makeFinding(
      'tls-certificate-expiring',
      expired ? `The server's certificate expired on ${date}` : `The server's certificate expires in ${formatDuration(left)} (${date})`,
      `${obs.endpoint.id} presents ${described(c)} ${routeText(c)}, valid until ${c.facts.validTo}: ` +
        (expired
          ? `it expired ${formatDuration(-left)} ago, so every client refuses the server until the certificate is renewed.`
          : `${formatDuration(left)} from now, within the ${policy.certificateExpiryDays} days the audit warns about; when it lapses every client refuses the server.`),
      fixFor,
    ),
  ];
}

/**
 * tls-self-signed-unpinned (warning): the server presents a self-signed certificate that its trust accepts (it is
 * among the server's own trusted certificates or CA files: nothing else verifies a self-signed server certificate)
 * and the trust has no pin. Trusting it adds it to the public (and OS) roots rather than replacing them, so a
 * certificate any of those CAs issues for the host is accepted too; a pin accepts this one certificate only.
 */
export function selfSignedFindings(obs: ServerObservations): Finding[] {
  const c = obs.certificate;
  if (!c || !c.facts.selfSigned || c.facts.verifyError !== undefined || c.pins.length > 0) return [];
  return [
    makeFinding(
      'tls-self-signed-unpinned',
      "The server's self-signed certificate is trusted without a pin",
      `${obs.endpoint.id} presents ${described(c)} ${routeText(c)}. It is accepted because it is among this server's trusted certificates, which are added to the public and system roots: a certificate any of those CAs issues for ${obs.endpoint.baseUrl.hostname} would be accepted as well. No pin restricts the server to this certificate.`,
      {
        notebook: 'or serve a certificate from a CA your clients trust: c.NotebookApp.certfile and c.NotebookApp.keyfile',
        jupyterServer: 'or serve a certificate from a CA your clients trust: c.ServerApp.certfile and c.ServerApp.keyfile (1.x and 2.x)',
        jupyterHub: 'or serve a certificate from a CA your clients trust: c.JupyterHub.ssl_cert and c.JupyterHub.ssl_key (or the TLS termination in front)',
        client: `pin its fingerprint, ${pinHint(c.facts.fingerprint256)}`,
      },
    ),
  ];
}

/**
 * tls-proxy-terminates (error): TLS interception. The server's trust pins a certificate, the certificate presented
 * on its route is not a pinned one, and it comes from someone else than the server:
 * - the issuer of the pinned certificate is known (`pinIssuer`, kept when a presented certificate was pinned) and
 *   the presented certificate's issuer differs from it. A renewal by the same CA keeps the issuer and is not
 *   reported (the connection's pin-mismatch error covers it); a server that changed CA is reported, and the
 *   evidence says what to compare;
 * - the issuer is not known (a pin typed in): only when the certificate was read through a proxy and is not
 *   self-signed. A server renewing its own self-signed certificate presents a self-signed one; a proxy that
 *   terminates TLS re-signs with its CA. Without a proxy on the route a CA-issued renewal cannot be told from
 *   interception, so nothing is reported then.
 * Read whether or not the trust accepted the presented certificate: a proxy whose CA is trusted here (a corporate
 * CA among the system roots) is refused only by the pin, and every client without the pin shows it everything.
 */
export function interceptionFindings(obs: ServerObservations): Finding[] {
  const c = obs.certificate;
  if (!c || c.pins.length === 0 || c.pins.includes(c.facts.fingerprint256)) return [];
  const known = c.pinIssuer !== undefined && c.pinIssuer !== '';
  if (known ? c.facts.issuer === c.pinIssuer : c.facts.selfSigned || c.route.kind !== 'proxy') return [];
  const between = c.route.kind === 'proxy' ? `The proxy ${c.route.uri} (or something behind it)` : 'Something on the network between this machine and the server';
  const pinned = known ? `the pinned certificate (${c.pins.join(' or ')}) was issued by "${c.pinIssuer}"` : `it is not the pinned certificate (${c.pins.join(' or ')}), whose issuer was not recorded (a pin given by fingerprint), and it is not self-signed`;
  return [
    makeFinding(
      'tls-proxy-terminates',
      'Something between this machine and the server terminates TLS and re-signs it',
      `${obs.endpoint.id} presents ${described(c)} ${routeText(c)}${c.facts.verifyError ? ` (refused here: ${c.facts.verifyError})` : ''}; ${pinned}. ${between} decrypts the connection and presents a certificate of its own: tokens, passwords, cookies and notebook contents are readable there. The pin keeps this client from sending anything; a browser or a client without the pin that trusts that issuer sends everything through it.`,
      {
        notebook: '',
        jupyterServer: '',
        jupyterHub: '',
        client:
          'do not pin or trust the presented certificate; reach the server without the intercepting proxy (add the host to http.noProxy or NO_PROXY, or set the server\'s proxy to direct: Set Proxy for Server…, --proxy direct), or have the proxy exempt this host from TLS inspection; if the server did change CA, compare the new fingerprint with its administrator\'s before pinning it',
      },
    ),
  ];
}

/** The TLS findings of one audit, in no particular order (evaluateAudit sorts). */
export function tlsFindings(obs: ServerObservations, policy: AuditPolicy): Finding[] {
  return [...interceptionFindings(obs), ...selfSignedFindings(obs), ...certificateExpiryFindings(obs, policy)];
}
