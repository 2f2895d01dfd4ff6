import { strict as assert } from 'node:assert';
import { strategicMergePatch } from '../../lib/patch/strategic-merge-patch.js';
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

type Obj = Record<string, any>;

const deployment = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
        tolerations: [{ key: 'a', operator: 'Exists' }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});
const podSpec = (d: Obj) => d.spec.template.spec;
const smp = (orig: Obj, patch: unknown, model = 'V1Deployment') => strategicMergePatch(orig, patch, model) as Obj;

describe('strategic merge patch', () => {
  describe('bodies kubectl sends', () => {
    it('kubectl set image: merges the container by name and keeps $setElementOrder order', () => {
      const out = smp(deployment(), {
        spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.27', name: 'nginx' }] } } },
      });
      const cs = podSpec(out).containers;
      assert.deepEqual(cs.map((c: Obj) => c.name), ['nginx', 'sidecar']);
      assert.equal(cs[0].image, 'nginx:1.27');
      assert.deepEqual(cs[0].ports, [{ containerPort: 80, protocol: 'TCP' }], 'fields the patch does not mention survive');
      assert.ok(!Object.keys(podSpec(out)).some((k) => k.startsWith('$')), 'no directive leaks into the object');
    });

    it('kubectl apply (client-side): a removed key arrives as null and is deleted', () => {
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"a":"1","b":"2"}}' } }, data: { a: '1', b: '2' } };
      const out = smp(cm, { data: { b: null, c: '3' }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"a":"1","c":"3"}}' } } }, 'V1ConfigMap');
      assert.deepEqual(out.data, { a: '1', c: '3' });
      assert.equal(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"data":{"a":"1","c":"3"}}');
    });

    it('kubectl cordon sets spec.unschedulable and uncordon removes it with null', () => {
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24' } };
      const cordoned = smp(node, { spec: { unschedulable: true } }, 'V1Node');
      assert.deepEqual(cordoned.spec, { podCIDR: '10.244.1.0/24', unschedulable: true });
      assert.deepEqual(smp(cordoned, { spec: { unschedulable: null } }, 'V1Node').spec, { podCIDR: '10.244.1.0/24' });
    });

    it('kubectl rollout restart adds the restartedAt template annotation', () => {
      const out = smp(deployment(), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } });
      assert.deepEqual(out.spec.template.metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } });
    });

    it('kubectl rollout pause / resume set spec.paused and null it again', () => {
      const paused = smp(deployment(), { spec: { paused: true } });
      assert.equal(paused.spec.paused, true);
      assert.ok(!('paused' in smp(paused, { spec: { paused: null } }).spec));
    });

    it('kubectl set env: merges env by name inside the named container', () => {
      const out = smp(deployment(), {
        spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }], env: [{ name: 'B', value: '2' }], name: 'nginx' }] } } },
      });
      assert.deepEqual(podSpec(out).containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    });

    it('kubectl apply switching the deployment strategy: $retainKeys drops rollingUpdate', () => {
      const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
      assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
    });

    it('kubectl apply changing a volume source: $retainKeys inside the volumes list', () => {
      const out = smp(deployment(), {
        spec: { template: { spec: { '$setElementOrder/volumes': [{ name: 'data' }], volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' }, name: 'data' }] } } },
      });
      assert.deepEqual(podSpec(out).volumes, [{ name: 'data', hostPath: { path: '/srv' } }]);
    });
  });

  describe('client-side apply deletions', () => {
    it('removes a container dropped from the manifest ($patch: delete with $setElementOrder)', () => {
      const out = smp(deployment(), {
        spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ $patch: 'delete', name: 'sidecar' }] } } },
      });
      assert.deepEqual(podSpec(out).containers.map((c: Obj) => c.name), ['nginx']);
    });

    it('removes a finalizer dropped from the manifest ($deleteFromPrimitiveList with $setElementOrder)', () => {
      const cm = { metadata: { name: 'c', finalizers: ['a', 'b'] } };
      const out = smp(cm, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'], '$setElementOrder/finalizers': ['a'] } }, 'V1ConfigMap');
      assert.deepEqual(out.metadata.finalizers, ['a']);
    });
  });

  describe('lists', () => {
    it('puts an item the live list lacks first when no $setElementOrder says otherwise (upstream mergeSortedSlice)', () => {
      const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'NEW', value: 'x' }] }] } } } });
      assert.deepEqual(podSpec(out).containers[0].env.map((e: Obj) => e.name), ['NEW', 'A']);
    });

    it('orders the items a patch mentions as the patch lists them (patch order beats live order)', () => {
      const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:2' }, { name: 'nginx', image: 'nginx:2' }] } } } });
      assert.deepEqual(podSpec(out).containers.map((c: Obj) => [c.name, c.image]), [['sidecar', 'busybox:2'], ['nginx', 'nginx:2']]);
    });

    it('reorders a list by $setElementOrder alone', () => {
      const out = smp(deployment(), { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } } } });
      assert.deepEqual(podSpec(out).containers.map((c: Obj) => c.name), ['sidecar', 'nginx']);
    });

    it('deletes an item with $patch: delete', () => {
      const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } });
      assert.deepEqual(podSpec(out).containers.map((c: Obj) => c.name), ['nginx']);
    });

    it('replaces a merging list with $patch: replace', () => {
      const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } });
      assert.deepEqual(podSpec(out).containers, [{ name: 'only', image: 'x' }]);
    });

    it('replaces a list without a patch strategy (tolerations) whole', () => {
      const out = smp(deployment(), { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } });
      assert.deepEqual(podSpec(out).tolerations, [{ key: 'b', operator: 'Exists' }]);
    });

    it('merges container ports by containerPort', () => {
      const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } } });
      assert.deepEqual(podSpec(out).containers[0].ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
    });

    it('merges finalizers as a set and deletes with $deleteFromPrimitiveList', () => {
      const cm = { metadata: { name: 'c', finalizers: ['a', 'b'] } };
      assert.deepEqual(smp(cm, { metadata: { finalizers: ['b', 'c'] } }, 'V1ConfigMap').metadata.finalizers, ['a', 'b', 'c']);
      assert.deepEqual(smp(cm, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, 'V1ConfigMap').metadata.finalizers, ['b']);
    });

    it('merges ownerReferences by uid', () => {
      const pod = { metadata: { name: 'p', ownerReferences: [{ uid: '1', name: 'rs1', kind: 'ReplicaSet', apiVersion: 'apps/v1' }] } };
      const out = smp(pod, { metadata: { ownerReferences: [{ uid: '1', controller: true }] } }, 'V1Pod');
      assert.deepEqual(out.metadata.ownerReferences, [{ uid: '1', name: 'rs1', kind: 'ReplicaSet', apiVersion: 'apps/v1', controller: true }]);
    });

    it('merges pod status conditions by type (kubelet status patches)', () => {
      const pod = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } };
      const out = smp(pod, { status: { '$setElementOrder/conditions': [{ type: 'Ready' }, { type: 'PodScheduled' }], conditions: [{ type: 'Ready', status: 'True' }] } }, 'V1Pod');
      assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
    });

    it('cleans directives from lists it adds whole', () => {
      const d = deployment();
      delete podSpec(d).volumes;
      const out = smp(d, { spec: { template: { spec: { '$setElementOrder/volumes': [{ name: 'v' }], volumes: [{ name: 'v', emptyDir: {} }] } } } });
      assert.deepEqual(podSpec(out).volumes, [{ name: 'v', emptyDir: {} }]);
    });
  });

  describe('maps', () => {
    it('replaces a map with $patch: replace', () => {
      const out = smp(deployment(), { metadata: { labels: { $patch: 'replace', tier: 'fe' } } });
      assert.deepEqual(out.metadata.labels, { tier: 'fe' });
    });

    it('empties a map with $patch: delete', () => {
      const out = smp(deployment(), { metadata: { labels: { $patch: 'delete' } } });
      assert.deepEqual(out.metadata.labels, {});
    });

    it('does not modify its inputs', () => {
      const d = deployment();
      const p = { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } };
      smp(d, p);
      assert.deepEqual(d, deployment());
      assert.equal(p.spec.template.spec.containers[0].$patch, 'delete');
    });
  });

  describe('errors as kube-apiserver reports them', () => {
    it('an item without its merge key: the bare mergepatch message', () => {
      const e = failure(() => smp(deployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }));
      assert.equal(e.code, 500);
      assert.equal(e.status.message, 'map: map[image:x] does not contain declared merge key: name');
    });

    it('a malformed $retainKeys is a 400', () => {
      const e = failure(() => smp(deployment(), { spec: { strategy: { $retainKeys: 'type', type: 'Recreate' } } }));
      assert.equal(e.code, 400);
      assert.equal(e.status.message, 'invalid patch format of retainKeys');
    });

    it('a field outside $retainKeys is a 400', () => {
      const e = failure(() => smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }));
      assert.equal(e.status.message, 'invalid patch format of retainKeys');
    });

    it('an unknown $patch directive is reported', () => {
      const e = failure(() => smp(deployment(), { metadata: { labels: { $patch: 'frob' } } }));
      assert.equal(e.status.message, 'unknown patch type: frob in map: map[$patch:frob]');
    });

    it('a list of lists is a 422', () => {
      const e = failure(() => smp({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }, 'V1ConfigMap'));
      assert.equal(e.code, 422);
    });

    it('a patch body that is not an object is a 400', () => {
      assert.equal(failure(() => smp(deployment(), [1])).code, 400);
    });

    it('a kind without Go types (custom resource) is refused with 415', () => {
      const e = failure(() => applyPatch('application/strategic-merge-patch+json', { spec: {} }, { spec: { a: 1 } }, undefined));
      assert.equal(e.code, 415);
      assert.equal(e.reason, 'UnsupportedMediaType');
      assert.match(e.status.message!, /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml$/);
    });
  });
});

