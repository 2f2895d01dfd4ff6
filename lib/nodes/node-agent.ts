// The Node half of a kubelet, run from the control plane for one Docker host: registers the Node
// (kubelet_node_status.go registerWithAPIServer), posts its status every heartbeat (setNodeStatus
// with the nodestatus setters), renews its Lease in kube-node-lease (pkg/kubelet/nodelease), and
// turns host faults into conditions and events. When the host stops answering it writes what the
// node lifecycle controller would: Ready=Unknown, heartbeat left as it was, no Lease renewal.
// It talks to state only through GenericStore, and never touches pods.
import { ApiError } from '../api/errors.js';
import { KUBERNETES_VERSION } from '../api/version.js';
import { logger } from '../log.js';
import { nowTimestamp, type GenericStore, type WriteContext } from '../registry/generic-store.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import {
  DEFAULT_THRESHOLDS,
  KUBELET_PORT,
  goArch,
  nextConditions,
  nodeAddresses,
  nodeAllocatable,
  nodeCapacity,
  nodeImages,
  nodeLabels,
  nodeSystemInfo,
  parseDf,
  parseMachineIds,
  parseMeminfo,
  parsePids,
  pressureOf,
  sectionedCommand,
  splitSections,
  withInodes,
  type DockerImageFacts,
  type DockerInfoFacts,
  type FsStats,
  type MachineIds,
  type MemInfo,
  type NodeEventSpec,
  type Observation,
  type PidStats,
  type PressureThresholds,
} from './node-info.js';
import { checkDocker, probeDockerSocket } from './docker-client.js';
import { TimeoutError, withTimeout } from './timeout.js';
import type { DockerClient, HostConnection, HostEndpoint, HostFault } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet's nodeLeaseDurationSeconds default; it renews every quarter of it (10 s). */
export const LEASE_DURATION_SECONDS = 40;
const DEFAULT_HEARTBEAT_MS = 10_000;
const DEFAULT_DOCKER_ROOT = '/var/lib/docker';

/** Faults that leave the host unobservable (no SSH session): Ready=Unknown, as for a silent kubelet. */
const UNREACHABLE_REASONS = new Set<HostFault['reason']>(['HostUnreachable', 'HostKeyMismatch', 'HostKeyUnknown', 'SSHAuthenticationFailed']);

export interface NodeAgentOptions {
  endpoint: HostEndpoint;
  connection: HostConnection;
  docker: DockerClient;
  generic: GenericStore;
  registry: ResourceRegistry;
  /** Status post and Lease renewal interval (kubelet: nodeStatusUpdateFrequency, lease renew interval: 10 s). */
  heartbeatMs?: number;
  leaseDurationSeconds?: number;
  /** Bound on each SSH exec and Docker call of a heartbeat (default: the heartbeat, between 5 and 10 s). */
  callTimeoutMs?: number;
  thresholds?: PressureThresholds;
  /**
   * Tells why Docker is unusable once /info failed: resolves, or rejects with an Error carrying
   * `.fault` (default: docker-client.ts checkDocker, which names a missing socket, a refused
   * permission or an Engine too old for API 1.26).
   */
  checkDocker?: (docker: DockerClient) => Promise<unknown>;
  now?: () => Date;
}

