import { strict as assert } from 'node:assert';
import { subresourcesOf } from '../../../lib/api/discovery.js';
import { fieldErrorString } from '../../../lib/api/errors.js';
import { controllerrevisions } from '../../../lib/registry/controllerrevision.js';
import { daemonsets } from '../../../lib/registry/daemonset.js';
import { deployments } from '../../../lib/registry/deployment.js';
import { replicasets } from '../../../lib/registry/replicaset.js';
import { statefulsets } from '../../../lib/registry/statefulset.js';
import { CREATED, columns, create, row, update } from '../strategy.js';

/** The seed's nginx Deployment: 2 replicas spread by required pod anti-affinity. */
const nginx = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment' },
  spec: {
    selector: { matchLabels: { app: 'nginx' } },
    replicas: 2,
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['nginx'] }] }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
        containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }],
      },
    },
  },
};

function nginxWith(mutate: (d: any) => void): typeof nginx {
  const d = structuredClone(nginx);
  mutate(d);
  return d;
}

describe('Deployment', () => {
  it('is served as deploy in the all category with scale and status subresources', () => {
    assert.deepEqual([deployments.group, deployments.version, deployments.shortNames, deployments.categories], ['apps', 'v1', ['deploy'], ['all']]);
    assert.deepEqual(subresourcesOf(deployments).map((s) => s.name), ['scale', 'status']);
    assert.equal(deployments.scale?.specReplicasPath, 'spec.replicas');
    assert.equal(deployments.model, 'V1Deployment');
  });

  it('validates the seed nginx manifest clean and fills upstream defaults', () => {
    const { obj, errors } = create(deployments, nginx);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(obj.spec.revisionHistoryLimit, 10);
    assert.equal(obj.spec.progressDeadlineSeconds, 600);
    assert.equal(obj.spec.replicas, 2);
    assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
    assert.equal(obj.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.deepEqual(obj.status, {});
  });

  it('defaults replicas to 1', () => {
    const { obj } = create(deployments, nginxWith((d) => delete d.spec.replicas));
    assert.equal(obj.spec.replicas, 1);
  });

  it('accepts the 1.16.1 rollout with maxSurge 0 and maxUnavailable 1', () => {
    const { obj: old } = create(deployments, nginx);
    const next = nginxWith((d) => {
      d.spec.template.spec.containers[0].image = 'nginx:1.16.1';
      d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
    });
    const { obj, errors } = update(deployments, old, next);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.strategy.rollingUpdate, { maxSurge: 0, maxUnavailable: 1 });
  });

  it('rejects a selector that does not match the template labels, as kube-apiserver words it', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.template.metadata.labels = { app: 'x' })));
    assert.deepEqual(errors, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`']);
  });

  it('requires a selector', () => {
    const { errors } = create(deployments, nginxWith((d) => delete d.spec.selector));
    assert.deepEqual(errors, ['spec.selector: Required value']);
  });

  it('rejects an empty selector', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.selector = {})));
    assert.deepEqual(errors, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment']);
  });

  it('keeps the selector immutable on update', () => {
    const { obj: old } = create(deployments, nginx);
    const { errors } = update(
      deployments,
      old,
      nginxWith((d) => {
        d.spec.selector.matchLabels = { app: 'nginx', tier: 'web' };
        d.spec.template.metadata.labels = { app: 'nginx', tier: 'web' };
      }),
    );
    assert.deepEqual(errors, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  });

  it('rejects negative replicas', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.replicas = -1)));
    assert.deepEqual(errors, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('rejects maxSurge and maxUnavailable both 0', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })));
    assert.deepEqual(errors, ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0']);
  });

  it('rejects a malformed percentage and more than 100%', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.strategy = { rollingUpdate: { maxSurge: 'lots', maxUnavailable: '150%' } })));
    assert.deepEqual(errors, [
      'spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"lots"}: a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')',
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
    ]);
  });

  it('forbids rollingUpdate with the Recreate strategy', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } })));
    assert.deepEqual(errors, ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
  });

  it('only allows restartPolicy Always in its template', () => {
    const { errors } = create(deployments, nginxWith((d) => (d.spec.template.spec.restartPolicy = 'OnFailure')));
    assert.deepEqual(errors, ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"']);
  });

  it('wants progressDeadlineSeconds above minReadySeconds', () => {
    const { errors } = create(deployments, nginxWith((d) => Object.assign(d.spec, { minReadySeconds: 700 })));
    assert.deepEqual(errors, ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']);
  });

  it('prints Ready as ready/desired, with containers, images and selector for -o wide', () => {
    const { obj } = create(deployments, nginx);
    obj.status = { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 };
    assert.deepEqual(columns(deployments), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
    assert.deepEqual(row(deployments, obj), ['nginx-deployment', '1/2', 2, 1, '60m', 'nginx', 'nginx:1.14.2', 'app=nginx']);
  });

  it('prints 0/N before any status', () => {
    const { obj } = create(deployments, nginx);
    assert.equal(row(deployments, obj)[1], '0/2');
  });
});

describe('ReplicaSet', () => {
  const rs = {
    metadata: { name: 'frontend' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { tier: 'frontend' } },
      template: { metadata: { labels: { tier: 'frontend' } }, spec: { containers: [{ name: 'php-redis', image: 'us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5' }] } },
    },
  };

  it('is served as rs in the all category with scale', () => {
    assert.deepEqual([replicasets.shortNames, replicasets.categories], [['rs'], ['all']]);
    assert.ok(replicasets.scale);
  });

  it('validates the frontend example clean and prints Desired/Current/Ready', () => {
    const { obj, errors } = create(replicasets, rs);
    assert.deepEqual(errors, []);
    obj.status = { replicas: 3, readyReplicas: 2 };
    assert.deepEqual(columns(replicasets), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
    assert.deepEqual(row(replicasets, obj), ['frontend', 3, 3, 2, '60m', 'php-redis', 'us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5', 'tier=frontend']);
  });

  it('uses the deployment wording for an empty selector, as upstream does', () => {
    const { errors } = create(replicasets, { ...rs, spec: { ...rs.spec, selector: { matchLabels: {} } } });
    assert.deepEqual(errors, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment']);
  });
});

describe('DaemonSet', () => {
  const fluentd = {
    metadata: { name: 'fluentd-elasticsearch', namespace: 'kube-system', labels: { 'k8s-app': 'fluentd-logging' } },
    spec: {
      selector: { matchLabels: { name: 'fluentd-elasticsearch' } },
      template: {
        metadata: { labels: { name: 'fluentd-elasticsearch' } },
        spec: {
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'fluentd-elasticsearch',
              image: 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2',
              resources: { limits: { memory: '200Mi' }, requests: { cpu: '100m', memory: '200Mi' } },
              volumeMounts: [{ name: 'varlog', mountPath: '/var/log' }],
            },
          ],
          terminationGracePeriodSeconds: 30,
          volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }],
        },
      },
    },
  };

  it('is served as ds in the all category', () => {
    assert.deepEqual([daemonsets.shortNames, daemonsets.categories], [['ds'], ['all']]);
  });

  it('validates the fluentd example clean, with rolling update defaults and template generation 1', () => {
    const { obj, errors } = create(daemonsets, fluentd);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(obj.spec.revisionHistoryLimit, 10);
    assert.equal(obj.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  });

  it('bumps the template generation when the template changes', () => {
    const { obj: old } = create(daemonsets, fluentd);
    const next = structuredClone(fluentd) as any;
    next.spec.template.spec.containers[0].image = 'quay.io/fluentd_elasticsearch/fluentd:v2.6.0';
    const { obj, errors } = update(daemonsets, old, next);
    assert.deepEqual(errors, []);
    assert.equal(obj.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
  });

  it('requires exactly one of maxSurge and maxUnavailable', () => {
    const both = create(daemonsets, { ...fluentd, spec: { ...fluentd.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } } });
    assert.deepEqual(both.errors, ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero']);
    const none = create(daemonsets, { ...fluentd, spec: { ...fluentd.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } });
    assert.deepEqual(none.errors, ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
  });

  it('prints the scheduling counters and node selector', () => {
    const { obj } = create(daemonsets, fluentd);
    obj.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 };
    assert.deepEqual(columns(daemonsets), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*']);
    assert.deepEqual(row(daemonsets, obj), ['fluentd-elasticsearch', 3, 3, 2, 3, 2, '<none>', '60m', 'fluentd-elasticsearch', 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2', 'name=fluentd-elasticsearch']);
  });
});

describe('StatefulSet', () => {
  /** The `web` StatefulSet of the Kubernetes StatefulSet tutorial. */
  const web = {
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      serviceName: 'nginx',
      replicas: 3,
      minReadySeconds: 10,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.24', ports: [{ containerPort: 80, name: 'web' }], volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'my-storage-class', resources: { requests: { storage: '1Gi' } } } }],
    },
  };

  it('is served as sts in the all category with scale', () => {
    assert.deepEqual([statefulsets.shortNames, statefulsets.categories], [['sts'], ['all']]);
    assert.deepEqual(subresourcesOf(statefulsets).map((s) => s.name), ['scale', 'status']);
  });

  it('validates web clean even though its mount names a claim template', () => {
    const { obj, errors } = create(statefulsets, web);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(obj.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(obj.spec.revisionHistoryLimit, 10);
    const pvc = obj.spec.volumeClaimTemplates[0];
    assert.deepEqual([pvc.apiVersion, pvc.kind, pvc.spec.volumeMode, pvc.status], ['v1', 'PersistentVolumeClaim', 'Filesystem', { phase: 'Pending' }]);
  });

  it('forbids updates outside the mutable spec fields', () => {
    const { obj: old } = create(statefulsets, web);
    const { errors } = update(statefulsets, old, { ...web, spec: { ...web.spec, serviceName: 'other' } });
    assert.deepEqual(errors, [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
    const scaled = update(statefulsets, old, { ...web, spec: { ...web.spec, replicas: 5 } });
    assert.deepEqual(scaled.errors, []);
  });

  it('rejects an unknown pod management policy', () => {
    const { errors } = create(statefulsets, { ...web, spec: { ...web.spec, podManagementPolicy: 'Random' } });
    assert.deepEqual(errors, ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'']);
  });

  it('prints Ready as ready/desired', () => {
    const { obj } = create(statefulsets, web);
    obj.status = { readyReplicas: 2 };
    assert.deepEqual(columns(statefulsets), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
    assert.deepEqual(row(statefulsets, obj), ['web', '2/3', '60m', 'nginx', 'registry.k8s.io/nginx-slim:0.24']);
  });
});

describe('ControllerRevision', () => {
  it('prints its controller as kind.group/name and the revision', () => {
    const cr = {
      metadata: { name: 'web-6b9c7d', namespace: 'default', creationTimestamp: CREATED, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] },
      data: {},
      revision: 2,
    };
    assert.deepEqual(columns(controllerrevisions), ['Name', 'Controller', 'Revision', 'Age']);
    assert.deepEqual(row(controllerrevisions, cr), ['web-6b9c7d', 'statefulset.apps/web', 2, '60m']);
  });

  it('keeps data immutable', () => {
    const { obj: old } = create(controllerrevisions, { metadata: { name: 'r' }, data: { a: 1 }, revision: 1 });
    const { errors } = update(controllerrevisions, old, { metadata: { name: 'r' }, data: { a: 2 }, revision: 1 });
    assert.deepEqual(errors, ['data: Invalid value: {"a":2}: field is immutable']);
  });
});

describe('Workload status updates', () => {
  it('keep Deployment counters within status.replicas and available within ready', () => {
    const { obj: old } = create(deployments, {
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    old.metadata.resourceVersion = '1';
    const next = { ...structuredClone(old), status: { replicas: 1, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 } };
    assert.deepEqual(deployments.validateStatusUpdate!(next, old).map(fieldErrorString), ['status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas']);
    const bad = { ...structuredClone(old), status: { replicas: 2, readyReplicas: 1, availableReplicas: 2 } };
    assert.deepEqual(deployments.validateStatusUpdate!(bad, old).map(fieldErrorString), ['status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas']);
  });

  it('word the StatefulSet rule with status.readyReplicas and refuse a lower collision count', () => {
    const { obj: old } = create(statefulsets, { metadata: { name: 's' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    old.metadata.resourceVersion = '1';
    old.status = { replicas: 1, collisionCount: 2 };
    const next = { ...structuredClone(old), status: { replicas: 1, readyReplicas: 0, availableReplicas: 1, collisionCount: 1 } };
    assert.deepEqual(statefulsets.validateStatusUpdate!(next, old).map(fieldErrorString), [
      'status.availableReplicas: Invalid value: 1: cannot be greater than status.readyReplicas',
      'status.collisionCount: Invalid value: 1: cannot be decremented',
    ]);
  });

  it('refuse a StatefulSet rolling update with maxUnavailable 0', () => {
    const { errors } = create(statefulsets, {
      metadata: { name: 's' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
    assert.deepEqual(errors, ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: cannot be 0']);
  });
});
