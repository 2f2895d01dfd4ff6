import { strict as assert } from 'node:assert';
import { jsonPatch } from '../../lib/patch/json-patch.js';
import { applyPatch } from '../../lib/patch/index.js';
import { ApiError } from '../../lib/api/errors.js';

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${e}`);
    return e;
  }
  assert.fail('expected an error');
}

const unprocessable = (e: ApiError) => {
  assert.equal(e.code, 422);
  assert.equal(e.reason, 'Invalid');
  assert.equal(e.status.message, 'the server rejected our request due to an error in our request');
};

describe('JSON patch (RFC 6902)', () => {
  const deploy = () => ({
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }] } } },
  });

  it('adds, replaces and removes members', () => {
    const out = jsonPatch(deploy(), [
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/tier', value: 'fe' },
      { op: 'remove', path: '/metadata/labels/app' },
    ]);
    assert.equal((out.spec as { replicas: number }).replicas, 3);
    assert.deepEqual((out.metadata as { labels: object }).labels, { tier: 'fe' });
  });

  it('inserts at an index, appends with "-", and counts negative indexes from the end', () => {
    const doc = { l: ['a', 'c'] };
    assert.deepEqual(jsonPatch(doc, [{ op: 'add', path: '/l/1', value: 'b' }]), { l: ['a', 'b', 'c'] });
    assert.deepEqual(jsonPatch(doc, [{ op: 'add', path: '/l/-', value: 'd' }]), { l: ['a', 'c', 'd'] });
    assert.deepEqual(jsonPatch(doc, [{ op: 'remove', path: '/l/-1' }]), { l: ['a'] });
  });

  it('unescapes ~1 and ~0 in paths (annotation keys with slashes)', () => {
    const out = jsonPatch({ metadata: { annotations: {} } }, [
      { op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'v' },
    ]);
    assert.deepEqual(out, { metadata: { annotations: { 'example.com/a~b': 'v' } } });
  });

  it('moves and copies values', () => {
    assert.deepEqual(jsonPatch({ a: { x: 1 }, b: {} }, [{ op: 'move', from: '/a/x', path: '/b/y' }]), { a: {}, b: { y: 1 } });
    assert.deepEqual(jsonPatch({ a: [1], b: {} }, [{ op: 'copy', from: '/a', path: '/b/c' }]), { a: [1], b: { c: [1] } });
  });

  it('passes a matching test and fails a mismatching one with 422', () => {
    assert.deepEqual(jsonPatch({ a: { b: [1, 2] } }, [{ op: 'test', path: '/a/b', value: [1, 2] }]), { a: { b: [1, 2] } });
    unprocessable(failure(() => jsonPatch({ spec: { replicas: 1 } }, [{ op: 'test', path: '/spec/replicas', value: 2 }])));
  });

  it('treats replace of a missing member as add, as evanphx/json-patch v4 does', () => {
    assert.deepEqual(jsonPatch({ a: {} }, [{ op: 'replace', path: '/a/b', value: 1 }]), { a: { b: 1 } });
  });

  it('answers 422 for operations on missing paths or out-of-range indexes', () => {
    unprocessable(failure(() => jsonPatch({}, [{ op: 'add', path: '/no/such', value: 1 }])));
    unprocessable(failure(() => jsonPatch({ a: {} }, [{ op: 'remove', path: '/a/b' }])));
    unprocessable(failure(() => jsonPatch({ l: [1] }, [{ op: 'add', path: '/l/5', value: 1 }])));
    unprocessable(failure(() => jsonPatch({ l: [1] }, [{ op: 'replace', path: '/l/1', value: 1 }])));
    unprocessable(failure(() => jsonPatch({}, [{ op: 'frobnicate', path: '/a' }])));
  });

  it('applies nothing when one operation fails', () => {
    const doc = { a: 1 };
    failure(() => jsonPatch(doc, [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 9 }]));
    assert.deepEqual(doc, { a: 1 });
  });

  it('answers 400 when the body is not a list of operations', () => {
    const e = failure(() => jsonPatch({}, { op: 'add' }));
    assert.equal(e.code, 400);
    assert.equal(e.status.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    assert.equal(failure(() => applyPatch('application/json-patch+json', {}, 'nope')).code, 400);
  });

  it('answers 413 beyond 10000 operations', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    const e = failure(() => jsonPatch({ a: 1 }, ops));
    assert.equal(e.code, 413);
    assert.equal(e.status.message, 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
  });
});
