import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { currentDirContext, jupyterRuntimeDir } from '../../../src/core/discovery/runtimeDirs';
import type { ServerConnection } from '../../../src/core/registry/connection';
import type { TestApi } from '../../../src/vscode/testApi';
import { selfSignedCert, startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { activate, serverNodes, waitFor } from './helpers';

/**
 * Trust Certificate… in the real extension host: a discovered jupyter-server over https with a self-signed
 * certificate is refused (the explorer row shows the certificate and offers the action), then trusted by the command
 * with the fingerprint the test compared, which saves the certificate and a pin and connects.
 */
describe('Trust Certificate…: a self-signed https server', () => {
  let api: TestApi;
  let jupyter: RunningJupyter;
  const fingerprint = new X509Certificate(selfSignedCert().certPem).fingerprint256;

  before(async () => {
    api = await activate();
    jupyter = await startJupyter({ flavor: 'server', tls: true, runtimeDir: jupyterRuntimeDir(currentDirContext()) });
  });
  after(async () => {
    if (jupyter) await vscode.commands.executeCommand('secureJupyter.removeServer', jupyter.url, { confirm: false }).then(undefined, () => undefined);
    await jupyter?.stop();
  });

  /** A tooltip's text as read: appendText escapes spaces as &nbsp; and punctuation with backslashes. */
  const plain = (md: unknown): string => (md as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
  const server = (): ServerConnection | undefined => serverNodes(api).find((n) => n.server.id === jupyter.url)?.server;

  it('the refused certificate is in the row: its fingerprint in the tooltip, Trust Certificate… offered inline', async () => {
    const c = await waitFor('the discovered https server to be refused', () => {
      const s = server();
      if (s && s.state.kind === 'disconnected' && !s.state.error) void s.connect().catch(() => undefined);
      return s?.state.error?.certificate ? s : undefined;
    });
    assert.equal(c.state.error?.code, 'TlsFailure');
    const row = serverNodes(api).find((n) => n.server.id === jupyter.url)!;
    const item = api.tree.getTreeItem(row.node);
    assert.match(item.contextValue ?? '', /\bhttps\b/);
    assert.match(item.contextValue ?? '', /\bcertificateRefused\b/);
    const tooltip = plain(item.tooltip);
    assert.ok(tooltip.includes(fingerprint), 'the tooltip shows the SHA-256 fingerprint to compare');
    assert.ok(tooltip.includes('self-signed'));
  });

  it('a fingerprint that is not the presented one is refused and nothing is saved', async () => {
    const wrong = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00');
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('secureJupyter.trustCertificate', jupyter.url, { action: 'trustPresented', fingerprint: wrong })),
      (e: unknown) => (e as { code?: string }).code === 'InvalidInput' && (e as Error).message.includes(fingerprint),
    );
    assert.equal(server()?.savedEntry?.trust, undefined);
  });

  it('trusted with the compared fingerprint: connected, the certificate and pin saved; Test Connection passes', async () => {
    const ok = await vscode.commands.executeCommand<boolean>('secureJupyter.trustCertificate', jupyter.url, { action: 'trustPresented', fingerprint });
    assert.equal(ok, true);
    const c = server()!;
    assert.equal(c.state.kind, 'connected');
    assert.deepEqual(c.savedEntry?.trust?.pins, [fingerprint]);
    assert.equal(c.savedEntry?.trustedCertificates?.length, 1);
    const item = api.tree.getTreeItem(serverNodes(api).find((n) => n.server.id === jupyter.url)!.node);
    assert.doesNotMatch(item.contextValue ?? '', /\bcertificateRefused\b/);
    assert.match(plain(item.tooltip), /\*\*Trust:\*\* 1 trusted certificate; pinned to /);
    const report = await vscode.commands.executeCommand<{ ok: boolean }>('secureJupyter.testConnection', jupyter.url);
    assert.equal(report?.ok, true);
  });

  it('a loopback server has no proxy of its own: Set Proxy for Server is refused', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('secureJupyter.setServerProxy', jupyter.url, 'direct')), (e: unknown) => (e as { code?: string }).code === 'InvalidInput');
  });
});
