/**
 * Trust changes as Trust Certificate… makes them (core/registry/trustChoices.ts through registry.add and
 * registry.updateReach), against real jupyter-server processes over https: a self-signed one and one with a
 * certificate from the test CA (test/servers/testCa.ts). A change is proven by connecting before it is saved, so a
 * failed one leaves the saved trust as it was.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ServerRegistry } from '../../src/core/registry/registry';
import { SAVED_SERVERS_KEY, type SavedServer } from '../../src/core/registry/savedServers';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { addCaFile, clearTrust, pinPresented, proxyChoice, setClientCert, trustPresented } from '../../src/core/registry/trustChoices';
import { listKernels } from '../../src/core/rest';
import { MemorySecretStore, secretKey } from '../../src/core/secrets/secretStore';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { tokenCredential } from '../../src/core/session/credentials';
import { readServerCertificate } from '../../src/core/transport/certificateProbe';
import { isJupyterError, TlsFailureError, type JupyterError } from '../../src/core/util/errors';
import { Logger } from '../../src/core/util/log';
import { testLogSink } from './helpers';
import { selfSignedCert, startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';
import { testPki } from './testCa';

const pki = testPki();

function newRegistry(saved: SavedServer[] = []) {
  const state = new MemoryStateStore();
  void state.update(SAVED_SERVERS_KEY, saved);
  const secrets = new MemorySecretStore();
  const registry = new ServerRegistry({ secrets, state, log: new Logger(testLogSink, 'debug') });
  registry.init();
  return { registry, state, secrets, savedEntry: () => (state.get(SAVED_SERVERS_KEY) as SavedServer[] | undefined)?.[0] };
}

async function failure(p: Promise<unknown>, code: JupyterError['code']): Promise<JupyterError> {
  let error: unknown;
  await assert.rejects(p, (e: unknown) => ((error = e), true));
  assert.ok(isJupyterError(error, code), `expected ${code}, got ${(error as { code?: string }).code}: ${(error as Error).message}`);
  return error as JupyterError;
}

describe('trust changes (Trust Certificate…) against real https servers', () => {
  let selfSigned: RunningJupyter;
  let caSigned: RunningJupyter;
  const ownPem = selfSignedCert().certPem;
  const ownFingerprint = new X509Certificate(ownPem).fingerprint256;
  before(async () => {
    [selfSigned, caSigned] = await Promise.all([
      startJupyter({ flavor: 'server', tls: true }),
      startJupyter({ flavor: 'server', tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, certPem: pki.ca.certPem } }),
    ]);
  });
  after(() => stopAllJupyters());

  it('a self-signed server: refused with its certificate, nothing saved; trusted and pinned from that certificate, it connects', async () => {
    const { registry, savedEntry } = newRegistry();
    try {
      const refused = await failure(registry.add({ url: selfSigned.url, credential: tokenCredential(selfSigned.token) }), 'TlsFailure');
      const cert = (refused as TlsFailureError).certificate;
      assert.ok(cert, 'the failure carries the presented certificate');
      assert.equal(cert.fingerprint256, ownFingerprint);
      assert.equal(cert.selfSigned, true);
      assert.equal(savedEntry(), undefined, 'nothing was saved');

      const c = await registry.add({ url: selfSigned.url, credential: tokenCredential(selfSigned.token), ...trustPresented(undefined, cert) });
      assert.equal(c.state.kind, 'connected');
      assert.ok(Array.isArray(await c.use((client) => listKernels(client))));
      const entry = savedEntry();
      assert.deepEqual(entry?.trust?.pins, [ownFingerprint]);
      assert.equal(entry?.trust?.pinIssuer, cert.issuer);
      assert.equal(entry?.trustedCertificates?.length, 1);
      assert.equal(new X509Certificate(entry!.trustedCertificates![0]!).fingerprint256, ownFingerprint, 'the compared certificate is the one trusted');

      const now = await readServerCertificate(c.endpoint, c.transport);
      assert.equal(now?.fingerprint256, ownFingerprint);
      assert.equal(now?.verifyError, undefined, 'it verifies with the saved trust');
      // Trusting it twice keeps one copy.
      assert.equal(trustPresented(entry, cert).trustedCertificates?.length, 1);
    } finally {
      registry.dispose();
    }
  });

  it('a failed change keeps the saved trust: a wrong pin and clearing the trust are both refused before saving', async () => {
    const cert = await readServerCertificate(endpointFromUrl(selfSigned.url), { tls: { ca: [ownPem] } });
    assert.ok(cert);
    const trusted = trustPresented(undefined, cert);
    const { registry, savedEntry } = newRegistry();
    try {
      const c = await registry.add({ url: selfSigned.url, credential: tokenCredential(selfSigned.token), ...trusted });
      const before = JSON.stringify(savedEntry());
      const wrongPin = { trust: { ...savedEntry()!.trust!, pins: [pki.otherCa.fingerprint256] } };
      const e = await failure(registry.updateReach(c.id, wrongPin), 'TlsFailure');
      assert.match(e.message, new RegExp(ownFingerprint), 'the pin mismatch names the presented fingerprint');
      assert.equal(JSON.stringify(savedEntry()), before, 'the refused pin was not saved');

      await failure(registry.updateReach(c.id, clearTrust()), 'TlsFailure');
      assert.equal(JSON.stringify(savedEntry()), before, 'the trust was not cleared: the server would be unreachable without it');
      assert.ok(Array.isArray(await c.use((client) => listKernels(client))), 'the connection still works');

      const direct = await registry.updateReach(c.id, proxyChoice('direct'));
      assert.equal(savedEntry()?.proxy, 'direct');
      await failure(registry.updateReach(direct.id, proxyChoice('http://user:secret@proxy.example.test:3128')), 'InvalidInput');
      assert.equal(savedEntry()?.proxy, 'direct', 'a proxy URL with a password in it is refused and not saved');
      await registry.updateReach(c.id, proxyChoice('shared'));
      assert.equal(savedEntry()?.proxy, undefined);
    } finally {
      registry.dispose();
    }
  });

  it('a saved server whose certificate is refused keeps the certificate in its state (what the explorer shows)', async () => {
    const { registry } = newRegistry([{ id: selfSigned.url, authMode: 'auto', credential: 'none', addedAt: '2026-01-01T00:00:00.000Z' }]);
    try {
      const c = registry.get(selfSigned.url)!;
      await failure(c.connect(), 'TlsFailure');
      assert.equal(c.state.error?.code, 'TlsFailure');
      assert.equal(c.state.error?.certificate?.fingerprint256, ownFingerprint);
      assert.equal(c.state.error?.certificate?.selfSigned, true);
    } finally {
      registry.dispose();
    }
  });

  it('a CA-issued certificate is not trusted as itself: its CA file is added, then the certificate pinned', async () => {
    const { registry, savedEntry } = newRegistry();
    try {
      const refused = (await failure(registry.add({ url: caSigned.url, credential: tokenCredential(caSigned.token) }), 'TlsFailure')) as TlsFailureError;
      const cert = refused.certificate!;
      assert.equal(cert.selfSigned, false);
      assert.throws(() => trustPresented(undefined, cert), (e: unknown) => isJupyterError(e, 'InvalidInput') && /issued by/.test((e as Error).message) && /CA/.test(e.hint ?? ''));

      const c = await registry.add({ url: caSigned.url, credential: tokenCredential(caSigned.token), ...addCaFile(undefined, pki.ca.certFile) });
      assert.deepEqual(savedEntry()?.trust?.caFiles, [pki.ca.certFile]);
      const now = await readServerCertificate(c.endpoint, c.transport);
      assert.equal(now?.fingerprint256, pki.server.fingerprint256);
      assert.equal(now?.verifyError, undefined);
      await registry.updateReach(c.id, pinPresented(savedEntry(), now!));
      assert.deepEqual(savedEntry()?.trust?.caFiles, [pki.ca.certFile], 'pinning keeps the CA file');
      assert.deepEqual(savedEntry()?.trust?.pins, [pki.server.fingerprint256]);
      assert.equal(savedEntry()?.trust?.pinIssuer, now!.issuer);
      assert.equal(c.state.kind, 'connected');
    } finally {
      registry.dispose();
    }
  });

  it('client certificates: PKCS#12 with its passphrase, then PEM without one deletes the saved passphrase', async () => {
    const mtls = await startJupyter({
      flavor: 'server',
      tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, certPem: pki.ca.certPem, clientCa: pki.clientCa.certFile, clientCert: { cert: pki.client.certPem, key: pki.client.keyPem } },
    });
    const { registry, secrets, savedEntry } = newRegistry();
    try {
      const c = await registry.add({
        url: mtls.url,
        credential: tokenCredential(mtls.token),
        ...addCaFile(undefined, pki.ca.certFile),
        ...setClientCert({ trust: { caFiles: [pki.ca.certFile] } }, { pfxFile: pki.client.p12File }, pki.client.passphrase),
      });
      assert.equal(c.state.kind, 'connected');
      assert.equal(await secrets.get(secretKey(c.id, 'passphrase')), pki.client.passphrase);
      assert.ok(!JSON.stringify(savedEntry()).includes(pki.client.passphrase), 'the passphrase is not in the saved entry');
      await registry.updateReach(c.id, setClientCert(savedEntry(), { certFile: pki.client.certFile, keyFile: pki.client.keyFile }, undefined));
      assert.deepEqual(savedEntry()?.trust?.clientCert, { certFile: pki.client.certFile, keyFile: pki.client.keyFile });
      assert.deepEqual(savedEntry()?.trust?.caFiles, [pki.ca.certFile], 'the CA file stays');
      assert.equal(await secrets.get(secretKey(c.id, 'passphrase')), undefined, 'the old passphrase is deleted with its certificate');
      assert.equal(c.state.kind, 'connected');
    } finally {
      registry.dispose();
    }
  });
});
