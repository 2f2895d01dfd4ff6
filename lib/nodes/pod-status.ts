// A pod's status as the kubelet reports it, computed from what runs on the host (pure: plain data
// in, PodStatus out). Follows kubelet_pods.go (generateAPIPodStatus, getPhase,
// convertToAPIContainerStatuses) and pkg/kubelet/status/generate.go for the conditions.
import { normalizeImage } from './container-spec.js';
import type { KObject } from '../registry/resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/** One Docker container of the pod, as the worker observed it. */
export interface ObservedContainer {
  id: string;
  /** Container name in the pod spec. */
  name: string;
  role: 'app' | 'init';
  restartCount: number;
  /** docker://… or docker-pullable://… */
  imageID: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** Set when Docker could not start the process (RunContainerError). */
  error?: string;
  /** The termination message (file at terminationMessagePath, or the log tail as its policy says). */
  message?: string;
  /** Readiness and startup probe verdicts of a running container (unset: no probe, so true). */
  ready?: boolean;
  started?: boolean;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** What the worker decided a container is waiting for (CrashLoopBackOff, ErrImagePull …). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface PodObservation {
  sandbox?: { id: string; running: boolean; ip?: string };
  /** Every instance (all restart counts) of the pod's containers. */
  containers: ObservedContainer[];
  waiting: Map<string, WaitingReason>;
  hostIP?: string;
  now: Date;
  /** A terminal outcome the worker decided (DeadlineExceeded …): phase, reason and message. */
  terminal?: { phase: string; reason: string; message: string };
}

function ts(s: string | undefined, fallback?: string): string | undefined {
  if (!s || s.startsWith('0001-01-01')) return fallback;
  return s.replace(/\.\d+Z$/, 'Z');
}

/** The newest instance (highest restart count, then newest) of one container. */
export function latestInstances(containers: ObservedContainer[], name: string, role: 'app' | 'init'): ObservedContainer[] {
  return containers
    .filter((c) => c.name === name && c.role === role)
    .sort((a, b) => b.restartCount - a.restartCount || (b.createdAt < a.createdAt ? -1 : b.createdAt > a.createdAt ? 1 : 0));
}

/** A run that ended: it exited, or Docker could not start its process at all. */
function ended(c: ObservedContainer): boolean {
  return !c.running && (!!ts(c.finishedAt) || !!c.error);
}

function terminatedState(c: ObservedContainer): J {
  // dockershim named a process Docker could not start "ContainerCannotRun" (exit 127/126, or 128).
  const cannotRun = !!c.error && !ts(c.finishedAt);
  const exitCode = c.exitCode || (cannotRun ? 128 : 0);
  const reason = c.oomKilled ? 'OOMKilled' : cannotRun ? 'ContainerCannotRun' : exitCode === 0 ? 'Completed' : 'Error';
  const t: J = { exitCode, reason };
  if (c.message || c.error) t.message = c.message || c.error;
  t.startedAt = ts(c.startedAt, null as never) ?? null;
  t.finishedAt = ts(c.finishedAt, null as never) ?? null;
  t.containerID = `docker://${c.id}`;
  return { terminated: t };
}

function containerStatus(spec: J, role: 'app' | 'init', obs: PodObservation, defaultWaiting: string): J {
  const [latest, previous] = latestInstances(obs.containers, spec.name, role);
  const waiting = obs.waiting.get(spec.name);
  const st: J = { name: spec.name, state: {}, lastState: {}, ready: false, restartCount: latest?.restartCount ?? 0, image: normalizeImage(spec.image ?? ''), imageID: latest?.imageID ?? '' };
  if (latest) st.containerID = `docker://${latest.id}`;
  if (latest?.running && !waiting) {
    st.state = { running: { startedAt: ts(latest.startedAt, obs.now.toISOString()) } };
    // Without a readiness probe a running container is ready (prober's default result); an init
    // container is ready only once it completed.
    st.ready = role === 'app' && latest.ready !== false;
    st.started = latest.started !== false;
    if (previous) st.lastState = terminatedState(previous);
  } else if (latest && !waiting && ended(latest)) {
    st.state = terminatedState(latest);
    // A completed init container counts as ready (isInitContainerInitialized).
    st.ready = role === 'init' && latest.exitCode === 0 && !latest.error;
    st.started = false;
    if (previous) st.lastState = terminatedState(previous);
  } else {
    st.state = { waiting: { reason: waiting?.reason ?? defaultWaiting, ...(waiting?.message ? { message: waiting.message } : {}) } };
    if (latest && ended(latest)) st.lastState = terminatedState(latest);
    else if (previous) st.lastState = terminatedState(previous);
    st.started = false;
  }
  return st;
}

/** getPhase (kubelet_pods.go). */
export function podPhase(pod: KObject, initStatuses: J[], statuses: J[]): string {
  const spec = pod.spec ?? {};
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (!s) pendingInit++;
    else if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers ?? []) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

/** generate.go: Initialized, ContainersReady and Ready, with upstream's reasons and messages. */
export function podConditions(pod: KObject, initStatuses: J[], statuses: J[], phase: string): Array<{ type: string; status: string; reason?: string; message?: string }> {
  const spec = pod.spec ?? {};
  // Initialized
  let initialized: { type: string; status: string; reason?: string; message?: string };
  {
    const unknown: string[] = [];
    const incomplete: string[] = [];
    for (const c of spec.initContainers ?? []) {
      const s = initStatuses.find((x) => x.name === c.name);
      if (!s) unknown.push(c.name);
      else if (!s.ready) incomplete.push(c.name);
    }
    const anyStarted = (spec.containers ?? []).some((c: J) => statuses.find((x) => x.name === c.name)?.started);
    const msgs: string[] = [];
    if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
    if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
    if (phase === 'Succeeded' && unknown.length === 0) initialized = { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
    else if (anyStarted || msgs.length === 0) initialized = { type: 'Initialized', status: 'True' };
    else initialized = { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: msgs.join(', ') };
  }
  // ContainersReady
  let containersReady: { type: string; status: string; reason?: string; message?: string };
  {
    const unknown: string[] = [];
    const unready: string[] = [];
    for (const c of spec.containers ?? []) {
      const s = statuses.find((x) => x.name === c.name);
      if (!s) unknown.push(c.name);
      else if (!s.ready) unready.push(c.name);
    }
    const msgs: string[] = [];
    if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
    if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
    if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') {
      containersReady = { type: 'ContainersReady', status: 'False', reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted' };
    } else if (msgs.length) containersReady = { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: msgs.join(', ') };
    else containersReady = { type: 'ContainersReady', status: 'True' };
  }
  // Ready
  let ready: { type: string; status: string; reason?: string; message?: string } = { ...containersReady, type: 'Ready' };
  if (containersReady.status === 'True') {
    const msgs: string[] = [];
    for (const g of spec.readinessGates ?? []) {
      const c = (pod.status?.conditions ?? []).find((x: J) => x.type === g.conditionType);
      if (!c) msgs.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
      else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
    }
    if (msgs.length) ready = { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  }
  return [initialized, ready, containersReady];
}

/** The whole PodStatus the kubelet would write now; keeps transition times of unchanged conditions. */
export function computePodStatus(pod: KObject, obs: PodObservation): J {
  const old: J = pod.status ?? {};
  const spec = pod.spec ?? {};
  const now = obs.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const hasInit = (spec.initContainers ?? []).length > 0;
  const defaultWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  const initStatuses = (spec.initContainers ?? []).map((c: J) => containerStatus(c, 'init', obs, defaultWaiting));
  const statuses = (spec.containers ?? []).map((c: J) => containerStatus(c, 'app', obs, defaultWaiting));
  let phase = obs.terminal?.phase ?? podPhase(pod, initStatuses, statuses);
  // A terminal phase is final (the kubelet never moves a pod out of Succeeded/Failed).
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  const conds = [
    { type: 'PodReadyToStartContainers', status: obs.sandbox?.running ? 'True' : 'False' },
    ...podConditions(pod, initStatuses, statuses, phase),
    { type: 'PodScheduled', status: 'True' },
  ];
  const oldConds: J[] = old.conditions ?? [];
  const conditions = conds.map((c) => {
    const prev = oldConds.find((o) => o.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
  });
  // Conditions someone else owns (readiness gates, DisruptionTarget …) are kept.
  for (const o of oldConds) if (!conditions.some((c) => c.type === o.type)) conditions.push(o);
  const status: J = { phase, conditions };
  if (obs.hostIP) {
    status.hostIP = obs.hostIP;
    status.hostIPs = [{ ip: obs.hostIP }];
  }
  // Once the sandbox is gone (a finished pod) the last known IP stays, as the kubelet keeps old podIPs.
  const podIP = obs.sandbox?.ip ?? old.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  status.startTime = old.startTime ?? now;
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  status.containerStatuses = statuses;
  if (old.qosClass) status.qosClass = old.qosClass;
  for (const k of ['nominatedNodeName', 'reason', 'message', 'resize'] as const) if (old[k] !== undefined) status[k] = old[k];
  if (obs.terminal) {
    status.reason = obs.terminal.reason;
    status.message = obs.terminal.message;
  }
  return status;
}
