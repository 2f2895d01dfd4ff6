import { strict as assert } from 'node:assert';
import { subresourcesOf } from '../../../lib/api/discovery.js';
import { namespace } from '../../../lib/registry/namespace.js';
import { columns, create, row, update } from '../strategy.js';

describe('Namespace', () => {
  it('is cluster-scoped, served as ns, with finalize and status subresources', () => {
    assert.deepEqual([namespace.namespaced, namespace.shortNames], [false, ['ns']]);
    assert.deepEqual(subresourcesOf(namespace).map((s) => s.name), ['finalize', 'status']);
  });

  it('is Active with the name label and the kubernetes finalizer', () => {
    const { obj, errors } = create(namespace, { metadata: { name: 'shop' } });
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.metadata.labels, { 'kubernetes.io/metadata.name': 'shop' });
    assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(obj.status, { phase: 'Active' });
  });

  it('requires a DNS-1123 label name', () => {
    const { errors } = create(namespace, { metadata: { name: 'a.b' } });
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label must consist of/);
  });

  it('restores the name label if an update drops it', () => {
    const old = create(namespace, { metadata: { name: 'shop' } }).obj;
    const { obj } = update(namespace, old, { metadata: { name: 'shop', labels: { team: 'a' } } });
    assert.deepEqual(obj.metadata.labels, { team: 'a', 'kubernetes.io/metadata.name': 'shop' });
  });

  it('prints its phase and selects by status.phase', () => {
    assert.deepEqual(columns(namespace), ['Name', 'Status', 'Age']);
    const { obj } = create(namespace, { metadata: { name: 'shop' } });
    assert.deepEqual(row(namespace, obj), ['shop', 'Active', '60m']);
    assert.deepEqual(namespace.selectableFields!(obj), { 'status.phase': 'Active', name: 'shop' });
  });
});
