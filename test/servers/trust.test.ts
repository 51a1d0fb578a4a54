/**
 * Per-server TLS trust and proxies (issue 13) against real jupyter-server processes: a private test CA, pins,
 * client certificates (PEM and PKCS#12), the trust files' limits, NODE_TLS_REJECT_UNAUTHORIZED, and an HTTP
 * CONNECT proxy (written for the tests, test/servers/connectProxy.ts) for REST and the kernel WebSocket.
 * Every check goes through the real core (JupyterClient, ServerRegistry); waits are for events or conditions.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KernelConnection } from '../../src/core/kernel/kernelConnection';
import { DEFAULT_RETRY_POLICY } from '../../src/core/lifecycle/retryPolicy';
import { ServerRegistry } from '../../src/core/registry/registry';
import { SAVED_SERVERS_KEY } from '../../src/core/registry/savedServers';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { transportFor } from '../../src/core/registry/transportFor';
import { getStatus, listKernels, shutdownKernel, startKernel } from '../../src/core/rest';
import { MemorySecretStore, secretKey } from '../../src/core/secrets/secretStore';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { tokenCredential } from '../../src/core/session/credentials';
import { JupyterClient } from '../../src/core/transport/client';
import type { ServerTransport, TransportOptions } from '../../src/core/transport/dispatcher';
import { isJupyterError, TlsFailureError, type JupyterError } from '../../src/core/util/errors';
import { Logger, MemorySink } from '../../src/core/util/log';
import { pollUntil } from '../support/pollUntil';
import { startConnectProxy, type ConnectProxy } from './connectProxy';
import { testLogSink } from './helpers';
import { startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';
import { testPki } from './testCa';

const pki = testPki();

/** Logs, for every request, its path, whether it carried credentials and a test marker (never a value). */
const REQUEST_LOG_LINES = [
  'import logging as _sjc_logging',
  'def _sjc_log(handler):',
  '    r = handler.request',
  "    _sjc_logging.getLogger('tornado.access').warning('SJC-REQ %s %s %s auth=%s marker=%s', handler.get_status(), r.method, r.path, 'present' if (r.headers.get('Authorization') or 'token=' in r.query) else 'absent', r.headers.get('X-SJC-Marker', '-'))",
  "c.ServerApp.tornado_settings = {'log_function': _sjc_log}",
];

function tlsFiles(extra: { clientCa?: string; clientCert?: { cert: string; key: string } } = {}) {
  return { certFile: pki.server.certFile, keyFile: pki.server.keyFile, certPem: pki.ca.certPem, ...extra };
}

function clientOf(server: RunningJupyter, transport: TransportOptions, logger = new Logger(testLogSink, 'trace'), url = server.url): JupyterClient {
  return new JupyterClient({ endpoint: endpointFromUrl(url), credential: tokenCredential(server.token), transport, logger });
}

function routeOf(c: JupyterClient): ServerTransport['route'] {
  return (c as unknown as { transport: ServerTransport }).transport.route;
}

/** The typed error `p` rejects with (failing when it resolves or throws something untyped). */
async function failure(p: Promise<unknown>, code: JupyterError['code']): Promise<JupyterError> {
  let error: unknown;
  await assert.rejects(p, (e: unknown) => {
    error = e;
    return true;
  });
  assert.ok(isJupyterError(error, code), `expected ${code}, got ${(error as { code?: string }).code}: ${(error as Error).message}`);
  return error as JupyterError;
}

function newRegistry(transport?: TransportOptions) {
  const secrets = new MemorySecretStore();
  const state = new MemoryStateStore();
  const registry = new ServerRegistry({ secrets, state, log: new Logger(testLogSink, 'debug'), ...(transport ? { transport } : {}) });
  registry.init();
  return { registry, secrets, state };
}

function runNode(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: unknown }).code as number | null) ?? 1 : 0, stdout, stderr });
    });
  });
}

/** The compiled core (out/src/…), for the child processes. */
const OUT_SRC = join(__dirname, '..', '..', 'src', 'core');

