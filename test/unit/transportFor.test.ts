import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerRegistry } from '../../src/core/registry/registry';
import { SAVED_SERVERS_KEY } from '../../src/core/registry/savedServers';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { transportFor } from '../../src/core/registry/transportFor';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('registry/transportFor: how to reach one server', () => {
  it('keeps the shared timeouts and adds the server\'s own trust', () => {
    const defaults = { headersTimeoutMs: 1_234, connectTimeoutMs: 567 };
    assert.deepEqual(transportFor({ trustedCertificates: [PEM] }, defaults), { headersTimeoutMs: 1_234, connectTimeoutMs: 567, tls: { ca: [PEM] } });
    assert.deepEqual(transportFor(undefined, defaults), defaults);
    assert.deepEqual(transportFor({ trustedCertificates: [] }, defaults), defaults, 'no certificates: no tls entry');
    assert.equal(defaults.headersTimeoutMs, 1_234);
    assert.ok(!('tls' in defaults), 'the shared defaults are not changed');
  });

  it('a saved server\'s connection (and so its audit) gets the timeouts and its certificates; another server does not get them', async () => {
    const state = new MemoryStateStore();
    await state.update(SAVED_SERVERS_KEY, [
      { id: 'https://jupyter.example.test/', authMode: 'auto', credential: 'token', addedAt: '2026-01-01T00:00:00.000Z', trustedCertificates: [PEM] },
      { id: 'https://other.example.test/', authMode: 'auto', credential: 'token', addedAt: '2026-01-01T00:00:00.000Z' },
    ]);
    const registry = new ServerRegistry({ secrets: new MemorySecretStore(), state, transport: { headersTimeoutMs: 4_321 } });
    registry.init();
    try {
      assert.deepEqual(registry.get('https://jupyter.example.test/')?.transport, { headersTimeoutMs: 4_321, tls: { ca: [PEM] } });
      assert.deepEqual(registry.get('https://other.example.test/')?.transport, { headersTimeoutMs: 4_321 });
    } finally {
      registry.dispose();
    }
  });
});
