import { strict as assert } from 'node:assert';
import { mergePatch } from '../../lib/patch/merge-patch.js';
import { applyPatch } from '../../lib/patch/index.js';
import { ApiError } from '../../lib/api/errors.js';

function status(fn: () => unknown): { code: number; reason?: string; message?: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${e}`);
    return { code: e.code, reason: e.reason, message: e.status.message };
  }
  assert.fail('expected an error');
}

describe('JSON merge patch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A.
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [doc, patch, want] of cases) {
    it(`merges ${JSON.stringify(patch)} into ${JSON.stringify(doc)}`, () => {
      assert.deepEqual(mergePatch(doc as object, patch), want);
    });
  }

  it('removes a label the way kubectl label app- sends it', () => {
    const cm = { metadata: { name: 'x', labels: { app: 'web', tier: 'fe' } }, data: { a: '1' } };
    assert.deepEqual(mergePatch(cm, { metadata: { labels: { app: null } } }), { metadata: { name: 'x', labels: { tier: 'fe' } }, data: { a: '1' } });
  });

  it('does not modify its inputs', () => {
    const doc = { a: { b: 1 } };
    mergePatch(doc, { a: { b: 2 } });
    assert.deepEqual(doc, { a: { b: 1 } });
  });

  it('refuses a patch that is not an object with 400 "Invalid JSON Patch"', () => {
    assert.deepEqual(status(() => mergePatch({}, null)), { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' });
    assert.equal(status(() => mergePatch({}, 'x')).code, 400);
    assert.equal(status(() => applyPatch('application/merge-patch+json', {}, '{not json')).message, 'Invalid JSON Patch');
  });

  it('accepts a raw JSON body', () => {
    assert.deepEqual(applyPatch('application/merge-patch+json', { a: 1 }, Buffer.from('{"b":2}')), { a: 1, b: 2 });
  });
});
