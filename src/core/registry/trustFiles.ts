import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { InvalidInputError } from '../util/errors';

/** Trust files are small: a CA bundle is some hundred KB at most. */
export const MAX_TRUST_FILE_BYTES = 1_000_000;

/**
 * Reads a certificate, key or PKCS#12 file for a server's trust: a regular file only (a FIFO or a device is refused
 * without blocking: opened non-blocking and looked at before reading), at most 1 MB, read in full or not at all.
 */
export function readTrustFile(path: string, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new InvalidInputError(`Cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, { hint: 'Check the path and its permissions.' });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InvalidInputError(`The ${what} ${path} is not a regular file.`, { hint: 'Give the path of a PEM (or PKCS#12) file.' });
    if (st.size > MAX_TRUST_FILE_BYTES) throw new InvalidInputError(`The ${what} ${path} is larger than 1 MB (${st.size} bytes).`, { hint: 'Give a single certificate, key or CA bundle file.' });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** The PEM certificates in a file; InvalidInput when it holds none (empty, garbage, a key only). */
export function readCertificates(path: string, what = 'CA file'): string[] {
  const text = readTrustFile(path, what).toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const certs = blocks.filter((pem) => {
    try {
      new X509Certificate(pem);
      return true;
    } catch {
      return false;
    }
  });
  if (certs.length === 0) throw new InvalidInputError(`No certificate found in ${path}.`, { hint: 'Give a PEM file with one or more "BEGIN CERTIFICATE" blocks.' });
  return certs;
}

/** A PEM private key (any of the PEM key kinds); InvalidInput when there is none. */
export function readPrivateKey(path: string): string {
  const text = readTrustFile(path, 'key file').toString('utf8');
  const key = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/.exec(text)?.[0];
  if (!key) throw new InvalidInputError(`No private key found in ${path}.`, { hint: 'Give the PEM file of the client certificate\'s key ("BEGIN PRIVATE KEY").' });
  return key;
}
