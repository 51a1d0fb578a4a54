import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getStatus, listKernels, shutdownKernel, startKernel } from '../../src/core/rest';
import { KernelChannel } from '../../src/core/kernel/channel';
import { noCredential, passwordCredential, tokenCredential } from '../../src/core/session/credentials';
import { isJupyterError } from '../../src/core/util/errors';
import { clientFor, rawRequest } from './helpers';
import { FLAVORS, startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';

const PASSWORD = 'correct horse battery';

for (const flavor of FLAVORS) {
  describe(`authentication against a real ${flavor === 'notebook' ? 'jupyter-notebook 6.4' : 'jupyter-server 1.23'}`, () => {
    let tokenServer: RunningJupyter;
    let passwordServer: RunningJupyter;

    before(async () => {
      [tokenServer, passwordServer] = await Promise.all([startJupyter({ flavor }), startJupyter({ flavor, password: PASSWORD })]);
    });
    after(() => stopAllJupyters());

    it('token in the Authorization header: API calls and a write without XSRF', async () => {
      const client = clientFor(tokenServer, tokenCredential(tokenServer.token), 'token');
      try {
        assert.equal(client.auth.plan, 'token-header');
        const status = await getStatus(client);
        assert.equal(typeof status.started, 'string');
        const k = await startKernel(client);
        assert.ok((await listKernels(client)).some((x) => x.id === k.id));
        await shutdownKernel(client, k.id);
        assert.equal(client.auth.loginCount, 0, 'token auth never posts the login form');
      } finally {
        await client.close();
      }
    });

    it('password login: GET login, POST _xsrf + password, cookie session', async () => {
      const client = clientFor(passwordServer, passwordCredential(PASSWORD), 'cookie');
      try {
        await client.authenticate();
        assert.equal(client.auth.loginCount, 1);
        assert.ok(client.auth.hasLoginCookie(), 'the jar holds the login cookie');
        assert.ok(client.auth.hasXsrf(), 'the jar holds _xsrf from the login page');
        await getStatus(client);
        assert.equal(client.auth.loginCount, 1, 'later calls reuse the session');
      } finally {
        await client.close();
      }
    });

    it('a wrong password is WrongPassword (401), not a generic failure', async () => {
      const client = clientFor(passwordServer, passwordCredential('nope-nope'), 'cookie');
      try {
        await assert.rejects(client.authenticate(), (err: unknown) => isJupyterError(err, 'WrongPassword') && err.status === 401);
      } finally {
        await client.close();
      }
    });

    it('the token used as a password obtains a cookie session', async () => {
      const client = clientFor(tokenServer, tokenCredential(tokenServer.token), 'cookie');
      try {
        assert.equal(client.auth.plan, 'token-login');
        await client.authenticate();
        assert.ok(client.auth.hasLoginCookie());
        assert.equal(client.auth.authorizationHeader(), undefined, 'no token header on a cookie session');
        await getStatus(client);
      } finally {
        await client.close();
      }
    });

    it('cookie session: X-XSRFToken on POST/PUT/PATCH/DELETE, and the same calls without it are rejected', async () => {
      const client = clientFor(passwordServer, passwordCredential(PASSWORD), 'cookie');
      try {
        await client.authenticate();
        const base = client.endpoint.baseUrl;
        const cookieOnly = (url: URL): Record<string, string> => ({ cookie: client.auth.jar.cookieHeader(url) });
        // POST
        const kernel = await startKernel(client);
        const kernelsUrl = new URL('api/kernels', base);
        const bare = await rawRequest(kernelsUrl.href, { method: 'POST', headers: { ...cookieOnly(kernelsUrl), 'content-type': 'application/json' }, body: '{}' });
        assert.equal(bare.status, 403);
        assert.match(bare.text, /_xsrf' argument missing/);
        // PUT
        const fileUrl = new URL('api/contents/xsrf-test.txt', base);
        await client.json('PUT', 'api/contents/xsrf-test.txt', { json: { type: 'file', format: 'text', content: 'hello' } });
        const barePut = await rawRequest(fileUrl.href, { method: 'PUT', headers: { ...cookieOnly(fileUrl), 'content-type': 'application/json' }, body: '{"type":"file","format":"text","content":"x"}' });
        assert.equal(barePut.status, 403);
        // PATCH (rename)
        const renamed = await client.json<{ path: string }>('PATCH', 'api/contents/xsrf-test.txt', { json: { path: 'xsrf-renamed.txt' } });
        assert.equal(renamed.path, 'xsrf-renamed.txt');
        const renamedUrl = new URL('api/contents/xsrf-renamed.txt', base);
        const barePatch = await rawRequest(renamedUrl.href, { method: 'PATCH', headers: { ...cookieOnly(renamedUrl), 'content-type': 'application/json' }, body: '{"path":"y.txt"}' });
        assert.equal(barePatch.status, 403);
        // DELETE
        const bareDelete = await rawRequest(renamedUrl.href, { method: 'DELETE', headers: cookieOnly(renamedUrl) });
        assert.equal(bareDelete.status, 403);
        assert.match(bareDelete.text, /_xsrf/);
        await client.request('DELETE', 'api/contents/xsrf-renamed.txt');
        await shutdownKernel(client, kernel.id);
        assert.equal((await listKernels(client)).length, 0);
      } finally {
        await client.close();
      }
    });

    it('a cookie session without _xsrf fetches one before its first write', async () => {
      const client = clientFor(tokenServer, tokenCredential(tokenServer.token), 'cookie');
      try {
        await client.authenticate();
        // Keep only the login cookie, as a session restored from an older jar might.
        const login = client.auth.jar.loginCookie(client.endpoint.baseUrl);
        assert.ok(login);
        client.auth.jar.clear();
        client.auth.jar.setFromResponse(client.endpoint.baseUrl, [`${login.key}=${login.value}; Path=${login.path ?? '/'}`]);
        assert.equal(client.auth.hasXsrf(), false);
        const k = await startKernel(client);
        assert.ok(client.auth.hasXsrf());
        await shutdownKernel(client, k.id);
        assert.equal(client.auth.loginCount, 1, 'no second login was needed');
      } finally {
        await client.close();
      }
    });

    it('an XSRF 403 refreshes _xsrf and retries once', async () => {
      const client = clientFor(passwordServer, passwordCredential(PASSWORD), 'cookie');
      try {
        await client.authenticate();
        // An undecodable _xsrf (cookie and header agree, the server cannot read it): the server says
        // "'_xsrf' argument has invalid format" and mints a fresh one on the next page.
        client.auth.jar.setClientCookie(client.endpoint.baseUrl, '_xsrf', '2|bad', '/');
        if (flavor === 'server') client.auth.jar.setClientCookie(client.endpoint.baseUrl, '_xsrf', '2|bad', client.endpoint.basePath);
        const k = await startKernel(client);
        assert.notEqual(client.auth.jar.xsrfToken(client.endpoint.baseUrl), '2|bad');
        await shutdownKernel(client, k.id);
      } finally {
        await client.close();
      }
    });

    it('a persistent XSRF rejection ends as XsrfRejected after one retry', async () => {
      const client = clientFor(passwordServer, passwordCredential(PASSWORD), 'cookie');
      try {
        await client.authenticate();
        await assert.rejects(
          client.request('POST', 'api/kernels', { json: {}, headers: { 'x-xsrftoken': '2|00000000|00000000000000000000000000000000|1' } }),
          (err: unknown) => isJupyterError(err, 'XsrfRejected'),
        );
      } finally {
        await client.close();
      }
    });

    for (const auth of ['header', 'cookie'] as const) {
      it(`kernel WebSocket kernel_info round trip with ${auth} auth`, async () => {
        const client = auth === 'header'
          ? clientFor(tokenServer, tokenCredential(tokenServer.token), 'token')
          : clientFor(passwordServer, passwordCredential(PASSWORD), 'cookie');
        try {
          const k = await startKernel(client);
          const channel = await KernelChannel.open(client, k.id);
          try {
            assert.equal(channel.protocol, flavor === 'notebook' ? 'json' : 'v1', 'v1 where the server accepts it, JSON on notebook 6.4');
            const reply = await channel.kernelInfo();
            assert.equal(reply.header.msg_type, 'kernel_info_reply');
            assert.equal((reply.content as { status?: string }).status, 'ok');
            const second = await KernelChannel.open(client, k.id);
            assert.notEqual(second.sessionId, channel.sessionId, 'every attempt has a fresh session_id');
            second.dispose();
          } finally {
            channel.dispose();
            await shutdownKernel(client, k.id);
          }
        } finally {
          await client.close();
        }
      });
    }

    it('no credentials on a token server is AuthRequired; a wrong token is InvalidToken', async () => {
      const anon = clientFor(tokenServer, noCredential);
      const wrong = clientFor(tokenServer, tokenCredential('not-the-token'), 'token');
      try {
        await assert.rejects(anon.authenticate(), (e: unknown) => isJupyterError(e, 'AuthRequired'));
        await assert.rejects(getStatus(wrong), (e: unknown) => isJupyterError(e, 'InvalidToken'));
      } finally {
        await anon.close();
        await wrong.close();
      }
    });
  });
}

// JupyterHub user names, and any base_url with a space or a non-ASCII character, reach the server percent-encoded:
// both flavours then set the login cookie (and jupyter-server its _xsrf) with that encoded Path.
for (const flavor of FLAVORS) {
  describe(`a base_url with percent-encoded characters on a real ${flavor === 'notebook' ? 'jupyter-notebook 6.4' : 'jupyter-server 1.23'}`, () => {
    const BASES = ['/user/j%C3%BCrgen/', '/a%20b/'];
    let servers: RunningJupyter[];

    before(async () => {
      servers = await Promise.all(BASES.map((baseUrl) => startJupyter({ flavor, password: PASSWORD, baseUrl })));
    });
    after(() => stopAllJupyters());

    for (const [i, base] of BASES.entries()) {
      it(`${base}: password login, a cookie session with XSRF on POST/PUT/DELETE, and the kernel WebSocket`, async () => {
        const server = servers[i];
        assert.ok(server);
        const client = clientFor(server, passwordCredential(PASSWORD), 'cookie');
        try {
          assert.equal(client.endpoint.basePath, base);
          await client.authenticate();
          assert.equal(client.auth.loginCount, 1);
          const login = client.auth.jar.loginCookie(client.endpoint.baseUrl);
          assert.equal(login?.path, base, 'the server set the login cookie on the encoded base path, and the jar sends it back');
          assert.ok(client.auth.hasXsrf(), 'the jar holds an _xsrf for the base path');

          const k = await startKernel(client);
          await client.json('PUT', 'api/contents/encoded-base.txt', { json: { type: 'file', format: 'text', content: 'hello' } });
          await client.request('DELETE', 'api/contents/encoded-base.txt');
          const channel = await KernelChannel.open(client, k.id);
          try {
            const reply = await channel.kernelInfo();
            assert.equal(reply.header.msg_type, 'kernel_info_reply');
          } finally {
            channel.dispose();
          }
          await shutdownKernel(client, k.id);
          assert.equal(client.auth.loginCount, 1, 'one login: every call was accepted with the cookie session');

          const kernelsUrl = new URL('api/kernels', client.endpoint.baseUrl).href;
          const bare = await rawRequest(kernelsUrl, { method: 'POST', headers: { cookie: client.auth.jar.cookieHeader(kernelsUrl) }, body: '{}' });
          assert.equal(bare.status, 403, 'the same POST without X-XSRFToken is refused: the XSRF check is on');
        } finally {
          await client.close();
        }
      });
    }
  });
}
