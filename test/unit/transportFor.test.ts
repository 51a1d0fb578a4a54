import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerRegistry } from '../../src/core/registry/registry';
import { SAVED_SERVERS_KEY } from '../../src/core/registry/savedServers';
import { MemoryStateStore } from '../../src/core/registry/stateStore';
import { transportFor } from '../../src/core/registry/transportFor';
import { MemorySecretStore } from '../../src/core/secrets/secretStore';
import { tlsOptions } from '../../src/core/transport/tlsTrust';

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

  it('carries the pin issuer with the pins (for the audit only: tlsOptions ignores it); no pins, no issuer', () => {
    const fp = 'ab'.repeat(32);
    const pinned = transportFor({ trust: { pins: [`sha256:${fp}`], pinIssuer: 'CN=SJC Test CA' } });
    assert.deepEqual(pinned.tls, { pins: [fp.toUpperCase().match(/../g)!.join(':')], pinIssuer: 'CN=SJC Test CA' });
    assert.deepEqual(transportFor({ trust: { pinIssuer: 'CN=SJC Test CA' } }), {}, 'an issuer without a pin means nothing');
    const withIssuer = tlsOptions(pinned.tls);
    const withoutIssuer = tlsOptions({ pins: pinned.tls?.pins ?? [] });
    assert.deepEqual(Object.keys(withIssuer).sort(), Object.keys(withoutIssuer).sort());
    assert.equal(JSON.stringify(withIssuer), JSON.stringify(withoutIssuer));
    assert.ok(!JSON.stringify(withIssuer).includes('SJC Test CA'));
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
