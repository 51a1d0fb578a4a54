import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { startKernel, shutdownKernel } from '../../../src/core/rest';
import type { TransportOptions } from '../../../src/core/transport/dispatcher';
import type { TestApi } from '../../../src/vscode/testApi';
import { startConnectProxy, type ConnectProxy } from '../../servers/connectProxy';
import { startJupyter, type RunningJupyter } from '../../servers/jupyter';
import { lanAddress } from '../../servers/testCa';
import { activate, filesContaining, scratchDir, waitFor } from './helpers';

const LAN = lanAddress();
const NO_LAN = 'SKIPPED: this machine has no non-loopback IPv4 address, and loopback servers are never proxied by design, so http.proxy cannot be shown in use here';

/**
 * VS Code's `http.proxy` in the real extension host: a server reached by this machine's LAN address (loopback is
 * never proxied) goes through a CONNECT proxy written for the tests (test/servers/connectProxy.ts, which records
 * every tunnel), REST and the kernel WebSocket alike, with `http.proxyAuthorization` as its credential; listed in
 * `http.noProxy`, it goes direct.
 */
describe('http.proxy: the extension\'s traffic through VS Code\'s proxy setting', function () {
  let api: TestApi;
  let proxy: ConnectProxy;
  let jupyter: RunningJupyter;
  const password = `proxy-pw-${randomBytes(6).toString('hex')}`;
  const authorization = `Basic ${Buffer.from(`sjc:${password}`).toString('base64')}`;
  const http = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('http');
  /** The proxy settings the registry applies to new clients (read from VS Code's settings by the extension). */
  const shared = (): TransportOptions => (api.registry as unknown as { transport: TransportOptions }).transport;
  let target = '';

  before(async function () {
    if (!LAN) {
      console.warn(`\n!!! ${NO_LAN} !!!\n`);
      this.skip();
    }
    api = await activate();
    [proxy, jupyter] = await Promise.all([
      startConnectProxy({ requireAuthorization: authorization }),
      startJupyter({ flavor: 'server', ip: LAN!, extraArgs: ['--ServerApp.allow_remote_access=True'] }),
    ]);
    target = `${LAN}:${jupyter.port}`;
    await http().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    await http().update('proxyAuthorization', authorization, vscode.ConfigurationTarget.Global);
    await waitFor('the extension to apply http.proxy', () => shared().proxy?.uri === proxy.url);
  });
  after(async () => {
    if (!LAN) return;
    if (jupyter) await vscode.commands.executeCommand('secureJupyter.removeServer', jupyter.url, { confirm: false }).then(undefined, () => undefined);
    for (const key of ['proxy', 'proxyAuthorization', 'noProxy']) await http().update(key, undefined, vscode.ConfigurationTarget.Global);
    await waitFor('the proxy settings to be cleared', () => shared().proxy?.uri === undefined);
    await Promise.all([proxy?.stop(), jupyter?.stop()]);
  });

  it('REST and the kernel WebSocket go through the proxy, with its credential', async () => {
    const id = await vscode.commands.executeCommand<string>('secureJupyter.addServer', { url: jupyter.url, credential: { kind: 'token', token: jupyter.token } });
    const c = api.registry.get(id)!;
    assert.equal(c.state.kind, 'connected');
    const rest = await proxy.onTunnel(target);
    assert.equal(rest.authorization, authorization, 'the proxy credential from http.proxyAuthorization');
    const kernel = await c.use((client) => startKernel(client));
    try {
      const ks = await c.openKernelConnection(kernel.id);
      assert.equal((await ks.kernelInfo()).header.msg_type, 'kernel_info_reply');
      // The upgrade may go on a new tunnel or on one kept alive from REST calls: it is seen inside a tunnel either way.
      const channels = `/api/kernels/${kernel.id}/channels`;
      await waitFor('the kernel WebSocket upgrade inside a tunnel', () => proxy.tunnelled.some((l) => l.startsWith('GET ') && l.includes(channels)));
      assert.ok(proxy.tunnelled.some((l) => l === 'POST /api/kernels'), `the REST call that started the kernel went through the proxy: ${JSON.stringify(proxy.tunnelled)}`);
    } finally {
      await c.use((client) => shutdownKernel(client, kernel.id));
    }
    assert.ok(proxy.events.every((e) => e.status === 200 && e.target === target), `every tunnel was to the server and accepted: ${JSON.stringify(proxy.events.map((e) => [e.target, e.status]))}`);
  });

  it('the proxy credential is in no log on disk', async () => {
    const scratch = scratchDir();
    const logs = [path.join(scratch, 'server-data'), path.join(scratch, 'user-data')].flatMap((d) => filesContaining(d, authorization.slice(6)).concat(filesContaining(d, password)));
    assert.deepEqual(logs.filter((f) => f.endsWith('.log')), []);
  });

  it('a host in http.noProxy goes direct: no new tunnel', async () => {
    await http().update('noProxy', [LAN], vscode.ConfigurationTarget.Global);
    await waitFor('the extension to apply http.noProxy', () => shared().proxy?.noProxy?.includes(LAN!) === true);
    const c = api.registry.get(jupyter.url)!;
    await waitFor('the connection to be rebuilt and connected', () => c.state.kind === 'connected' && c.client !== undefined);
    const before = proxy.events.length;
    const result = await vscode.commands.executeCommand<{ ok: boolean }>('secureJupyter.testConnection', jupyter.url);
    assert.equal(result?.ok, true, 'Test Connection (REST, a kernel and its WebSocket) passes directly');
    assert.equal(proxy.events.length, before, `no tunnel since noProxy names the server: ${JSON.stringify(proxy.events.slice(before))}`);
  });
});
