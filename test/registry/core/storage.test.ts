import { strict as assert } from 'node:assert';
import { persistentVolume } from '../../../lib/registry/persistentvolume.js';
import { persistentVolumeClaim } from '../../../lib/registry/persistentvolumeclaim.js';
import { columns, create, row, update } from '../strategy.js';

describe('PersistentVolume', () => {
  const pv = { metadata: { name: 'pv-1' }, spec: { capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], hostPath: { path: '/tmp/data' } } };

  it('defaults Retain, Filesystem and a Pending phase', () => {
    const { obj, errors } = create(persistentVolume, pv);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(obj.spec.volumeMode, 'Filesystem');
    assert.equal(obj.spec.capacity.storage, '1Gi');
    assert.equal(obj.status.phase, 'Pending');
  });

  it('requires access modes, capacity and a source', () => {
    const { errors } = create(persistentVolume, { metadata: { name: 'pv' }, spec: {} });
    assert.deepEqual(errors, [
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: {}: supported values: "storage"',
      'spec: Required value: must specify a volume type',
    ]);
  });

  it('prints capacity, modes, claim and class', () => {
    assert.deepEqual(columns(persistentVolume), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*']);
    const { obj } = create(persistentVolume, { ...pv, spec: { ...pv.spec, storageClassName: 'local', claimRef: { namespace: 'default', name: 'data' } } });
    obj.status.phase = 'Bound';
    assert.deepEqual(row(persistentVolume, obj), ['pv-1', '1Gi', 'RWO,ROX', 'Retain', 'Bound', 'default/data', 'local', '<unset>', '', '60m', 'Filesystem']);
  });
});

describe('PersistentVolumeClaim', () => {
  const claim = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };

  it('defaults Filesystem and Pending, and requires a storage request', () => {
    const { obj, errors } = create(persistentVolumeClaim, claim);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.volumeMode, 'Filesystem');
    assert.equal(obj.status.phase, 'Pending');
    assert.deepEqual(create(persistentVolumeClaim, { metadata: { name: 'x' }, spec: {} }).errors, [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
  });

  it('keeps its spec immutable except storage requests', () => {
    const old = create(persistentVolumeClaim, claim).obj;
    const { errors } = update(persistentVolumeClaim, old, { ...claim, spec: { ...claim.spec, accessModes: ['ReadWriteMany'] } });
    assert.equal(errors.length, 1);
    assert.ok(errors[0].startsWith('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'), errors[0]);
    old.status = { phase: 'Bound' };
    const grow = update(persistentVolumeClaim, old, { ...claim, spec: { ...claim.spec, resources: { requests: { storage: '2Gi' } } } });
    assert.deepEqual(grow.errors, []);
    const shrink = update(persistentVolumeClaim, old, { ...claim, spec: { ...claim.spec, resources: { requests: { storage: '512Mi' } } } });
    assert.deepEqual(shrink.errors, ['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
  });

  it('prints an unbound claim and a bound one', () => {
    assert.deepEqual(columns(persistentVolumeClaim), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*']);
    const { obj } = create(persistentVolumeClaim, claim);
    assert.deepEqual(row(persistentVolumeClaim, obj), ['data', 'Pending', '', '', '', '', '<unset>', '60m', 'Filesystem']);
    obj.spec.volumeName = 'pv-1';
    obj.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };
    assert.deepEqual(row(persistentVolumeClaim, obj).slice(1, 5), ['Bound', 'pv-1', '1Gi', 'RWO']);
  });
});
