import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { before, describe, it } from 'mocha';
import { activate, EXTENSION_ID, packageJson } from './helpers';
import type { TestApi } from '../../../src/vscode/testApi';

describe('activation', () => {
  let api: TestApi;
  before(async () => {
    api = await activate();
  });

  it('activates in the real extension host and exports the test API in test mode', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(ext?.isActive, true);
    assert.ok(api.registry && api.tree && api.statusBar);
    console.log(`    (VS Code ${vscode.version}, Node ${process.versions.node}, remote ${String(vscode.env.remoteName)})`);
  });

  it('registers every command contributed in package.json, each with a category', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const contributed = packageJson().contributes.commands;
    assert.ok(contributed.length >= 10);
    const missing = contributed.filter((c) => !all.has(c.command)).map((c) => c.command);
    assert.deepEqual(missing, []);
    for (const c of contributed) assert.equal(c.category, 'Jupyter Connections', c.command);
  });

  it('has every %key% of the manifest in package.nls.json, and the l10n bundle', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const raw = fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8');
    const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const keys = [...raw.matchAll(/"%([\w.]+)%"/g)].map((m) => m[1]!);
    assert.ok(keys.length > 20);
    assert.deepEqual(keys.filter((k) => !(k in nls)), []);
    // VS Code substituted them: the command titles the palette shows are the English strings.
    const addServer = packageJson().contributes.commands.find((c) => c.command === 'secureJupyter.addServer');
    assert.equal(addServer?.title, 'Add Server…');
    assert.ok(fs.existsSync(path.join(ext.extensionPath, 'l10n', 'bundle.l10n.json')));
  });

  it('needs no Jupyter extension: none is installed here, none is a dependency, and the notebook activation events and provider contribution are declared', () => {
    assert.equal(vscode.extensions.getExtension('ms-toolsai.jupyter'), undefined, 'this suite runs without the Jupyter extension');
    const manifest = packageJson() as unknown as { extensionDependencies?: string[]; activationEvents: string[]; contributes: Record<string, unknown> };
    assert.equal(manifest.extensionDependencies?.includes('ms-toolsai.jupyter') ?? false, false);
    assert.ok(manifest.activationEvents.includes('onNotebook:jupyter-notebook'));
    assert.ok(manifest.activationEvents.includes('onNotebook:interactive'));
    assert.ok('pythonRemoteServerProvider' in manifest.contributes, 'the Jupyter extension activates providers that contribute pythonRemoteServerProvider');
  });

  it('shows the status bar item', () => {
    api.statusBar.update();
    assert.match(api.statusBar.item.text, /Jupyter/);
    assert.equal(api.statusBar.item.command, 'secureJupyter.showConnections');
  });
});
