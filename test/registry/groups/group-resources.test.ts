import { strict as assert } from 'node:assert';
import { groupResources } from '../../../lib/registry/group-resources.js';
import { hasModel } from '../../../lib/schema/models.js';

describe('The named-group resource list', () => {
  it('serves every resource the API server issue names, once per group-version', () => {
    const served = groupResources.map((rt) => `${rt.group}/${rt.version}/${rt.plural}`);
    assert.equal(new Set(served).size, served.length);
    assert.deepEqual([...served].sort(), [
      'apiextensions.k8s.io/v1/customresourcedefinitions',
      'apps/v1/controllerrevisions',
      'apps/v1/daemonsets',
      'apps/v1/deployments',
      'apps/v1/replicasets',
      'apps/v1/statefulsets',
      'autoscaling/v1/horizontalpodautoscalers',
      'autoscaling/v2/horizontalpodautoscalers',
      'batch/v1/cronjobs',
      'batch/v1/jobs',
      'coordination.k8s.io/v1/leases',
      'discovery.k8s.io/v1/endpointslices',
      'events.k8s.io/v1/events',
      'networking.k8s.io/v1/ingressclasses',
      'networking.k8s.io/v1/ingresses',
      'networking.k8s.io/v1/networkpolicies',
      'node.k8s.io/v1/runtimeclasses',
      'policy/v1/poddisruptionbudgets',
      'rbac.authorization.k8s.io/v1/clusterrolebindings',
      'rbac.authorization.k8s.io/v1/clusterroles',
      'rbac.authorization.k8s.io/v1/rolebindings',
      'rbac.authorization.k8s.io/v1/roles',
      'storage.k8s.io/v1/storageclasses',
    ]);
  });

  it('names a client-node model for each kind', () => {
    for (const rt of groupResources) assert.ok(rt.model && hasModel(rt.model), `${rt.plural}: ${rt.model}`);
  });

  it('puts the workloads and autoscalers in the all category, as kubectl get all expects', () => {
    const all = groupResources.filter((rt) => rt.categories?.includes('all')).map((rt) => `${rt.plural}.${rt.version}`);
    assert.deepEqual(all.sort(), ['cronjobs.v1', 'daemonsets.v1', 'deployments.v1', 'horizontalpodautoscalers.v1', 'horizontalpodautoscalers.v2', 'jobs.v1', 'replicasets.v1', 'statefulsets.v1']);
  });

  it('lists the preferred autoscaling version first', () => {
    const versions = groupResources.filter((rt) => rt.group === 'autoscaling').map((rt) => rt.version);
    assert.deepEqual(versions, ['v2', 'v1']);
  });

  it('gives every resource a table whose rows match its columns', () => {
    for (const rt of groupResources) {
      assert.ok(rt.table, rt.plural);
      const sample = { metadata: { name: 'x', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' } };
      assert.equal(rt.table.row(sample, Date.parse('2024-05-01T12:00:00Z')).length, rt.table.columns.length, rt.plural);
    }
  });
});
