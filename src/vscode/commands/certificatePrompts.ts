import * as vscode from 'vscode';
import type { ClientCertChoice } from '../../core/registry/trustChoices';
import { readPrivateKey } from '../../core/registry/trustFiles';
import { PIN_MISMATCH_REASON } from '../../core/transport/tlsTrust';
import type { PresentedCertificate } from '../../core/util/errors';

/** Why Node refused a certificate, in words (its verify codes are OpenSSL's). */
function refusal(code: string | undefined): string | undefined {
  switch (code) {
    case undefined:
      return undefined;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return vscode.l10n.t('It is self-signed, and not trusted for this server.');
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return vscode.l10n.t('Its issuer is not a trusted CA here.');
    case 'CERT_HAS_EXPIRED':
      return vscode.l10n.t('It has expired.');
    case 'CERT_NOT_YET_VALID':
      return vscode.l10n.t('It is not valid yet (check this machine\'s clock).');
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return vscode.l10n.t('It is not issued for this host name.');
    case PIN_MISMATCH_REASON:
      return vscode.l10n.t('It is not the certificate pinned for this server: the server changed its certificate, or something between you and it presents another one.');
    default:
      return vscode.l10n.t('Verification failed ({0}).', code);
  }
}

/** The certificate's facts, one per line, for a modal dialog a person reads before trusting it. */
export function certificateText(cert: PresentedCertificate): string {
  const lines = [
    vscode.l10n.t('Subject: {0}', cert.subject),
    vscode.l10n.t('Issued by: {0}{1}', cert.issuer, cert.selfSigned ? vscode.l10n.t(' (self-signed)') : ''),
    vscode.l10n.t('Valid: {0} to {1}', cert.validFrom.slice(0, 10), cert.validTo.slice(0, 10)),
    vscode.l10n.t('SHA-256 fingerprint: {0}', cert.fingerprint256),
  ];
  const why = refusal(cert.verifyError);
  if (why) lines.push('', why);
  return lines.join('\n');
}

/**
 * Shows the certificate and asks whether to trust it; true only for an explicit "Trust". Nothing is trusted on a
 * dismissed dialog.
 */
export async function confirmCertificate(serverLabel: string, cert: PresentedCertificate, action: string): Promise<boolean> {
  const detail = [
    certificateText(cert),
    '',
    vscode.l10n.t("Compare the fingerprint with the one the server's administrator gives you (on the server: openssl x509 -noout -fingerprint -sha256 -in CERT.pem). Go on only if they match."),
  ].join('\n');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('The certificate of {0}', serverLabel), { modal: true, detail }, action);
  return choice === action;
}

/** A PEM CA certificate (or bundle) file chosen in the file dialog. */
export async function pickCaFile(issuer?: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: issuer ? vscode.l10n.t('Choose the PEM certificate of the CA "{0}"', issuer) : vscode.l10n.t('Choose a PEM CA certificate file'),
    canSelectMany: false,
    openLabel: vscode.l10n.t('Trust for This Server'),
    filters: { [vscode.l10n.t('Certificates')]: ['pem', 'crt', 'cer'], [vscode.l10n.t('All files')]: ['*'] },
  });
  return picked?.[0]?.fsPath;
}

/** A client certificate: a PKCS#12 file, or a PEM certificate with its key (in the same file or one chosen next). */
export async function pickClientCert(): Promise<ClientCertChoice | undefined> {
  const cert = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Choose the client certificate (PEM, or PKCS#12 .p12/.pfx)'),
    canSelectMany: false,
    openLabel: vscode.l10n.t('Use This Certificate'),
    filters: { [vscode.l10n.t('Certificates')]: ['pem', 'crt', 'cer', 'p12', 'pfx'], [vscode.l10n.t('All files')]: ['*'] },
  });
  const certFile = cert?.[0]?.fsPath;
  if (!certFile) return undefined;
  if (/\.(p12|pfx)$/i.test(certFile)) return { pfxFile: certFile };
  if (hasKey(certFile)) return { certFile, keyFile: certFile };
  const key = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Choose the private key of the client certificate (PEM)'),
    canSelectMany: false,
    openLabel: vscode.l10n.t('Use This Key'),
    filters: { [vscode.l10n.t('Keys')]: ['pem', 'key'], [vscode.l10n.t('All files')]: ['*'] },
  });
  const keyFile = key?.[0]?.fsPath;
  return keyFile ? { certFile, keyFile } : undefined;
}

function hasKey(path: string): boolean {
  try {
    readPrivateKey(path);
    return true;
  } catch {
    return false;
  }
}

/** The key's passphrase (kept in SecretStorage only); undefined when cancelled, '' for a key without one. */
export async function askPassphrase(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Passphrase of the client certificate'),
    prompt: vscode.l10n.t('Leave empty if the key has no passphrase. It is kept in VS Code\'s secret storage only.'),
    password: true,
    ignoreFocusOut: true,
  });
}
