import { strict as assert } from 'node:assert';
import {
  BEHAVIOR_ANNOTATION,
  METRIC_SPECS_ANNOTATION,
  hpaV1ToV2,
  hpaV2ToV1,
  horizontalpodautoscalersV1 as v1,
  horizontalpodautoscalersV2 as v2,
} from '../../../lib/registry/horizontalpodautoscaler.js';
import { poddisruptionbudgets as pdbs } from '../../../lib/registry/poddisruptionbudget.js';
import { columns, create, row } from '../strategy.js';

const web = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10 },
};

describe('HorizontalPodAutoscaler (autoscaling/v2)', () => {
  it('is served as hpa in the all category, v2 stored and v1 sharing its storage', () => {
    assert.deepEqual([v2.shortNames, v2.categories, v2.model, v2.storage], [['hpa'], ['all'], 'V2HorizontalPodAutoscaler', undefined]);
    assert.deepEqual(v1.storage, { group: 'autoscaling', plural: 'horizontalpodautoscalers' });
  });

  it('defaults minReplicas to 1 and the metric to 80% CPU', () => {
    const { obj, errors } = create(v2, web);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.minReplicas, 1);
    assert.deepEqual(obj.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  it('fills a partial behavior with the upstream scaling rules', () => {
    const { obj } = create(v2, { ...web, spec: { ...web.spec, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
    assert.deepEqual(obj.spec.behavior, {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
    });
  });

  it('validates replicas bounds and the target reference', () => {
    assert.deepEqual(create(v2, { ...web, spec: { ...web.spec, minReplicas: 5, maxReplicas: 2 } }).errors, ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
    assert.deepEqual(create(v2, { ...web, spec: { maxReplicas: 3, scaleTargetRef: { kind: 'Deployment' } } }).errors, ['spec.scaleTargetRef.name: Required value']);
  });

  it('prints reference, targets, min/max pods and replicas', () => {
    const { obj } = create(v2, web);
    assert.deepEqual(columns(v2), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    assert.deepEqual(row(v2, obj), ['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 10, 0, '60m']);
    obj.status = { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '120m' } } }] };
    assert.deepEqual(row(v2, obj).slice(2, 6), ['cpu: 42%/80%', '1', 10, 3]);
  });

  it('abbreviates more than two targets', () => {
    const metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    ];
    const { obj } = create(v2, { ...web, spec: { ...web.spec, metrics } });
    assert.equal(row(v2, obj)[2], 'cpu: <unknown>/50%, memory: <unknown>/500Mi + 1 more...');
  });
});

describe('HorizontalPodAutoscaler (autoscaling/v1)', () => {
  const v1web = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 60 },
  };

  it('stores targetCPUUtilizationPercentage as a v2 CPU utilization metric', () => {
    const stored = hpaV1ToV2(v1web);
    assert.equal(stored.apiVersion, 'autoscaling/v2');
    assert.deepEqual(stored.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    assert.equal(stored.spec.targetCPUUtilizationPercentage, undefined);
  });

  it('round-trips v1 → storage → v1 unchanged', () => {
    const back = hpaV2ToV1(hpaV1ToV2(v1web));
    assert.deepEqual(back.spec, v1web.spec);
    assert.equal(back.metadata.annotations, undefined);
  });

  it('keeps the v2-only fields in autoscaling.alpha annotations and restores them', () => {
    const { obj: stored } = create(v2, {
      ...web,
      metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
      spec: {
        ...web.spec,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    });
    stored.status = {
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30, averageValue: '100m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    };
    const served = hpaV2ToV1(stored);
    assert.equal(served.spec.targetCPUUtilizationPercentage, 70);
    assert.equal(served.status.currentCPUUtilizationPercentage, 30);
    assert.deepEqual(JSON.parse(served.metadata.annotations![METRIC_SPECS_ANNOTATION]), [{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '1k' } }]);
    // Upstream marshals the internal type: Go field names, nil pointers as null.
    assert.equal(
      served.metadata.annotations![BEHAVIOR_ANNOTATION],
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},' +
        '"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}',
    );
    assert.equal(served.metadata.annotations!.team, 'a');
    const again = hpaV1ToV2(served);
    // As upstream: the annotated metrics first, then the CPU target.
    assert.deepEqual(again.spec.metrics, [stored.spec.metrics[1], stored.spec.metrics[0]]);
    assert.deepEqual(again.spec.behavior, stored.spec.behavior);
    assert.deepEqual(again.status.currentMetrics, stored.status.currentMetrics);
    assert.deepEqual(again.status.conditions, stored.status.conditions);
    assert.deepEqual(again.metadata.annotations, { team: 'a' }, 'round-trip annotations are not stored');
  });

  it('a v1 object without a CPU target reads back with the 80% default', () => {
    const { spec } = v1web;
    const { targetCPUUtilizationPercentage: _drop, ...rest } = spec;
    const stored = hpaV1ToV2({ ...v1web, spec: rest });
    assert.equal(hpaV2ToV1(stored).spec.targetCPUUtilizationPercentage, 80);
  });

  it('validates and prints through the v2 form', () => {
    const { obj, errors } = create(v1, v1web);
    assert.deepEqual(errors, []);
    assert.deepEqual(row(v1, obj), ['web', 'Deployment/web', 'cpu: <unknown>/60%', '2', 10, 0, '60m']);
    assert.deepEqual(create(v1, { ...v1web, spec: { ...v1web.spec, targetCPUUtilizationPercentage: 0 } }).errors, ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']);
  });
});

describe('PodDisruptionBudget', () => {
  const zk = { metadata: { name: 'zk-pdb' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'zookeeper' } } } };

  it('is served as pdb with status', () => {
    assert.deepEqual([pdbs.group, pdbs.version, pdbs.shortNames], ['policy', 'v1', ['pdb']]);
  });

  it('validates the zookeeper example clean and prints N/A for the unset bound', () => {
    const { obj, errors } = create(pdbs, zk);
    assert.deepEqual(errors, []);
    assert.deepEqual(columns(pdbs), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    assert.deepEqual(row(pdbs, obj), ['zk-pdb', '2', 'N/A', 0, '60m']);
  });

  it('refuses both bounds at once', () => {
    const { errors } = create(pdbs, { ...zk, spec: { ...zk.spec, maxUnavailable: '50%' } });
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
  });
});

describe('HorizontalPodAutoscaler metric validation', () => {
  const hpaWith = (metrics: object[]) => ({ ...web, spec: { ...web.spec, metrics } });

  it('wants the source the type names, and only that one', () => {
    const resource = { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } };
    const { errors } = create(v2, hpaWith([{ type: 'Pods', resource }]));
    assert.deepEqual(errors, ['spec.metrics[0].pods: Required value: must populate information for the given metric source']);
    const both = create(v2, hpaWith([{ type: 'Resource', resource, pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } }])).errors;
    assert.deepEqual(both, ['spec.metrics[0].pods: Forbidden: must populate the given metric source only']);
  });

  it('checks targets with upstream wording', () => {
    const { errors } = create(v2, hpaWith([{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'Value', value: '0' } } }]));
    assert.deepEqual(errors, ['spec.metrics[0].pods.target.value: Invalid value: "0": must be positive', 'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue']);
    const unknown = create(v2, hpaWith([{ type: 'Custom' }])).errors;
    assert.deepEqual(unknown, ['spec.metrics[0].type: Unsupported value: "Custom": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"', 'spec.metrics[0].custom: Required value: must populate information for the given metric source']);
  });
});
