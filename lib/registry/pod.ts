// core/v1 Pod: pkg/registry/core/pod/strategy.go (status on create, QoS class, graceful delete,
// field selectors), SetDefaults_Pod, ValidatePodCreate/ValidatePodUpdate and printPod.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { isDNS1123Subdomain, isQualifiedName, isValidIP } from '../validation/names.js';
import { parseQuantity } from '../validation/quantity.js';
import { defaultPod, validatePodSpec, validatePodSpecUpdate } from './pod-spec.js';
import { age, NAME_COLUMN, AGE_COLUMN, since } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/** ComputePodQOS (pkg/apis/core/helper/qos): only cpu and memory count. */
export function podQOSClass(pod: KObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests: Record<string, number> = {};
  const limits: Record<string, number> = {};
  let guaranteed = true;
  const containers: J[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of containers) {
    for (const [name, raw] of Object.entries((c?.resources?.requests ?? {}) as Record<string, string>)) {
      if (name !== 'cpu' && name !== 'memory') continue;
      const q = parseQuantity(raw);
      if (q && q.value > 0) requests[name] = (requests[name] ?? 0) + q.value;
    }
    const found = new Set<string>();
    for (const [name, raw] of Object.entries((c?.resources?.limits ?? {}) as Record<string, string>)) {
      if (name !== 'cpu' && name !== 'memory') continue;
      const q = parseQuantity(raw);
      if (q && q.value > 0) {
        found.add(name);
        limits[name] = (limits[name] ?? 0) + q.value;
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of Object.entries(requests)) {
      if (limits[name] === undefined || Math.abs(limits[name] - req) > 1e-12) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && Object.keys(requests).length === Object.keys(limits).length ? 'Guaranteed' : 'Burstable';
}

function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** podStrategy.PrepareForCreate: a new pod is Pending with its QoS class; gated pods say so. */
function prepareForCreate(pod: KObject): void {
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
  if ((pod.spec?.schedulingGates ?? []).length > 0) {
    pod.status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
        lastProbeTime: null,
        lastTransitionTime: nowTimestamp(),
      },
    ];
  }
}

function validate(pod: KObject): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, { namespaced: true });
  errs.push(...validatePodSpec(pod.spec, 'spec', { resourceIsPod: true }));
  if ((pod.spec?.ephemeralContainers ?? []).length > 0) errs.push(field.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  return errs;
}

