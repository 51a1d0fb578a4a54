import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemorySecretStore, secretKey } from '../../src/core/secrets/secretStore';
import { RuntimeScanner } from '../../src/core/discovery/scanner';
import { passwordCredential, tokenCredential } from '../../src/core/session/credentials';
import { ServerRegistry } from '../../src/core/registry/registry';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { SAVED_SERVERS_KEY } from '../../src/core/registry/savedServers';
import { isJupyterError } from '../../src/core/util/errors';
import { Logger } from '../../src/core/util/log';
import { testLogSink } from './helpers';
import { startJupyter, stopAllJupyters, type RunningJupyter } from './jupyter';

function newRegistry(secrets = new MemorySecretStore(), state = new MemoryStateStore()) {
  const registry = new ServerRegistry({ secrets, state, log: new Logger(testLogSink, 'debug') });
  registry.init();
  return { registry, secrets, state };
}

describe('server registry against real servers', () => {
  let tokenServer: RunningJupyter;
  let passwordServer: RunningJupyter;
  before(async () => {
    [tokenServer, passwordServer] = await Promise.all([startJupyter({ flavor: 'server' }), startJupyter({ flavor: 'notebook', password: 'reg-pass-1' })]);
  });
  after(() => stopAllJupyters());

  it('Add Server by a pasted URL: the token goes to the secret store only, the server connects and lists kernels', async () => {
    const { registry, secrets, state } = newRegistry();
    try {
      const c = await registry.add({ url: `${tokenServer.url}lab?token=${tokenServer.token}`, name: 'lab box' });
      assert.equal(c.id, tokenServer.url);
      assert.equal(c.state.kind, 'connected');
      assert.equal(await secrets.get(secretKey(c.id, 'token')), tokenServer.token);
      const persisted = JSON.stringify(state.get(SAVED_SERVERS_KEY));
      assert.ok(!persisted.includes(tokenServer.token), 'the saved list holds no token');
      assert.match(persisted, /"credential":"token"/);
      assert.deepEqual(c.kernels, []);
      assert.equal(c.name, 'lab box');
    } finally {
      registry.dispose();
    }
  });

  it('a failed update keeps the previous credential and entry', async () => {
    const { registry, secrets, state } = newRegistry();
    try {
      await registry.add({ url: tokenServer.url, credential: tokenCredential(tokenServer.token) });
      const before = JSON.stringify(state.get(SAVED_SERVERS_KEY));
      await assert.rejects(registry.add({ url: tokenServer.url, credential: tokenCredential('wrong-token-1') }), (e: unknown) => isJupyterError(e, 'InvalidToken'));
      assert.equal(await secrets.get(secretKey(tokenServer.url, 'token')), tokenServer.token);
      assert.equal(JSON.stringify(state.get(SAVED_SERVERS_KEY)), before);
      await assert.rejects(registry.add({ url: 'notaurl' }), (e: unknown) => isJupyterError(e, 'InvalidInput'));
      assert.equal(registry.list().length, 1);
    } finally {
      registry.dispose();
    }
  });

  it('a cookie session is persisted and restored by a new window without logging in again; sign out drops it', async () => {
    const secrets = new MemorySecretStore();
    const state = new MemoryStateStore();
    const first = newRegistry(secrets, state).registry;
    try {
      const c = await first.add({ url: passwordServer.url, credential: passwordCredential('reg-pass-1'), authMode: 'cookie' });
      assert.equal(c.client?.auth.loginCount, 1);
      await c.flushCookies();
      assert.ok(await secrets.get(secretKey(c.id, 'cookies')), 'the jar is in the secret store');
    } finally {
      first.dispose();
    }
    const second = newRegistry(secrets, state).registry;
    try {
      const c = second.get(passwordServer.url);
      assert.ok(c?.savedEntry, 'the saved entry is back');
      await c.connect();
      assert.equal(c.state.kind, 'connected');
      assert.equal(c.client?.auth.loginCount, 0, 'the restored cookie session was used, no new login');
      await c.signOut();
      assert.equal(await secrets.get(secretKey(c.id, 'cookies')), undefined);
      assert.equal(await secrets.get(secretKey(c.id, 'password')), 'reg-pass-1', 'sign out keeps the saved password');
      assert.equal(c.state.kind, 'disconnected');
    } finally {
      second.dispose();
    }
  });

  it('Forget Credentials keeps the entry; Remove Server deletes its secrets and cookies', async () => {
    const { registry, secrets } = newRegistry();
    try {
      const c = await registry.add({ url: passwordServer.url, credential: passwordCredential('reg-pass-1'), authMode: 'cookie' });
      await c.flushCookies();
      await registry.forgetCredentials(c.id);
      assert.equal(await secrets.get(secretKey(c.id, 'password')), undefined);
      assert.equal(await secrets.get(secretKey(c.id, 'cookies')), undefined);
      assert.equal(registry.get(c.id)?.savedEntry?.credential, 'none');
      await registry.add({ url: tokenServer.url, credential: tokenCredential(tokenServer.token) });
      await registry.remove(tokenServer.url);
      assert.equal(registry.get(tokenServer.url), undefined);
      assert.deepEqual(secrets.keys().filter((k) => k.endsWith(tokenServer.url)), []);
    } finally {
      registry.dispose();
    }
  });

  it('a discovered server joins the list with the token from its runtime file; when its file goes it stays while in use', async () => {
    const { registry } = newRegistry();
    try {
      const found = await new RuntimeScanner().scan([tokenServer.runtimeDir]);
      registry.setDiscovered(found);
      const c = registry.get(tokenServer.url);
      assert.ok(c?.runtime);
      assert.equal(c.isLocal, true);
      await c.connect();
      assert.equal(c.state.kind, 'connected');
      assert.equal(c.client?.auth.plan, 'token-header');
      registry.setDiscovered([]);
      assert.equal(registry.get(tokenServer.url), c, 'a server in use stays (waiting for a restart) when its runtime file goes');
      assert.equal(c.runtime?.gone, true);
      await c.disconnect();
      assert.equal(registry.get(tokenServer.url), undefined, 'once disconnected, an unsaved server without a runtime file leaves');
      registry.setDiscovered(found);
      assert.ok(registry.get(tokenServer.url), 'and comes back with its runtime file');
      registry.setDiscovered([]);
      assert.equal(registry.get(tokenServer.url), undefined, 'a discovered server never used leaves with its file at once');
    } finally {
      registry.dispose();
    }
  });

  it('a token changed in another window is picked up by a live connection', async () => {
    const secrets = new MemorySecretStore();
    const state = new MemoryStateStore();
    const { registry } = newRegistry(secrets, state);
    try {
      const c = await registry.add({ url: tokenServer.url, credential: tokenCredential(tokenServer.token) });
      await secrets.store(secretKey(c.id, 'token'), 'changed-elsewhere-1');
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      const cred = c.client?.auth.credential;
      assert.equal(cred?.kind === 'token' ? cred.token : undefined, 'changed-elsewhere-1');
    } finally {
      registry.dispose();
    }
  });
});
