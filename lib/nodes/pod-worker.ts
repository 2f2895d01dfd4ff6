// The kubelet's core loop for one node, run from the control plane: pods bound to the node
// (spec.nodeName) become Docker containers on its host. Level-triggered like kuberuntime's SyncPod
// (kuberuntime_manager.go computePodActions): each pass reads the pod and the containers that carry
// its labels, converges (sandbox, then init containers in order, then app containers, restarting
// with the kubelet's back-off), and writes the status the kubelet would. It keeps no state it
// cannot rebuild: a new worker adopts what runs (matched by pod uid, container name and restart
// count labels) and the Docker container names (dockershim's k8s_<c>_<pod>_<ns>_<uid>_<n>) make a
// racing second create fail with 409 instead of duplicating a container.
//
// Cost model (issue 3 figures): pods come from an in-process informer (no store read per sync),
// syncs run through a bounded per-node queue (pod-sync-queue.ts), the periodic pass lists the
// node's containers once and skips pods with nothing to do, and status is written only when it
// changes. Every Docker call shares the SSH link's small keep-alive channel pool (docker-client.ts).
import type Docker from 'dockerode';
import { ApiError } from '../api/errors.js';
import { logger } from '../log.js';
import { nowTimestamp, type GenericStore } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import { Informer, type InformerEventType } from '../client/informer.js';
import {
  ContainerConfigError,
  CONTAINER_HASH_LABEL,
  containerCreateOptions,
  containerHash,
  containerName,
  envReferences,
  envUsesPodIP,
  HOST_STATE_DIR,
  hostVolumes,
  resolveEnv,
  sandboxCreateOptions,
  serviceEnv,
  servicesForPod,
  SANDBOX_POD_PATH,
  podDir,
  terminationFile,
  fileVolumeKind,
  memoryVolumes,
  persistentVolumePath,
  verifyRunAsNonRoot,
  volumeFiles,
  volumeReferences,
  volumeTarEntries,
  pullAuth,
  type EnvSources,
  type PullAuth,
  type VolumeSources,
} from './container-spec.js';
import { createHash } from 'node:crypto';
import { ensureInfraImage } from './infra-image.js';
import { prepareHostStateDir, removeStateDir, type HostOwner } from './host-state.js';
import { grpcHealthCheck } from './grpc-probe.js';
import { demuxDockerStream } from './docker-stream.js';
import { withTimeout } from './timeout.js';
import { ensurePodNetwork, type PodNetwork } from './pod-network.js';
import { computePodStatus, type ObservedContainer, type WaitingReason } from './pod-status.js';
import { PodSyncQueue } from './pod-sync-queue.js';
import { PodFileWriter } from './pod-files.js';
import { dockerStatus } from './docker-client.js';
import { CONTAINER_LABELS, type HostConnection } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/** The kubelet's container restart back-off (kubelet.go: backOffPeriod, MaxContainerBackOff). */
const BACKOFF_INITIAL_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const DOCKER_CALL_MS = 30_000;
/** How long the periodic pass leaves a pod whose sync failed (kubelet podWorkers: backOffPeriod). */
const SYNC_ERROR_BACKOFF_MS = 10_000;
const PULL_TIMEOUT_MS = 120_000;
/**
 * Pods syncing at once per node. dockerd starts containers about as fast one after another as in
 * parallel (test bed: 30 at once ≈ 30 in a row), so a few keep it busy while each start stays quick.
 */
const DEFAULT_CONCURRENT_SYNCS = 2;
/** How long an image found on the host is taken as present without asking again (IfNotPresent, Never). */
const IMAGE_PRESENT_TTL_MS = 60_000;
/** kubelet: maxContainerTerminationMessageLength, and the log fallback's 80 lines / 2048 bytes. */
const MAX_TERMINATION_MESSAGE = 4096;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

export interface PodWorkerOptions {
  nodeName: string;
  docker: Docker;
  generic: GenericStore;
  registry: ResourceRegistry;
  /** The node's pod CIDR: the subnet of the kubeshim bridge network. */
  podCIDR?: string;
  /** Full pass interval (also what wakes pods out of back-off), default 2 s. */
  resyncMs?: number;
  /** status.hostIP (the node's InternalIP; default the connection's address); also the pod IP of hostNetwork pods. */
  hostIP?: string;
  /** The host's SSH connection: removes a deleted pod's volume directories from the host. */
  connection?: HostConnection;
  /** Pods syncing at once (a bounded work queue; deleted pods skip the bound), default 2. */
  maxConcurrentSyncs?: number;
  /** Back-off base, default 10 s (tests shorten it). */
  backoffInitialMs?: number;
  /** Cluster DNS servers (kubelet --cluster-dns) for dnsPolicy ClusterFirst; none: Docker's resolver. */
  clusterDNS?: string[];
  /** kubelet --cluster-domain, default cluster.local. */
  clusterDomain?: string;
  /** Issues projected service account tokens (the API server's ServiceAccountTokens). */
  tokens?: {
    issue(opts: { namespace: string; name: string; uid: string; audiences?: string[]; expirationSeconds?: number }): { token: string; expiration: Date };
  };
}

/** The sandbox a pod's containers join: its id at once, the container once it runs. */
interface SandboxHandle {
  id: string;
  /** Resolves once the sandbox runs (at once for one found running); rejects when it cannot start. */
  started: Promise<void>;
  /** The sandbox as a list would show it, with its inspect (pod IP) cached, once it runs. */
  running: Promise<ListedContainer>;
  /** Whether `started` has settled, and whether it failed. */
  settled: boolean;
  failed: boolean;
}

function sandboxHandle(id: string, started: Promise<void>, running: () => Promise<ListedContainer>): SandboxHandle {
  const h: SandboxHandle = { id, started, running: started.then(running), settled: false, failed: false };
  // Settled either way; a failure is rethrown to whoever awaits, never left unhandled.
  started.then(
    () => (h.settled = true),
    () => (h.settled = h.failed = true),
  );
  h.running.catch(() => undefined);
  return h;
}

interface BackOffEntry {
  delayMs: number;
  /** Why the last attempt failed (image pulls: the ImagePullBackOff message names it). */
  error?: string;
  /** Time (ms) of the event the delay counts from (the container's finish, or the failed pull). */
  last: number;
}

/** Go's time.Duration String() for whole seconds: 10s, 1m20s, 5m0s. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

/** format.Pod: name_namespace(uid), as kubelet messages name pods. */
function podRef(pod: KObject): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}


function errorText(e: unknown): string {
  const j = (e as { json?: { message?: string } })?.json;
  if (j?.message) return j.message;
  const msg = (e as Error)?.message ?? String(e);
  return msg.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}

const bounded = withTimeout;

interface ProbeState {
  successes: number;
  failures: number;
  lastRun: number;
  /** The probe's verdict once a threshold was crossed (undefined: none yet). */
  result?: boolean;
}

type ProbeKind = 'startup' | 'liveness' | 'readiness';
const PROBE_FIELD: Record<ProbeKind, string> = { startup: 'startupProbe', liveness: 'livenessProbe', readiness: 'readinessProbe' };
const PROBE_NAME: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

interface ListedContainer {
  Id: string;
  Names?: string[];
  Image: string;
  ImageID: string;
  State: string;
  Labels: Record<string, string>;
  Created: number;
}

/** What a pass compares to tell whether a pod's containers changed: ids and states. */
function fingerprint(containers: ListedContainer[]): string {
  return containers.map((c) => `${c.Id}:${c.State}`).sort().join(',');
}

export class PodWorker {
  readonly nodeName: string;
  private readonly hostIP?: string;
  private readonly docker: Docker;
  private readonly generic: GenericStore;
  private readonly podType: ResourceType;
  private readonly eventType: ResourceType;
  private readonly configMapType: ResourceType;
  private readonly secretType: ResourceType;
  private readonly resyncMs: number;
  private readonly backoffInitialMs: number;
  private informer?: Informer;
  private queue?: PodSyncQueue;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  /** The pass's node-wide container list, per pod uid, and when it was asked for. */
  private readonly prelisted = new Map<string, { containers: ListedContainer[]; at: number }>();
  /** When each pod's last sync ended (performance.now()). */
  private readonly syncEnded = new Map<string, number>();
  /** What each pod's last completed sync saw, and whether it had nothing left to do (quiet). */
  private readonly synced = new Map<string, { rv?: string; fingerprint: string; quiet: boolean }>();
  /** The last status this worker wrote per pod: its resourceVersion and JSON (the informer may lag behind). */
  private readonly written = new Map<string, { rv: string; status: string }>();
  /** image reference → inspect result and when it was taken. */
  private readonly images = new Map<string, { info: J; at: number }>();
  /** uid → namespace/name, learnt from the API and from container labels. */
  private readonly names = new Map<string, { namespace: string; name: string }>();
  private readonly backoff = new Map<string, BackOffEntry>();
  private readonly inspectCache = new Map<string, { state: string; info: J }>();
  private readonly events = new Map<string, { name: string; count: number }>();
  /** Probe state per container id and probe kind. */
  private readonly probeStates = new Map<string, ProbeState>();
  /** What the prober needs per pod: its spec, IP and running containers, refreshed by each sync. */
  private readonly probeTargets = new Map<string, { pod: KObject; podIP?: string; containers: ListedContainer[] }>();
  private proberTimer?: NodeJS.Timeout;
  private proberRunning?: Promise<void>;
  /** Counts Docker writes (create/start/stop/remove): a sync that made none can reuse its container list. */
  private mutations = 0;
  /** pod uid → its persistentVolumeClaim volumes' host paths. */
  private readonly claims = new Map<string, Map<string, string>>();
  /** image id → the imageID reported in container statuses. */
  private readonly imageRefs = new Map<string, string>();
  /** container id → termination message ('' when none). */
  private readonly messages = new Map<string, string>();
  /** uid/volume → the payload version last written (content hash). */
  private readonly volumeVersions = new Map<string, string>();
  /** uid/volume/path → a projected token and when to renew it (80 % of its life, as the kubelet). */
  private readonly tokenCache = new Map<string, { token: string; renewAt: number }>();
  private setup?: Promise<PodNetwork>;
  /**
   * Events of pods whose new sandbox is still starting (uid → the chain that writes them). The first
   * container is checked and created meanwhile, but what is said of it waits until the sandbox
   * runs, and is dropped if it cannot: the kubelet, which starts the sandbox first, never says it.
   */
  private readonly heldEvents = new Map<string, Promise<boolean>>();
  /** When each pod's last sync failed (cleared by one that succeeds). */
  private readonly failedAt = new Map<string, number>();
  private readonly podFiles: PodFileWriter;
  /** The SSH user when it is not root (pod directories are then removed through the Engine: lib/nodes/host-state.ts). */
  private hostOwner?: HostOwner;
  private passRunning?: Promise<void>;