describe('per-server TLS trust against a real jupyter-server', () => {
  let server: RunningJupyter;
  let mtls: RunningJupyter;
  before(async () => {
    [server, mtls] = await Promise.all([
      startJupyter({ flavor: 'server', tls: tlsFiles(), configLines: REQUEST_LOG_LINES }),
      startJupyter({ flavor: 'server', tls: tlsFiles({ clientCa: pki.clientCa.certFile, clientCert: { cert: pki.client.certPem, key: pki.client.keyPem } }) }),
    ]);
  });
  after(() => stopAllJupyters());

  it('without trust the test-CA certificate is refused: TlsFailure naming its SHA-256 fingerprint, with what the certificate says', async () => {
    for (const transport of [{}, { tls: { ca: [pki.otherCa.certPem] } }] as TransportOptions[]) {
      const c = clientOf(server, transport);
      try {
        const e = (await failure(c.probeVersion(), 'TlsFailure')) as TlsFailureError;
        assert.ok(e.message.includes(pki.server.fingerprint256), `the message names the fingerprint: ${e.message}`);
        assert.ok(e.certificate, 'the presented certificate is attached');
        assert.equal(e.certificate.fingerprint256, pki.server.fingerprint256);
        assert.match(e.certificate.subject, /CN=sjc-test-server/);
        assert.match(e.certificate.issuer, /CN=SJC Test CA/);
        assert.equal(e.certificate.selfSigned, false);
        assert.equal(e.certificate.pem.trim(), pki.server.certPem.trim());
        assert.equal(e.certificate.verifyError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        // An authenticated request is refused as well (nothing is sent before the handshake is verified).
        await failure(c.authenticate(), 'TlsFailure');
      } finally {
        await c.close();
      }
    }
  });

  it('accepted with the CA in the transport; and via ServerRegistry.add with the CA file (REST and a kernel WebSocket)', async () => {
    const c = clientOf(server, { tls: { ca: [pki.ca.certPem] } });
    try {
      assert.match(await c.probeVersion(), /^\d+\.\d+/);
      await c.authenticate();
      assert.ok(Array.isArray(await listKernels(c)));
    } finally {
      await c.close();
    }

    const { registry, state } = newRegistry();
    try {
      const conn = await registry.add({ url: server.url, credential: tokenCredential(server.token), trust: { caFiles: [pki.ca.certFile] } });
      assert.equal(conn.state.kind, 'connected');
      const saved = JSON.stringify(state.get(SAVED_SERVERS_KEY));
      assert.ok(saved.includes(JSON.stringify(pki.ca.certFile)), 'the CA file is saved by its path');
      const kernel = await conn.use((client) => startKernel(client));
      try {
        const ks = await conn.openKernelConnection(kernel.id);
        const reply = await ks.kernelInfo();
        assert.equal(reply.header.msg_type, 'kernel_info_reply');
      } finally {
        await conn.use((client) => shutdownKernel(client, kernel.id));
      }
    } finally {
      registry.dispose();
    }
  });

  it('pins: CA + the right pin is accepted, a wrong pin is refused naming both fingerprints, and every new connection of a pinned client is checked', async () => {
    const rightPin = `sha256:${pki.server.fingerprint256.replace(/:/g, '').toLowerCase()}`; // normalised by the core
    const wrongPin = pki.otherCa.fingerprint256;
    const pinned = clientOf(server, { tls: { ca: [pki.ca.certPem], pins: [rightPin] } });
    const wrong = clientOf(server, { tls: { ca: [pki.ca.certPem], pins: [wrongPin] } });
    try {
      await pinned.probeVersion();
      await pinned.authenticate();
      // A second client, same server, right after a successful pinned one: still checked, and refused.
      const e = await failure(wrong.probeVersion(), 'TlsFailure');
      assert.ok(e.message.includes(pki.server.fingerprint256), `names the server's fingerprint: ${e.message}`);
      assert.ok(e.message.includes(wrongPin), `names the pinned fingerprint: ${e.message}`);
      assert.match(e.hint ?? '', /not the certificate pinned/, 'the hint is about the pin, not "trust it"');
      await failure(wrong.authenticate(), 'TlsFailure');
      // The pinned client still works after the refusal.
      await getStatus(pinned);
    } finally {
      await Promise.all([pinned.close(), wrong.close()]);
    }

    // Node skips checkServerIdentity on resumed TLS sessions, so a pin turns session reuse off: every connection
    // is a full handshake, checked. jupyter-server (Python ssl) never resumes sessions, so this is seen against a
    // node https server with the same certificate, which does: it records whether each handshake was resumed.
    const resumed: boolean[] = [];
    const tlsServer = createHttpsServer({ cert: pki.server.certPem, key: pki.server.keyPem }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"version": "0.0.0-tls-reuse-probe"}');
    });
    tlsServer.on('secureConnection', (socket) => resumed.push(socket.isSessionReused()));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const reuseProbe = { url: `https://127.0.0.1:${(tlsServer.address() as { port: number }).port}/`, token: 'unused-token' } as RunningJupyter;
    const handshakes = async (transport: TransportOptions): Promise<boolean[]> => {
      const c = clientOf(reuseProbe, transport);
      resumed.length = 0;
      try {
        // `connection: close`: a new connection (a new handshake) for each request.
        for (let i = 0; i < 4; i++) assert.equal((await c.send('GET', 'api', { headers: { connection: 'close' } })).status, 200);
        return [...resumed];
      } finally {
        await c.close();
      }
    };
    try {
      const unpinned = await handshakes({ tls: { ca: [pki.ca.certPem] } });
      const pinnedRuns = await handshakes({ tls: { ca: [pki.ca.certPem], pins: [rightPin] } });
      assert.ok(unpinned.includes(true), `without a pin Node resumes sessions (the server supports it): ${JSON.stringify(unpinned)}`);
      assert.deepEqual(pinnedRuns, [false, false, false, false], 'a pinned client never resumes: each connection is verified and pin-checked');
      // And a wrong pin is refused on that server too, right after the pinned client's successes.
      const w = clientOf(reuseProbe, { tls: { ca: [pki.ca.certPem], pins: [wrongPin] } });
      try {
        await failure(w.send('GET', 'api'), 'TlsFailure');
      } finally {
        await w.close();
      }
    } finally {
      tlsServer.closeAllConnections();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 from process start does not make an untrusted server trusted (no token sent)', async () => {
    const selfSigned = await startJupyter({ flavor: 'server', tls: true });
    const before = server.log().length;
    const script = `
      const { JupyterClient } = require(${JSON.stringify(join(OUT_SRC, 'transport', 'client.js'))});
      const { endpointFromUrl } = require(${JSON.stringify(join(OUT_SRC, 'server', 'endpoint.js'))});
      const { tokenCredential } = require(${JSON.stringify(join(OUT_SRC, 'session', 'credentials.js'))});
      const https = require('node:https');
      (async () => {
        const out = { env: process.env.NODE_TLS_REJECT_UNAUTHORIZED, servers: [] };
        for (const s of JSON.parse(process.env.SJC_SERVERS)) {
          const c = new JupyterClient({ endpoint: endpointFromUrl(s.url), credential: tokenCredential(s.token) });
          const r = { url: s.url };
          try { r.version = await c.probeVersion(); } catch (e) { r.probe = { code: e.code, message: e.message, fp: e.certificate && e.certificate.fingerprint256 }; }
          try { await c.request('GET', 'api/status'); r.status = 'sent'; } catch (e) { r.request = { code: e.code, message: e.message }; }
          await c.close();
          // Control: Node's own https, with no options, does accept the certificate under this variable.
          r.control = await new Promise((res) => https.get(s.url + 'api', { headers: { 'x-sjc-marker': 'control' } }, (x) => { x.resume(); res(x.statusCode); }).on('error', (e) => res(e.code)));
          out.servers.push(r);
        }
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(3); });
    `;
    const servers = [server, selfSigned].map((s) => ({ url: s.url, token: s.token }));
    const run = await runNode(script, { NODE_TLS_REJECT_UNAUTHORIZED: '0', SJC_SERVERS: JSON.stringify(servers) });
    assert.equal(run.code, 0, `the child ran: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as {
      env: string;
      servers: { url: string; version?: string; status?: string; control: unknown; probe?: { code: string; message: string; fp?: string }; request?: { code: string } }[];
    };
    assert.equal(out.env, '0');
    for (const r of out.servers) {
      assert.equal(r.version, undefined, `${r.url}: no version read`);
      assert.equal(r.probe?.code, 'TlsFailure', `${r.url}: ${JSON.stringify(r.probe)}`);
      assert.equal(r.status, undefined, `${r.url}: the authenticated request was not answered`);
      assert.equal(r.request?.code, 'TlsFailure');
      assert.equal(r.control, 200, 'the variable is in effect in the child (plain https accepts the certificate)');
    }
    assert.equal(out.servers[0]?.probe?.fp, pki.server.fingerprint256);
    assert.equal(out.servers[1]?.probe?.fp, new X509Certificate(selfSigned.certPem ?? '').fingerprint256);
    // The server's own record: between the child's start and our marker, only the control request arrived, without credentials.
    const marker = `m-${randomBytes(4).toString('hex')}`;
    const trusted = clientOf(server, { tls: { ca: [pki.ca.certPem] } });
    try {
      await trusted.send('GET', 'api', { headers: { 'x-sjc-marker': marker } });
    } finally {
      await trusted.close();
    }
    const seen = await pollUntil('the marker request in the server log', () => {
      const text = server.log().slice(before);
      return text.includes(`marker=${marker}`) ? text : undefined;
    });
    const requests = seen.split('\n').filter((l) => l.includes('SJC-REQ'));
    assert.deepEqual(
      requests.map((l) => /SJC-REQ \d+ (\S+ \S+) auth=(\S+) marker=(\S+)/.exec(l)?.slice(1).join(' ')),
      ['GET /api absent control', `GET /api present ${marker}`],
      'no request of the child reached the server except the control (without credentials)',
    );
    await selfSigned.stop();
  });

  describe('client certificates (the server has client_ca)', () => {
    const caTrust = { ca: [pki.ca.certPem] };

    // Over TLS 1.3 the server refuses a missing certificate after the handshake, which undici reports as "other side
    // closed"; the client asks once more to read the alert (readPostHandshakeAlert).
    it('refused without a client certificate, with a clear error naming the missing client certificate', async () => {
      const c = clientOf(mtls, { tls: caTrust });
      try {
        const e = await failure(c.probeVersion(), 'TlsFailure');
        assert.match(e.message, /requires a client certificate/i, e.message);
        assert.match(e.hint, /Use a Client Certificate/, e.hint);
        console.log(`# without a client certificate: ${e.message} (hint: ${e.hint})`);
      } finally {
        await c.close();
      }
    });

    it('a client certificate its client_ca did not issue is refused as such', async () => {
      const c = clientOf(mtls, { tls: { ...caTrust, clientCert: { cert: pki.otherCa.certPem, key: pki.otherCa.keyPem } } });
      // Observed: OpenSSL names this TLS 1.3 alert with its TLS 1.0 name (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA).
      try {
        const e = await failure(c.probeVersion(), 'TlsFailure');
        assert.match(e.message, /refused this client's certificate \(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA\)/, e.message);
        assert.match(e.hint, /issued by the CA in its client_ca/, e.hint);
      } finally {
        await c.close();
      }
    });

    it('accepted with a PEM certificate + key, and with the PKCS#12 bundle + passphrase', async () => {
      for (const clientCert of [
        { cert: pki.client.certPem, key: pki.client.keyPem },
        { pfx: readFileSync(pki.client.p12File), passphrase: pki.client.passphrase },
      ]) {
        const c = clientOf(mtls, { tls: { ...caTrust, clientCert } });
        try {
          await c.probeVersion();
          await c.authenticate();
          assert.ok(Array.isArray(await listKernels(c)));
        } finally {
          await c.close();
        }
      }
    });

    it('a PKCS#12 bundle with a wrong passphrase is refused with a clear message that does not contain the passphrase', async () => {
      const wrongPassphrase = `wrong-${randomBytes(5).toString('hex')}`;
      const sink = new MemorySink();
      const attempt = async (clientCert: NonNullable<NonNullable<TransportOptions['tls']>['clientCert']>): Promise<JupyterError> => {
        let error: unknown;
        try {
          const c = clientOf(mtls, { tls: { ...caTrust, clientCert } }, new Logger(sink, 'trace'));
          try {
            await c.probeVersion();
          } finally {
            await c.close();
          }
        } catch (e) {
          error = e;
        }
        assert.ok(error, 'refused');
        return error as JupyterError;
      };
      const cases: [string, NonNullable<NonNullable<TransportOptions['tls']>['clientCert']>][] = [
        ['PKCS#12, wrong passphrase', { pfx: readFileSync(pki.client.p12File), passphrase: wrongPassphrase }],
        ['PKCS#12, no passphrase', { pfx: readFileSync(pki.client.p12File) }],
        ['encrypted PEM key, wrong passphrase', { cert: pki.client.certPem, key: readFileSync(pki.client.encryptedKeyFile, 'utf8'), passphrase: wrongPassphrase }],
      ];
      for (const [what, clientCert] of cases) {
        const e = await attempt(clientCert);
        assert.ok(isJupyterError(e, 'InvalidInput') || isJupyterError(e, 'TlsFailure'), `${what}: InvalidInput or TlsFailure, got ${e.code}: ${e.message}`);
        assert.match(e.message, /passphrase|PKCS#12|client certificate/i, e.message);
        for (const text of [e.message, e.hint ?? '', ...sink.lines]) {
          assert.ok(!text.includes(wrongPassphrase) && !text.includes(pki.client.passphrase), `no passphrase in: ${text}`);
        }
        console.log(`# ${what}: ${e.code}: ${e.message} (hint: ${e.hint})`);
      }
      // Through the registry: refused, nothing saved, no passphrase stored.
      const { registry, secrets, state } = newRegistry();
      try {
        const e = await failure(
          registry.add({ url: mtls.url, credential: tokenCredential(mtls.token), trust: { caFiles: [pki.ca.certFile], clientCert: { pfxFile: pki.client.p12File } }, passphrase: wrongPassphrase }),
          'InvalidInput',
        );
        assert.ok(!e.message.includes(wrongPassphrase));
        assert.equal(registry.list().length, 0);
        assert.deepEqual(secrets.keys(), []);
        assert.ok(!JSON.stringify(state.get(SAVED_SERVERS_KEY) ?? null).includes(wrongPassphrase));
      } finally {
        registry.dispose();
      }
    });

    it('ServerRegistry.add with client-certificate files + passphrase: connects (REST and kernel WebSocket); the passphrase is in the secret store only', async () => {
      for (const clientCert of [{ pfxFile: pki.client.p12File }, { certFile: pki.client.certFile, keyFile: pki.client.encryptedKeyFile }]) {
        const { registry, secrets, state } = newRegistry();
        try {
          const conn = await registry.add({
            url: mtls.url,
            credential: tokenCredential(mtls.token),
            trust: { caFiles: [pki.ca.certFile], clientCert },
            passphrase: pki.client.passphrase,
          });
          assert.equal(conn.state.kind, 'connected');
          assert.equal(await secrets.get(secretKey(conn.id, 'passphrase')), pki.client.passphrase);
          const saved = JSON.stringify(state.get(SAVED_SERVERS_KEY));
          assert.ok(!saved.includes(pki.client.passphrase), 'the saved entry holds no passphrase');
          assert.ok(saved.includes(JSON.stringify(Object.values(clientCert)[0])), 'the client certificate is saved by its path');
          const kernel = await conn.use((client) => startKernel(client));
          try {
            const ks = await conn.openKernelConnection(kernel.id);
            assert.equal((await ks.kernelInfo()).header.msg_type, 'kernel_info_reply');
          } finally {
            await conn.use((client) => shutdownKernel(client, kernel.id));
          }
        } finally {
          registry.dispose();
        }
      }
    });
  });

  describe('trust files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sjc-trustfiles-'));

    it('a FIFO as CA file is refused as "not a regular file" without blocking', async () => {
      const fifo = join(dir, 'ca.fifo');
      execFileSync('mkfifo', [fifo]);
      // First in a child with a deadline: a blocking open would hang it, not this test process.
      const run = await runNode(
        `try { require(${JSON.stringify(join(OUT_SRC, 'registry', 'trustFiles.js'))}).readCertificates(${JSON.stringify(fifo)}); console.log('read'); } catch (e) { console.log(e.code + ': ' + e.message); }`,
        {},
        15_000,
      );
      assert.equal(run.code, 0, `the child finished in time: ${run.stderr}`);
      assert.match(run.stdout, /^InvalidInput: .*not a regular file/);
      const e = await failure(Promise.resolve().then(() => transportFor({ trust: { caFiles: [fifo] } })), 'InvalidInput');
      assert.match(e.message, /not a regular file/);
      assert.ok(e.message.includes(fifo));
      const { registry } = newRegistry();
      try {
        const r = await failure(registry.add({ url: server.url, credential: tokenCredential(server.token), trust: { caFiles: [fifo] } }), 'InvalidInput');
        assert.match(r.message, /not a regular file/);
        assert.equal(registry.list().length, 0, 'nothing saved');
      } finally {
        registry.dispose();
      }
    });

    it('an empty file and a key-only file hold "No certificate"; a file over 1 MB is refused', async () => {
      const empty = join(dir, 'empty.pem');
      writeFileSync(empty, '');
      const big = join(dir, 'big.pem');
      writeFileSync(big, Buffer.alloc(1_100_000, 'A'));
      for (const [file, pattern] of [
        [empty, /No certificate found in .*empty\.pem/],
        [pki.server.keyFile, /No certificate found in .*server\.key/],
        [big, /larger than 1 MB/],
      ] as const) {
        const e = await failure(Promise.resolve().then(() => transportFor({ trust: { caFiles: [file] } })), 'InvalidInput');
        assert.match(e.message, pattern);
      }
      // A certificate given as the key (no key in it) is refused the same way.
      const k = await failure(Promise.resolve().then(() => transportFor({ trust: { clientCert: { certFile: pki.client.certFile, keyFile: pki.client.certFile } } })), 'InvalidInput');
      assert.match(k.message, /No private key found/);
    });
  });
});

