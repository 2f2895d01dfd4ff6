import assert from 'node:assert/strict';
import { isApiError } from '../../lib/api/errors.js';
import {
  canEncodeProtobuf,
  decodeProtobufObject,
  decodeWatchEventFrames,
  encodeProtobufObject,
  encodeWatchEventFrame,
  isProtobuf,
  peekProtobufKind,
  PROTOBUF_MAGIC,
} from '../../lib/protobuf/codec.js';
import { formatGoDuration, parseGoDuration } from '../../lib/protobuf/gotime.js';
import { Writer } from '../../lib/protobuf/wire.js';

type Obj = Record<string, any>;

const roundTrip = (o: Obj): Obj => decodeProtobufObject(encodeProtobufObject(o));

/** Asserts the call throws a 400 ApiError whose message matches. */
function assertBadRequest(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isApiError(e), `not an ApiError: ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.match(e.status.message ?? '', message);
    return true;
  });
}

// Objects below are written in the form kube-apiserver's JSON has (Go's encoding/json of the
// typed struct): struct-valued fields present (`resources: {}`, `creationTimestamp: null`),
// omitempty zero values absent, pointer zero values present.
const T = '2024-01-02T03:04:05Z';

const richPod: Obj = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'web-0',
    namespace: 'default',
    uid: 'a1b2',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: T,
    deletionTimestamp: '2024-01-02T03:05:05Z',
    deletionGracePeriodSeconds: 0,
    labels: { app: 'web', tier: 'fe' },
    annotations: { 'example.com/note': 'x' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u-rs', controller: true, blockOwnerDeletion: true }],
    finalizers: ['example.com/f'],
    managedFields: [
      { manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: T, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } } },
    ],
  },
  spec: {
    volumes: [
      { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 420 }], defaultMode: 420, optional: false } },
      { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ],
    containers: [
      {
        name: 'app',
        image: 'nginx:1.25',
        command: ['nginx'],
        args: ['-g', 'daemon off;'],
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'b', optional: true } } },
          { name: 'C', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'D', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } } },
        ],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
        volumeMounts: [{ name: 'cfg', readOnly: true, mountPath: '/etc/cfg' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
        securityContext: { capabilities: { drop: ['ALL'] }, runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    serviceAccountName: 'default',
    serviceAccount: 'default',
    automountServiceAccountToken: false,
    nodeName: 'node-1',
    securityContext: { fsGroup: 2000 },
    schedulerName: 'default-scheduler',
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
      },
    },
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-01-02T03:04:10Z' }],
    hostIP: '10.0.0.1',
    podIP: '10.244.1.5',
    podIPs: [{ ip: '10.244.1.5' }],
    startTime: '2024-01-02T03:04:06Z',
    containerStatuses: [
      {
        name: 'app',
        state: { running: { startedAt: '2024-01-02T03:04:08Z' } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: 'nginx:1.25',
        imageID: 'docker-pullable://nginx@sha256:abc',
        containerID: 'docker://123',
        started: true,
      },
    ],
    qosClass: 'Burstable',
  },
};

const deployment: Obj = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: T, annotations: { 'deployment.kubernetes.io/revision': '1' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
    template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', resources: {} }] } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
    minReadySeconds: 5,
    revisionHistoryLimit: 10,
    paused: true,
    progressDeadlineSeconds: 600,
  },
  status: {
    observedGeneration: 2,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', lastUpdateTime: T, lastTransitionTime: T, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
    ],
  },
};

const service: Obj = {
  kind: 'Service',
  apiVersion: 'v1',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: T },
  spec: {
    ports: [
      { name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080 },
      { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
    ],
    selector: { app: 'web' },
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    type: 'NodePort',
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
  },
  status: { loadBalancer: {} },
};

const configMap: Obj = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'cfg', namespace: 'default', creationTimestamp: null },
  immutable: true,
  data: { 'app.conf': 'a=1\nb=2\n', empty: '' },
  binaryData: { 'blob.bin': Buffer.from([0, 1, 0xfe, 0xff]).toString('base64'), 'empty.bin': '' },
};

const secret: Obj = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 's', namespace: 'default', creationTimestamp: null },
  data: { password: Buffer.from('hunter2').toString('base64'), key: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') },
  stringData: { token: 'plain' },
  type: 'Opaque',
};

const podTemplate = { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['date'], resources: {} }], restartPolicy: 'OnFailure' } };

const job: Obj = {
  kind: 'Job',
  apiVersion: 'batch/v1',
  metadata: { name: 'j', namespace: 'default', creationTimestamp: null },
  spec: { parallelism: 2, completions: 4, backoffLimit: 0, completionMode: 'Indexed', suspend: false, ttlSecondsAfterFinished: 100, template: podTemplate },
  status: { startTime: T, active: 1, ready: 0, uncountedTerminatedPods: {} },
};

const cronJob: Obj = {
  kind: 'CronJob',
  apiVersion: 'batch/v1',
  metadata: { name: 'c', namespace: 'default', creationTimestamp: null },
  spec: {
    schedule: '*/1 * * * *',
    timeZone: 'Etc/UTC',
    startingDeadlineSeconds: 30,
    concurrencyPolicy: 'Forbid',
    suspend: false,
    jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: podTemplate } },
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
  },
  status: { active: [{ kind: 'Job', namespace: 'default', name: 'c-1', uid: 'u1', apiVersion: 'batch/v1', resourceVersion: '7' }], lastScheduleTime: T },
};

const ssar: Obj = {
  kind: 'SelfSubjectAccessReview',
  apiVersion: 'authorization.k8s.io/v1',
  metadata: { creationTimestamp: null },
  spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments', subresource: 'scale', name: 'web' } },
  status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "admin"' },
};

const crd: Obj = {
  kind: 'CustomResourceDefinition',
  apiVersion: 'apiextensions.k8s.io/v1',
  metadata: { name: 'widgets.example.com', creationTimestamp: null },
  spec: {
    group: 'example.com',
    names: { plural: 'widgets', singular: 'widget', shortNames: ['wd'], kind: 'Widget', listKind: 'WidgetList', categories: ['all'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        deprecated: true,
        deprecationWarning: 'use v2',
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
                properties: {
                  size: { type: 'integer', format: 'int32', minimum: 1, maximum: 10.5, default: 3 },
                  mode: { type: 'string', enum: ['a', 'b', null] },
                  port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                  tuple: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
                  ports: {
                    type: 'array',
                    items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, pattern: '^[a-z]+$' } } },
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                  },
                  labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'granular' },
                  closed: { type: 'object', additionalProperties: false },
                  open: { type: 'object', additionalProperties: true },
                  template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
                  ref: { $ref: '#/definitions/thing', $schema: 'http://json-schema.org/draft-04/schema#' },
                  deps: { type: 'object', dependencies: { a: ['b', 'c'], d: { required: ['e'] } } },
                  nullableThing: { type: 'string', nullable: true, example: 'x' },
                },
                'x-kubernetes-validations': [
                  { rule: 'self.size <= 10', message: 'too big', messageExpression: "'size ' + string(self.size)", reason: 'FieldValueInvalid', fieldPath: '.size', optionalOldSelf: true },
                ],
              },
            },
            definitions: { thing: { type: 'string' } },
          },
        },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        selectableFields: [{ jsonPath: '.spec.mode' }],
      },
    ],
    conversion: { strategy: 'None' },
  },
  status: {
    conditions: [{ type: 'Established', status: 'True', lastTransitionTime: T, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }],
    acceptedNames: { plural: 'widgets', kind: 'Widget' },
    storedVersions: ['v1'],
  },
};

describe('protobuf codec', () => {
  describe('round trip JSON → protobuf → JSON', () => {
    const cases: [string, Obj][] = [
      ['a Pod with volumes, probes, env sources, affinity and status', richPod],
      ['a Deployment with a rolling-update strategy and conditions', deployment],
      ['a NodePort Service with named and numeric target ports', service],
      ['a ConfigMap with binaryData', configMap],
      ['a Secret with binary data and stringData', secret],
      ['a Job with pointer fields set to zero', job],
      ['a CronJob with a job template and status', cronJob],
      ['a SelfSubjectAccessReview with a status', ssar],
      ['a CustomResourceDefinition whose schema uses x-kubernetes-* extensions, $ref and every schema-or-x form', crd],
    ];
    for (const [what, obj] of cases) {
      it(`preserves ${what}`, () => {
        assert.deepEqual(roundTrip(obj), obj);
      });
    }
  });

  describe('Go JSON semantics of decoded objects', () => {
    it('fills struct-valued fields and drops omitempty zero values like kube-apiserver', () => {
      const out = roundTrip({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } });
      assert.deepEqual(out, {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { name: 'd', creationTimestamp: null },
        spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } }, strategy: {} },
        status: {},
      });
    });

    it('keeps zero values of pointer fields (replicas: 0, automountServiceAccountToken: false)', () => {
      const out = roundTrip({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa' }, automountServiceAccountToken: false });
      assert.equal(out.automountServiceAccountToken, false);
      assert.equal(roundTrip({ ...deployment, spec: { ...deployment.spec, replicas: 0 } }).spec.replicas, 0);
    });

    it('promotes the fields of inline structs (Volume.VolumeSource, IngressRule.IngressRuleValue)', () => {
      const ing = {
        kind: 'Ingress',
        apiVersion: 'networking.k8s.io/v1',
        metadata: { name: 'i', creationTimestamp: null },
        spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { name: 'http' } } } }] } }] },
        status: { loadBalancer: {} },
      };
      assert.deepEqual(roundTrip(ing), ing);
      assert.deepEqual(roundTrip(richPod).spec.volumes[1], { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } });
    });

    it('uses the JSON names that differ from proto names ($ref, x-kubernetes-preserve-unknown-fields)', () => {
      const props = roundTrip(crd).spec.versions[0].schema.openAPIV3Schema.properties.spec;
      assert.equal(props['x-kubernetes-preserve-unknown-fields'], true);
      assert.equal(props.properties.ref.$ref, '#/definitions/thing');
      assert.equal(props.xKubernetesPreserveUnknownFields, undefined);
    });

    it('writes int64 and negative int32 values as JS numbers', () => {
      const pc = { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'low', creationTimestamp: null, generation: 2 ** 40 }, value: -5 };
      assert.deepEqual(roundTrip(pc), pc);
    });
  });

  describe('Time, MicroTime and Duration', () => {
    it('decodes the zero time as null and the Unix epoch as 1970', () => {
      const ns = (t: unknown) => roundTrip({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', creationTimestamp: t } }).metadata.creationTimestamp;
      assert.equal(ns(null), null);
      assert.equal(ns('0001-01-01T00:00:00Z'), null);
      assert.equal(ns('1970-01-01T00:00:00Z'), '1970-01-01T00:00:00Z');
    });

    it('normalises offsets to UTC and keeps whole seconds only for metav1.Time', () => {
      const out = roundTrip({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', creationTimestamp: '2024-01-02T05:04:05.987+02:00' } });
      assert.equal(out.metadata.creationTimestamp, '2024-01-02T03:04:05Z');
    });

    it('keeps microseconds for metav1.MicroTime (Event.eventTime, Lease.spec.renewTime)', () => {
      const lease = {
        kind: 'Lease',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: { name: 'l', namespace: 'kube-system', creationTimestamp: null },
        spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2024-01-02T03:04:05.000000Z', renewTime: '2024-01-02T03:04:05.123456Z', leaseTransitions: 0 },
      };
      assert.deepEqual(roundTrip(lease), lease);
      const ev = roundTrip({ kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: { name: 'e' }, eventTime: '2024-01-02T03:04:05.5Z', regarding: { kind: 'Pod', name: 'p' }, reason: 'Started', type: 'Normal' });
      assert.equal(ev.eventTime, '2024-01-02T03:04:05.500000Z');
    });

    it('formats durations like Go time.Duration.String()', () => {
      assert.equal(formatGoDuration(0n), '0s');
      assert.equal(formatGoDuration(1500n * 1_000_000n), '1.5s');
      assert.equal(formatGoDuration(90n * 60n * 1_000_000_000n), '1h30m0s');
      assert.equal(formatGoDuration(1000n), '1µs');
      assert.equal(formatGoDuration(2_500_000n), '2.5ms');
      assert.equal(formatGoDuration(-2n * 1_000_000_000n), '-2s');
      assert.equal(parseGoDuration('1h30m'), 5400n * 1_000_000_000n);
      assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
      assert.equal(parseGoDuration('300ms'), 300_000_000n);
      assert.equal(parseGoDuration('bogus'), undefined);
    });
  });

  describe('Quantity and IntOrString', () => {
    it('keeps quantity strings and stringifies JSON numbers', () => {
      const q = roundTrip({ kind: 'ResourceQuota', apiVersion: 'v1', metadata: { name: 'q' }, spec: { hard: { cpu: 2, memory: '1Gi', pods: '10' } } });
      assert.deepEqual(q.spec.hard, { cpu: '2', memory: '1Gi', pods: '10' });
    });

    it('decodes an unset non-pointer Quantity as "0" and IntOrString as 0, as Go marshals their zero values', () => {
      const svc = roundTrip({ kind: 'Service', apiVersion: 'v1', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
      assert.deepEqual(svc.spec.ports, [{ port: 80, targetPort: 0 }]);
      const pod = roundTrip({
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] }] },
      });
      assert.deepEqual(pod.spec.containers[0].env[0].valueFrom.resourceFieldRef, { resource: 'limits.cpu', divisor: '0' });
    });

    it('keeps int and string forms of IntOrString apart', () => {
      const pdb = (v: unknown) => roundTrip({ kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', metadata: { name: 'p' }, spec: { minAvailable: v } }).spec.minAvailable;
      assert.equal(pdb(2), 2);
      assert.equal(pdb('2'), '2');
      assert.equal(pdb('50%'), '50%');
    });
  });

  describe('lists, Status, discovery kinds and watch frames', () => {
    it('encodes a PodList whose items carry no kind, as kube-apiserver lists do', () => {
      const list = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '100', continue: 'abc', remainingItemCount: 5 }, items: [{ ...richPod, kind: undefined, apiVersion: undefined }] };
      const { kind: _k, apiVersion: _a, ...item } = richPod;
      assert.deepEqual(roundTrip(list), { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '100', continue: 'abc', remainingItemCount: 5 }, items: [item] });
    });

    it('encodes a Status with details and causes', () => {
      const st = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        reason: 'Invalid',
        details: { name: 'web', group: 'apps', kind: 'Deployment', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1', field: 'spec.replicas' }] },
        code: 422,
      };
      assert.deepEqual(roundTrip(st), st);
    });

    it('accepts meta/v1 kinds under any group version (DeleteOptions posted to apps/v1)', () => {
      const del = { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u' }, dryRun: ['All'] };
      assert.deepEqual(roundTrip(del), del);
      const ev = { kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: 'p', namespace: 'default', creationTimestamp: null }, deleteOptions: { gracePeriodSeconds: 30 } };
      assert.deepEqual(roundTrip(ev), ev);
    });

    it('encodes APIResourceList verbs, a named slice, as a JSON array', () => {
      const rl = {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'apps/v1',
        resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['get', 'list'], shortNames: ['deploy'], categories: ['all'] }],
      };
      assert.deepEqual(roundTrip(rl), rl);
    });

    it('frames watch events with a big-endian length and an enveloped object', () => {
      const a = encodeWatchEventFrame('ADDED', configMap);
      const b = encodeWatchEventFrame('DELETED', secret);
      assert.equal(a.readUInt32BE(0), a.length - 4);
      const { events, rest } = decodeWatchEventFrames(Buffer.concat([a, b, b.subarray(0, 3)]));
      assert.deepEqual(events, [
        { type: 'ADDED', object: configMap },
        { type: 'DELETED', object: secret },
      ]);
      assert.equal(rest.length, 3);
    });

    it('refuses to encode kinds that have no protobuf form (custom resources) with 406', () => {
      assert.equal(canEncodeProtobuf({ apiVersion: 'example.com/v1', kind: 'Widget' }), false);
      assert.equal(canEncodeProtobuf(configMap), true);
      assert.throws(() => encodeProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget' }), (e: unknown) => isApiError(e) && e.code === 406);
    });
  });

  describe('request body errors', () => {
    it('recognises the protobuf media type with or without parameters', () => {
      assert.equal(isProtobuf('application/vnd.kubernetes.protobuf; charset=utf-8'), true);
      assert.equal(isProtobuf('application/vnd.kubernetes.protobuf;stream=watch'), true);
      assert.equal(isProtobuf('application/json'), false);
      assert.equal(isProtobuf(undefined), false);
    });

    it('rejects a body without the k8s magic prefix, as upstream does', () => {
      assertBadRequest(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')), /^provided data does not appear to be a protobuf message, expected prefix \[107 56 115 0\]$/);
      assertBadRequest(() => decodeProtobufObject(Buffer.alloc(0)), /^empty data$/);
      assertBadRequest(() => decodeProtobufObject(PROTOBUF_MAGIC), /^empty body$/);
    });

    it('rejects unknown kinds with the scheme error and names the expected kind when given', () => {
      const body = encodeProtobufObject(configMap);
      const foreign = Buffer.from(body.toString('latin1').replace('ConfigMap', 'WidgetMap'), 'latin1');
      assertBadRequest(() => decodeProtobufObject(foreign), /^no kind "WidgetMap" is registered for version "v1" in scheme/);
      assertBadRequest(() => decodeProtobufObject(foreign, { kind: 'ConfigMap' }), /^WidgetMap in version "v1" cannot be handled as a ConfigMap: no kind "WidgetMap"/);
    });

    it('rejects a missing kind and a truncated message', () => {
      const u = new Writer();
      u.bytes(1, Buffer.from([0x0a, 0x02, 0x76, 0x31])); // typeMeta {apiVersion: "v1"}
      assertBadRequest(() => decodeProtobufObject(Buffer.concat([PROTOBUF_MAGIC, u.finish()])), /^Object 'Kind' is missing in/);
      const body = encodeProtobufObject(richPod);
      assertBadRequest(() => decodeProtobufObject(body.subarray(0, body.length - 7)), /unexpected EOF/);
    });

    it('reads value fields that a non-Go encoder left out as their zero value', () => {
      // Service {1: metadata {1: "s"}, 2: spec {1: ports [{}]}}: the port has no fields at all.
      const raw = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x73, 0x12, 0x02, 0x0a, 0x00]);
      const tm = new Writer();
      tm.string(1, 'v1');
      tm.string(2, 'Service');
      const u = new Writer();
      u.bytes(1, tm.finish());
      u.bytes(2, raw);
      const svc = decodeProtobufObject(Buffer.concat([PROTOBUF_MAGIC, u.finish()]));
      assert.deepEqual(svc.spec, { ports: [{ port: 0, targetPort: 0 }] });
      assert.deepEqual(svc.status, { loadBalancer: {} });
    });

    it('skips fields it does not know, as gogo-protobuf does', () => {
      const raw = new Writer();
      raw.bytes(1, Buffer.from([0x0a, 0x01, 0x78])); // metadata {name: "x"}
      raw.string(99, 'from a newer kubectl');
      const tm = new Writer();
      tm.string(1, 'v1');
      tm.string(2, 'ConfigMap');
      const u = new Writer();
      u.bytes(1, tm.finish());
      u.bytes(2, raw.finish());
      const body = Buffer.concat([PROTOBUF_MAGIC, u.finish()]);
      assert.deepEqual(peekProtobufKind(body), { apiVersion: 'v1', kind: 'ConfigMap' });
      assert.deepEqual(decodeProtobufObject(body), { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: null } });
    });
  });
});