  constructor(private readonly opts: PodWorkerOptions) {
    this.nodeName = opts.nodeName;
    this.hostIP = opts.hostIP ?? opts.connection?.endpoint.address;
    this.docker = opts.docker;
    this.podFiles = new PodFileWriter(opts.docker, opts.nodeName);
    this.generic = opts.generic;
    const rt = (group: string, plural: string) => {
      const t = opts.registry.lookup(group, 'v1', plural);
      if (!t) throw new Error(`resource ${plural} is not registered`);
      return t;
    };
    this.podType = rt('', 'pods');
    this.eventType = rt('', 'events');
    this.configMapType = rt('', 'configmaps');
    this.secretType = rt('', 'secrets');
    this.resyncMs = opts.resyncMs ?? 2000;
    this.backoffInitialMs = opts.backoffInitialMs ?? BACKOFF_INITIAL_MS;
  }

  private get fieldSelector(): string {
    return `spec.nodeName=${this.nodeName}`;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.queue = new PodSyncQueue({
      limit: this.opts.maxConcurrentSyncs ?? DEFAULT_CONCURRENT_SYNCS,
      sync: async (uid) => {
        await this.syncUid(uid);
        this.failedAt.delete(uid);
      },
      onError: (uid, e) => {
        this.failedAt.set(uid, Date.now());
        logger.warn('pod sync failed', { node: this.nodeName, uid, pod: this.names.get(uid), error: errorText(e) });
      },
    });
    this.informer = new Informer(this.generic, this.podType, { fieldSelector: this.fieldSelector });
    this.informer.on((type, obj) => this.onPodEvent(type, obj));
    const tick = () => {
      if (this.stopped) return;
      this.passRunning = this.resync()
        .catch((e) => logger.warn('pod worker pass failed', { node: this.nodeName, error: errorText(e) }))
        .finally(() => {
          this.passRunning = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.resyncMs);
        });
    };
    tick();
    this.proberTimer = setInterval(() => void this.probeAll(), 1000);
    this.proberTimer.unref();
  }

  /** Pods queued for a sync or syncing (other work on the host may wait for this to be false). */
  get busy(): boolean {
    const { waiting, active } = this.queue?.size ?? { waiting: 0, active: 0 };
    return waiting + active > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.proberTimer) clearInterval(this.proberTimer);
    this.informer?.stop();
    await this.passRunning;
    await this.proberRunning;
    await this.queue?.stop();
  }

  /** Pod changes from the informer: each one syncs its pod, except the echo of our own status write. */
  private onPodEvent(type: InformerEventType, obj: KObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    this.names.set(uid, { namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name! });
    if (type === 'MODIFIED' && this.written.get(uid)?.rv === obj.metadata.resourceVersion) return;
    void this.enqueue(uid);
  }

  /**
   * One full pass: one container list for the whole node (not one per pod), then a sync for every
   * pod that may need one. A pod whose last sync found nothing to do, and whose object and
   * containers have not changed since, is skipped: a steady node costs one Docker call per pass.
   */
  async resync(): Promise<void> {
    await this.informer!.start();
    const listedAt = performance.now();
    const byUid = new Map<string, ListedContainer[]>();
    for (const c of await this.listContainers()) {
      const uid = c.Labels[CONTAINER_LABELS.podUid];
      if (uid) byUid.set(uid, [...(byUid.get(uid) ?? []), c]);
    }
    const pending: Array<Promise<void>> = [];
    const uids = new Set<string>();
    for (const pod of this.informer!.list()) {
      const uid = pod.metadata.uid!;
      uids.add(uid);
      this.names.set(uid, { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name! });
      const containers = byUid.get(uid) ?? [];
      if (this.unchanged(pod, containers)) continue;
      // A pod whose last sync failed waits out the kubelet's back-off (its changes still sync at once).
      if (Date.now() - (this.failedAt.get(uid) ?? -Infinity) < SYNC_ERROR_BACKOFF_MS) continue;
      this.prelisted.set(uid, { containers, at: listedAt });
      pending.push(this.enqueue(uid));
    }
    for (const [uid, containers] of byUid) {
      if (uids.has(uid)) continue;
      const l = containers[0]!.Labels;
      this.names.set(uid, { namespace: l[CONTAINER_LABELS.podNamespace], name: l[CONTAINER_LABELS.podName] });
      this.prelisted.set(uid, { containers, at: listedAt });
      pending.push(this.enqueue(uid));
    }
    await Promise.all(pending);
  }

  /** The pod's last sync had nothing to do and neither the pod nor its containers changed since. */
  private unchanged(pod: KObject, containers: ListedContainer[]): boolean {
    const uid = pod.metadata.uid!;
    const last = this.synced.get(uid);
    if (!last?.quiet) return false;
    const rv = pod.metadata.resourceVersion;
    if (rv !== last.rv && rv !== this.written.get(uid)?.rv) return false;
    return last.fingerprint === fingerprint(containers);
  }

  /**
   * Pods being deleted skip the queue's bound: they mostly wait out grace periods. The clean-up of
   * pods already gone does not: it is dockerd's work alone, and must not crowd out the starts.
   */
  private enqueue(uid: string): Promise<void> {
    if (this.stopped || !this.queue) return Promise.resolve();
    const ref = this.names.get(uid);
    const pod = ref ? this.informer?.get(ref.namespace, ref.name) : undefined;
    const urgent = !!pod && pod.metadata.uid === uid && !!pod.metadata.deletionTimestamp;
    return this.queue.enqueue(uid, urgent);
  }

  /**
   * The node's containers (of one pod, with `uid`). Callers of one event-loop turn share one list,
   * sent after all of them asked, so each still sees the state after its call: thirty pods syncing
   * at once (a burst, or a bulk delete) cost one containers/json instead of thirty.
   */
  private async listContainers(uid?: string): Promise<ListedContainer[]> {
    if (!this.listBatch) {
      this.listBatch = new Promise<ListedContainer[]>((resolve, reject) => {
        setImmediate(() => {
          this.listBatch = undefined;
          const label = [`${CONTAINER_LABELS.node}=${this.nodeName}`];
          bounded(this.docker.listContainers({ all: true, filters: { label } }), DOCKER_CALL_MS, 'list containers').then((l) => resolve(l as unknown as ListedContainer[]), reject);
        });
      });
    }
    const all = await this.listBatch;
    return uid ? all.filter((c) => c.Labels?.[CONTAINER_LABELS.podUid] === uid) : all;
  }
  private listBatch?: Promise<ListedContainer[]>;

  private async inspect(c: ListedContainer): Promise<J> {
    const cached = this.inspectCache.get(c.Id);
    if (cached && cached.state === c.State && c.State !== 'running') return cached.info;
    if (cached && c.State === 'running' && cached.state === 'running') return cached.info;
    const info = await bounded(this.docker.getContainer(c.Id).inspect(), DOCKER_CALL_MS, 'inspect container');
    this.inspectCache.set(c.Id, { state: c.State, info });
    return info;
  }

  private async syncUid(uid: string): Promise<void> {
    const t0 = performance.now();
    const writes = this.mutations;
    const pre = this.prelisted.get(uid);
    this.prelisted.delete(uid);
    try {
      const ref = this.names.get(uid);
      let pod: KObject | undefined;
      if (ref) {
        pod = this.informer?.hasSynced ? this.informer.get(ref.namespace, ref.name) : await this.getPod(ref.namespace, ref.name);
      }
      if (pod && (pod.metadata.uid !== uid || pod.spec?.nodeName !== this.nodeName)) pod = undefined;
      // The pass's node-wide list serves only if it was taken after this pod's last sync ended
      // (else it may miss what that sync did).
      const containers = pre && pre.at > (this.syncEnded.get(uid) ?? -Infinity) ? pre.containers : await this.listContainers(uid);
      if (!pod) {
        this.synced.delete(uid);
        await this.removeOrphan(uid, containers);
        return;
      }
      if (pod.metadata.deletionTimestamp) {
        this.synced.delete(uid);
        await this.terminatePod(pod, containers);
        return;
      }
      await this.syncPod(pod, containers);
    } finally {
      this.syncEnded.set(uid, performance.now());
      logger.debug('pod synced', { node: this.nodeName, uid, pod: this.names.get(uid), ms: Math.round(performance.now() - t0), dockerWrites: this.mutations - writes });
    }
  }

  private async getPod(namespace: string, name: string): Promise<KObject | undefined> {
    try {
      return await this.generic.get(this.podType, namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  // ---------- sync ----------

  private async syncPod(pod: KObject, listed: ListedContainer[]): Promise<void> {
    const mutationsBefore = this.mutations;
    const spec = pod.spec ?? {};
    const waiting = new Map<string, WaitingReason>();
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const infras = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] === 'infra');
    const runningInfras = infras.filter((c) => c.State === 'running').sort((a, b) => Number(b.Labels[CONTAINER_LABELS.restartCount] ?? 0) - Number(a.Labels[CONTAINER_LABELS.restartCount] ?? 0));
    let sandbox: ListedContainer | undefined = runningInfras[0];
    let handle: SandboxHandle | undefined = sandbox && sandboxHandle(sandbox.Id, Promise.resolve(), async () => sandbox!);
    // More than one live sandbox (left by a crash mid-recreation): the kubelet keeps the newest only.
    for (const extra of runningInfras.slice(1)) await this.removeContainer(extra.Id);
    let sandboxIP: string | undefined;

    if (terminal) {
      this.probeTargets.delete(pod.metadata.uid!);
      // A finished pod keeps its record; what still runs of it is stopped (kubelet killPod).
      const stopping = listed.filter((c) => c.State === 'running');
      for (const c of stopping) await this.stopContainer(pod, c, 0, c.Labels[CONTAINER_LABELS.role] !== 'infra');
      const now = stopping.length ? await this.listContainers(pod.metadata.uid) : listed;
      await this.writeStatus(pod, now, waiting);
      this.recordSync(pod, now, stopping.length === 0);
      return;
    }

    // activeDeadlineSeconds (kubelet's activeDeadlineHandler): past it, the pod fails and its containers stop.
    const started = Date.parse(pod.status?.startTime ?? '');
    if (spec.activeDeadlineSeconds !== undefined && started && Date.now() - started >= spec.activeDeadlineSeconds * 1000) {
      this.probeTargets.delete(pod.metadata.uid!);
      const message = 'Pod was active on the node longer than the specified deadline';
      await this.event(pod, undefined, 'Normal', 'DeadlineExceeded', message);
      const grace = spec.terminationGracePeriodSeconds ?? 30;
      await Promise.all(listed.filter((c) => c.State === 'running' && c.Labels[CONTAINER_LABELS.role] !== 'infra').map((c) => this.stopContainer(pod, c, grace, true)));
      for (const c of infras) if (c.State === 'running') await this.stopContainer(pod, c, 0, false);
      await this.writeStatus(pod, await this.listContainers(pod.metadata.uid), waiting, undefined, undefined, { phase: 'Failed', reason: 'DeadlineExceeded', message });
      return;
    }

    const restartPolicy = spec.restartPolicy ?? 'Always';
    const apps = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] === 'app');
    for (const c of apps) if (c.State !== 'running') await this.inspect(c);
    // A pod whose containers all ran and must not restart needs no new sandbox (computePodActions).
    const allDone =
      restartPolicy !== 'Always' &&
      (spec.containers ?? []).every((c: J) => {
        const [latest] = this.instances(apps, c.name);
        const cannotRun = latest?.State === 'created' && !!this.inspectCache.get(latest.Id)?.info?.State?.Error;
        return latest && (latest.State === 'exited' || cannotRun) && (restartPolicy === 'Never' || (!cannotRun && this.exitCodeOf(latest) === 0));
      });
    if (!sandbox && !allDone) {
      let network: PodNetwork;
      try {
        network = await this.ensureSetup();
      } catch (e) {
        // The host cannot hold sandboxes (image import or pod network failed): say so on the pod.
        await this.event(pod, undefined, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(e)}`);
        return this.sandboxFailed(pod, listed, waiting, e);
      }
      const attempt = infras.reduce((m, c) => Math.max(m, Number(c.Labels[CONTAINER_LABELS.restartCount] ?? 0) + 1), 0);
      if (infras.length) {
        // The sandbox died: everything in it goes and starts over (SandboxChanged).
        for (const c of listed) if (c.State === 'running') await this.stopContainer(pod, c, 0, c.Labels[CONTAINER_LABELS.role] !== 'infra');
        await this.event(pod, undefined, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
        for (const c of infras) await this.removeContainer(c.Id);
        // Containers made for the dead sandbox but never started join its namespaces: they cannot start.
        const unstarted = listed.filter((c) => c.State === 'created' && c.Labels[CONTAINER_LABELS.role] !== 'infra');
        for (const c of unstarted) await this.removeContainer(c.Id);
        listed = listed.filter((c) => !unstarted.includes(c));
      }
      if (!(await this.ensureMemoryVolumes(pod))) return this.sandboxFailed(pod, listed, waiting, new Error('a Memory emptyDir volume could not be made'));
      const id = await this.createSandbox(pod, network, attempt).catch((e) => this.sandboxFailed(pod, listed, waiting, e));
      // The sandbox starts (the slowest step of a pod start) while volumes are written and the first
      // container is prepared and created; that container's start waits for it.
      handle = sandboxHandle(id, this.startSandbox(pod, id), () => this.inspectSandbox(id));
      this.heldEvents.set(pod.metadata.uid!, handle.started.then(() => true, () => false));
    }

    if (handle) {
      try {
        const known = sandbox ? await this.sandboxIP(pod, sandbox) : undefined;
        if (await this.syncVolumes(pod, known)) {
          const initDone = await this.syncInitContainers(pod, listed, handle, waiting);
          if (initDone) {
            for (const c of spec.containers ?? []) {
              await this.syncContainer(pod, c, 'app', listed, handle, waiting);
            }
          }
        }
        // A sandbox that could not start fails this sync (the next one starts over).
        sandbox = await handle.running;
        sandboxIP = await this.sandboxIP(pod, sandbox);
      } catch (e) {
        // The first container's start, or this, met the sandbox's failure to start.
        if (handle.failed) await this.sandboxFailed(pod, listed, waiting, e);
        throw e;
      } finally {
        await this.releaseEvents(pod.metadata.uid!);
      }
    }
    // Steady state costs one list per pass: the containers are listed again only when this sync changed them.
    const quiet = this.mutations === mutationsBefore;
    const now = quiet ? listed : await this.listContainers(pod.metadata.uid);
    this.probeTargets.set(pod.metadata.uid!, { pod, podIP: sandboxIP, containers: now.filter((c) => c.State === 'running' && c.Labels[CONTAINER_LABELS.role] === 'app') });
    await this.writeStatus(pod, now, waiting, sandbox, sandboxIP);
    this.recordSync(pod, now, quiet && waiting.size === 0 && !!(sandbox || allDone));
  }

  /**
   * The pod's sandbox could not be made: its status still says so, as the kubelet's status manager
   * does (containers waiting in ContainerCreating, or their last state), then the sync fails.
   */
  private async sandboxFailed(pod: KObject, listed: ListedContainer[], waiting: Map<string, WaitingReason>, e: unknown): Promise<never> {
    const seen = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] !== 'infra' && c.State !== 'created');
    await this.writeStatus(pod, seen, waiting).catch((err) => logger.debug('status not written', { node: this.nodeName, pod: podRef(pod), error: errorText(err) }));
    throw e;
  }

  /**
   * Remembers what this sync saw. A quiet pod (nothing done, nothing waited for) is skipped by the
   * next passes until it or its containers change — unless something in it changes with time alone:
   * volumes refreshed from ConfigMaps/Secrets/tokens, or an active deadline.
   */
  private recordSync(pod: KObject, containers: ListedContainer[], quiet: boolean): void {
    const timed = pod.spec?.activeDeadlineSeconds !== undefined || (pod.spec?.volumes ?? []).some((v: J) => fileVolumeKind(v));
    this.synced.set(pod.metadata.uid!, { rv: pod.metadata.resourceVersion, fingerprint: fingerprint(containers), quiet: quiet && !timed });
  }

  private instances(listed: ListedContainer[], name: string): ListedContainer[] {
    return listed
      .filter((c) => c.Labels[CONTAINER_LABELS.containerName] === name)
      .sort((a, b) => Number(b.Labels[CONTAINER_LABELS.restartCount] ?? 0) - Number(a.Labels[CONTAINER_LABELS.restartCount] ?? 0) || b.Created - a.Created);
  }

  private exitCodeOf(c: ListedContainer): number | undefined {
    return this.inspectCache.get(c.Id)?.info?.State?.ExitCode;
  }

  /** Init containers one at a time, in order; true once all have completed. */
  private async syncInitContainers(pod: KObject, listed: ListedContainer[], sandbox: SandboxHandle, waiting: Map<string, WaitingReason>): Promise<boolean> {
    const inits = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] === 'init');
    for (const c of pod.spec?.initContainers ?? []) {
      const [latest] = this.instances(inits, c.name);
      if (latest) {
        const info = await this.inspect(latest);
        if (latest.State === 'running') return false;
        if (latest.State === 'exited' && info.State?.ExitCode === 0) continue;
      }
      await this.syncContainer(pod, c, 'init', listed, sandbox, waiting);
      return false;
    }
    return true;
  }

  /** One container: adopt it when it runs, else (re)start it as the restart policy and back-off allow. */
  private async syncContainer(pod: KObject, c: J, role: 'app' | 'init', listed: ListedContainer[], sandbox: SandboxHandle, waiting: Map<string, WaitingReason>): Promise<void> {
    const mine = listed.filter((x) => x.Labels[CONTAINER_LABELS.role] === role);
    const all = this.instances(mine, c.name);
    const [latest] = all;
    let restartCount = 0;
    if (latest) {
      const hash = latest.Labels[CONTAINER_HASH_LABEL];
      if (latest.State === 'running' && (!hash || hash === containerHash(c))) return;
      if (latest.State === 'running') {
        // computePodActions: a changed spec kills the container and starts the new one at once.
        await this.stopContainer(pod, latest, pod.spec?.terminationGracePeriodSeconds ?? 30, true, `Container ${c.name} definition changed, will be restarted`);
        this.inspectCache.delete(latest.Id);
        for (const old of all.slice(1)) await this.removeContainer(old.Id);
        await this.startContainer(pod, c, role, Number(latest.Labels[CONTAINER_LABELS.restartCount] ?? 0) + 1, sandbox, waiting);
        return;
      }
      const info = await this.inspect(latest);
      const started = info.State?.StartedAt && !String(info.State.StartedAt).startsWith('0001');
      // Docker could not start its process (RunContainerError): that run counts as failed.
      const failedStart = latest.State === 'created' && !started && !!info.State?.Error;
      if (latest.State === 'created' && !started && !failedStart) {
        // Created but never started (a crash between create and start): start it now.
        await this.startCreated(pod, c, role, latest.Id, sandbox, waiting);
        return;
      }
      const exitCode: number = info.State?.ExitCode || (failedStart ? 128 : 0);
      const policy = pod.spec?.restartPolicy ?? 'Always';
      // Init containers restart on failure unless Never; app containers as the policy says.
      const restart = role === 'init' ? policy !== 'Never' && exitCode !== 0 : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
      if (!restart) return;
      const finishedAt = String(info.State?.FinishedAt ?? '');
      const finished = (!finishedAt.startsWith('0001') && Date.parse(finishedAt)) || Date.parse(info.Created ?? '') || Date.now();
      const key = `${pod.metadata.uid}/${role}/${c.name}`;
      const b = this.backoff.get(key);
      if (b && Date.now() - finished < b.delayMs) {
        const message = `back-off ${goDuration(b.delayMs)} restarting failed container=${c.name} pod=${podRef(pod)}`;
        waiting.set(c.name, { reason: 'CrashLoopBackOff', message });
        await this.event(pod, c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`, role);
        return;
      }
      this.backoffNext(key, finished);
      restartCount = Number(latest.Labels[CONTAINER_LABELS.restartCount] ?? 0) + 1;
      // Keep the last dead instance (for logs --previous); older ones go.
      for (const old of all.slice(1)) if (old.State !== 'running') await this.removeContainer(old.Id);
    }
    await this.startContainer(pod, c, role, restartCount, sandbox, waiting);
  }

  private backoffNext(key: string, at: number): void {
    const b = this.backoff.get(key);
    // An entry idle for twice the maximum starts over (flowcontrol.Backoff hasExpired).
    if (!b || at - b.last > 2 * BACKOFF_MAX_MS) this.backoff.set(key, { delayMs: this.backoffInitialMs, last: at });
    else this.backoff.set(key, { delayMs: Math.min(b.delayMs * 2, BACKOFF_MAX_MS), last: at });
  }

  private inBackoff(key: string, since: number): BackOffEntry | undefined {
    const b = this.backoff.get(key);
    return b && Date.now() - since < b.delayMs ? b : undefined;
  }

  /** Image presence, pulling when missing (EnsureImageExists in kuberuntime_image.go). */
  private async ensureImage(pod: KObject, c: J, role: 'app' | 'init', waiting: Map<string, WaitingReason>): Promise<J | undefined> {
    const image: string = c.image;
    const key = `${pod.metadata.uid}/${role}/${c.name}/image`;
    const policy = c.imagePullPolicy ?? (/:latest$|^[^:@]*$/.test(image.split('/').pop() ?? '') ? 'Always' : 'IfNotPresent');
    // IfNotPresent/Never: an image seen on the host a moment ago is still there (one inspect less per
    // container start); Always asks the host every time.
    const seen = this.images.get(image);
    let present: J | undefined = policy !== 'Always' && seen && Date.now() - seen.at < IMAGE_PRESENT_TTL_MS ? seen.info : undefined;
    if (!present) {
      try {
        present = await bounded(this.docker.getImage(image).inspect(), DOCKER_CALL_MS, 'inspect image');
        this.images.set(image, { info: present, at: Date.now() });
      } catch (e) {
        if (dockerStatus(e) !== 404) throw e;
        this.images.delete(image);
      }
    }
    // Hosts reach no registry: an image already on the host is used even for policy Always
    // (the kubelet would pull, and the pull could only fail here).
    if (present) {
      await this.event(pod, c, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, role);
      return present;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      waiting.set(c.name, { reason: 'ErrImageNeverPull', message });
      await this.event(pod, c, 'Warning', 'ErrImageNeverPull', message, role);
      return undefined;
    }
    const prev = this.backoff.get(key);
    if (prev && this.inBackoff(key, prev.last)) {
      waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${prev.error ?? ''}` });
      await this.event(pod, c, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, role);
      await this.event(pod, c, 'Warning', 'Failed', 'Error: ImagePullBackOff', role);
      return undefined;
    }
    await this.event(pod, c, 'Normal', 'Pulling', `Pulling image "${image}"`, role);
    const t0 = Date.now();
    try {
      const secrets: KObject[] = [];
      for (const ref of pod.spec?.imagePullSecrets ?? []) {
        const sec = (await this.fetchSources(pod, { configMaps: new Set(), secrets: new Set([ref.name]) })).secrets.get(ref.name);
        if (sec) secrets.push(sec);
      }
      await this.pull(image, pullAuth(image, secrets));
      const info = await bounded(this.docker.getImage(image).inspect(), DOCKER_CALL_MS, 'inspect image');
      this.images.set(image, { info, at: Date.now() });
      const secs = ((Date.now() - t0) / 1000).toFixed(3);
      await this.event(pod, c, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting). Image size: ${info.Size ?? 0} bytes.`, role);
      this.backoff.delete(key);
      return info;
    } catch (e) {
      const err = errorText(e);
      this.backoffNext(key, Date.now());
      this.backoff.get(key)!.error = err;
      waiting.set(c.name, { reason: 'ErrImagePull', message: err });
      await this.event(pod, c, 'Warning', 'Failed', `Failed to pull image "${image}": ${err}`, role);
      await this.event(pod, c, 'Warning', 'Failed', 'Error: ErrImagePull', role);
      return undefined;
    }
  }

  private async pull(image: string, auth?: PullAuth): Promise<void> {
    const stream = (await bounded(this.docker.pull(image, auth ? { authconfig: auth } : {}), PULL_TIMEOUT_MS, `pull ${image}`)) as NodeJS.ReadableStream;
    await bounded(
      new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null, out: J[]) => {
          const failed = (out ?? []).find((m) => m?.error);
          if (err) reject(err);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        });
      }),
      PULL_TIMEOUT_MS,
      `pull ${image}`,
    );
  }

  private async serviceVariables(pod: KObject): Promise<Array<{ name: string; value: string }>> {
    const svcType = this.opts.registry.lookup('', 'v1', 'services');
    if (!svcType) return [];
    const services: KObject[] = [];
    if (pod.spec?.enableServiceLinks !== false) services.push(...(await this.generic.list(svcType, pod.metadata.namespace ?? 'default')).items);
    services.push(...(await this.generic.list(svcType, 'default', { fieldSelector: 'metadata.name=kubernetes' })).items);
    return serviceEnv(servicesForPod(pod, services));
  }

  private envSources(pod: KObject, c: J): Promise<EnvSources> {
    return this.fetchSources(pod, envReferences(c));
  }

  private async startContainer(pod: KObject, c: J, role: 'app' | 'init', restartCount: number, sandbox: SandboxHandle, waiting: Map<string, WaitingReason>): Promise<void> {
    // The termination-message file must exist before Docker binds it (else it makes a directory).
    // Written while the image is checked: the two calls do not depend on each other.
    const rel = terminationFile(c.name, restartCount);
    const parts = rel.split('/');
    const prepared = this.podFiles
      .write(pod.metadata.uid!, [
        { name: parts[0], type: 'dir', mode: 0o755 },
        { name: parts.slice(0, 2).join('/'), type: 'dir', mode: 0o755 },
        // 0666, as the kubelet chmods it, so a non-root container user can write its message.
        { name: rel, type: 'file', data: Buffer.alloc(0), mode: 0o666 },
      ])
      .then(
        () => `${podDir(pod)}/${rel}`,
        (e) => {
          // Without the file the container still runs; only its termination message is lost.
          logger.warn('termination message file not prepared', { node: this.nodeName, pod: podRef(pod), container: c.name, error: errorText(e) });
          return undefined;
        },
      );
    const image = await this.ensureImage(pod, c, role, waiting);
    const hostTerminationFile = await prepared;
    if (!image) return;
    let body: Record<string, J>;
    try {
      verifyRunAsNonRoot(pod, c, image.Config?.User);
      // Only a container that asks for the pod IP waits for the sandbox before it is created.
      const podIP = envUsesPodIP(c) ? await this.sandboxIP(pod, await sandbox.running) : undefined;
      const env = resolveEnv(pod, c, await this.envSources(pod, c), { podIP, hostIP: this.hostIP, serviceEnv: await this.serviceVariables(pod), allocatable: await this.nodeAllocatable() });
      body = containerCreateOptions(pod, c, { nodeName: this.nodeName, infraId: sandbox.id, role, restartCount, env, volumes: hostVolumes(pod, this.claims.get(pod.metadata.uid!)), terminationFile: hostTerminationFile });
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      waiting.set(c.name, { reason: 'CreateContainerConfigError', message: e.message });
      await this.event(pod, c, 'Warning', 'Failed', `Error: ${e.message}`, role);
      return;
    }
    const name = containerName(pod, c.name, restartCount);
    const create = async () => (await bounded(this.docker.createContainer({ name, ...body } as never), DOCKER_CALL_MS, 'create container')).id as string;
    let id: string;
    try {
      this.mutations++;
      id = await create().catch(async (e) => {
        // An engine that will not join a sandbox still starting gets asked again once it runs.
        if (sandbox.settled || dockerStatus(e) === 409 || dockerStatus(e) === 404) throw e;
        await sandbox.started;
        return create();
      });
    } catch (e) {
      if (dockerStatus(e) === 409) {
        // Created by an earlier (crashed or concurrent) pass: adopt it instead of duplicating.
        const info = await bounded(this.docker.getContainer(name).inspect(), DOCKER_CALL_MS, 'inspect container');
        if (info.Config?.Labels?.[CONTAINER_LABELS.podUid] !== pod.metadata.uid) throw e;
        if (info.State?.Running || (info.State?.StartedAt && !String(info.State.StartedAt).startsWith('0001'))) return;
        id = info.Id;
      } else {
        // "No such image": it went away since we looked; look again next time.
        if (dockerStatus(e) === 404) this.images.delete(c.image);
        const message = errorText(e);
        waiting.set(c.name, { reason: 'CreateContainerError', message });
        await this.event(pod, c, 'Warning', 'Failed', `Error: ${message}`, role);
        return;
      }
    }
    await this.event(pod, c, 'Normal', 'Created', `Created container: ${c.name}`, role);
    await this.startCreated(pod, c, role, id, sandbox, waiting);
  }

  private async startCreated(pod: KObject, c: J, role: 'app' | 'init', id: string, sandbox: SandboxHandle, waiting: Map<string, WaitingReason>): Promise<void> {
    // Joining the sandbox's namespaces needs it running; its failure fails the sync.
    await sandbox.started;
    try {
      this.mutations++;
      await bounded(this.docker.getContainer(id).start(), DOCKER_CALL_MS, 'start container');
    } catch (e) {
      if (dockerStatus(e) === 304) return; // already started
      const message = errorText(e);
      // The run counts as failed: the next sync restarts it under the restart policy and back-off.
      this.inspectCache.delete(id);
      waiting.set(c.name, { reason: 'RunContainerError', message });
      await this.event(pod, c, 'Warning', 'Failed', `Error: ${message}`, role);
      return;
    }
    await this.event(pod, c, 'Normal', 'Started', `Started container ${c.name}`, role);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const failure = await this.runHandler(pod, c, id, postStart, Math.max(1, pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      if (failure !== undefined) {
        // handlers.go: a failed postStart hook kills the container (then the restart policy applies).
        await this.event(pod, c, 'Warning', 'FailedPostStartHook', this.hookMessage(pod, c, postStart, failure), role);
        await this.stopContainer(pod, { Id: id, Labels: { [CONTAINER_LABELS.containerName]: c.name, [CONTAINER_LABELS.role]: role } } as unknown as ListedContainer, pod.spec?.terminationGracePeriodSeconds ?? 30, true, 'FailedPostStartHook', false);
      }
    }
  }

  private hookMessage(pod: KObject, c: J, handler: J, failure: string): string {
    if (handler.exec) return `Exec lifecycle hook ([${(handler.exec.command ?? []).join(' ')}]) for Container "${c.name}" in Pod "${podRef(pod)}" failed - error: ${failure}`;
    if (handler.httpGet) return `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) for Container "${c.name}" in Pod "${podRef(pod)}" failed - error: ${failure}`;
    return failure;
  }

  // ---------- probes and lifecycle handlers ----------

  /** Runs a command in a container: exit code and combined output, bounded by timeoutMs. */
  private async execIn(id: string, cmd: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    const exec = await bounded(this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true }), DOCKER_CALL_MS, 'exec create');
    const stream = (await bounded(exec.start({ hijack: true, stdin: false }), DOCKER_CALL_MS, 'exec start')) as NodeJS.ReadableStream & { destroy?: () => void };
    const chunks: Buffer[] = [];
    try {
      await bounded(
        new Promise<void>((resolve, reject) => {
          stream.on('data', (b: Buffer) => chunks.push(b));
          stream.on('end', resolve);
          stream.on('close', resolve);
          stream.on('error', reject);
        }),
        timeoutMs,
        'command timed out',
      );
    } finally {
      stream.destroy?.();
    }
    const output = demuxDockerStream(Buffer.concat(chunks));
    const info = await bounded(exec.inspect(), DOCKER_CALL_MS, 'exec inspect');
    return { code: info.ExitCode ?? -1, output };
  }

  private resolvePort(c: J, port: J): number {
    if (typeof port === 'number') return port;
    if (/^\d+$/.test(String(port))) return Number(port);
    const named = (c.ports ?? []).find((p: J) => p.name === port);
    if (!named) throw new Error(`couldn't find port: ${port} in ${JSON.stringify(c.ports ?? [])}`);
    return named.containerPort;
  }

  /** A TCP connection to the pod from its host (the kubelet probes from the node). */
  private async dial(host: string, port: number, timeoutMs: number): Promise<import('node:stream').Duplex> {
    if (!this.opts.connection) throw new Error('no host connection to probe through');
    return bounded(this.opts.connection.openTcp(host, port), timeoutMs, `dial tcp ${host}:${port}: i/o timeout`);
  }

  /**
   * One probe or hook handler: undefined on success, else the failure text (the output the kubelet
   * puts in Unhealthy / Failed*Hook events).
   */
  private async runHandler(pod: KObject, c: J, id: string, h: J, timeoutMs: number, podIP?: string): Promise<string | undefined> {
    try {
      if (h.exec) {
        const r = await this.execIn(id, h.exec.command ?? [], timeoutMs);
        return r.code === 0 ? undefined : r.output || `command ${JSON.stringify((h.exec.command ?? []).join(' '))} exited with ${r.code}`;
      }
      if (h.sleep) {
        await new Promise((r) => setTimeout(r, Math.min(timeoutMs, (h.sleep.seconds ?? 0) * 1000)));
        return undefined;
      }
      const ip = pod.spec?.hostNetwork ? this.hostIP : podIP ?? this.probeTargets.get(pod.metadata.uid!)?.podIP;
      if (h.tcpSocket) {
        const host = h.tcpSocket.host || ip;
        const port = this.resolvePort(c, h.tcpSocket.port);
        const sock = await this.dial(host, port, timeoutMs);
        sock.destroy();
        return undefined;
      }
      if (h.httpGet) {
        const g = h.httpGet;
        const host = g.host || ip;
        const port = this.resolvePort(c, g.port);
        let sock: import('node:stream').Duplex = await this.dial(host, port, timeoutMs);
        if (String(g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS') {
          const tls = await import('node:tls');
          sock = tls.connect({ socket: sock as never, rejectUnauthorized: false, servername: undefined });
        }
        const headers: Array<[string, string]> = [['Host', `${host}:${port}`], ['User-Agent', 'kube-probe/1.32'], ['Accept', '*/*'], ['Connection', 'close']];
        for (const hh of g.httpHeaders ?? []) {
          const i = headers.findIndex(([k]) => k.toLowerCase() === String(hh.name).toLowerCase());
          if (i >= 0) headers[i] = [hh.name, hh.value];
          else headers.push([hh.name, hh.value]);
        }
        const path = g.path ? (String(g.path).startsWith('/') ? g.path : `/${g.path}`) : '/';
        sock.write(`GET ${path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
        const head = await bounded(
          new Promise<string>((resolve, reject) => {
            let buf = '';
            sock.on('data', (b: Buffer) => {
              buf += b.toString('latin1');
              if (buf.includes('\r\n')) resolve(buf);
            });
            sock.on('end', () => resolve(buf));
            sock.on('error', reject);
          }),
          timeoutMs,
          `Get "http://${host}:${port}${path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        ).finally(() => sock.destroy());
        const code = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1] ?? 0);
        // prober/http: 200–399 succeed.
        return code >= 200 && code < 400 ? undefined : `HTTP probe failed with statuscode: ${code}`;
      }
      if (h.grpc) {
        const port = Number(h.grpc.port);
        if (!ip) return 'error: the pod has no IP to probe yet';
        const addr = `${ip}:${port}`;
        let sock: import('node:stream').Duplex;
        try {
          sock = await this.dial(ip, port, timeoutMs);
        } catch (e) {
          return `error: failed to connect service at "${addr}": ${errorText(e)}`;
        }
        return grpcHealthCheck(sock, addr, h.grpc.service ?? '', timeoutMs);
      }
      return undefined;
    } catch (e) {
      return errorText(e);
    }
  }

  /** One prober round: every due probe of every running container (prober/worker.go, condensed). */
  private probeAll(): Promise<void> {
    if (this.proberRunning || this.stopped) return this.proberRunning ?? Promise.resolve();
    // One list per round: only containers that run now are probed (the targets come from the last sync).
    // Pods without probes need no round (their targets still serve runHandler's pod IP).
    const probed = [...this.probeTargets.values()].some((t) => (t.pod.spec?.containers ?? []).some((c: J) => c.livenessProbe || c.readinessProbe || c.startupProbe));
    this.proberRunning = (probed ? this.listContainers() : Promise.resolve([]))
      .then((all) => {
        const running = new Set(all.filter((c) => c.State === 'running').map((c) => c.Id));
        return Promise.all([...this.probeTargets.values()].map((t) => this.probePod(t.pod, t.podIP, t.containers.filter((c) => running.has(c.Id)))));
      })
      .then(() => undefined)
      .catch((e) => logger.debug('probe round failed', { node: this.nodeName, error: errorText(e) }))
      .finally(() => {
        this.proberRunning = undefined;
      });
    return this.proberRunning;
  }

  private async probePod(pod: KObject, podIP: string | undefined, containers: ListedContainer[]): Promise<void> {
    for (const running of containers) {
      const c = (pod.spec?.containers ?? []).find((x: J) => x.name === running.Labels[CONTAINER_LABELS.containerName]);
      if (!c) continue;
      const startedAt = Date.parse(this.inspectCache.get(running.Id)?.info?.State?.StartedAt ?? '') || 0;
      const startup = this.probeStates.get(`${running.Id}/startup`);
      const kinds: ProbeKind[] = c.startupProbe && startup?.result !== true ? ['startup'] : ['liveness', 'readiness'];
      for (const kind of kinds) {
        const probe = c[PROBE_FIELD[kind]];
        if (!probe) continue;
        const key = `${running.Id}/${kind}`;
        const st = this.probeStates.get(key) ?? { successes: 0, failures: 0, lastRun: 0 };
        this.probeStates.set(key, st);
        const now = Date.now();
        if (now - startedAt < (probe.initialDelaySeconds ?? 0) * 1000) continue;
        if (now - st.lastRun < (probe.periodSeconds ?? 10) * 1000) continue;
        st.lastRun = now;
        const failure = await this.runHandler(pod, c, running.Id, probe, (probe.timeoutSeconds ?? 1) * 1000, podIP);
        // The container stopped under the probe: its next sync deals with it, not the prober.
        if (failure !== undefined && /is not running/.test(failure)) break;
        const before = st.result;
        if (failure === undefined) {
          st.successes++;
          st.failures = 0;
          if (st.successes >= (kind === 'readiness' ? probe.successThreshold ?? 1 : 1)) st.result = true;
        } else {
          st.failures++;
          st.successes = 0;
          await this.event(pod, c, 'Warning', 'Unhealthy', `${PROBE_NAME[kind]} probe failed: ${failure}`);
          if (st.failures >= (probe.failureThreshold ?? 3)) st.result = false;
        }
        if (st.result === false && kind !== 'readiness') {
          // A failed liveness/startup probe kills the container; the restart policy then applies.
          this.probeStates.delete(key);
          const grace = probe.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
          await this.stopContainer(pod, running, grace, true, `Container ${c.name} failed ${kind} probe, will be restarted`);
          this.inspectCache.delete(running.Id);
          this.enqueue(pod.metadata.uid!);
          break;
        }
        if (before !== st.result) this.enqueue(pod.metadata.uid!);
      }
    }
  }

  // ---------- volumes ----------

  private async projectedTokens(pod: KObject): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ns = pod.metadata.namespace ?? 'default';
    const saName = pod.spec?.serviceAccountName ?? 'default';
    for (const v of pod.spec?.volumes ?? []) {
      for (const p of v.projected?.sources ?? []) {
        const t = p.serviceAccountToken;
        if (!t || !this.opts.tokens) continue;
        const key = `${pod.metadata.uid}/${v.name}/${t.path}`;
        const cached = this.tokenCache.get(key);
        if (cached && cached.renewAt > Date.now()) {
          out.set(`${v.name}/${t.path}`, cached.token);
          continue;
        }
        const sa = await this.generic.get(this.opts.registry.lookup('', 'v1', 'serviceaccounts')!, ns, saName);
        const issued = this.opts.tokens.issue({ namespace: ns, name: saName, uid: sa.metadata.uid!, audiences: t.audience ? [t.audience] : undefined, expirationSeconds: t.expirationSeconds ?? 3600 });
        const life = issued.expiration.getTime() - Date.now();
        this.tokenCache.set(key, { token: issued.token, renewAt: Date.now() + life * 0.8 });
        out.set(`${v.name}/${t.path}`, issued.token);
      }
    }
    return out;
  }

  /**
   * Resolves claims, and writes (and refreshes) configMap, secret, downwardAPI and projected volume
   * files into the pod's directory (pod-files.ts). False when a volume cannot be set up: the pod's
   * containers wait (ContainerCreating) and a FailedMount event says why, as with the kubelet.
   */
  private async syncVolumes(pod: KObject, podIP: string | undefined): Promise<boolean> {
    let ok = true;
    const failed = (name: string, why: string) => {
      ok = false;
      return this.failedMount(pod, name, why);
    };
    // persistentVolumeClaim: the bound PV's hostPath/local path.
    const claims = new Map<string, string>();
    for (const v of pod.spec?.volumes ?? []) {
      if (!v.persistentVolumeClaim) continue;
      const why = await this.claimPath(pod, v.persistentVolumeClaim.claimName).then(
        (p) => (typeof p === 'string' && p.startsWith('/') ? (claims.set(v.name, p), undefined) : p),
        (e) => errorText(e),
      );
      if (why) await failed(v.name, why);
    }
    this.claims.set(pod.metadata.uid!, claims);
    const volumes = (pod.spec?.volumes ?? []).filter((v: J) => fileVolumeKind(v));
    if (!volumes.length) return ok;
    const refs = volumeReferences(pod);
    const sources: VolumeSources = await this.fetchSources(pod, refs);
    for (const v of volumes) {
      let files;
      try {
        if (v.projected) sources.tokens = await this.projectedTokens(pod);
        files = volumeFiles(pod, v, sources, { podIP, hostIP: this.hostIP })!;
      } catch (e) {
        await failed(v.name, errorText(e));
        continue;
      }
      const hash = createHash('sha256');
      for (const f of files) hash.update(`${f.path}\0${f.mode}\0`).update(f.data).update('\0');
      const version = hash.digest('hex').slice(0, 16);
      const key = `${pod.metadata.uid}/${v.name}`;
      if (this.volumeVersions.get(key) === version) continue;
      try {
        await this.podFiles.write(pod.metadata.uid!, [{ name: 'volumes', type: 'dir', mode: 0o755 }, ...volumeTarEntries(`volumes/${fileVolumeKind(v)}/${v.name}`, files, version)]);
        this.volumeVersions.set(key, version);
      } catch (e) {
        await failed(v.name, errorText(e));
      }
    }
    return ok;
  }

  /**
   * emptyDir medium Memory: one local-driver tmpfs volume per pod volume, shared by its containers
   * and held mounted by the sandbox (else the Engine unmounts a tmpfs, and drops its files, whenever
   * no container uses it — a lone container's restart). Made before the sandbox that binds it: the
   * Engine would make a missing one on disk. False (and a FailedMount event) when one cannot be made.
   */
  private async ensureMemoryVolumes(pod: KObject): Promise<boolean> {
    let ok = true;
    for (const m of memoryVolumes(pod)) {
      if (this.volumeVersions.get(`${pod.metadata.uid}/${m.name}`) === m.volume) continue;
      try {
        const driverOpts: Record<string, string> = { type: 'tmpfs', device: 'tmpfs' };
        if (m.options) driverOpts.o = m.options;
        await bounded(
          this.docker.createVolume({ Name: m.volume, Driver: 'local', DriverOpts: driverOpts, Labels: { [CONTAINER_LABELS.podUid]: pod.metadata.uid!, [CONTAINER_LABELS.node]: this.nodeName } }),
          DOCKER_CALL_MS,
          'create volume',
        );
        this.volumeVersions.set(`${pod.metadata.uid}/${m.name}`, m.volume);
      } catch (e) {
        ok = false;
        await this.failedMount(pod, m.name, errorText(e));
      }
    }
    return ok;
  }

  private failedMount(pod: KObject, volume: string, why: string): Promise<void> {
    return this.event(pod, undefined, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${volume}" : ${why}`);
  }

  /** A claim's host path (a string starting with '/'), or why it cannot be mounted yet. */
  private async claimPath(pod: KObject, claimName: string): Promise<string> {
    const get = async (plural: string, ns: string, name: string) => {
      try {
        return await this.generic.get(this.opts.registry.lookup('', 'v1', plural)!, ns, name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    };
    const pvc = await get('persistentvolumeclaims', pod.metadata.namespace ?? 'default', claimName);
    if (!pvc) return `persistentvolumeclaim "${claimName}" not found`;
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') return `PersistentVolumeClaim "${claimName}" is not bound`;
    const pv = await get('persistentvolumes', '', pvName);
    if (!pv) return `persistentvolume "${pvName}" not found`;
    return persistentVolumePath(pv) ?? `volume "${pvName}" is neither hostPath nor local, which kubeshim cannot mount`;
  }

  private async fetchSources(pod: KObject, refs: { configMaps: Set<string>; secrets: Set<string> }): Promise<EnvSources> {
    const ns = pod.metadata.namespace ?? 'default';
    const sources: EnvSources = { configMaps: new Map(), secrets: new Map() };
    const fetch = async (rt: ResourceType, name: string): Promise<KObject | undefined> => {
      try {
        return await this.generic.get(rt, ns, name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    };
    for (const n of refs.configMaps) sources.configMaps.set(n, await fetch(this.configMapType, n));
    for (const n of refs.secrets) sources.secrets.set(n, await fetch(this.secretType, n));
    return sources;
  }

  // ---------- sandbox ----------

  private ensureSetup(): Promise<PodNetwork> {
    this.setup ??= (async () => {
      await bounded(ensureInfraImage(this.docker), DOCKER_CALL_MS, 'import infra image');
      if (this.opts.connection) this.hostOwner = await bounded(prepareHostStateDir(this.opts.connection, this.docker), DOCKER_CALL_MS, 'host state directory');
      const podCIDR = this.opts.podCIDR ?? (await this.nodePodCIDR());
      return bounded(ensurePodNetwork(this.docker, { nodeName: this.nodeName, podCIDR }), DOCKER_CALL_MS, 'pod network');
    })();
    this.setup.catch(() => {
      this.setup = undefined;
    });
    return this.setup;
  }

  /** This worker's Node object, or undefined before it is registered. */
  private async node(): Promise<KObject | undefined> {
    const nodeType = this.opts.registry.lookup('', 'v1', 'nodes');
    if (!nodeType) return undefined;
    try {
      return await this.generic.get(nodeType, '', this.nodeName);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** The Node's status.allocatable: what resourceFieldRef reports for a limit the container leaves unset. */
  private async nodeAllocatable(): Promise<Record<string, string> | undefined> {
    return (await this.node())?.status?.allocatable;
  }

  /** The Node's spec.podCIDR when none was given (the node IPAM may have assigned one). */
  private async nodePodCIDR(): Promise<string | undefined> {
    return (await this.node())?.spec?.podCIDR;
  }

  /** Creates the pod's infra container (not started: see startSandbox). */
  private async createSandbox(pod: KObject, network: PodNetwork, attempt: number): Promise<string> {
    const name = containerName(pod, 'POD', attempt);
    const body = sandboxCreateOptions(pod, { nodeName: this.nodeName, network: network.name, attempt, clusterDNS: this.opts.clusterDNS, clusterDomain: this.opts.clusterDomain });
    try {
      this.mutations++;
      return (await bounded(this.docker.createContainer({ name, ...body } as never), DOCKER_CALL_MS, 'create sandbox')).id;
    } catch (e) {
      if (dockerStatus(e) !== 409) {
        // The network or pause image may have been removed behind our back: check them again next time.
        this.setup = undefined;
        await this.event(pod, undefined, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(e)}`);
        throw e;
      }
      return (await bounded(this.docker.getContainer(name).inspect(), DOCKER_CALL_MS, 'inspect sandbox')).Id;
    }
  }

  private async startSandbox(pod: KObject, id: string): Promise<void> {
    try {
      await bounded(this.docker.getContainer(id).start(), DOCKER_CALL_MS, 'start sandbox');
    } catch (e) {
      if (dockerStatus(e) !== 304) {
        // Said at once: the events held while it started are dropped (nothing of them happened).
        await this.recordEvent(pod, undefined, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(e)}`, 'app');
        throw e;
      }
    }
  }

  /** What a list would say of a sandbox just started, from one inspect that also holds the pod IP. */
  private async inspectSandbox(id: string): Promise<ListedContainer> {
    const info = await bounded(this.docker.getContainer(id).inspect(), DOCKER_CALL_MS, 'inspect sandbox');
    const listed: ListedContainer = {
      Id: info.Id,
      Names: [info.Name],
      Image: info.Config?.Image ?? '',
      ImageID: info.Image,
      State: info.State?.Status ?? (info.State?.Running ? 'running' : 'created'),
      Labels: info.Config?.Labels ?? {},
      Created: Math.floor(Date.parse(info.Created) / 1000) || 0,
    };
    this.inspectCache.set(listed.Id, { state: listed.State, info });
    return listed;
  }

  private async sandboxIP(pod: KObject, sandbox: ListedContainer): Promise<string | undefined> {
    if (pod.spec?.hostNetwork) return this.hostIP;
    const info = await this.inspect(sandbox);
    const nets: Record<string, { IPAddress?: string }> = info.NetworkSettings?.Networks ?? {};
    for (const n of Object.values(nets)) if (n.IPAddress) return n.IPAddress;
    return undefined;
  }

  // ---------- termination ----------

  private async stopContainer(pod: KObject | undefined, c: ListedContainer, graceSeconds: number, announce: boolean, message?: string, preStop = true): Promise<void> {
    const t0 = Date.now();
    if (announce && pod) {
      const name = c.Labels[CONTAINER_LABELS.containerName];
      const role = c.Labels[CONTAINER_LABELS.role] as 'app' | 'init';
      const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x: J) => x.name === name) ?? { name };
      await this.event(pod, spec, 'Normal', 'Killing', message ?? `Stopping container ${name}`, role);
      const hook = spec.lifecycle?.preStop;
      if (hook && preStop && graceSeconds > 0) {
        // killContainer: the preStop hook runs first and uses up part of the grace period.
        const failure = await this.runHandler(pod, spec, c.Id, hook, graceSeconds * 1000);
        if (failure !== undefined) await this.event(pod, spec, 'Warning', 'FailedPreStopHook', this.hookMessage(pod, spec, hook, failure), role);
      }
    }
    graceSeconds = Math.max(pod && announce ? 2 : 0, graceSeconds - Math.floor((Date.now() - t0) / 1000));
    try {
      this.mutations++;
      await bounded(this.docker.getContainer(c.Id).stop({ t: graceSeconds }), (graceSeconds + 15) * 1000, 'stop container');
    } catch (e) {
      // 304: already stopped; 404: already gone. Both are the state we want.
      if (dockerStatus(e) !== 304 && dockerStatus(e) !== 404) throw e;
    }
  }

  private async removeContainer(id: string): Promise<void> {
    try {
      this.mutations++;
      await bounded(this.docker.getContainer(id).remove({ force: true, v: true }), DOCKER_CALL_MS, 'remove container');
    } catch (e) {
      if (dockerStatus(e) !== 404 && dockerStatus(e) !== 409) throw e;
    }
    this.inspectCache.delete(id);
    this.messages.delete(id);
    for (const k of ['startup', 'liveness', 'readiness']) this.probeStates.delete(`${id}/${k}`);
  }

  /**
   * Graceful deletion: app containers get SIGTERM and the pod's grace period (docker stop t=…), their
   * final status is written, then the kubelet's final delete (grace 0) removes the object — that is
   * what lets `kubectl delete pod` return. What is left (the sandbox, stopped containers, the pod's
   * directory) goes when the object's deletion comes back through the informer (removeOrphan), as
   * the kubelet leaves it to its garbage collection: a bulk delete returns as soon as the pods have
   * stopped, and the clean-up runs through the bounded queue instead of crowding dockerd.
   */
  private async terminatePod(pod: KObject, listed: ListedContainer[]): Promise<void> {
    this.probeTargets.delete(pod.metadata.uid!);
    const grace = Math.max(0, pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
    const running = listed.filter((c) => c.State === 'running' && c.Labels[CONTAINER_LABELS.role] !== 'infra');
    await Promise.all(running.map((c) => this.stopContainer(pod, c, grace, true)));
    if (running.length) await this.writeStatus(pod, await this.listContainers(pod.metadata.uid), new Map(), undefined, undefined).catch(() => undefined);
    try {
      await this.generic.delete(this.podType, pod.metadata.namespace ?? 'default', pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
  }

  /** Containers (and emptyDir directories) of a pod that no longer exists. */
  private async removeOrphan(uid: string, listed: ListedContainer[]): Promise<void> {
    // App containers still running (the pod went while no worker watched) get SIGTERM and 2 s;
    // the sandbox's pause needs none (a forced remove kills it).
    await Promise.all(listed.filter((c) => c.State === 'running' && c.Labels[CONTAINER_LABELS.role] !== 'infra').map((c) => this.stopContainer(undefined, c, 2, false)));
    await Promise.all(listed.map((c) => this.removeContainer(c.Id)));
    try {
      const { Volumes } = await bounded(this.docker.listVolumes({ filters: { label: [`${CONTAINER_LABELS.podUid}=${uid}`] } }), DOCKER_CALL_MS, 'list volumes');
      for (const v of Volumes ?? []) await bounded(this.docker.getVolume(v.Name).remove(), DOCKER_CALL_MS, 'remove volume').catch(() => undefined);
    } catch (e) {
      logger.debug('pod volumes not removed', { node: this.nodeName, uid, error: errorText(e) });
    }
    if (listed.length && this.opts.connection && /^[0-9a-f-]+$/i.test(uid)) {
      await this.ensureSetup().catch(() => undefined); // learns whether the SSH user is root
      await removeStateDir(this.opts.connection, this.docker, `${HOST_STATE_DIR}/pods/${uid}`, this.hostOwner).catch((e) =>
        logger.warn('pod directory not removed', { node: this.nodeName, uid, error: errorText(e) }),
      );
    }
    for (const k of [...this.backoff.keys()]) if (k.startsWith(`${uid}/`)) this.backoff.delete(k);
    for (const m of [this.events, this.volumeVersions, this.tokenCache]) for (const k of [...m.keys()]) if (k.startsWith(`${uid}/`)) m.delete(k);
    this.names.delete(uid);
    this.probeTargets.delete(uid);
    this.claims.delete(uid);
    for (const m of [this.synced, this.written, this.syncEnded, this.prelisted, this.failedAt]) m.delete(uid);
  }

  // ---------- status and events ----------

  /** Reads a file of the pod dir through the sandbox (GET /containers/{id}/archive): its last `max` bytes. */
  private async readPodFile(sandboxId: string, rel: string, max: number): Promise<string> {
    const stream = await bounded(this.docker.getContainer(sandboxId).getArchive({ path: `${SANDBOX_POD_PATH}/${rel}` }), DOCKER_CALL_MS, 'read termination message');
    const chunks: Buffer[] = [];
    await bounded(
      new Promise<void>((resolve, reject) => {
        stream.on('data', (b: Buffer) => chunks.push(b));
        stream.on('end', resolve);
        stream.on('error', reject);
      }),
      DOCKER_CALL_MS,
      'read termination message',
    );
    const tar = Buffer.concat(chunks);
    if (tar.length < 512) return '';
    const size = parseInt(tar.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const data = tar.subarray(512, 512 + size);
    return data.subarray(Math.max(0, data.length - max)).toString('utf8');
  }

  /** The last lines of a container's log, for terminationMessagePolicy FallbackToLogsOnError. */
  private async logTail(id: string, tty: boolean): Promise<string> {
    const raw = (await bounded(this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: FALLBACK_LOG_LINES, follow: false }), DOCKER_CALL_MS, 'container logs')) as unknown as Buffer;
    const text = tty ? raw.toString('utf8') : demuxDockerStream(raw);
    const buf = Buffer.from(text, 'utf8');
    return buf.subarray(Math.max(0, buf.length - FALLBACK_LOG_BYTES)).toString('utf8');
  }

  /** The termination message of an exited container (cached: it never changes once read). */
  private async terminationMessage(pod: KObject | undefined, c: ListedContainer, info: J, sandboxId: string | undefined): Promise<string | undefined> {
    const cached = this.messages.get(c.Id);
    if (cached !== undefined) return cached || undefined;
    const name = c.Labels[CONTAINER_LABELS.containerName];
    const spec: J = [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])].find((x: J) => x.name === name) ?? {};
    let message = '';
    try {
      if (sandboxId) message = await this.readPodFile(sandboxId, terminationFile(name, Number(c.Labels[CONTAINER_LABELS.restartCount] ?? 0)), MAX_TERMINATION_MESSAGE);
    } catch (e) {
      if (dockerStatus(e) !== 404) logger.debug('termination message unreadable', { node: this.nodeName, container: c.Id, error: errorText(e) });
    }
    if (!message && spec.terminationMessagePolicy === 'FallbackToLogsOnError' && (info.State?.ExitCode ?? 0) !== 0) {
      message = await this.logTail(c.Id, !!info.Config?.Tty).catch(() => '');
    }
    this.messages.set(c.Id, message);
    return message || undefined;
  }

  /** dockershim's imageID: docker-pullable://<repo digest> for pulled images, else docker://<image id>. */
  private async imageRef(imageId: string): Promise<string> {
    let ref = this.imageRefs.get(imageId);
    if (ref) return ref;
    try {
      const info = await bounded(this.docker.getImage(imageId).inspect(), DOCKER_CALL_MS, 'inspect image');
      const digest = (info.RepoDigests ?? [])[0];
      ref = digest ? `docker-pullable://${digest}` : `docker://${imageId}`;
    } catch {
      return `docker://${imageId}`; // the image went away (pruned): its id is still the truth
    }
    this.imageRefs.set(imageId, ref);
    return ref;
  }

  /** ready/started of a running container as its probes say (no probe: ready and started). */
  private probeVerdicts(pod: KObject | undefined, c: ListedContainer): { ready?: boolean; started?: boolean } {
    const spec = (pod?.spec?.containers ?? []).find((x: J) => x.name === c.Labels[CONTAINER_LABELS.containerName]);
    if (!spec || c.Labels[CONTAINER_LABELS.role] !== 'app') return {};
    const started = spec.startupProbe ? this.probeStates.get(`${c.Id}/startup`)?.result === true : true;
    const ready = started && (spec.readinessProbe ? this.probeStates.get(`${c.Id}/readiness`)?.result === true : true);
    return { ready, started };
  }

  private async observe(listed: ListedContainer[], pod?: KObject): Promise<ObservedContainer[]> {
    const out: ObservedContainer[] = [];
    const sandboxId = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] === 'infra').sort((a, b) => b.Created - a.Created)[0]?.Id;
    for (const c of listed) {
      const role = c.Labels[CONTAINER_LABELS.role];
      if (role !== 'app' && role !== 'init') continue;
      const info = await this.inspect(c);
      const st = info.State ?? {};
      const exited = !st.Running && st.FinishedAt && !String(st.FinishedAt).startsWith('0001');
      const message = exited ? await this.terminationMessage(pod, c, info, sandboxId) : undefined;
      out.push({
        id: c.Id,
        name: c.Labels[CONTAINER_LABELS.containerName],
        role,
        restartCount: Number(c.Labels[CONTAINER_LABELS.restartCount] ?? 0),
        imageID: await this.imageRef(info.Image ?? c.ImageID),
        running: !!st.Running,
        exitCode: st.ExitCode ?? 0,
        oomKilled: !!st.OOMKilled,
        error: st.Error || undefined,
        message,
        ...this.probeVerdicts(pod, c),
        createdAt: info.Created ?? '',
        startedAt: st.StartedAt,
        finishedAt: st.FinishedAt,
      });
    }
    return out;
  }

  private async writeStatus(pod: KObject, listed: ListedContainer[], waiting: Map<string, WaitingReason>, sandbox?: ListedContainer, sandboxIP?: string, override?: { phase: string; reason: string; message: string }): Promise<void> {
    const containers = await this.observe(listed, pod);
    const status = computePodStatus(pod, {
      sandbox: sandbox ? { id: sandbox.Id, running: sandbox.State === 'running', ip: sandboxIP } : undefined,
      containers,
      waiting,
      hostIP: this.hostIP,
      now: new Date(),
      terminal: override,
    });
    const json = JSON.stringify(status);
    // The informer's copy may not show our last write yet: compare with that write when it is newer.
    const uid = pod.metadata.uid!;
    const mine = this.written.get(uid);
    const current = mine && Number(mine.rv) >= Number(pod.metadata.resourceVersion) ? mine.status : JSON.stringify(pod.status ?? {});
    if (json === current) return;
    const { object } = await this.generic.guaranteedUpdate(
      this.podType,
      pod.metadata.namespace ?? 'default',
      pod.metadata.name!,
      (live) => {
        if (!live || live.metadata.uid !== pod.metadata.uid) throw new ApiError({ code: 409, reason: 'Conflict', message: 'pod was replaced' });
        live.status = { ...status, qosClass: live.status?.qosClass ?? status.qosClass };
        return live;
      },
      { fieldManager: 'kubelet' },
      { subresource: 'status' },
    );
    this.written.set(uid, { rv: object.metadata.resourceVersion!, status: json });
  }

  /**
   * Records an event as the kubelet's recorder would (source kubelet/<node>); repeats of the same
   * event bump count and lastTimestamp, as the client-go event correlator does.
   */
  private event(pod: KObject, c: J | undefined, type: 'Normal' | 'Warning', reason: string, message: string, role: 'app' | 'init' = 'app'): Promise<void> {
    const uid = pod.metadata.uid!;
    const held = this.heldEvents.get(uid);
    if (!held) return this.recordEvent(pod, c, type, reason, message, role);
    this.heldEvents.set(
      uid,
      held.then(async (ok) => {
        if (ok) await this.recordEvent(pod, c, type, reason, message, role);
        return ok;
      }),
    );
    return Promise.resolve();
  }

  /** Writes what was held for a pod while its sandbox started (see heldEvents), then lets events through. */
  private async releaseEvents(uid: string): Promise<void> {
    for (let held = this.heldEvents.get(uid); held; held = this.heldEvents.get(uid)) {
      await held;
      if (this.heldEvents.get(uid) === held) this.heldEvents.delete(uid);
    }
  }

  private async recordEvent(pod: KObject, c: J | undefined, type: 'Normal' | 'Warning', reason: string, message: string, role: 'app' | 'init'): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const fieldPath = c ? `spec.${role === 'init' ? 'initContainers' : 'containers'}{${c.name}}` : undefined;
    const key = `${pod.metadata.uid}/${fieldPath ?? ''}/${reason}/${message}`;
    const now = nowTimestamp();
    const seen = this.events.get(key);
    try {
      if (seen) {
        const { object } = await this.generic.guaranteedUpdate(this.eventType, ns, seen.name, (live) => {
          if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: 'event gone' });
          live.count = (live.count ?? 1) + 1;
          live.lastTimestamp = now;
          return live;
        });
        seen.count = object.count;
        return;
      }
      const name = `${pod.metadata.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(this.events.size % 1_000_000)).toString(16)}`;
      const involved: J = { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid, apiVersion: 'v1', resourceVersion: pod.metadata.resourceVersion };
      if (fieldPath) involved.fieldPath = fieldPath;
      await this.generic.create(this.eventType, ns, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: ns },
        involvedObject: involved,
        reason,
        message,
        source: { component: 'kubelet', host: this.nodeName },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: 'kubelet',
        reportingInstance: this.nodeName,
      });
      this.events.set(key, { name, count: 1 });
    } catch (e) {
      if (seen) this.events.delete(key);
      // Events are best effort (the kubelet's recorder drops them too); the sync goes on.
      logger.debug('event not recorded', { node: this.nodeName, pod: `${ns}/${pod.metadata.name}`, reason, error: errorText(e) });
    }
  }
}
