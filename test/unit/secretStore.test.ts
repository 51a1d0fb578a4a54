import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { MemorySecretStore, ServerSecrets, parseSecretKey, secretKey } from '../../src/core/secrets/secretStore';
import { REDACTED, clearRegisteredSecrets, redact } from '../../src/core/util/redact';

describe('secrets/secretStore', () => {
  afterEach(() => clearRegisteredSecrets());

  it('one key per server and kind, reversible for change events (also unix-socket and base-path ids)', () => {
    for (const id of ['http://127.0.0.1:8888/', 'http+unix://%2Ftmp%2Fjs.sock/foo/', 'https://hub.example.org/user/bob/']) {
      for (const kind of ['token', 'password', 'cookies'] as const) {
        const key = secretKey(id, kind);
        assert.deepEqual(parseSecretKey(key), { serverId: id, kind });
      }
    }
    assert.notEqual(secretKey('http://a/', 'token'), secretKey('http://a/', 'password'));
    assert.equal(parseSecretKey('other-extension/token/http://a/'), undefined);
    assert.equal(parseSecretKey('secure-jupyter-connections/apikey/http://a/'), undefined);
  });

  it('MemorySecretStore fires onDidChange only when a value really changes or is deleted', async () => {
    const store = new MemorySecretStore();
    const events: string[] = [];
    store.onDidChange((e) => events.push(e.key));
    await store.store('k', 'v1');
    await store.store('k', 'v1');
    await store.store('k', 'v2');
    await store.delete('k');
    await store.delete('k');
    assert.deepEqual(events, ['k', 'k', 'k']);
    assert.equal(await store.get('k'), undefined);
  });

  it('ServerSecrets keeps kinds apart per server and registers tokens and passwords for redaction', async () => {
    const store = new MemorySecretStore();
    const a = new ServerSecrets(store, 'http://127.0.0.1:8888/');
    const b = new ServerSecrets(store, 'http://127.0.0.1:9999/');
    await a.set('token', 'tok-a-secret-1');
    await a.set('password', 'pw-a-secret-1');
    await a.set('cookies', '{"cookies": []}');
    assert.equal(await a.get('token'), 'tok-a-secret-1');
    assert.equal(await b.get('token'), undefined);
    assert.equal(redact('tok-a-secret-1 pw-a-secret-1'), `${REDACTED} ${REDACTED}`);

    clearRegisteredSecrets();
    await a.get('token'); // a value read back (after a restart) is registered again
    assert.equal(redact('tok-a-secret-1'), REDACTED);

    await a.deleteAll();
    assert.deepEqual(store.keys(), []);
  });
});