const lanIp = pki.lanIp;
const NO_LAN = 'SKIPPED: this machine has no non-loopback IPv4 address, and loopback servers are never proxied by design, so the proxy cannot be tested here';
if (!lanIp) console.warn(`\n!!! ${NO_LAN} !!!\n`);

describe('proxies (an HTTP CONNECT proxy written for the tests, a server reached by its LAN address)', { skip: lanIp ? false : NO_LAN }, () => {
  let lanServer: RunningJupyter;
  let loopServer: RunningJupyter;
  let proxy: ConnectProxy;
  let target: string;
  const caTrust = { ca: [pki.ca.certPem] };
  before(async () => {
    proxy = await startConnectProxy();
    [lanServer, loopServer] = await Promise.all([
      startJupyter({ flavor: 'server', tls: tlsFiles(), ip: lanIp as string, extraArgs: ['--ServerApp.allow_remote_access=True'] }),
      startJupyter({ flavor: 'server', tls: tlsFiles() }),
    ]);
    assert.equal(new URL(lanServer.url).hostname, lanIp, `the server answers at its LAN address: ${lanServer.url}`);
    target = `${lanIp}:${lanServer.port}`;
  });
  after(async () => {
    await proxy?.stop();
    await stopAllJupyters();
  });

  it('REST and the kernel WebSocket go through the shared proxy (a CONNECT to the server for each)', async () => {
    const shared: TransportOptions = { tls: caTrust, proxy: { uri: proxy.url } };
    const rest = clientOf(lanServer, shared);
    const ws = clientOf(lanServer, shared);
    try {
      assert.equal(routeOf(rest).kind, 'shared');
      const since = proxy.events.length;
      await rest.probeVersion();
      await rest.authenticate();
      await proxy.onTunnel(target, { since });
      const kernel = await startKernel(rest);
      try {
        // A second client whose only traffic is the kernel WebSocket (token auth: nothing to prepare first).
        const sinceWs = proxy.events.length;
        const ks = new KernelConnection(ws, kernel.id, DEFAULT_RETRY_POLICY);
        try {
          await ks.open();
          await proxy.onTunnel(target, { since: sinceWs });
          assert.equal((await ks.kernelInfo()).header.msg_type, 'kernel_info_reply');
          assert.ok(proxy.openTunnels() >= 1, 'the WebSocket is a tunnel through the proxy');
        } finally {
          ks.dispose();
        }
      } finally {
        await shutdownKernel(rest, kernel.id);
      }
      assert.ok(proxy.events.slice(since).every((e) => e.method === 'CONNECT' && e.target === target && e.status === 200), JSON.stringify(proxy.events.slice(since)));
    } finally {
      await Promise.all([rest.close(), ws.close()]);
    }
  });

  it('a per-server proxy URL (transport and ServerRegistry.add) goes through it', async () => {
    const c = clientOf(lanServer, { tls: caTrust, proxyOverride: proxy.url });
    try {
      assert.equal(routeOf(c).kind, 'proxy');
      const since = proxy.events.length;
      await c.authenticate();
      await proxy.onTunnel(target, { since });
    } finally {
      await c.close();
    }
    const { registry } = newRegistry();
    try {
      const since = proxy.events.length;
      const conn = await registry.add({ url: lanServer.url, credential: tokenCredential(lanServer.token), trust: { caFiles: [pki.ca.certFile] }, proxy: proxy.url });
      assert.equal(conn.state.kind, 'connected');
      await proxy.onTunnel(target, { since });
    } finally {
      registry.dispose();
    }
  });

  it('bypassed by proxyOverride "direct", by noProxy naming the server, and always for a loopback server', async () => {
    const cases: [string, RunningJupyter, TransportOptions][] = [
      ['override direct', lanServer, { tls: caTrust, proxy: { uri: proxy.url }, proxyOverride: 'direct' }],
      ['noProxy [lanIp]', lanServer, { tls: caTrust, proxy: { uri: proxy.url, noProxy: [lanIp as string] } }],
      ['loopback', loopServer, { tls: caTrust, proxy: { uri: proxy.url } }],
      ['loopback with a per-server proxy', loopServer, { tls: caTrust, proxyOverride: proxy.url }],
    ];
    for (const [what, s, transport] of cases) {
      const since = proxy.events.length;
      const c = clientOf(s, transport);
      try {
        await c.probeVersion();
        await c.authenticate();
        const kernel = await startKernel(c);
        const ks = new KernelConnection(c, kernel.id, DEFAULT_RETRY_POLICY);
        try {
          await ks.open();
          assert.equal((await ks.kernelInfo()).header.msg_type, 'kernel_info_reply');
        } finally {
          ks.dispose();
          await shutdownKernel(c, kernel.id);
        }
        if (what !== 'noProxy [lanIp]') assert.equal(routeOf(c).kind, 'direct', what);
        assert.deepEqual(proxy.events.slice(since), [], `${what}: the proxy saw nothing`);
      } finally {
        await c.close();
      }
    }
  });

  describe('proxy authentication', () => {
    const user = 'sjc-proxy-user';
    const password = `pp-${randomBytes(6).toString('hex')}`;
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
    const wrongBasic = `Basic ${Buffer.from(`${user}:${wrongPassword}`).toString('base64')}`;
    let authProxy: ConnectProxy;
    const sink = new MemorySink();
    const logger = new Logger(sink, 'trace');
    const secretsIn = (texts: readonly string[]): string[] =>
      texts.filter((t) => [password, wrongPassword, basic.slice(6), wrongBasic.slice(6)].some((s) => t.includes(s)));
    before(async () => {
      authProxy = await startConnectProxy({ requireAuthorization: basic });
    });
    after(() => authProxy?.stop());

    it('works with authorization "Basic …" and with user:pass@ in the proxy URL (sent as the header)', async () => {
      for (const proxySettings of [
        { uri: authProxy.url, authorization: basic },
        { uri: `http://${user}:${encodeURIComponent(password)}@127.0.0.1:${authProxy.port}/` },
      ]) {
        for (const transport of [{ tls: caTrust, proxy: proxySettings }, { tls: caTrust, proxyOverride: proxySettings.uri, proxy: proxySettings }] as TransportOptions[]) {
          const since = authProxy.events.length;
          const c = clientOf(lanServer, transport, logger);
          try {
            await c.probeVersion();
            await c.authenticate();
            const e = await authProxy.onTunnel(target, { since });
            assert.equal(e.authorization, basic, 'exactly the Basic credential reached the proxy');
            assert.ok(!JSON.stringify(routeOf(c)).includes(password), 'the route (logged) holds no password in the URL');
          } finally {
            await c.close();
          }
        }
      }
      assert.ok(sink.lines.length > 0, 'the trace log has lines');
      assert.deepEqual(secretsIn(sink.lines), [], 'no credential in any log line');
    });

    it('a wrong or missing credential is a clear error (407) without the credential in it', async () => {
      for (const proxySettings of [{ uri: authProxy.url, authorization: wrongBasic }, { uri: authProxy.url }]) {
        const since = authProxy.events.length;
        const c = clientOf(lanServer, { tls: caTrust, proxy: proxySettings }, logger);
        try {
          const e = await c.probeVersion().then(
            () => assert.fail('accepted'),
            (err: unknown) => err as JupyterError,
          );
          const seen = await authProxy.onTunnel(target, { since, status: 407 });
          assert.equal(seen.authorization, proxySettings.authorization);
          assert.equal(e.code, 'ProxyAuthRequired', `the proxy's credential, not the server, is wrong: ${e.code}: ${e.message}`);
          assert.ok(e.message.includes('407') && e.message.includes(`The proxy ${authProxy.url}/`), e.message);
          assert.deepEqual(secretsIn([e.message, e.hint ?? '']), []);
          console.log(`# proxy refused the credential: ${e.code}: ${e.message} (hint: ${e.hint})`);
        } finally {
          await c.close();
        }
      }
      assert.deepEqual(secretsIn(sink.lines), [], 'no credential in any log line');
    });

    it('a registered server follows proxy-setting changes: refused (407) is not retried, and a corrected setting reconnects it', async () => {
      const good: TransportOptions = { tls: caTrust, proxy: { uri: authProxy.url, authorization: basic } };
      const { registry } = newRegistry(good);
      try {
        const conn = await registry.add({ url: lanServer.url, credential: tokenCredential(lanServer.token) });
        assert.equal(conn.state.kind, 'connected');
        let since = authProxy.events.length;
        await registry.updateTransport({ tls: caTrust, proxy: { uri: authProxy.url } });
        await authProxy.onTunnel(target, { since, status: 407 });
        assert.equal(conn.state.kind, 'disconnected', conn.describe());
        assert.equal(conn.state.error?.code, 'ProxyAuthRequired', conn.describe());
        since = authProxy.events.length;
        await registry.updateTransport(good);
        assert.equal(conn.state.kind, 'connected', conn.describe());
        assert.equal((await authProxy.onTunnel(target, { since })).authorization, basic);
        // A proxy that is not there: unreachable, retried; the proxy back in the settings: connected at once.
        const dead = await startConnectProxy();
        const deadUrl = dead.url;
        await dead.stop();
        await registry.updateTransport({ tls: caTrust, proxy: { uri: deadUrl } });
        assert.equal(conn.state.kind, 'unreachable', conn.describe());
        await registry.updateTransport(good);
        assert.equal(conn.state.kind, 'connected', conn.describe());
      } finally {
        registry.dispose();
      }
    });
  });
});

