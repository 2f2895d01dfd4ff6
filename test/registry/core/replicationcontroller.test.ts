import { strict as assert } from 'node:assert';
import { replicationController as rc } from '../../../lib/registry/replicationcontroller.js';
import { columns, create, row, update } from '../strategy.js';

const kubia = {
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'kubia' },
  spec: {
    replicas: 3,
    selector: { app: 'kubia' },
    template: {
      metadata: { labels: { app: 'kubia' } },
      spec: { containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] },
    },
  },
};

describe('ReplicationController', () => {
  it('is served as rc in the all category with scale and status', () => {
    assert.deepEqual([rc.plural, rc.shortNames, rc.categories], ['replicationcontrollers', ['rc'], ['all']]);
    assert.deepEqual(rc.scale, { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorFromSpec: true });
    assert.ok(rc.statusSubresource);
  });

  it('validates the kubia manifest clean', () => {
    const { obj, errors } = create(rc, kubia);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
    assert.equal(obj.spec.template.spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(obj.spec.template.spec.enableServiceLinks, undefined, 'pod-only defaults stay off templates');
    assert.deepEqual(obj.status, { replicas: 0 });
  });

  it('takes selector, labels and one replica from the template when omitted', () => {
    const { obj, errors } = create(rc, { metadata: { name: 'kubia' }, spec: { template: kubia.spec.template } });
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.selector, { app: 'kubia' });
    assert.deepEqual(obj.metadata.labels, { app: 'kubia' });
    assert.equal(obj.spec.replicas, 1);
  });

  it('rejects a selector that misses the template labels', () => {
    const { errors } = create(rc, { ...kubia, spec: { ...kubia.spec, selector: { app: 'other' } } });
    assert.deepEqual(errors, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"kubia"}: `selector` does not match template `labels`']);
  });

  it('only allows restartPolicy Always in its template', () => {
    const t = structuredClone(kubia);
    (t.spec.template.spec as Record<string, unknown>).restartPolicy = 'Never';
    assert.deepEqual(create(rc, t).errors, ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });

  it('keeps status on spec updates', () => {
    const old = create(rc, kubia).obj;
    old.status = { replicas: 3, readyReplicas: 3 };
    const next = structuredClone(old);
    next.spec.replicas = 5;
    next.status = { replicas: 0 };
    const { obj, errors } = update(rc, old, next);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.status, { replicas: 3, readyReplicas: 3 });
  });

  it('prints desired/current/ready and the wide columns', () => {
    assert.deepEqual(columns(rc), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const { obj } = create(rc, kubia);
    obj.status = { replicas: 3, readyReplicas: 2 };
    assert.deepEqual(row(rc, obj), ['kubia', 3, 3, 2, '60m', 'kubia', 'luksa/kubia', 'app=kubia']);
    assert.deepEqual(rc.selectableFields!(obj), { 'status.replicas': '3' });
  });
});
