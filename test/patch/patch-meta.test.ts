import { strict as assert } from 'node:assert';
import { patchMeta, patchMetaEntries, isAtomicStruct } from '../../lib/schema/patch-meta.js';
import { fieldType, hasModel } from '../../lib/schema/models.js';

describe('patch metadata table', () => {
  it('names only real client-node models and fields of the right shape', () => {
    const bad: string[] = [];
    for (const { model, field, meta } of patchMetaEntries()) {
      const t = fieldType(model, field);
      if (!t) { bad.push(`${model}.${field}: no such field`); continue; }
      if (meta.listType && t.kind !== 'array') bad.push(`${model}.${field}: listType on a ${t.kind}`);
      if (meta.mapType && t.kind !== 'map') bad.push(`${model}.${field}: mapType on a ${t.kind}`);
      if (meta.mergeKey && !(t.kind === 'array' && t.items.kind === 'model')) bad.push(`${model}.${field}: mergeKey on non-object list`);
      if (meta.mergeKey && t.kind === 'array' && t.items.kind === 'model' && !fieldType(t.items.model, meta.mergeKey)) bad.push(`${model}.${field}: merge key ${meta.mergeKey} not a field of ${t.items.model}`);
      for (const k of meta.listMapKeys ?? []) {
        if (!(t.kind === 'array' && t.items.kind === 'model' && fieldType(t.items.model, k))) bad.push(`${model}.${field}: list map key ${k}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('names only real models as atomic structs', () => {
    for (const m of ['V1LabelSelector', 'V1ObjectReference', 'V1LocalObjectReference']) {
      assert.ok(hasModel(m), m);
      assert.ok(isAtomicStruct(m));
    }
    assert.equal(isAtomicStruct('V1PodSpec'), false);
  });

  it('carries the merge keys kubectl relies on (KUBECTL-WIRE §4)', () => {
    assert.deepEqual(patchMeta('V1PodSpec', 'containers'), { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
    assert.equal(patchMeta('V1PodSpec', 'volumes')?.strategy, 'merge,retainKeys');
    assert.equal(patchMeta('V1PodSpec', 'initContainers')?.mergeKey, 'name');
    assert.equal(patchMeta('V1PodSpec', 'ephemeralContainers')?.mergeKey, 'name');
    assert.equal(patchMeta('V1PodSpec', 'imagePullSecrets')?.mergeKey, 'name');
    assert.equal(patchMeta('V1Container', 'env')?.mergeKey, 'name');
    assert.equal(patchMeta('V1Container', 'ports')?.mergeKey, 'containerPort');
    assert.deepEqual(patchMeta('V1Container', 'ports')?.listMapKeys, ['containerPort', 'protocol']);
    assert.equal(patchMeta('V1ServiceSpec', 'ports')?.mergeKey, 'port');
    assert.equal(patchMeta('V1Container', 'volumeMounts')?.mergeKey, 'mountPath');
    assert.equal(patchMeta('V1PodStatus', 'conditions')?.mergeKey, 'type');
    assert.equal(patchMeta('V1DeploymentStatus', 'conditions')?.mergeKey, 'type');
    assert.equal(patchMeta('V1ObjectMeta', 'ownerReferences')?.mergeKey, 'uid');
    assert.equal(patchMeta('V1PodSpec', 'hostAliases')?.mergeKey, 'ip');
    assert.equal(patchMeta('V1PodStatus', 'podIPs')?.mergeKey, 'ip');
    assert.equal(patchMeta('V1PodSpec', 'topologySpreadConstraints')?.mergeKey, 'topologyKey');
    assert.deepEqual(patchMeta('V1ObjectMeta', 'finalizers'), { strategy: 'merge', listType: 'set' });
    assert.equal(patchMeta('V1DeploymentSpec', 'strategy')?.strategy, 'retainKeys');
    assert.equal(patchMeta('V1PodSpec', 'tolerations')?.strategy, undefined);
    assert.equal(patchMeta('V1PodSpec', 'nodeName'), undefined);
  });
});
