import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { getStatus, shutdownKernel, startKernel } from '../../src/core/rest';
import { KernelChannel } from '../../src/core/kernel/channel';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { passwordCredential, tokenCredential } from '../../src/core/session/credentials';
import { JupyterClient } from '../../src/core/transport/client';
import { isJupyterError } from '../../src/core/util/errors';
import { clientFor } from './helpers';
import { FLAVORS, startJupyter, stopAllJupyters } from './jupyter';

/** base_url, unix sockets, TLS trust and the Host check, on both server flavours. */
for (const flavor of FLAVORS) {
  describe(`server topologies on ${flavor}`, () => {
    after(() => stopAllJupyters());

    it('base_url /foo/: token header, cookie session with XSRF, and the kernel WebSocket under the prefix', async () => {
      const server = await startJupyter({ flavor, baseUrl: '/foo/', password: 'pw-base' });
      assert.match(server.url, /\/foo\/$/);
      const client = clientFor(server, passwordCredential('pw-base'), 'cookie');
      try {
        await client.authenticate();
        const cookie = client.auth.jar.loginCookie(client.endpoint.baseUrl);
        assert.equal(cookie?.path, '/foo/', 'the login cookie is scoped to the base URL');
        const k = await startKernel(client);
        const channel = await KernelChannel.open(client, k.id);
        assert.equal((await channel.kernelInfo()).header.msg_type, 'kernel_info_reply');
        channel.dispose();
        await shutdownKernel(client, k.id);
      } finally {
        await client.close();
      }
      const root = new JupyterClient({ endpoint: endpointFromUrl(server.url.replace('/foo/', '/')), credential: passwordCredential('pw-base') });
      try {
        await assert.rejects(root.probeVersion(), (e: unknown) => isJupyterError(e, 'NotAJupyterServer'), 'without the prefix there is no API');
      } finally {
        await root.close();
      }
    });

    it('a unix socket server: REST and kernel WebSocket over the socket', async () => {
      const server = await startJupyter({ flavor, sock: true });
      assert.match(server.url, /^http\+unix:\/\//);
      const client = clientFor(server, tokenCredential(server.token), 'token');
      try {
        assert.equal(client.endpoint.socketPath, server.sock);
        await getStatus(client);
        const k = await startKernel(client);
        const channel = await KernelChannel.open(client, k.id);
        assert.equal((await channel.kernelInfo()).header.msg_type, 'kernel_info_reply');
        channel.dispose();
        await shutdownKernel(client, k.id);
      } finally {
        await client.close();
      }
    });

    it('https with a self-signed certificate: refused until trusted for this server, then works', async () => {
      const server = await startJupyter({ flavor, tls: true });
      const untrusted = new JupyterClient({ endpoint: endpointFromUrl(server.url), credential: tokenCredential(server.token) });
      try {
        await assert.rejects(untrusted.probeVersion(), (e: unknown) => isJupyterError(e, 'TlsFailure') && /not trusted/.test(e.hint));
      } finally {
        await untrusted.close();
      }
      const trusted = clientFor(server, tokenCredential(server.token), 'cookie');
      try {
        await trusted.authenticate();
        const cookie = trusted.auth.jar.loginCookie(trusted.endpoint.baseUrl);
        assert.equal(cookie?.secure, true, 'over https the login cookie is Secure');
        const k = await startKernel(trusted);
        const channel = await KernelChannel.open(trusted, k.id);
        assert.equal((await channel.kernelInfo()).header.msg_type, 'kernel_info_reply');
        channel.dispose();
        await shutdownKernel(trusted, k.id);
      } finally {
        await trusted.close();
      }
    });

    it('a Host the server refuses is HostRejected (re-probed via the public /api), not "log in again"', async () => {
      // local_hostnames=[] makes the server refuse "Host: localhost" while 127.0.0.1 still works.
      const server = await startJupyter({ flavor, traits: { local_hostnames: '[]' } });
      const viaName = new JupyterClient({
        endpoint: endpointFromUrl(server.url.replace('127.0.0.1', 'localhost')),
        credential: tokenCredential(server.token),
        mode: 'token',
      });
      try {
        await assert.rejects(getStatus(viaName), (e: unknown) => isJupyterError(e, 'HostRejected') && /allow_remote_access/.test(e.hint));
      } finally {
        await viaName.close();
      }
      const viaIp = clientFor(server, tokenCredential(server.token), 'token');
      try {
        await getStatus(viaIp);
      } finally {
        await viaIp.close();
      }
    });
  });
}
