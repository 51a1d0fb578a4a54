import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InsecureReasons } from '../../src/core/registry/insecureReasons';

describe('InsecureReasons', () => {
  const own = { id: 'auth-disabled', text: 'the server has authentication turned off' } as const;
  const auditSame = { id: 'auth-disabled', text: 'Authentication is turned off' } as const;
  const auditOther = { id: 'cors-any-origin', text: 'The server accepts requests from any web origin' } as const;

  it("lists the connection's own reasons and the added ones, one per finding id, the connection's wording first", () => {
    const r = new InsecureReasons();
    assert.equal(r.setOwn([own]), true);
    assert.equal(r.setAdded([auditSame, auditOther], new Set()), true);
    assert.deepEqual(r.list, [own, auditOther]);
  });

  it('leaves out silenced ids, own and added alike, and brings them back when no longer silenced', () => {
    const r = new InsecureReasons();
    r.setOwn([own]);
    r.setAdded([auditOther], new Set(['auth-disabled', 'cors-any-origin']));
    assert.deepEqual(r.list, []);
    r.setAdded([auditOther], new Set());
    assert.deepEqual(r.list, [own, auditOther]);
  });

  it('says whether anything changed, so callers refresh only then', () => {
    const r = new InsecureReasons();
    assert.equal(r.setOwn([]), false);
    assert.equal(r.setOwn([own]), true);
    assert.equal(r.setOwn([{ ...own }]), false);
    assert.equal(r.setAdded([], new Set()), false);
    assert.equal(r.setOwn([]), true);
    assert.deepEqual(r.list, []);
  });
});
