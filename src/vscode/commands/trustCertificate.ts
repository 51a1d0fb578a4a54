import * as vscode from 'vscode';
import type { ServerConnection } from '../../core/registry/connection';
import type { ReachChange } from '../../core/registry/reach';
import type { ReachSettings } from '../../core/registry/transportFor';
import { hubOf } from '../../core/registry/serverSource';
import { addCaFile, clearTrust, hasOwnCertificate, describeTrust, pinPresented, setClientCert, trustPresented, type ClientCertChoice } from '../../core/registry/trustChoices';
import { readServerCertificate } from '../../core/transport/certificateProbe';
import { normalisePin, type CertificateFacts } from '../../core/transport/tlsTrust';
import { InvalidInputError, TlsFailureError, type PresentedCertificate } from '../../core/util/errors';
import { showError } from '../platform/errors';
import { withCancellableProgress } from '../platform/progress';
import { serverLabel } from '../presentation/serverPresentation';
import { askPassphrase, certificateText, confirmCertificate, pickCaFile, pickClientCert } from './certificatePrompts';
import type { CommandDeps } from './deps';
import { COMMANDS } from '../ids';
import { resolveServer } from './target';

/**
 * Arguments that skip every prompt (tests, scripted use); a failure is then thrown to the caller. `fingerprint` is
 * the one the caller compared: trusting or pinning is refused when the server presents another certificate.
 */
export type TrustArgs =
  | { action: 'trustPresented' | 'pin'; fingerprint: string }
  | { action: 'caFile'; path: string }
  | ({ action: 'clientCert'; passphrase?: string } & ClientCertChoice)
  | { action: 'clear' };

/**
 * Trust Certificate…: what this server's certificate is and what to do about it (trust a self-signed one after
 * comparing its fingerprint, add a CA file, a client certificate, pin the current one, or clear it all). The
 * change is proven by connecting before it is saved (registry.updateReach): a failure keeps the previous trust.
 */
export async function trustCertificate(deps: CommandDeps, arg: unknown, given?: TrustArgs): Promise<boolean> {
  const c = await resolveServer(deps.registry, arg, hasOwnCertificate, vscode.l10n.t('Trust the certificate of which server?'));
  if (!c) return false;
  const label = serverLabel(c);
  try {
    if (!hasOwnCertificate(c)) {
      throw new InvalidInputError(hubOf(c.source) ? `${label} is a JupyterHub server: it is reached as its hub is.` : `${label} is not an https server: it has no certificate to trust.`, {
        hint: hubOf(c.source) ? 'Nothing to set for this server.' : 'Serve it over https first (ServerApp.certfile and keyfile).',
      });
    }
    const cert = await presented(c, given === undefined);
    const change = given ? fromArgs(c, cert, given) : await choose(c, cert);
    if (!change) return false;
    await withCancellableProgress(vscode.l10n.t('Connecting to {0} with the new trust…', label), (signal) => deps.registry.updateReach(c.id, change, signal));
    deps.log.info(`${c.id}: trust changed (${describeTrust(c.savedEntry).join('; ') || 'public and OS roots only'})`);
    if (!given) void vscode.window.showInformationMessage(vscode.l10n.t('{0}: connected with the new trust, and saved.', label));
    return true;
  } catch (err) {
    if (given) throw err;
    showError(vscode.l10n.t('The trust of {0} was not changed:', label), err, c.id);
    return false;
  }
}

/** The certificate the server presents now, read with its current trust (undefined through a proxy or when down). */
async function presented(c: ServerConnection, showProgress: boolean): Promise<CertificateFacts | undefined> {
  let transport;
  try {
    transport = c.transport;
  } catch {
    transport = {}; // its trust files cannot be read: a direct server is looked at with the public roots only
  }
  const read = (): Promise<CertificateFacts | undefined> => readServerCertificate(c.endpoint, transport);
  if (!showProgress) return read();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading the certificate of {0}…', serverLabel(c)) }, read);
}

function fromArgs(c: ServerConnection, cert: CertificateFacts | undefined, a: TrustArgs): ReachChange {
  const entry = c.savedEntry;
  switch (a.action) {
    case 'trustPresented':
    case 'pin': {
      if (!cert) throw new InvalidInputError(`The certificate of ${c.id} could not be read.`, { hint: 'Check that the server is running; through a proxy, pin with the fingerprint in the CLI (--pin).' });
      if (normalisePin(a.fingerprint) !== cert.fingerprint256) {
        throw new InvalidInputError(`${c.id} presents the certificate ${cert.fingerprint256}, not the one given.`, { hint: 'Compare the fingerprint again; nothing was trusted.' });
      }
      return a.action === 'pin' ? pinPresented(entry, cert) : trustPresented(entry, cert);
    }
    case 'caFile':
      return addCaFile(entry, a.path);
    case 'clientCert': {
      const choice: ClientCertChoice = 'pfxFile' in a ? { pfxFile: a.pfxFile } : { certFile: a.certFile, keyFile: a.keyFile };
      return setClientCert(entry, choice, a.passphrase);
    }
    case 'clear':
      return clearTrust();
  }
}

type Choice = vscode.QuickPickItem & { run: () => Promise<ReachChange | undefined> };