describe('the test proxy itself (test/servers/connectProxy.ts)', () => {
  it('forwards absolute-URI http requests and answers 407 (with Proxy-Authenticate) without the required credential', async () => {
    const origin = createHttpServer((req, res) => res.end(`hello ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const originPort = (origin.address() as { port: number }).port;
    const required = `Basic ${Buffer.from('u:p').toString('base64')}`;
    const p = await startConnectProxy({ requireAuthorization: required });
    const viaProxy = (auth?: string) =>
      new Promise<{ status: number; body: string; challenge: string | undefined }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: p.port, path: `http://127.0.0.1:${originPort}/x?y=1`, headers: auth ? { 'proxy-authorization': auth } : {} },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body, challenge: res.headers['proxy-authenticate'] }));
          },
        );
        req.on('error', reject).end();
      });
    try {
      const refused = await viaProxy();
      assert.equal(refused.status, 407);
      assert.match(refused.challenge ?? '', /^Basic /);
      const ok = await viaProxy(required);
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'hello GET /x?y=1');
      assert.deepEqual(
        p.events.map((e) => [e.method, e.target, e.authGiven, e.authorization, e.status]),
        [
          ['GET', `127.0.0.1:${originPort}`, false, undefined, 407],
          ['GET', `127.0.0.1:${originPort}`, true, required, 200],
        ],
      );
    } finally {
      await p.stop();
      origin.closeAllConnections();
      await new Promise((resolve) => origin.close(resolve));
    }
  });
});