/** ValidatePodUpdate: the whole pod is re-validated, then the spec may only change as allowed. */
function validateUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodSpec(pod.spec, 'spec', { resourceIsPod: true }));
  errs.push(...validatePodSpecUpdate(pod.spec, old.spec, 'spec'));
  // Duplicate reports of the same problem (e.g. a missing image) are dropped.
  const seen = new Set<string>();
  return errs.filter((e) => {
    const key = `${e.type}|${e.field}|${e.detail ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** ValidatePodStatusUpdate: what a kubelet or scheduler may not do to a pod's status. */
function validateStatusUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  const st = pod.status ?? {};
  // Upstream really reports condition types under metadata.conditions.
  (st.conditions ?? []).forEach((c: J, i: number) => {
    if (['PodScheduled', 'Ready', 'Initialized'].includes(c?.type)) return;
    for (const m of isQualifiedName(c?.type ?? '')) errs.push(field.invalid(`metadata.conditions[${i}].Type`, c?.type ?? '', m));
  });
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) errs.push(field.forbidden('status.nodeName', 'may not be changed directly'));
  if (st.nominatedNodeName && st.nominatedNodeName !== old.status?.nominatedNodeName) {
    for (const m of isDNS1123Subdomain(st.nominatedNodeName)) errs.push(field.invalid('status.nominatedNodeName', st.nominatedNodeName, m));
  }
  if ((st.qosClass ?? '') !== (old.status?.qosClass ?? '')) errs.push(field.invalid('status.qosClass', st.qosClass ?? '', 'field is immutable'));
  const restartPolicy = old.spec?.restartPolicy;
  if (restartPolicy !== 'Always') {
    ((old.status?.containerStatuses ?? []) as J[]).forEach((os, i) => {
      const term = os?.state?.terminated;
      if (!term || (term.exitCode !== 0 && restartPolicy === 'OnFailure')) return;
      for (const ns of (st.containerStatuses ?? []) as J[]) {
        if (ns?.name === os.name && !ns?.state?.terminated) errs.push(field.forbidden(`status.containerStatuses[${i}].state`, 'may not be transitioned to non-terminated state'));
      }
    });
  }
  const ips: J[] = st.podIPs ?? [];
  ips.forEach((p, i) => {
    for (const m of isValidIP(p?.ip ?? '')) errs.push(field.invalid(`status.podIPs[${i}]`, p?.ip ?? '', m));
  });
  return errs;
}

// ---------------------------------------------------------------- table (printPod)

function isRestartableInit(c: J): boolean {
  return c?.restartPolicy === 'Always';
}

function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The Ready, Status and Restarts cells, with printPod's reason logic. */
export function podStatusCells(pod: KObject, now: number): { ready: string; reason: string; restarts: string } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  let reason: string = status.reason || status.phase || '';
  for (const c of status.conditions ?? []) if (c?.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  const inits = new Map<string, J>();
  for (const c of spec.initContainers ?? []) {
    inits.set(c?.name, c);
    if (isRestartableInit(c)) total++;
  }
  let initializing = false;
  const initStatuses: J[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    restarts += cs.restartCount ?? 0;
    const lastTerm = cs.lastState?.terminated?.finishedAt;
    lastRestart = laterOf(lastRestart, lastTerm);
    const restartable = isRestartableInit(inits.get(cs.name));
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = laterOf(lastRestartableInitRestart, lastTerm);
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
      else reason = `Init:${term.reason}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (status.conditions ?? []).some((c: J) => c?.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: J[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += cs.restartCount ?? 0;
      lastRestart = laterOf(lastRestart, cs.lastState?.terminated?.finishedAt);
      const waiting = cs.state?.waiting;
      const term = cs.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).some((c: J) => c?.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, reason, restarts: restartsCell };
}

function readinessGates(pod: KObject): string {
  const gates: J[] = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let ok = 0;
  for (const g of gates) {
    const c = (pod.status?.conditions ?? []).find((x: J) => x?.type === g?.conditionType);
    if (c?.status === 'True') ok++;
  }
  return `${ok}/${gates.length}`;
}

export const pod: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  model: 'V1Pod',
  statusSubresource: true,
  // Pods carry no metadata.generation in 1.32 (PodObservedGenerationTracking came later).
  hasGeneration: false,
  subresources: [
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
  defaults: defaultPod,
  prepareForCreate,
  validate,
  validateUpdate,
  validateStatusUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.' },
      { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
      { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
      AGE_COLUMN,
      { name: 'IP', type: 'string', priority: 1, description: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.' },
      { name: 'Node', type: 'string', priority: 1, description: 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.' },
      { name: 'Nominated Node', type: 'string', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.' },
      { name: 'Readiness Gates', type: 'string', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"' },
    ],
    row(pod, now) {
      const { ready, reason, restarts } = podStatusCells(pod, now);
      const ip = pod.status?.podIPs?.[0]?.ip || '<none>';
      return [
        pod.metadata.name,
        ready,
        reason,
        restarts,
        age(pod, now),
        ip,
        pod.spec?.nodeName || '<none>',
        pod.status?.nominatedNodeName || '<none>',
        readinessGates(pod),
      ];
    },
  },
  selectableFields(pod) {
    return {
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
      'spec.schedulerName': pod.spec?.schedulerName ?? '',
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(pod.spec?.hostNetwork === true),
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIPs?.[0]?.ip ?? '',
      'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
    };
  },
  /**
   * podStrategy.CheckGracefulDelete: terminationGracePeriodSeconds, but 0 for a pod never
   * scheduled or already finished, and 1 for a negative period.
   */
  gracePeriodSeconds(pod, requested) {
    // CheckGracefulTerminationStrategy: unscheduled and finished pods go at once, whatever was asked.
    if (!pod.spec?.nodeName) return 0;
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return 0;
    const period = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
    return period < 0 ? 1 : period;
  },
};