// Current + three-way patch → result, from upstream's own cases
// (k8s.io/apimachinery pkg/util/strategicpatch/patch_test.go, strategicMergePatchRawTestCases).
// Their `mergingIntList` is a primitive list with patchStrategy merge (metadata.finalizers here)
// and `mergingList` a list merged by `name` (spec.containers here).
describe('strategic merge patch: upstream ordering cases', () => {
  const ints = (current: unknown[], patch: Record<string, unknown>) =>
    smp({ metadata: { name: 'x', finalizers: current } }, { metadata: patch }, 'V1ConfigMap').metadata.finalizers;
  const cases: Array<[string, unknown[], Record<string, unknown>, unknown[]]> = [
    ['delete an item in a int list and preserve order', [1, 2, 3], { '$setElementOrder/finalizers': [2, 1], '$deleteFromPrimitiveList/finalizers': [3] }, [2, 1]],
    ['add and delete an item in a int list and preserve order', [1, 2, 3], { '$setElementOrder/finalizers': [4, 2, 1], finalizers: [4], '$deleteFromPrimitiveList/finalizers': [3] }, [4, 2, 1]],
    ['set elements order in a int list', [1, 3, 4, 2], { '$setElementOrder/finalizers': [4, 2, 3, 1] }, [4, 2, 3, 1]],
    ['set elements order in a int list with server-only items', [1, 3, 4, 2, 9], { '$setElementOrder/finalizers': [4, 2, 3, 1] }, [4, 2, 3, 1, 9]],
    ['set elements order in a int list with server-only items 2', [1, 2, 9, 3, 4], { '$setElementOrder/finalizers': [2, 1, 4, 3] }, [2, 1, 9, 4, 3]],
    ['set elements order in a int list with server-only items 3', [1, 2, 7, 9, 8, 3, 4], { '$setElementOrder/finalizers': [2, 1, 4, 3] }, [2, 1, 7, 9, 8, 4, 3]],
    ['behavior of set element order for a merging int list with duplicate', [1, 2, 3, 2, 4], { '$setElementOrder/finalizers': [2, 1, 4, 3, 2] }, [2, 2, 1, 4, 3]],
  ];
  for (const [name, current, patch, want] of cases) {
    it(name, () => assert.deepEqual(ints(current, patch), want));
  }

  const list = (current: unknown[], patch: Record<string, unknown>) => smp({ spec: { containers: current } }, { spec: patch }, 'V1Pod').spec.containers;

  it('add map and delete map from merging list with conflict', () => {
    const out = list([{ name: 1, other: 'a' }, { name: 4, other: 'c' }], {
      '$setElementOrder/containers': [{ name: 2 }, { name: 3 }],
      containers: [{ name: 2 }, { name: 3 }, { name: 1, $patch: 'delete' }],
    });
    assert.deepEqual(out, [{ name: 4, other: 'c' }, { name: 2 }, { name: 3 }]);
  });

  it('add map to merging list by pointer', () => {
    const out = list([{ name: 1, other: 'a' }, { name: 3 }], { '$setElementOrder/containers': [{ name: 1 }, { name: 2 }], containers: [{ name: 2 }] });
    assert.deepEqual(out, [{ name: 1, other: 'a' }, { name: 2 }, { name: 3 }]);
  });

  it('add field to map in merging list nested in merging list with deletion conflict (reordered)', () => {
    const out = list(
      [{ name: 1, other: 'a', env: [{ name: 2, value: 2, other: 'd' }] }, { name: 2, other: 'b' }],
      {
        '$setElementOrder/containers': [{ name: 1 }, { name: 2 }],
        containers: [{ '$setElementOrder/env': [{ name: 2 }, { name: 1 }], name: 1, env: [{ name: 1, value: 1 }] }],
      },
    );
    assert.deepEqual(out, [{ name: 1, other: 'a', env: [{ name: 2, value: 2, other: 'd' }, { name: 1, value: 1 }] }, { name: 2, other: 'b' }]);
  });

  it('delete field from map in merging list', () => {
    const out = list([{ name: 1, value: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }], {
      '$setElementOrder/containers': [{ name: 1 }, { name: 2 }],
      containers: [{ name: 1, value: null }],
    });
    assert.deepEqual(out, [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }]);
  });

  it('replace non merging list nested in merging list', () => {
    const out = list([{ name: 1, other: 'a', tolerations: [{ name: 1 }, { name: 2, value: 2 }] }, { name: 2, other: 'b' }], {
      '$setElementOrder/containers': [{ name: 1 }, { name: 2 }],
      containers: [{ name: 1, tolerations: [{ name: 1, value: 1 }] }],
    });
    assert.deepEqual(out[0].tolerations, [{ name: 1, value: 1 }]);
  });

  it('behavior of set element order for a merging list with duplicate', () => {
    const current = [{ name: 1 }, { name: 2, value: 'dup1' }, { name: 3 }, { name: 2, value: 'dup2' }, { name: 4 }];
    const order = [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }, { name: 2 }];
    const out = smp({ spec: { containers: current } }, { spec: { '$setElementOrder/containers': order } }, 'V1Pod');
    assert.deepEqual(out.spec.containers, [{ name: 2, value: 'dup1' }, { name: 2, value: 'dup2' }, { name: 1 }, { name: 4 }, { name: 3 }]);
  });
});