async function choose(c: ServerConnection, cert: CertificateFacts | undefined): Promise<ReachChange | undefined> {
  const label = serverLabel(c);
  const entry = c.savedEntry;
  const pinned = cert !== undefined && (entry?.trust?.pins ?? []).map(normalisePin).includes(cert.fingerprint256);
  const items: Choice[] = [];
  if (cert?.verifyError && cert.selfSigned) {
    items.push({
      label: `$(shield) ${vscode.l10n.t('Trust This Certificate for This Server')}`,
      detail: vscode.l10n.t('Self-signed "{0}", SHA-256 {1}: trusted and pinned after you compare the fingerprint.', cert.subject, cert.fingerprint256),
      run: async () => ((await confirmCertificate(label, cert, vscode.l10n.t('Trust and Pin'))) ? trustPresented(entry, cert) : undefined),
    });
  }
  items.push({
    label: `$(file) ${cert?.verifyError && !cert.selfSigned ? vscode.l10n.t('Add the CA Certificate of "{0}"…', cert.issuer) : vscode.l10n.t('Add a CA Certificate File…')}`,
    detail: vscode.l10n.t('A PEM file of a private CA, trusted for this server in addition to the public and system roots.'),
    run: async () => {
      const path = await pickCaFile(cert?.verifyError ? cert.issuer : undefined);
      return path ? addCaFile(entry, path) : undefined;
    },
  });
  items.push({
    label: `$(key) ${vscode.l10n.t('Use a Client Certificate…')}`,
    detail: entry?.trust?.clientCert ? vscode.l10n.t('Replaces the current one.') : vscode.l10n.t('For servers and gateways that ask for one (PEM certificate and key, or PKCS#12).'),
    run: async () => {
      const choice = await pickClientCert();
      if (!choice) return undefined;
      const passphrase = await askPassphrase();
      if (passphrase === undefined) return undefined;
      return setClientCert(entry, choice, passphrase === '' ? undefined : passphrase);
    },
  });
  if (cert && !cert.verifyError && !pinned) {
    items.push({
      label: `$(pinned) ${vscode.l10n.t('Pin the Current Certificate')}`,
      detail: vscode.l10n.t('SHA-256 {0}: any other certificate is refused, even one a trusted CA issued.', cert.fingerprint256),
      run: async () => ((await confirmCertificate(label, cert, vscode.l10n.t('Pin'))) ? pinPresented(entry, cert) : undefined),
    });
  }
  const own = describeTrust({ ...(entry?.trustedCertificates ? { trustedCertificates: entry.trustedCertificates } : {}), ...(entry?.trust ? { trust: entry.trust } : {}) });
  if (own.length) {
    items.push({
      label: `$(trash) ${vscode.l10n.t("Remove This Server's Trust Settings")}`,
      detail: own.join('; '),
      run: async () => clearTrust(),
    });
  }
  const placeHolder = cert
    ? cert.verifyError
      ? vscode.l10n.t('{0} presents a certificate that is not trusted: "{1}", SHA-256 {2}', label, cert.subject, cert.fingerprint256)
      : vscode.l10n.t('{0} presents a trusted certificate: "{1}"{2}', label, cert.subject, pinned ? vscode.l10n.t(' (pinned)') : '')
    : vscode.l10n.t('The certificate of {0} could not be read (the server is not answering, or it is reached through a proxy).', label);
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Trust Certificate: {0}', label), placeHolder, ignoreFocusOut: true });
  return picked?.run();
}

/** The refused certificate of a failure, if it is a TLS failure that named one. */
export function refusedCertificate(err: unknown): PresentedCertificate | undefined {
  return err instanceof TlsFailureError ? err.certificate : undefined;
}

/**
 * A connection refused the server's certificate: the error, with "Trust Certificate…" (the certificate is shown
 * and compared there; nothing is trusted from the notification itself). True when it was such a failure.
 */
export function offerTrust(prefix: string, err: unknown, c: ServerConnection): boolean {
  if (!(err instanceof TlsFailureError) || !err.certificate || !hasOwnCertificate(c)) return false;
  const trust = vscode.l10n.t('Trust Certificate…');
  void vscode.window.showErrorMessage(`${prefix} ${err.describe()}`, trust).then((choice) => {
    if (choice === trust) void vscode.commands.executeCommand(COMMANDS.trustCertificate, c.id);
  });
  return true;
}

/**
 * Add Server met a refused certificate: the certificate is shown, and a self-signed one is trusted and pinned after
 * the person compares it (a CA-issued one: its CA file is chosen). The change to add with; `null` when declined;
 * undefined when the failure is no refused certificate.
 */
export async function trustForAdd(label: string, err: unknown, entry: ReachSettings | undefined): Promise<ReachChange | null | undefined> {
  if (!(err instanceof TlsFailureError) || !err.certificate) return undefined;
  const cert = err.certificate;
  if (cert.selfSigned) return (await confirmCertificate(label, cert, vscode.l10n.t('Trust, Pin and Add'))) ? trustPresented(entry, cert) : null;
  const choose = vscode.l10n.t('Choose the CA File…');
  const picked = await vscode.window.showWarningMessage(vscode.l10n.t('The certificate of {0} is not trusted.', label), { modal: true, detail: certificateText(cert) }, choose);
  if (picked !== choose) return null;
  const path = await pickCaFile(cert.issuer);
  return path ? addCaFile(entry, path) : null;
}
