import { strict as assert } from 'node:assert';
import { decodeFieldsV1, encodeFieldsV1, FieldSet, pathString } from '../../lib/patch/field-set.js';
import { applyPatch } from '../../lib/patch/index.js';
import { ApiError } from '../../lib/api/errors.js';

describe('FieldsV1 encoding of field sets', () => {
  // A managedFields entry as kube-apiserver writes it for `kubectl create deployment`.
  const real = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
            },
          },
        },
      },
    },
    'f:metadata2': {},
  };

  it('decodes and re-encodes a real managedFields entry unchanged', () => {
    assert.deepEqual(encodeFieldsV1(decodeFieldsV1(real)), real);
  });

  it('marks a node that is a member and has children with "."', () => {
    const set = new FieldSet([['f:metadata', 'f:labels'], ['f:metadata', 'f:labels', 'f:app']]);
    assert.deepEqual(encodeFieldsV1(set), { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } });
  });

  it('renders paths as fieldpath.Path.String() does', () => {
    assert.equal(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
    assert.equal(pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']), '.spec.containers[name="nginx"].image');
    assert.equal(pathString(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}']), '.ports[containerPort=80,protocol="TCP"]');
    assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  });
});

describe('applyPatch', () => {
  it('dispatches on the patch content type', () => {
    assert.deepEqual(applyPatch('application/json-patch+json', { a: 1 }, [{ op: 'replace', path: '/a', value: 2 }]), { a: 2 });
    assert.deepEqual(applyPatch('application/merge-patch+json', { a: 1 }, { b: 2 }), { a: 1, b: 2 });
    assert.deepEqual(applyPatch('application/strategic-merge-patch+json', { data: { a: '1' } }, '{"data":{"a":null}}', 'V1ConfigMap'), { data: {} });
  });

  it('answers 415 for a content type that is not a patch type', () => {
    try {
      applyPatch('text/plain', {}, {});
      assert.fail('expected 415');
    } catch (e) {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 415);
    }
  });
});
