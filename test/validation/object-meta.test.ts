import { strict as assert } from 'node:assert';
import { fieldErrorString } from '../../lib/api/errors.js';
import { validateAnnotations, validateLabelSelector } from '../../lib/validation/labels.js';
import { nameIsDNSLabel } from '../../lib/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../lib/validation/object-meta.js';

describe('ObjectMeta validation', () => {
  it('requires a name and a namespace for namespaced kinds', () => {
    const errs = validateObjectMeta({}, { namespaced: true }).map(fieldErrorString);
    assert.deepEqual(errs, ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
  });

  it('forbids a namespace on cluster-scoped kinds', () => {
    const errs = validateObjectMeta({ name: 'n1', namespace: 'default' }, { namespaced: false }).map(fieldErrorString);
    assert.deepEqual(errs, ['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('uses the resource name validator', () => {
    const errs = validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameValidator: nameIsDNSLabel });
    assert.equal(errs.length, 1);
    assert.match(fieldErrorString(errs[0]), /^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label/);
  });

  it('validates label keys and values', () => {
    const errs = validateObjectMeta({ name: 'x', namespace: 'default', labels: { 'app!': 'ok', tier: 'bad value' } }, { namespaced: true });
    assert.equal(errs.length, 2);
    assert.ok(errs.every((e) => e.field === 'metadata.labels'));
  });

  it('limits annotations to 256 KiB in total', () => {
    const errs = validateAnnotations({ big: 'x'.repeat(256 * 1024) }, 'metadata.annotations').map(fieldErrorString);
    assert.deepEqual(errs, ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });

  it('keeps identity fields immutable on update', () => {
    const old = { name: 'a', namespace: 'ns', uid: 'u1', resourceVersion: '5', creationTimestamp: '2024-01-01T00:00:00Z' };
    const errs = validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2' }, old).map(fieldErrorString);
    assert.deepEqual(errs, ['metadata.name: Invalid value: "b": field is immutable', 'metadata.uid: Invalid value: "u2": field is immutable']);
  });

  it('rejects new finalizers on an object being deleted', () => {
    const old = { name: 'a', resourceVersion: '5', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['example.com/a'] };
    const errs = validateObjectMetaUpdate({ ...old, finalizers: ['example.com/a', 'example.com/b'] }, old).map(fieldErrorString);
    assert.deepEqual(errs, ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}']);
  });
});

describe('LabelSelector validation', () => {
  it('requires values for In and forbids them for Exists', () => {
    const errs = validateLabelSelector(
      { matchExpressions: [{ key: 'app', operator: 'In' }, { key: 'tier', operator: 'Exists', values: ['x'] }, { key: 'z', operator: 'Near' }] },
      'spec.selector',
    ).map(fieldErrorString);
    assert.deepEqual(errs, [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
    ]);
  });
});

describe('ownerReferences and finalizers', () => {
  it('reports missing owner fields and a second controller as upstream does (no index in the path)', () => {
    const refs = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '', controller: true },
    ];
    const errs = validateObjectMeta({ name: 'p', namespace: 'default', ownerReferences: refs }, { namespaced: true }).map(fieldErrorString);
    assert.equal(errs[0], 'metadata.ownerReferences.uid: Invalid value: "": must not be empty');
    assert.match(errs[1], /^metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/a and ReplicaSet\/b$/);
  });

  it('rejects orphan together with foregroundDeletion', () => {
    const errs = validateObjectMeta({ name: 'p', namespace: 'default', finalizers: ['orphan', 'foregroundDeletion'] }, { namespaced: true }).map(fieldErrorString);
    assert.deepEqual(errs, ['metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set']);
  });
});