/** What one heartbeat learnt from the host; undefined parts could not be read. */
interface HostReading {
  info?: DockerInfoFacts;
  images?: DockerImageFacts[];
  ids?: MachineIds;
  mem?: MemInfo;
  rootfs?: FsStats;
  pids?: PidStats;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** metav1.MicroTime as it marshals: RFC 3339 with six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class NodeAgent {
  readonly nodeName: string;
  private readonly heartbeatMs: number;
  private readonly callTimeoutMs: number;
  private readonly leaseDurationSeconds: number;
  private readonly thresholds: PressureThresholds;
  private readonly now: () => Date;
  private readonly nodeType: ResourceType;
  private readonly leaseType: ResourceType;
  private readonly eventType: ResourceType;
  private readonly ctx: WriteContext;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private registeredUid?: string;
  private dockerRoot?: string;
  private eventSeq = 0;
  private readonly kick = () => void this.sync();
  private readonly checkDocker: (docker: DockerClient) => Promise<unknown>;
  /** The fault of the last heartbeat, if any (for the CLI's one-line report). */
  lastFault?: HostFault;

  constructor(private readonly opts: NodeAgentOptions) {
    this.nodeName = opts.endpoint.name;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.callTimeoutMs = opts.callTimeoutMs ?? Math.min(10_000, Math.max(5_000, this.heartbeatMs));
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? LEASE_DURATION_SECONDS;
    this.thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
    this.now = opts.now ?? (() => new Date());
    this.checkDocker = opts.checkDocker ?? checkDocker;
    const need = (group: string, version: string, plural: string) => {
      const rt = opts.registry.lookup(group, version, plural);
      if (!rt) throw new Error(`node agent: ${group || 'core'}/${version} ${plural} is not served`);
      return rt;
    };
    this.nodeType = need('', 'v1', 'nodes');
    this.leaseType = need('coordination.k8s.io', 'v1', 'leases');
    this.eventType = need('', 'v1', 'events');
    // The identity a kubelet writes with (Node authorizer's system:node:<name>).
    this.ctx = { user: { username: `system:node:${this.nodeName}`, groups: ['system:nodes', 'system:authenticated'] }, fieldManager: 'kubelet' };
  }

  /** Registers the Node (first heartbeat) and keeps posting status and renewing the Lease until stop(). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.opts.connection.on('ready', this.kick);
    this.opts.connection.on('down', this.kick);
    // The kubelet announces itself on every start, before registering (events.StartingKubelet).
    await this.recordEvent({ type: 'Normal', reason: 'Starting', message: 'Starting kubelet.' }, this.now());
    await this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.connection.off('ready', this.kick);
    this.opts.connection.off('down', this.kick);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One heartbeat now (coalesced with one in flight); the next is scheduled a heartbeat later. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.heartbeat();
        } catch (e) {
          // The API side failed (storage closed, validation): the next heartbeat tries again.
          logger.warn('node heartbeat failed', { node: this.nodeName, error: errorText(e) });
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(this.kick, this.heartbeatMs).unref();
    });
    return this.running;
  }

  // ---------- observing the host ----------

  private connectionFault(): HostFault | undefined {
    const c = this.opts.connection;
    if (c.state === 'ready') return undefined;
    const to = c.endpoint.local ? `this machine's Docker socket` : `SSH connection to ${c.endpoint.address}:${c.endpoint.port ?? 22}`;
    return c.fault ?? { reason: 'HostUnreachable', message: `no ${to} (${c.state})` };
  }

  private async dockerFault(cause: unknown): Promise<HostFault> {
    const own = (cause as { fault?: HostFault })?.fault;
    try {
      await withTimeout(Promise.resolve(this.checkDocker(this.opts.docker)), this.callTimeoutMs, 'docker check');
    } catch (e) {
      const fault = (e as { fault?: HostFault })?.fault;
      if (fault) return fault;
    }
    return own ?? { reason: 'DockerUnreachable', message: `Docker Engine on node ${this.nodeName} did not answer: ${errorText(cause)}` };
  }

  /** How host commands are run, for messages ("ssh exec on ADDR", or local on this machine). */
  private get execWhere(): string {
    return this.opts.endpoint.local ? 'local exec on this machine' : `ssh exec on ${this.opts.endpoint.address}`;
  }

  private async readHostFiles(reading: HostReading): Promise<void> {
    const root = this.dockerRoot ?? DEFAULT_DOCKER_ROOT;
    const q = `'${root.replace(/'/g, `'\\''`)}'`;
    const res = await withTimeout(
      this.opts.connection.exec(
        sectionedCommand([
          'hostname',
          'cat /etc/machine-id',
          'cat /sys/class/dmi/id/product_uuid',
          'cat /proc/sys/kernel/random/boot_id',
          'cat /proc/meminfo',
          `df -P -k ${q} || df -P -k /`,
          'cat /proc/sys/kernel/pid_max',
          'cat /proc/loadavg',
          `df -P -i ${q} || df -P -i /`,
        ]),
        { timeoutMs: this.callTimeoutMs },
      ),
      this.callTimeoutMs + 1000,
      this.execWhere,
    );
    const s = splitSections(res.stdout);
    reading.ids = parseMachineIds(s.slice(0, 4));
    reading.mem = parseMeminfo(s[4] ?? '');
    reading.rootfs = withInodes(parseDf(s[5] ?? ''), s[8] ?? '');
    reading.pids = parsePids(s[6] ?? '', s[7] ?? '');
  }

  private async readDocker(reading: HostReading): Promise<void> {
    const d = this.opts.docker;
    await withTimeout(probeDockerSocket(d), this.callTimeoutMs, `docker socket on ${this.opts.endpoint.address}`);
    reading.info = (await withTimeout(d.info() as Promise<DockerInfoFacts>, this.callTimeoutMs, `docker info on ${this.opts.endpoint.address}`)) ?? {};
    if (reading.info.DockerRootDir) this.dockerRoot = reading.info.DockerRootDir;
  }

  /**
   * While the first connection attempt is under way, waits for its outcome (bounded) rather than
   * registering a Node as unreachable that is only being dialled.
   */
  private async settleConnection(): Promise<void> {
    const c = this.opts.connection;
    if (c.state !== 'connecting' || c.fault) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        c.off('ready', done);
        c.off('down', done);
        resolve();
      };
      const timer = setTimeout(done, this.callTimeoutMs);
      c.on('ready', done);
      c.on('down', done);
    });
  }

  /** Reads the host; returns the observation and what could be read. */
  private async observe(): Promise<{ obs: Observation; reading: HostReading; fault?: HostFault }> {
    const reading: HostReading = {};
    await this.settleConnection();
    const connFault = this.connectionFault();
    if (connFault) return { obs: this.faultObservation(connFault), reading, fault: connFault };

    // Docker's root dir is where the kubelet's nodefs figures come from: learn it before the first df.
    let dockerError: unknown;
    const docker = this.readDocker(reading).catch((e) => {
      dockerError = e ?? new Error('docker info failed');
    });
    if (!this.dockerRoot) await docker;
    try {
      await this.readHostFiles(reading);
    } catch (e) {
      await docker;
      const fault = this.connectionFault() ?? { reason: 'HostUnreachable' as const, message: e instanceof TimeoutError ? errorText(e) : `${this.execWhere} failed: ${errorText(e)}` };
      return { obs: this.faultObservation(fault), reading, fault };
    }
    await docker;
    const pressure = pressureOf(reading.mem, reading.rootfs, reading.pids, this.thresholds);
    if (dockerError !== undefined) {
      const fault = await this.dockerFault(dockerError);
      return { obs: { kind: 'notReady', reason: fault.reason, message: fault.message, pressure }, reading, fault };
    }
    try {
      reading.images = (await withTimeout(this.opts.docker.listImages() as Promise<DockerImageFacts[]>, this.callTimeoutMs, 'docker image list')) ?? [];
    } catch (e) {
      // Images are informational: the kubelet logs the error and leaves the list empty.
      logger.warn('node image list failed', { node: this.nodeName, error: errorText(e) });
    }
    return { obs: { kind: 'healthy', pressure }, reading };
  }

  private faultObservation(fault: HostFault): Observation {
    return UNREACHABLE_REASONS.has(fault.reason) ? { kind: 'unreachable', reason: fault.reason, message: fault.message } : { kind: 'notReady', reason: fault.reason, message: fault.message };
  }

  // ---------- writing state ----------

  private async heartbeat(): Promise<void> {
    const { obs, reading, fault } = await this.observe();
    if (this.stopped) return;
    if (fault && (fault.reason !== this.lastFault?.reason || fault.message !== this.lastFault?.message)) {
      logger.warn('node not ready', { node: this.nodeName, reason: fault.reason, message: fault.message });
    } else if (!fault && this.lastFault) {
      logger.info('node ready again', { node: this.nodeName });
    }
    this.lastFault = fault;
    const now = this.now();
    const ts = nowTimestamp(now);
    const events: NodeEventSpec[] = [];
    const node = await this.register(reading, obs, ts, events);
    if (node) {
      const { object } = await this.opts.generic.guaranteedUpdate(
        this.nodeType,
        '',
        this.nodeName,
        (live) => {
          if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: `nodes "${this.nodeName}" not found` });
          events.length = 0;
          live.status = this.statusFor(live.status ?? {}, reading, obs, ts, events);
          return live;
        },
        this.ctx,
        { subresource: 'status' },
      );
      this.registeredUid = object.metadata.uid;
    }
    if (obs.kind !== 'unreachable' && this.registeredUid) await this.renewLease(now);
    for (const ev of events) await this.recordEvent(ev, now);
  }

  /** Node status from the previous one and this heartbeat's readings (unknown parts are kept). */
  private statusFor(prev: J, reading: HostReading, obs: Observation, ts: string, events: NodeEventSpec[]): J {
    const st: J = { ...prev };
    const info = reading.info;
    if (info) {
      st.capacity = nodeCapacity(info, reading.rootfs, reading.mem);
      st.allocatable = nodeAllocatable(st.capacity, info, reading.rootfs, reading.mem, this.thresholds);
    }
    const { conditions, events: condEvents } = nextConditions(this.nodeName, prev.conditions, obs, ts);
    st.conditions = conditions;
    events.push(...condEvents);
    if (reading.ids) st.addresses = nodeAddresses(this.opts.endpoint, reading.ids.hostname);
    else st.addresses ??= nodeAddresses(this.opts.endpoint, '');
    st.daemonEndpoints = { kubeletEndpoint: { Port: KUBELET_PORT } };
    if (info && reading.ids) {
      const prevBoot = prev.nodeInfo?.bootID;
      st.nodeInfo = nodeSystemInfo(info, reading.ids, { kubeletVersion: KUBERNETES_VERSION.gitVersion, kubeProxyVersion: KUBERNETES_VERSION.gitVersion });
      if (prevBoot && reading.ids.bootID && prevBoot !== reading.ids.bootID) {
        events.unshift({ type: 'Warning', reason: 'Rebooted', message: `Node ${this.nodeName} has been rebooted, boot id: ${reading.ids.bootID}` });
      }
    }
    if (reading.images) st.images = nodeImages(reading.images);
    return st;
  }

  /** Creates the Node if missing, else adopts it (labels and taints from the cluster file added). */
  private async register(reading: HostReading, obs: Observation, ts: string, events: NodeEventSpec[]): Promise<boolean> {
    if (this.registeredUid) return true;
    const g = this.opts.generic;
    const os = reading.info?.OSType || 'linux';
    const arch = goArch(reading.info?.Architecture) || (process.arch === 'x64' ? 'amd64' : process.arch);
    const labels = nodeLabels(this.opts.endpoint, os, arch);
    const taints = (this.opts.endpoint.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }));
    let existing: KObject | undefined;
    try {
      existing = await g.get(this.nodeType, '', this.nodeName);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    if (!existing) {
      const node: KObject = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.nodeName, labels },
        spec: taints.length ? { taints } : {},
        status: this.statusFor({}, reading, obs, ts, events),
      };
      try {
        const created = await g.create(this.nodeType, '', node, this.ctx);
        this.registeredUid = created.metadata.uid;
        logger.info('node registered', { node: this.nodeName });
        // Status is already current: the status write of this heartbeat only moves heartbeats.
        return false;
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
        events.length = 0;
      }
    }
    // Adopt (kubelet tryRegisterWithAPIServer on AlreadyExists: updateDefaultLabels, then status).
    // Taints a user added or removed since stay as they are; missing cluster-file taints are added.
    const { object } = await g.guaranteedUpdate(
      this.nodeType,
      '',
      this.nodeName,
      (live) => {
        if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: `nodes "${this.nodeName}" not found` });
        live.metadata.labels = { ...(live.metadata.labels ?? {}), ...labels };
        const have: J[] = live.spec?.taints ?? [];
        const add = taints.filter((t) => !have.some((h) => h.key === t.key && h.effect === t.effect));
        if (add.length) live.spec = { ...(live.spec ?? {}), taints: [...have, ...add] };
        return live;
      },
      this.ctx,
    );
    this.registeredUid = object.metadata.uid;
    logger.info('node adopted', { node: this.nodeName });
    return true;
  }

  /** nodelease controller: holder = node name, 40 s duration, owned by the Node. */
  private async renewLease(now: Date): Promise<void> {
    const owner = [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.registeredUid ?? '' }];
    await this.opts.generic.guaranteedUpdate(
      this.leaseType,
      NODE_LEASE_NAMESPACE,
      this.nodeName,
      (live) => {
        const lease: KObject = live ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.nodeName, namespace: NODE_LEASE_NAMESPACE } };
        if (!(lease.metadata.ownerReferences ?? []).some((r: J) => r.kind === 'Node' && r.uid === this.registeredUid)) lease.metadata.ownerReferences = owner;
        lease.spec = { ...(lease.spec ?? {}), holderIdentity: this.nodeName, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: microTime(now) };
        return lease;
      },
      this.ctx,
      { allowCreate: true },
    );
  }

  /** An Event as the kubelet's recorder writes it for its node (nodeRef uid = node name, namespace default). */
  private async recordEvent(ev: NodeEventSpec, now: Date): Promise<void> {
    const ts = nowTimestamp(now);
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.eventSeq++ % 1_000_000);
    const event: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${this.nodeName}.${nanos.toString(16)}`, namespace: 'default' },
      involvedObject: { kind: 'Node', name: this.nodeName, uid: this.nodeName },
      reason: ev.reason,
      message: ev.message,
      source: { component: 'kubelet', host: this.nodeName },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type: ev.type,
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: this.nodeName,
    };
    try {
      await this.opts.generic.create(this.eventType, 'default', event, this.ctx);
    } catch (e) {
      // Events are best effort, as the kubelet's recorder: a lost one must not stop the heartbeat.
      logger.warn('node event not recorded', { node: this.nodeName, reason: ev.reason, error: errorText(e) });
    }
  }
}
