import { strict as assert } from 'node:assert';
import { subresourcesOf } from '../../../lib/api/discovery.js';
import { pod } from '../../../lib/registry/pod.js';
import type { KObject } from '../../../lib/registry/resource-type.js';
import { columns, create, row, update } from '../strategy.js';

const threeContainers = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'app-stack', labels: { app: 'stack' } },
  spec: {
    containers: [
      { name: 'redis', image: 'redis:7', ports: [{ containerPort: 6379 }] },
      { name: 'postgres', image: 'postgres:16', env: [{ name: 'POSTGRES_PASSWORD', value: 'secret' }], ports: [{ containerPort: 5432, name: 'pg' }] },
      {
        name: 'app',
        image: 'luksa/kubia',
        ports: [{ containerPort: 8080, name: 'http' }],
        resources: { requests: { cpu: '0.5', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'app-config' } }],
  },
};

describe('Pod', () => {
  it('is served as pods/po in the all category with the kubectl-visible subresources', () => {
    assert.deepEqual([pod.plural, pod.shortNames, pod.categories, pod.model], ['pods', ['po'], ['all'], 'V1Pod']);
    assert.deepEqual(subresourcesOf(pod).map((s) => s.name), ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status']);
    const eviction = pod.subresources!.find((s) => s.name === 'eviction')!;
    assert.deepEqual([eviction.group, eviction.version, eviction.kind], ['policy', 'v1', 'Eviction']);
  });

  it('validates a three-container pod clean and fills upstream defaults', () => {
    const { obj, errors } = create(pod, threeContainers);
    assert.deepEqual(errors, []);
    const spec = obj.spec;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    const [redis, , app] = spec.containers;
    assert.equal(redis.imagePullPolicy, 'IfNotPresent');
    assert.equal(app.imagePullPolicy, 'Always', 'no tag means :latest');
    assert.equal(redis.terminationMessagePath, '/dev/termination-log');
    assert.equal(redis.terminationMessagePolicy, 'File');
    assert.equal(redis.ports[0].protocol, 'TCP');
    assert.deepEqual(app.resources.requests, { cpu: '500m', memory: '128Mi' });
    assert.deepEqual(app.readinessProbe, { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.equal(spec.volumes[1].configMap.defaultMode, 420);
    assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'Burstable' });
  });

  it('defaults requests to limits and classifies Guaranteed pods', () => {
    const { obj } = create(pod, { metadata: { name: 'g' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } });
    assert.deepEqual(obj.spec.containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
    assert.equal(obj.status.qosClass, 'Guaranteed');
  });

  it('keeps defaulting idempotent', () => {
    const once = create(pod, threeContainers).obj;
    const twice = structuredClone(once);
    pod.defaults!(twice);
    assert.deepEqual(twice, once);
  });

  it('reports missing containers, images and duplicate names as kube-apiserver does', () => {
    assert.deepEqual(create(pod, { metadata: { name: 'p' }, spec: {} }).errors, ['spec.containers: Required value']);
    const { errors } = create(pod, { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a' }] } });
    assert.deepEqual(errors, ['spec.containers[1].image: Required value', 'spec.containers[1].name: Duplicate value: "a"']);
  });

  it('rejects bad names, ports and policies with upstream messages', () => {
    const { errors } = create(pod, {
      metadata: { name: 'Bad_Name' },
      spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000, protocol: 'HTTP' }] }] },
    });
    assert.deepEqual(errors, [
      `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });

  it('checks downward API field paths as kube-apiserver does: pod IPs in env only, metadata in files', () => {
    const fieldRef = (fieldPath: string, apiVersion = 'v1') => ({ fieldRef: { apiVersion, fieldPath } });
    const { errors } = create(pod, {
      metadata: { name: 'p' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'x',
            env: [
              { name: 'IP', valueFrom: fieldRef('status.podIP') },
              { name: 'NODE', valueFrom: fieldRef('spec.nodeName') },
              { name: 'LBL', valueFrom: fieldRef('metadata.labels') },
              { name: 'BAD', valueFrom: fieldRef('status.bogus') },
              { name: 'SUB', valueFrom: fieldRef("metadata.name['x']") },
              { name: 'VER', valueFrom: fieldRef('metadata.name', 'v2') },
            ],
          },
        ],
        volumes: [
          { name: 'ok', downwardAPI: { items: [{ path: 'labels', ...fieldRef('metadata.labels') }, { path: 'one', ...fieldRef("metadata.annotations['a.b/c']") }] } },
          { name: 'ip', downwardAPI: { items: [{ path: 'ip', ...fieldRef('status.podIP') }] } },
          { name: 'proj', projected: { sources: [{ downwardAPI: { items: [{ path: 'node', ...fieldRef('spec.nodeName') }] } }] } },
        ],
      },
    });
    const fileFields = '"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"';
    // Volumes are checked before containers (ValidatePodSpec's order).
    assert.deepEqual(errors, [
      `spec.volumes[1].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "status.podIP": supported values: ${fileFields}`,
      `spec.volumes[2].projected.sources[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: ${fileFields}`,
      'spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Invalid value: "status.bogus": error converting fieldPath: field label not supported: status.bogus',
      `spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Invalid value: "metadata.name['x']": error converting fieldPath: field label does not support subscript: metadata.name['x']`,
      'spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Invalid value: "metadata.name": error converting fieldPath: unsupported pod version: v2',    ]);
  });

  it('requires volume mounts to name a volume', () => {
    const { errors } = create(pod, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }] } });
    assert.deepEqual(errors, ['spec.containers[0].volumeMounts[0].name: Not found: "nope"']);
  });

  it('allows image changes on update but forbids other spec changes', () => {
    const old = create(pod, threeContainers).obj;
    const newImage = structuredClone(old);
    newImage.spec.containers[0].image = 'redis:7.2';
    assert.deepEqual(update(pod, old, newImage).errors, []);
    const newPort = structuredClone(old);
    newPort.spec.containers[0].ports[0].containerPort = 6380;
    const errs = update(pod, old, newPort).errors;
    assert.equal(errs.length, 1);
    assert.ok(
      errs[0].startsWith(
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
      ),
      errs[0],
    );
  });

  it('refuses ephemeral containers on create', () => {
    const { errors } = create(pod, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ephemeralContainers: [{ name: 'd', image: 'busybox' }] } });
    assert.deepEqual(errors, ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
  });

  it('prints the upstream columns', () => {
    assert.deepEqual(columns(pod), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP*', 'Node*', 'Nominated Node*', 'Readiness Gates*']);
  });

  it('prints a running pod with restarts and when the last one happened', () => {
    const p: KObject = {
      metadata: { name: 'web', creationTimestamp: '2024-05-01T10:00:00Z' },
      spec: { nodeName: 'node-1', containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        podIPs: [{ ip: '10.244.1.5' }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:55:00Z' } } },
          { name: 'b', ready: false, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    assert.deepEqual(row(pod, p), ['web', '1/2', 'Running', '3 (5m ago)', '120m', '10.244.1.5', 'node-1', '<none>', '<none>']);
  });

  it('shows waiting reasons, init progress, completion and termination', () => {
    const base = { metadata: { name: 'x', creationTimestamp: '2024-05-01T11:59:00Z' }, spec: { containers: [{ name: 'a' }] } };
    const crash = { ...base, status: { phase: 'Running', containerStatuses: [{ name: 'a', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2024-05-01T11:59:30Z' } } }] } };
    assert.deepEqual(row(pod, crash).slice(1, 4), ['0/1', 'CrashLoopBackOff', '4 (30s ago)']);
    const creating = { ...base, status: { phase: 'Pending', containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }] } };
    assert.equal(row(pod, creating)[2], 'ContainerCreating');
    const init = { ...base, spec: { ...base.spec, initContainers: [{ name: 'i' }] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }] } };
    assert.equal(row(pod, init)[2], 'Init:0/1');
    const done = { ...base, status: { phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } };
    assert.equal(row(pod, done)[2], 'Completed');
    const deleting = { ...base, metadata: { ...base.metadata, deletionTimestamp: '2024-05-01T12:00:00Z' }, status: { phase: 'Running' } };
    assert.equal(row(pod, deleting)[2], 'Terminating');
    assert.equal(row(pod, { ...base, status: { phase: 'Pending' } })[2], 'Pending');
  });

  it('offers the upstream field selectors', () => {
    const { obj } = create(pod, threeContainers);
    assert.deepEqual(pod.selectableFields!(obj), {
      'spec.nodeName': '',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'false',
      'status.phase': 'Pending',
      'status.podIP': '',
      'status.nominatedNodeName': '',
    });
  });

  it('deletes unscheduled pods at once and scheduled ones after their grace period', () => {
    const { obj } = create(pod, threeContainers);
    assert.equal(pod.gracePeriodSeconds!(obj, undefined), 0);
    assert.equal(pod.gracePeriodSeconds!(obj, 45), 0, 'an unscheduled pod goes at once even when a grace period is asked for');
    obj.spec.nodeName = 'node-1';
    assert.equal(pod.gracePeriodSeconds!(obj, undefined), 30);
    assert.equal(pod.gracePeriodSeconds!(obj, 5), 5);
    obj.status = { phase: 'Succeeded' };
    assert.equal(pod.gracePeriodSeconds!(obj, 5), 0);
  });
});

describe('Pod resources', () => {
  const withResources = (resources: Record<string, unknown>) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', resources }] } });

  it('keeps requests at or below limits', () => {
    const { errors } = create(pod, withResources({ requests: { cpu: '2' }, limits: { cpu: '1' } }));
    assert.deepEqual(errors, ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']);
  });

  it('only accepts standard or qualified resource names', () => {
    const { errors } = create(pod, withResources({ limits: { gpu: '1' } }));
    // Requests are defaulted from limits first, so upstream reports both.
    assert.deepEqual(errors, [
      'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]);
  });

  it('stores quantities in canonical form', () => {
    const { obj } = create(pod, withResources({ limits: { memory: '1073741824', cpu: '1500m' } }));
    assert.deepEqual(obj.spec.containers[0].resources.limits, { memory: '1073741824', cpu: '1500m' });
    const { obj: bin } = create(pod, withResources({ limits: { memory: '1024Mi' } }));
    assert.equal(bin.spec.containers[0].resources.limits.memory, '1Gi');
  });
});

describe('Pod updates', () => {
  const base = () => create(pod, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], tolerations: [{ key: 'a', operator: 'Exists' }] } }).obj;

  it('may not add or remove containers', () => {
    const old = base();
    const next = structuredClone(old);
    next.spec.containers.push({ name: 'd', image: 'busybox' });
    assert.deepEqual(update(pod, old, next).errors, ['spec.containers: Forbidden: pod updates may not add or remove containers']);
  });

  it('accepts added tolerations and a lowered activeDeadlineSeconds', () => {
    const old = base();
    const next = structuredClone(old);
    next.spec.tolerations.push({ key: 'b', operator: 'Exists', effect: 'NoSchedule' });
    next.spec.activeDeadlineSeconds = 60;
    assert.deepEqual(update(pod, old, next).errors, []);
    const removed = structuredClone(old);
    removed.spec.tolerations = [];
    assert.deepEqual(update(pod, old, removed).errors, ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  });
});

describe('Pod spec checks', () => {
  it('orders container errors as upstream and names the DNS policies unsorted', () => {
    const { errors } = create(pod, { metadata: { name: 'p' }, spec: { dnsPolicy: 'Cluster', containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Sometimes' }] } });
    assert.deepEqual(errors, [
      'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]);
  });

  it('keeps init container names apart from the app containers and forbids probes on plain init containers', () => {
    const { errors } = create(pod, {
      metadata: { name: 'p' },
      spec: { initContainers: [{ name: 'app', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } }], containers: [{ name: 'app', image: 'nginx' }] },
    });
    assert.deepEqual(errors, [
      'spec.initContainers[0].name: Duplicate value: "app"',
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    ]);
  });

  it('requires a probe handler and defaults the httpGet path', () => {
    const { obj, errors } = create(pod, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', livenessProbe: { periodSeconds: 5 } }] } });
    assert.deepEqual(errors, ['spec.containers[0].livenessProbe: Required value: must specify a handler type']);
    assert.equal(obj.spec.containers[0].livenessProbe.failureThreshold, 3);
  });

  it('fills host ports for hostNetwork pods so they validate', () => {
    const { obj, errors } = create(pod, { metadata: { name: 'p' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } });
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.containers[0].ports[0].hostPort, 8080);
  });
});
