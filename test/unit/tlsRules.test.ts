import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeServer } from '../../src/core/audit/audit';
import { SEVERITY_OF } from '../../src/core/audit/findings';
import { DEFAULT_AUDIT_POLICY, auditPolicy } from '../../src/core/audit/policy';
import { evaluateAudit } from '../../src/core/audit/rules';
import { certificateExpiryFindings, interceptionFindings, selfSignedFindings, tlsFindings } from '../../src/core/audit/tlsRules';
import { OTHER_FP, SERVER_FP, certificate, observations, withCertificate } from './auditHelpers';

const ids = (fs: ReadonlyArray<{ id: string }>): string[] => fs.map((f) => f.id);
const PROXY = 'http://proxy.corp.example:3128/';
const SERVER_CA = 'CN=Example CA, O=Example';
const CORP_CA = 'CN=Corp Inspection CA, O=Corp';

describe('audit: TLS rules (literal certificate observations)', () => {
  describe('tls-certificate-expiring', () => {
    const expiring = (days: number, o: Parameters<typeof certificate>[0] = {}, policy = DEFAULT_AUDIT_POLICY) =>
      certificateExpiryFindings(withCertificate(certificate({ days, ...o })), policy);

    it('fires within the policy days (default 30): 29 and exactly 30 yes, 31 no', () => {
      assert.deepEqual(ids(expiring(29)), ['tls-certificate-expiring']);
      assert.deepEqual(ids(expiring(30)), ['tls-certificate-expiring'], '"within 30 days" includes the 30th');
      assert.deepEqual(ids(expiring(31)), []);
      assert.deepEqual(ids(expiring(200)), []);
    });

    it('the window is the policy\'s: 7 days → 6 fires, 8 does not; 60 days → 31 fires', () => {
      const week = auditPolicy({ certificateExpiryDays: 7 });
      assert.deepEqual(ids(expiring(6, {}, week)), ['tls-certificate-expiring']);
      assert.deepEqual(ids(expiring(8, {}, week)), []);
      assert.deepEqual(ids(expiring(31, {}, auditPolicy({ certificateExpiryDays: 60 }))), ['tls-certificate-expiring']);
    });

    it('the title and evidence name the expiry date and the subject; a warning', () => {
      const [f] = expiring(5);
      assert.equal(f?.severity, 'warning');
      assert.equal(SEVERITY_OF['tls-certificate-expiring'], 'warning');
      assert.equal(f?.title, "The server's certificate expires in 5 days (2026-12-06)");
      assert.match(f?.evidence ?? '', /"CN=jupyter\.example\.org" issued by "CN=Example CA, O=Example", SHA-256 AA:AA/);
      assert.match(f?.evidence ?? '', /valid until 2026-12-06T12:00:00\.000Z: 5 days from now, within the 30 days the audit warns about/);
      assert.match(f?.fixFor.jupyterServer ?? '', /c\.ServerApp\.certfile and c\.ServerApp\.keyfile/);
      assert.equal(f?.fixFor.client, undefined, 'nothing to do on this side for an unpinned server');
      assert.match(expiring(5, { pins: [SERVER_FP] })[0]?.fixFor.client ?? '', /pin it again/, 'a pinned server must be re-pinned after renewal');
    });

    it('an expired certificate (refused only for its expiry, or accepted on a late clock): "expired on"', () => {
      for (const o of [{ verifyError: 'CERT_HAS_EXPIRED' }, {}]) {
        const [f] = expiring(-2, o);
        assert.equal(f?.title, "The server's certificate expired on 2026-11-29", JSON.stringify(o));
        assert.match(f?.evidence ?? '', /it expired 2 days ago, so every client refuses the server/);
      }
    });

    it('a certificate refused for another reason is not the server\'s accepted one: not judged', () => {
      for (const verifyError of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_SJC_CERT_PIN_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
        assert.deepEqual(ids(expiring(2, { verifyError })), [], verifyError);
      }
    });
  });

  describe('tls-self-signed-unpinned', () => {
    it('a self-signed certificate the trust accepts, without a pin → warning, fix: pin its fingerprint', () => {
      const f = selfSignedFindings(withCertificate(certificate({ selfSigned: true })));
      assert.deepEqual(ids(f), ['tls-self-signed-unpinned']);
      assert.equal(f[0]?.severity, 'warning');
      assert.match(f[0]?.evidence ?? '', /"CN=jupyter\.example\.org" issued by "CN=jupyter\.example\.org" \(self-signed\)/);
      assert.match(f[0]?.evidence ?? '', /a certificate any of those CAs issues for jupyter\.example\.org would be accepted as well/);
      assert.match(f[0]?.fixFor.client ?? '', /Trust Certificate… on the server, then Pin/);
      assert.ok(f[0]?.fixFor.client?.includes(`--pin sha256:${SERVER_FP}`), f[0]?.fixFor.client);
      assert.match(f[0]?.fix ?? '', /\nthis client: pin its fingerprint/);
    });

    it('pinned → nothing; CA-issued → nothing; refused (not trusted) → nothing', () => {
      assert.deepEqual(ids(selfSignedFindings(withCertificate(certificate({ selfSigned: true, pins: [SERVER_FP] })))), []);
      assert.deepEqual(ids(selfSignedFindings(withCertificate(certificate({ selfSigned: false })))), []);
      assert.deepEqual(ids(selfSignedFindings(withCertificate(certificate({ selfSigned: true, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT' })))), []);
      assert.deepEqual(ids(tlsFindings(observations('https://jupyter.example.org/'), DEFAULT_AUDIT_POLICY)), [], 'no certificate observed: nothing');
    });
  });

  describe('tls-proxy-terminates', () => {
    const intercepted = (o: Parameters<typeof certificate>[0]) =>
      interceptionFindings(withCertificate(certificate({ pins: [SERVER_FP], fingerprint256: OTHER_FP, ...o })));

    it('pinned with its issuer, another issuer presented through the proxy → error naming both issuers and the proxy', () => {
      const f = intercepted({ issuer: CORP_CA, pinIssuer: SERVER_CA, proxy: PROXY, verifyError: 'ERR_SJC_CERT_PIN_MISMATCH' });
      assert.deepEqual(ids(f), ['tls-proxy-terminates']);
      assert.equal(f[0]?.severity, 'error');
      const e = f[0]?.evidence ?? '';
      assert.match(e, /issued by "CN=Corp Inspection CA, O=Corp", SHA-256 BB:BB/);
      assert.match(e, /through the proxy http:\/\/proxy\.corp\.example:3128\/ \(refused here: ERR_SJC_CERT_PIN_MISMATCH\)/);
      assert.ok(e.includes(`the pinned certificate (${SERVER_FP}) was issued by "${SERVER_CA}"`), e);
      assert.match(e, /The proxy http:\/\/proxy\.corp\.example:3128\/ \(or something behind it\) decrypts the connection/);
      assert.match(e, /tokens, passwords, cookies and notebook contents are readable there/);
    });

    it('pinned with its issuer: another issuer on a direct route fires too (something on the network)', () => {
      const f = intercepted({ issuer: CORP_CA, pinIssuer: SERVER_CA });
      assert.deepEqual(ids(f), ['tls-proxy-terminates']);
      assert.match(f[0]?.evidence ?? '', /on a direct connection.*Something on the network between this machine and the server decrypts/);
    });

    it('the same issuer (a renewal by the server\'s CA), a pinned fingerprint, or no pin → nothing', () => {
      assert.deepEqual(ids(intercepted({ issuer: SERVER_CA, pinIssuer: SERVER_CA, proxy: PROXY })), [], 'same issuer, new fingerprint: a renewal');
      assert.deepEqual(ids(intercepted({ issuer: CORP_CA, pinIssuer: SERVER_CA, fingerprint256: SERVER_FP, proxy: PROXY })), [], 'the pinned certificate itself');
      assert.deepEqual(ids(intercepted({ issuer: CORP_CA, pinIssuer: SERVER_CA, pins: [], proxy: PROXY })), [], 'no pin: nothing to compare with');
      assert.deepEqual(ids(intercepted({ issuer: CORP_CA, pinIssuer: SERVER_CA, pins: [OTHER_FP, SERVER_FP], proxy: PROXY })), [], 'any pinned fingerprint');
    });

    it('no recorded issuer (a pin given by fingerprint): only a CA-issued certificate read through a proxy', () => {
      assert.deepEqual(ids(intercepted({ issuer: CORP_CA, proxy: PROXY })), ['tls-proxy-terminates']);
      assert.match(intercepted({ issuer: CORP_CA, proxy: PROXY })[0]?.evidence ?? '', /whose issuer was not recorded \(a pin given by fingerprint\), and it is not self-signed/);
      assert.deepEqual(ids(intercepted({ issuer: CORP_CA })), [], 'direct: a CA-issued renewal cannot be told from interception');
      assert.deepEqual(ids(intercepted({ selfSigned: true, proxy: PROXY })), [], 'self-signed: the server renewing its own certificate');
      assert.deepEqual(ids(intercepted({ issuer: CORP_CA, pinIssuer: '', proxy: PROXY })), ['tls-proxy-terminates'], 'an empty issuer counts as not recorded');
    });

    it('ranks with the errors, before the warnings (and is silenced like any finding)', () => {
      const obs = withCertificate(
        certificate({ issuer: CORP_CA, pinIssuer: SERVER_CA, pins: [SERVER_FP], fingerprint256: OTHER_FP, proxy: PROXY, days: 3, verifyError: 'ERR_SJC_CERT_PIN_MISMATCH' }),
      );
      const loud = evaluateAudit(obs);
      assert.deepEqual(ids(loud.findings), ['tls-proxy-terminates'], 'the interceptor\'s certificate is accepted by the chain but not by the pin: its expiry is not judged');
      const quiet = evaluateAudit(obs, auditPolicy({ silenced: ['tls-proxy-terminates'] }));
      assert.deepEqual([ids(quiet.findings), quiet.silenced], [[], ['tls-proxy-terminates']]);
      const both = evaluateAudit(withCertificate(certificate({ selfSigned: true, days: 3 }), 'http://10.0.0.9:8888/'));
      assert.deepEqual(ids(both.findings), ['plain-http-remote', 'tls-self-signed-unpinned', 'tls-certificate-expiring']);
    });
  });

  it('the report summary shows the certificate (no PEM) and the policy window', () => {
    const obs = withCertificate(certificate({ selfSigned: true, pins: [SERVER_FP], proxy: PROXY }));
    const s = summarizeServer(obs, 'token-header', auditPolicy({ certificateExpiryDays: 14 }), []);
    assert.equal(s.certificateExpiryDays, 14);
    assert.deepEqual(s.certificate, {
      subject: 'CN=jupyter.example.org',
      issuer: 'CN=jupyter.example.org',
      validTo: obs.certificate?.facts.validTo,
      fingerprint256: SERVER_FP,
      selfSigned: true,
      verifyError: null,
      route: PROXY,
      pinned: true,
    });
    assert.equal(summarizeServer(observations(), 'token-header', DEFAULT_AUDIT_POLICY, []).certificate, null);
    assert.equal(s.incomplete, undefined);
  });
});
