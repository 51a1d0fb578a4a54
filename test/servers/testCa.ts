/**
 * A throw-away PKI for the TLS tests, made with openssl once per process in a temp dir:
 * - a test CA and a server certificate it signed (90 days), for IP:127.0.0.1, DNS:localhost and this machine's LAN
 *   IPv4 address when it has one (so the same certificate serves the proxy tests, which reach the server by that address);
 * - the same CA's short-lived (5 days) and expired server certificates, for the audit's expiry rule;
 * - a second, unrelated CA (trusting it must not make the server trusted);
 * - an "intercepting proxy" CA, as a corporate TLS-inspection CA, and the certificate it forges for the server
 *   (same subject and names, its own key): what a proxy that terminates TLS presents;
 * - a client CA and a client certificate it signed (PEM cert + key, the key also passphrase-encrypted, and a
 *   PKCS#12 bundle of both with a passphrase).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** Signed by `ca`: CN=sjc-test-server, SAN IP:127.0.0.1, DNS:localhost (+ IP:lanIp), valid 90 days. */
  readonly server: CertFiles;
  /** Signed by `ca`, the same names as `server`: CN=sjc-short-lived-server, valid 5 days from now. */
  readonly shortLived: CertFiles;
  /** Signed by `ca`, the same names as `server`: CN=sjc-expired-server, valid in January 2020 only. */
  readonly expired: CertFiles;
  /** A CA as a TLS-inspecting proxy has one (CN=SJC Intercepting Proxy CA). */
  readonly interceptCa: CertFiles;
  /** Signed by `interceptCa`: the server's subject and names (CN=sjc-test-server), another key. */
  readonly interceptor: CertFiles;
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
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365', '-subj', `/CN=${cn}`,
      '-keyout', `${name}.key`, '-out', `${name}.pem`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    );
    return files(name);
  };
  const makeLeaf = (name: string, cn: string, ca: string, ext: string[], days = 90): CertFiles => {
    writeFileSync(join(dir, `${name}.ext`), ext.join('\n') + '\n');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-days', String(days), '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`,
    );
    return files(name);
  };
  /** A leaf valid from `start` to `end` (openssl YYYYMMDDHHMMSSZ): `openssl ca`, since `x509 -req` only counts days from now. */
  const makeDatedLeaf = (name: string, cn: string, ca: string, ext: string[], start: string, end: string): CertFiles => {
    const db = join(dir, `${name}-ca`);
    mkdirSync(db);
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'serial'), '01\n');
    writeFileSync(
      join(db, 'ca.cnf'),
      ['[ca]', 'default_ca = d', '[d]', `database = ${db}/index.txt`, `new_certs_dir = ${db}`, `serial = ${db}/serial`, 'default_md = sha256',
        'policy = p', 'unique_subject = no', '[p]', 'commonName = supplied', '[ext]', ...ext].join('\n') + '\n',
    );
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'ca', '-batch', '-config', join(db, 'ca.cnf'), '-cert', `${ca}.pem`, '-keyfile', `${ca}.key`, '-in', `${name}.csr`, '-out', `${name}.pem`,
      '-startdate', start, '-enddate', end, '-extensions', 'ext', '-notext',
    );
    return files(name);
  };

  const ca = makeCa('ca', 'SJC Test CA');
  const san = ['IP:127.0.0.1', 'DNS:localhost', ...(lanIp ? [`IP:${lanIp}`] : [])].join(',');
  const serverExt = [
    'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', `subjectAltName=${san}`,
  ];
  const server = makeLeaf('server', 'sjc-test-server', 'ca', serverExt);
  const shortLived = makeLeaf('short-lived', 'sjc-short-lived-server', 'ca', serverExt, 5);
  const expired = makeDatedLeaf('expired', 'sjc-expired-server', 'ca', serverExt, '20200101000000Z', '20200201000000Z');
  const otherCa = makeCa('other-ca', 'SJC Unrelated CA');
  const interceptCa = makeCa('intercept-ca', 'SJC Intercepting Proxy CA');
  const interceptor = makeLeaf('interceptor', 'sjc-test-server', 'intercept-ca', serverExt);
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
    shortLived,
    expired,
    otherCa,
    interceptCa,
    interceptor,
    clientCa,
    client: { ...client, encryptedKeyFile: join(dir, 'client-encrypted.key'), p12File: join(dir, 'client.p12'), passphrase },
  };
  return cached;
}
