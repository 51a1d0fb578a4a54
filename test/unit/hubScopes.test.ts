import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOKEN_LIFETIME_DAYS, renewalDue, requestedScopes, reviewScopes } from '../../src/core/hub/scopes';

const DAY = 86_400_000;

describe('hub scopes (jupyterhub-facts.md A.2)', () => {
  it('requestedScopes: the servers of the user only; tokens!user=NAME only with silent renewal', () => {
    assert.deepEqual(requestedScopes({ user: 'alice' }), ['access:servers!user=alice', 'servers!user=alice', 'read:users:name!user=alice']);
    assert.deepEqual(requestedScopes({ user: 'alice', renewal: true }), ['access:servers!user=alice', 'servers!user=alice', 'read:users:name!user=alice', 'tokens!user=alice']);
    assert.deepEqual(requestedScopes({ user: 'bob', renewal: false }), ['access:servers!user=bob', 'servers!user=bob', 'read:users:name!user=bob']);
  });

  describe('reviewScopes', () => {
    it('our request as 3.0 expands it (read:/delete:servers, read:users:groups, read:tokens) is not excess', () => {
      const expanded = [
        ...requestedScopes({ user: 'alice', renewal: true }),
        'read:servers!user=alice',
        'delete:servers!user=alice',
        'read:users:groups!user=alice',
        'read:tokens!user=alice',
      ];
      const r = reviewScopes('alice', expanded);
      assert.deepEqual(r.excess, []);
      assert.equal(r.canMintTokens, true);
    });

    it('access to one own server by name is not excess', () => {
      assert.deepEqual(reviewScopes('alice', ['access:servers!server=alice/', 'access:servers!server=alice/gpu', 'servers!user=alice']).excess, []);
    });

    it('filters for other users are excess, implied ones included', () => {
      const r = reviewScopes('alice', ['access:servers!user=alice', 'access:servers!user=bob', 'servers!user=bob', 'read:servers!user=bob', 'tokens!user=bob', 'access:servers!server=bob/']);
      assert.deepEqual(r.excess, ['access:servers!user=bob', 'servers!user=bob', 'read:servers!user=bob', 'tokens!user=bob', 'access:servers!server=bob/']);
      assert.equal(r.canMintTokens, false, "tokens for bob do not mint alice's");
    });

    it('a user whose name starts like ours is another user', () => {
      assert.deepEqual(reviewScopes('alice', ['read:servers!user=malice', 'access:servers!server=alice2/']).excess, ['read:servers!user=malice', 'access:servers!server=alice2/']);
    });

    it('unfiltered scopes are excess: access:servers, servers, tokens, admin', () => {
      const r = reviewScopes('alice', ['access:servers', 'servers', 'tokens', 'admin:users', 'access:servers!user=alice']);
      assert.deepEqual(r.excess, ['access:servers', 'servers', 'tokens', 'admin:users']);
      assert.equal(r.canMintTokens, true, 'unfiltered tokens can mint');
    });

    it('canAccess: the user-wide scope reaches every server, a server filter only its own', () => {
      const wide = reviewScopes('alice', ['access:servers!user=alice']);
      assert.equal(wide.canAccess(''), true);
      assert.equal(wide.canAccess('gpu'), true);
      const one = reviewScopes('alice', ['access:servers!server=alice/']);
      assert.equal(one.canAccess(''), true);
      assert.equal(one.canAccess('gpu'), false);
      assert.equal(reviewScopes('alice', ['servers!user=alice']).canAccess(''), false, 'starting a server is not using it');
      assert.equal(reviewScopes('alice', ['access:servers!user=bob']).canAccess(''), false);
    });
  });

  describe('renewalDue', () => {
    const created = Date.parse('2026-03-01T00:00:00Z');

    it(`a ${DEFAULT_TOKEN_LIFETIME_DAYS}-day token renews one day before it lapses (a fifth is capped at a day)`, () => {
      const expires = created + 7 * DAY;
      assert.equal(renewalDue(created, expires), expires - DAY);
    });

    it('a 30 s token renews 6 s before it lapses (a fifth of its life)', () => {
      const expires = created + 30_000;
      assert.equal(renewalDue(created, expires), expires - 6_000);
    });

    it('undefined for a token that never expires', () => {
      assert.equal(renewalDue(created, undefined), undefined);
      assert.equal(renewalDue(undefined, undefined), undefined);
    });

    it('an unknown or inconsistent creation time counts as a one-day lifetime', () => {
      const expires = created + 7 * DAY;
      assert.equal(renewalDue(undefined, expires), expires - DAY / 5);
      assert.equal(renewalDue(expires + 1, expires), expires - DAY / 5);
    });
  });
});
