/**
 * The audit's TLS rules and the certificate on a server's route (issue 13, part 3) against real jupyter-server
 * processes over https: a self-signed server trusted with or without a pin, a CA-issued certificate about to
 * expire, an expired one, and a server on this machine's LAN address reached through the CONNECT proxy written for
 * the tests (test/servers/connectProxy.ts) and through a TLS-intercepting proxy (test/servers/interceptingProxy.ts)
 * whose CA is trusted as a corporate inspection CA would be. Waits are for replies and events, never for time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runAudit, type AuditReport } from '../../src/core/audit/audit';
import { DEFAULT_AUDIT_POLICY, auditPolicy } from '../../src/core/audit/policy';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { tokenCredential } from '../../src/core/session/credentials';
import { certificateRoute, readServerCertificate } from '../../src/core/transport/certificateProbe';
import { JupyterClient } from '../../src/core/transport/client';
import type { TransportOptions } from '../../src/core/transport/dispatcher';
import { certificateFacts, fingerprintOf, type TlsTrust } from '../../src/core/transport/tlsTrust';
import { TlsFailureError, isJupyterError } from '../../src/core/util/errors';
import { Logger } from '../../src/core/util/log';
import { startConnectProxy, type ConnectProxy } from './connectProxy';
import { testLogSink } from './helpers';
import { startInterceptingProxy, type InterceptingProxy } from './interceptingProxy';
import { selfSignedCert, startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';
import { testPki } from './testCa';

const pki = testPki();
const CLI = resolve(__dirname, '../../../dist/cli.js');
const logger = new Logger(testLogSink, 'trace');
const ids = (r: AuditReport): string[] => r.findings.map((f) => f.id);
const tlsIds = (r: AuditReport): string[] => ids(r).filter((id) => id.startsWith('tls-'));
const issuerOf = (pem: string): string => certificateFacts(new X509Certificate(pem)).issuer;

function target(url: string, token: string, transport: TransportOptions) {
  return { endpoint: endpointFromUrl(url), credential: tokenCredential(token), mode: 'token' as const, logger, transport };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env['PATH'] ?? '', HOME: mkdtempSync(join(tmpdir(), 'sjc-home-')), JUPYTER_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'sjc-nort-')), ...env }, timeout: 90_000 },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function json(run: Run): { server: Record<string, unknown>; findings: Array<Record<string, string>> } {
  try {
    return JSON.parse(run.stdout) as { server: Record<string, unknown>; findings: Array<Record<string, string>> };
  } catch {
    return assert.fail(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

describe('audit: TLS rules against real https jupyter-servers (direct)', () => {
  let selfSigned: RunningJupyter;
  let shortLived: RunningJupyter;
  before(async () => {
    [selfSigned, shortLived] = await Promise.all([
      startJupyter({ flavor: 'server', tls: true }),
      startJupyter({ flavor: 'server', tls: { certFile: pki.shortLived.certFile, keyFile: pki.shortLived.keyFile, certPem: pki.ca.certPem } }),
    ]);
  });
  after(() => stopAllJupyters());

  it('a self-signed certificate trusted by itself without a pin → tls-self-signed-unpinned; pinned → nothing about TLS', async () => {
    const pem = selfSigned.certPem as string;
    const fp = fingerprintOf(pem);
    const unpinned = await runAudit(target(selfSigned.url, selfSigned.token, { tls: { ca: [pem] } }));
    assert.deepEqual(tlsIds(unpinned), ['tls-self-signed-unpinned']);
    const f = unpinned.findings.find((x) => x.id === 'tls-self-signed-unpinned');
    assert.equal(f?.severity, 'warning');
    assert.ok(f?.fixFor.client?.includes(`--pin sha256:${fp}`), f?.fix);
    assert.match(f?.evidence ?? '', /presents "CN=127\.0\.0\.1" issued by "CN=127\.0\.0\.1" \(self-signed\), SHA-256 [0-9A-F:]{95} on a direct connection/);
    assert.deepEqual(
      { ...unpinned.server.certificate, validTo: undefined },
      { subject: 'CN=127.0.0.1', issuer: 'CN=127.0.0.1', validTo: undefined, fingerprint256: fp, selfSigned: true, verifyError: null, route: 'direct', pinned: false },
    );
    assert.equal(unpinned.server.incomplete, undefined);
    assert.ok(ids(unpinned).includes('token-in-page'), 'the rest of the audit ran');

    const pinned = await runAudit(target(selfSigned.url, selfSigned.token, { tls: { ca: [pem], pins: [fp] } }));
    assert.deepEqual(tlsIds(pinned), []);
    assert.equal(pinned.server.certificate?.pinned, true);
    assert.ok(ids(pinned).includes('token-in-page'));

    const env = { JUPYTER_TOKEN: selfSigned.token };
    const cliUnpinned = await cli(['audit', selfSigned.url, '--json', '--ca', selfSignedCert().certFile], env);
    assert.equal(cliUnpinned.code, 0, cliUnpinned.stderr);
    assert.ok(json(cliUnpinned).findings.some((x) => x['id'] === 'tls-self-signed-unpinned' && x['severity'] === 'warning'), cliUnpinned.stdout);
    const cliPinned = await cli(['audit', selfSigned.url, '--json', '--ca', selfSignedCert().certFile, '--pin', `sha256:${fp}`], env);
    assert.equal(cliPinned.code, 0, cliPinned.stderr);
    assert.ok(!json(cliPinned).findings.some((x) => (x['id'] ?? '').startsWith('tls-')), cliPinned.stdout);
    assert.equal(json(cliPinned).server['certificateExpiryDays'], 30);
  });

  it('a CA-issued certificate valid 5 more days → tls-certificate-expiring naming its end and subject; not within a 3-day window', async () => {
    const end = new Date(new X509Certificate(pki.shortLived.certPem).validTo).toISOString();
    const r = await runAudit(target(shortLived.url, shortLived.token, { tls: { ca: [pki.ca.certPem] } }));
    assert.deepEqual(tlsIds(r), ['tls-certificate-expiring'], 'CA-issued: not the self-signed rule');
    const f = r.findings.find((x) => x.id === 'tls-certificate-expiring');
    assert.match(f?.title ?? '', new RegExp(`^The server's certificate expires in (4\\.9|5) days \\(${end.slice(0, 10)}\\)$`));
    assert.ok(f?.evidence.includes(`"CN=sjc-short-lived-server" issued by "CN=SJC Test CA"`), f?.evidence);
    assert.ok(f?.evidence.includes(`valid until ${end}`), f?.evidence);
    const week = await runAudit(target(shortLived.url, shortLived.token, { tls: { ca: [pki.ca.certPem] } }), auditPolicy({ certificateExpiryDays: 3 }));
    assert.deepEqual(tlsIds(week), []);
    await assert.rejects(
      runAudit(target(shortLived.url, shortLived.token, {})),
      (e: unknown) => isJupyterError(e, 'TlsFailure') && (e as TlsFailureError).certificate?.fingerprint256 === pki.shortLived.fingerprint256,
      'refused for its unknown CA: not judged, so nothing to report and the TLS failure is thrown',
    );

    const env = { JUPYTER_TOKEN: shortLived.token };
    const strict = await cli(['audit', shortLived.url, '--json', '--ca', pki.ca.certFile, '--fail-on', 'warning'], env);
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.ok(json(strict).findings.some((x) => x['id'] === 'tls-certificate-expiring'));
    const narrow = await cli(['audit', shortLived.url, '--json', '--ca', pki.ca.certFile, '--cert-expiry-days', '3'], env);
    assert.ok(!json(narrow).findings.some((x) => x['id'] === 'tls-certificate-expiring'), narrow.stdout);
    assert.equal(json(narrow).server['certificateExpiryDays'], 3);
  });

  it('an expired certificate stops every probe: the report holds tls-certificate-expiring ("expired") marked incomplete, nothing was sent; the CLI exits 2', async () => {
    let requests = 0;
    const server = createHttpsServer({ cert: pki.expired.certPem, key: pki.expired.keyPem }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const token = `tok-${randomBytes(8).toString('hex')}`;
    try {
      const r = await runAudit(target(url, token, { tls: { ca: [pki.ca.certPem] } }));
      assert.deepEqual(ids(r), ['tls-certificate-expiring']);
      assert.equal(r.findings[0]?.title, "The server's certificate expired on 2020-02-01");
      assert.equal(r.server.certificate?.verifyError, 'CERT_HAS_EXPIRED');
      assert.match(r.server.incomplete ?? '', /TLS|certificate/i);
      assert.equal(r.server.version, null);
      // OpenSSL names the expiry before the unknown issuer: without the CA it is the same finding.
      assert.deepEqual(ids(await runAudit(target(url, token, {}))), ['tls-certificate-expiring']);

      const run = await cli(['audit', url, '--ca', pki.ca.certFile], { JUPYTER_TOKEN: token });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stdout, /^WARNING {2}tls-certificate-expiring: The server's certificate expired on 2020-02-01$/m);
      assert.match(run.stdout, /not audited beyond the certificate: /);
      assert.match(run.stdout, /only the certificate could be audited: exit 2\./);
      assert.equal(requests, 0, 'no request reached the server');
      assert.ok(!(run.stdout + run.stderr).includes(token));
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });
});

const lanIp = pki.lanIp;
const NO_LAN = 'SKIPPED: this machine has no non-loopback IPv4 address, and loopback servers are never proxied by design';
if (!lanIp) console.warn(`\n!!! ${NO_LAN} !!!\n`);

describe('the certificate on a proxied route, and TLS interception (a server at the LAN address)', { skip: lanIp ? false : NO_LAN }, () => {
  let server: RunningJupyter;
  let proxy: ConnectProxy;
  let interceptor: InterceptingProxy;
  let hostPort: string;
  const caTrust: TlsTrust = { ca: [pki.ca.certPem] };
  /** The interceptor's CA among the system roots, as a company's inspection CA is on its machines. */
  const corporate: TlsTrust = { ca: [pki.ca.certPem], systemCa: [pki.interceptCa.certPem] };
  const pinned: TlsTrust = { ...corporate, pins: [pki.server.fingerprint256], pinIssuer: issuerOf(pki.server.certPem) };
  before(async () => {
    [server, proxy, interceptor] = await Promise.all([
      startJupyter({
        flavor: 'server',
        ip: lanIp as string,
        extraArgs: ['--ServerApp.allow_remote_access=True'],
        tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, certPem: pki.ca.certPem },
      }),
      startConnectProxy(),
      startInterceptingProxy({ cert: pki.interceptor.certPem, key: pki.interceptor.keyPem, upstreamCa: [pki.ca.certPem] }),
    ]);
    hostPort = `${lanIp}:${server.port}`;
  });
  after(async () => {
    await Promise.all([proxy?.stop(), interceptor?.stop()]);
    await stopAllJupyters();
  });
  const endpoint = () => endpointFromUrl(server.url);

  it('readServerCertificate through the CONNECT proxy (per-server and shared) is the server\'s own; noProxy and direct read it without the proxy', async () => {
    assert.equal(issuerOf(pki.server.certPem), 'CN=SJC Test CA');
    for (const transport of [{ tls: caTrust, proxyOverride: proxy.url }, { tls: caTrust, proxy: { uri: proxy.url } }] as TransportOptions[]) {
      const since = proxy.events.length;
      assert.deepEqual(certificateRoute(endpoint(), transport), { kind: 'proxy', uri: `${proxy.url}/` });
      const c = await readServerCertificate(endpoint(), transport);
      assert.equal(c?.fingerprint256, pki.server.fingerprint256);
      assert.equal(c?.verifyError, undefined);
      assert.deepEqual(proxy.events.slice(since).map((e) => [e.method, e.target, e.status]), [['CONNECT', hostPort, 200]]);
    }
    for (const transport of [{ tls: caTrust, proxy: { uri: proxy.url, noProxy: [lanIp as string] } }, { tls: caTrust, proxy: { uri: proxy.url }, proxyOverride: 'direct' }] as TransportOptions[]) {
      const since = proxy.events.length;
      assert.deepEqual(certificateRoute(endpoint(), transport), { kind: 'direct' });
      assert.equal((await readServerCertificate(endpoint(), transport))?.fingerprint256, pki.server.fingerprint256);
      assert.deepEqual(proxy.events.slice(since), [], 'the proxy saw nothing');
    }
  });

  it('a proxy that wants a credential gets exactly it; one that refuses the tunnel (407) gives no certificate and no error', async () => {
    const basic = `Basic ${Buffer.from(`sjc-user:pp-${randomBytes(6).toString('hex')}`).toString('base64')}`;
    const authProxy = await startConnectProxy({ requireAuthorization: basic });
    try {
      const ok = await readServerCertificate(endpoint(), { tls: caTrust, proxy: { uri: authProxy.url, authorization: basic } });
      assert.equal(ok?.fingerprint256, pki.server.fingerprint256);
      assert.equal(authProxy.events.at(-1)?.authorization, basic);
      const refused = await readServerCertificate(endpoint(), { tls: caTrust, proxyOverride: authProxy.url });
      assert.equal(refused, undefined);
      assert.deepEqual([authProxy.events.at(-1)?.status, authProxy.events.at(-1)?.authGiven], [407, false]);
    } finally {
      await authProxy.stop();
    }
  });

  it('through an https proxy: TLS to the proxy verified with the system roots only (as the dispatcher\'s proxyTls), then the server\'s certificate inside', async () => {
    // A CONNECT proxy over TLS with the test CA's certificate for 127.0.0.1, piping bytes to the server.
    const seen: string[] = [];
    const httpsProxy = createHttpsServer({ cert: pki.server.certPem, key: pki.server.keyPem });
    httpsProxy.on('connect', (req: IncomingMessage, client: Duplex) => {
      seen.push(req.url ?? '');
      const [host, port] = [lanIp as string, server.port];
      const upstream = netConnect(port, host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((done) => httpsProxy.listen(0, '127.0.0.1', done));
    const proxyUrl = `https://127.0.0.1:${(httpsProxy.address() as { port: number }).port}`;
    try {
      const inside = await readServerCertificate(endpoint(), { tls: { systemCa: [pki.ca.certPem] }, proxyOverride: proxyUrl });
      assert.equal(inside?.fingerprint256, pki.server.fingerprint256);
      assert.deepEqual(seen, [hostPort]);
      const refused = await readServerCertificate(endpoint(), { tls: { ca: [pki.ca.certPem] }, proxyOverride: proxyUrl });
      assert.equal(refused, undefined, 'the server\'s own CA files do not make the proxy trusted');
      assert.deepEqual(seen, [hostPort], 'no tunnel over an unverified TLS connection');
    } finally {
      httpsProxy.closeAllConnections();
      await new Promise((done) => httpsProxy.close(done));
    }
  });

  it('through the intercepting proxy: its own certificate (its CA as issuer), accepted with that CA among the system roots, refused by a pin; nothing decrypted', async () => {
    const via = (tls: TlsTrust) => readServerCertificate(endpoint(), { tls, proxyOverride: interceptor.url });
    const untrusted = await via(caTrust);
    assert.equal(untrusted?.fingerprint256, pki.interceptor.fingerprint256);
    assert.equal(untrusted?.subject, 'CN=sjc-test-server', 'the forged certificate copies the subject');
    assert.equal(untrusted?.issuer, 'CN=SJC Intercepting Proxy CA');
    assert.equal(untrusted?.verifyError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal((await via(corporate))?.verifyError, undefined, 'the corporate CA makes it pass verification');
    assert.equal((await via(pinned))?.verifyError, 'ERR_SJC_CERT_PIN_MISMATCH');
    assert.ok(interceptor.tunnels.includes(hostPort));
    assert.deepEqual(interceptor.decrypted, [], 'reading a certificate sends nothing');
  });

  it('a TLS failure through a proxy, or on a shared route whose host is in noProxy, names the presented certificate', async () => {
    const cases: Array<[string, TransportOptions, string, string]> = [
      ['per-server proxy, untrusted', { proxyOverride: proxy.url }, pki.server.fingerprint256, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['shared proxy, untrusted', { proxy: { uri: proxy.url } }, pki.server.fingerprint256, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['shared, the host in noProxy', { proxy: { uri: proxy.url, noProxy: [lanIp as string] } }, pki.server.fingerprint256, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['intercepted, pinned', { tls: pinned, proxyOverride: interceptor.url }, pki.interceptor.fingerprint256, 'ERR_SJC_CERT_PIN_MISMATCH'],
    ];
    for (const [what, transport, fingerprint, verifyError] of cases) {
      const c = new JupyterClient({ endpoint: endpoint(), credential: tokenCredential(server.token), transport, logger });
      try {
        const e = await c.probeVersion().then(
          () => assert.fail(`${what}: accepted`),
          (err: unknown) => err,
        );
        assert.ok(e instanceof TlsFailureError, `${what}: ${String(e)}`);
        assert.equal(e.certificate?.fingerprint256, fingerprint, what);
        assert.equal(e.certificate?.verifyError, verifyError, what);
        assert.ok(e.message.includes(fingerprint), `${what}: ${e.message}`);
      } finally {
        await c.close();
      }
    }
    assert.deepEqual(interceptor.decrypted, [], 'the pin refused the interceptor before any request');
  });

  it('audit of a pinned server through the intercepting proxy → tls-proxy-terminates (error) though no probe could run; through the plain proxy → the full audit, no TLS finding', async () => {
    const since = interceptor.tunnels.length;
    const r = await runAudit(target(server.url, server.token, { tls: pinned, proxyOverride: interceptor.url }));
    assert.deepEqual(ids(r), ['tls-proxy-terminates']);
    const f = r.findings[0];
    assert.equal(f?.severity, 'error');
    assert.ok(f?.evidence.includes(`issued by "CN=SJC Intercepting Proxy CA", SHA-256 ${pki.interceptor.fingerprint256} through the proxy ${interceptor.url}/`), f?.evidence);
    assert.ok(f?.evidence.includes(`the pinned certificate (${pki.server.fingerprint256}) was issued by "CN=SJC Test CA"`), f?.evidence);
    assert.match(r.server.incomplete ?? '', /pinned/);
    assert.deepEqual([r.server.certificate?.route, r.server.certificate?.pinned], [`${interceptor.url}/`, true]);
    assert.ok(interceptor.tunnels.length > since);
    assert.deepEqual(interceptor.decrypted, [], 'no request, so no token, went through the interceptor');

    const plain = await runAudit(target(server.url, server.token, { tls: pinned, proxyOverride: proxy.url }));
    assert.deepEqual(tlsIds(plain), []);
    assert.equal(plain.server.incomplete, undefined);
    assert.deepEqual([plain.server.certificate?.fingerprint256, plain.server.certificate?.route], [pki.server.fingerprint256, `${proxy.url}/`]);
    assert.ok(ids(plain).includes('token-in-page'), 'the other probes ran through the tunnel');
  });

  it('without a pin the interceptor reads everything (the token included) and nothing can tell: the finding needs a pin to compare with', async () => {
    const r = await runAudit(target(server.url, server.token, { tls: corporate, proxyOverride: interceptor.url }), DEFAULT_AUDIT_POLICY);
    assert.deepEqual(tlsIds(r), []);
    assert.equal(r.server.certificate?.issuer, 'CN=SJC Intercepting Proxy CA');
    assert.ok(interceptor.decrypted.some((d) => d.authorization), `the interceptor saw a request with the token: ${JSON.stringify(interceptor.decrypted)}`);
  });

  it('jupyter-secure audit --pin through the intercepting proxy, its CA trusted (no recorded issuer): tls-proxy-terminates, exit 1, no token printed', async () => {
    const run = await cli(
      ['audit', server.url, '--json', '--ca', pki.ca.certFile, '--ca', pki.interceptCa.certFile, '--pin', `sha256:${pki.server.fingerprint256}`, '--proxy', interceptor.url],
      { JUPYTER_TOKEN: server.token },
    );
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const out = json(run);
    assert.deepEqual(out.findings.map((f) => [f['id'], f['severity']]), [['tls-proxy-terminates', 'error']]);
    assert.match(out.findings[0]?.['evidence'] ?? '', /whose issuer was not recorded \(a pin given by fingerprint\), and it is not self-signed/);
    assert.equal(typeof out.server['incomplete'], 'string');
    assert.ok(!(run.stdout + run.stderr).includes(server.token));
  });

  it('HTTPS_PROXY/NO_PROXY from the environment (no proxy set): the certificate comes through it; NO_PROXY naming the host sends the certificate read and the client direct', async () => {
    const names = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY'];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    try {
      for (const n of names) delete process.env[n];
      process.env['HTTPS_PROXY'] = interceptor.url;
      const viaEnv = await readServerCertificate(endpoint(), { tls: corporate });
      assert.equal(viaEnv?.fingerprint256, pki.interceptor.fingerprint256);

      process.env['NO_PROXY'] = `other.example, ${lanIp as string}`;
      const since = interceptor.tunnels.length;
      assert.equal((await readServerCertificate(endpoint(), { tls: caTrust }))?.fingerprint256, pki.server.fingerprint256);
      // Through the interceptor this client would fail (its CA is not trusted here): success means it went direct.
      const c = new JupyterClient({ endpoint: endpoint(), credential: tokenCredential(server.token), transport: { tls: caTrust }, logger });
      try {
        assert.match(await c.probeVersion(), /^\d+\.\d+/);
      } finally {
        await c.close();
      }
      assert.equal(interceptor.tunnels.length, since, 'NO_PROXY kept both off the proxy');
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  });
});
