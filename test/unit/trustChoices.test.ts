import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withReach } from '../../src/core/registry/reach';
import type { SavedServer } from '../../src/core/registry/savedServers';
import type { ServerSource } from '../../src/core/registry/serverSource';
import { addCaFile, clearTrust, describeTrust, hasOwnCertificate, hasOwnProxy, pinPresented, proxyChoice, setClientCert, trustPresented } from '../../src/core/registry/trustChoices';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import type { CertificateFacts } from '../../src/core/transport/tlsTrust';
import { isJupyterError } from '../../src/core/util/errors';

const FP_A = Array.from({ length: 32 }, () => 'AA').join(':');
const FP_B = Array.from({ length: 32 }, () => 'BB').join(':');

function facts(over: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    subject: 'CN=jupyter.example.test',
    issuer: 'CN=jupyter.example.test',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
    fingerprint256: FP_A,
    selfSigned: true,
    pem: '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
    verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    ...over,
  };
}

const ENTRY: SavedServer = { id: 'https://x/', authMode: 'auto', credential: 'token', addedAt: '2026-01-01T00:00:00.000Z' };
const saved: ServerSource = { kind: 'saved', entry: ENTRY };

describe('registry/trustChoices: what Trust Certificate… changes', () => {
  it('trusting a self-signed certificate keeps its PEM and pins it, with its issuer; other trust stays', () => {
    const change = trustPresented({ trust: { caFiles: ['/etc/ca.pem'], pins: [`sha256:${FP_B.replace(/:/g, '').toLowerCase()}`] } }, facts());
    assert.deepEqual(change.trustedCertificates, [facts().pem]);
    assert.deepEqual(change.trust, { caFiles: ['/etc/ca.pem'], pins: [FP_B, FP_A], pinIssuer: 'CN=jupyter.example.test' });
  });

  it('a CA-issued certificate is not trusted as itself: InvalidInput naming its issuer, pointing at the CA file', () => {
    assert.throws(
      () => trustPresented(undefined, facts({ selfSigned: false, issuer: 'CN=Corp Root CA', verifyError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })),
      (e: unknown) => isJupyterError(e, 'InvalidInput') && e.message.includes('CN=Corp Root CA') && /CA Certificate File/.test(e.hint ?? ''),
    );
  });

  it('pinning adds the fingerprint once and records the issuer; clearing removes every kind of trust', () => {
    const once = pinPresented({ trust: { pins: [FP_A] } }, facts({ issuer: 'CN=Corp Root CA', selfSigned: false }));
    assert.deepEqual(once.trust, { pins: [FP_A], pinIssuer: 'CN=Corp Root CA' });
    assert.equal(once.trustedCertificates, undefined, 'pinning trusts nothing new');
    const entry = withReach({ ...ENTRY, trustedCertificates: ['x'], trust: { pins: [FP_A] } }, clearTrust());
    assert.equal(entry.trustedCertificates, undefined);
    assert.equal(entry.trust, undefined);
  });

  it('trust files are read when chosen: a file without a certificate or key is refused at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sjc-trust-'));
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    assert.throws(() => addCaFile(undefined, empty), (e: unknown) => isJupyterError(e, 'InvalidInput') && /No certificate/.test(e.message));
    assert.throws(() => addCaFile(undefined, join(dir, 'missing.pem')), (e: unknown) => isJupyterError(e, 'InvalidInput') && /ENOENT/.test(e.message));
    assert.throws(() => setClientCert(undefined, { certFile: empty, keyFile: empty }, undefined), (e: unknown) => isJupyterError(e, 'InvalidInput'));
  });

  it('proxy choices: shared clears the override, direct and URLs are kept; withReach refuses a URL with a password', () => {
    assert.deepEqual(proxyChoice('shared'), { proxy: null });
    assert.deepEqual(proxyChoice(' direct '), { proxy: 'direct' });
    assert.deepEqual(proxyChoice('http://proxy.example.test:3128'), { proxy: 'http://proxy.example.test:3128' });
    assert.throws(() => withReach(ENTRY, proxyChoice('http://u:secret@proxy:3128')), (e: unknown) => isJupyterError(e, 'InvalidInput') && !e.message.includes('secret'));
    // A proxy that is no URL at all is quoted in the error without its password.
    assert.throws(
      () => withReach(ENTRY, proxyChoice('http://u:s3cret@[proxy:3128')),
      (e: unknown) => isJupyterError(e, 'InvalidInput') && /not a valid URL/.test(e.message) && !e.describe().includes('s3cret') && e.message.includes('…@[proxy'),
    );
  });

  it('describes a server\'s own trust in short phrases, and nothing for none', () => {
    assert.deepEqual(describeTrust(undefined), []);
    const text = describeTrust({ trustedCertificates: ['a'], trust: { caFiles: ['/c.pem'], clientCert: { pfxFile: '/me.p12' }, pins: [FP_A] }, proxy: 'direct' }).join('; ');
    assert.equal(text, `1 trusted certificate; CA file /c.pem; client certificate /me.p12; pinned to ${FP_A.slice(0, 23)}…; no proxy`);
  });

  it('whose trust and proxy are their own: https servers, not loopback for proxies, never a hub\'s', () => {
    const at = (url: string, source: ServerSource = saved) => ({ endpoint: endpointFromUrl(url), source });
    assert.equal(hasOwnCertificate(at('https://jupyter.example.test/')), true);
    assert.equal(hasOwnCertificate(at('http://jupyter.example.test/')), false);
    assert.equal(hasOwnProxy(at('https://jupyter.example.test/')), true);
    assert.equal(hasOwnProxy(at('https://127.0.0.1:8888/')), false, 'loopback is never proxied');
    assert.equal(hasOwnProxy(at('http+unix://%2Ftmp%2Fj.sock/')), false);
    const hub: ServerSource = { kind: 'hub', hub: { id: 'https://hub.example.test/hub/', label: 'alice@hub', user: 'alice' }, server: { name: '', ready: true, pending: null, stopped: false, url: '/user/alice/' } };
    assert.equal(hasOwnCertificate(at('https://hub.example.test/user/alice/', hub)), false, "a hub's server is reached as its hub is");
    assert.equal(hasOwnProxy(at('https://hub.example.test/user/alice/', hub)), false);
  });
});
