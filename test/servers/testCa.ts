/**
 * A throw-away PKI for the TLS tests, made with openssl once per process in a temp dir:
 * - a test CA and a server certificate it signed, for IP:127.0.0.1, DNS:localhost and this machine's LAN IPv4
 *   address when it has one (so the same certificate serves the proxy tests, which reach the server by that address);
 * - a second, unrelated CA (trusting it must not make the server trusted);
 * - a client CA and a client certificate it signed (PEM cert + key, the key also passphrase-encrypted, and a
 *   PKCS#12 bundle of both with a passphrase).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** `AB:CD:…`, as node's X509Certificate.fingerprint256. */
  readonly fingerprint256: string;
}

export interface TestPki {
  readonly dir: string;
  /** This machine's non-loopback IPv4 address (in the server certificate's subjectAltName), if it has one. */
  readonly lanIp: string | undefined;
  readonly ca: CertFiles;
  /** Signed by `ca`: CN=sjc-test-server, SAN IP:127.0.0.1, DNS:localhost (+ IP:lanIp). */
  readonly server: CertFiles;
  /** An unrelated CA (it signed nothing the servers present). */
  readonly otherCa: CertFiles;
  readonly clientCa: CertFiles;
  /** Signed by `clientCa`: CN=sjc-test-client, extendedKeyUsage clientAuth. */
  readonly client: CertFiles & {
    /** The client key encrypted with `passphrase` (PKCS#8, AES-256). */
    readonly encryptedKeyFile: string;
    /** The client certificate and key as PKCS#12, encrypted with `passphrase`. */
    readonly p12File: string;
    readonly passphrase: string;
  };
}

/** This machine's first non-loopback IPv4 address (as test/host/ui/uiSupport.ts lanAddress() finds it). */
export function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

let cached: TestPki | undefined;

export function testPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'sjc-pki-'));
  const lanIp = lanAddress();
  const passphrase = `p12-pass-${randomBytes(6).toString('hex')}`;
  // The passphrase reaches openssl through its environment (never the command line).
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SJC_TEST_PASS: passphrase } });
  };
  const files = (name: string): CertFiles => {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}.key`);
    const certPem = readFileSync(certFile, 'utf8');
    return { certFile, keyFile, certPem, keyPem: readFileSync(keyFile, 'utf8'), fingerprint256: new X509Certificate(certPem).fingerprint256 };
  };
  const makeCa = (name: string, cn: string): CertFiles => {
    openssl(
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3', '-subj', `/CN=${cn}`,
      '-keyout', `${name}.key`, '-out', `${name}.pem`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    );
    return files(name);
  };
  const makeLeaf = (name: string, cn: string, ca: string, ext: string[]): CertFiles => {
    writeFileSync(join(dir, `${name}.ext`), ext.join('\n') + '\n');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`,
    );
    return files(name);
  };

  const ca = makeCa('ca', 'SJC Test CA');
  const san = ['IP:127.0.0.1', 'DNS:localhost', ...(lanIp ? [`IP:${lanIp}`] : [])].join(',');
  const server = makeLeaf('server', 'sjc-test-server', 'ca', [
    'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', `subjectAltName=${san}`,
  ]);
  const otherCa = makeCa('other-ca', 'SJC Unrelated CA');
  const clientCa = makeCa('client-ca', 'SJC Test Client CA');
  const client = makeLeaf('client', 'sjc-test-client', 'client-ca', [
    'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth',
  ]);
  openssl('pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-out', 'client.p12', '-passout', 'env:SJC_TEST_PASS', '-name', 'sjc-test-client');
  openssl('pkey', '-in', 'client.key', '-aes256', '-passout', 'env:SJC_TEST_PASS', '-out', 'client-encrypted.key');
  cached = {
    dir,
    lanIp,
    ca,
    server,
    otherCa,
    clientCa,
    client: { ...client, encryptedKeyFile: join(dir, 'client-encrypted.key'), p12File: join(dir, 'client.p12'), passphrase },
  };
  return cached;
}
