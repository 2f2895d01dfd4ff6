// Runs the node side for every host of the cluster: one SSH connection (none for this machine's
// own engine: local-connection.ts), one Docker client, one node agent (Node status + Lease), one
// pod worker and one usage collector per host, and the node IPAM that gives each Node its
// spec.podCIDR. Hosts come from the cluster file's nodes[] at start and from endpoint Secrets
// (`kubeshim node add`, node-membership.ts) watched at run time; deleting such a Secret removes
// the host: workers stopped, host cleaned, Node and Lease deleted.
import { ApiError } from '../api/errors.js';
import type { GenericStore } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import type { DeclaredEndpoint, HostEndpoint, HostConnection, DockerClient } from './types.js';
import { createHostConnection } from './ssh-connection.js';
import { resolveEndpoint } from './local-node.js';
import { createDockerClient } from './docker-client.js';
import { NodeAgent, NODE_LEASE_NAMESPACE } from './node-agent.js';
import { PodWorker } from './pod-worker.js';
import { allocatePodCIDR } from './pod-cidr.js';
import { NodeStatsCollector, type PodUsageSample, type UsageSample } from './stats.js';
import { cleanHost } from './host-cleanup.js';
import {
  ENDPOINT_LABEL,
  ENDPOINT_NAMESPACE,
  FORCE_REMOVE_ANNOTATION,
  HOST_CLEANUP_FINALIZER,
  REMOVAL_ERROR_ANNOTATION,
  endpointFromSecret,
  endpointSecretName,
  sameEndpoint,
} from './node-membership.js';
import { Informer } from '../client/informer.js';
import { logger } from '../log.js';
import type { ServiceAccountTokens } from '../auth/service-account-token.js';

/** Where a managed host was declared. */
export type NodeSource = 'cluster-file' | 'api';

interface ManagedNode {
  endpoint: HostEndpoint;
  source: NodeSource;
  connection: HostConnection;
  docker: DockerClient;
  agent: NodeAgent;
  stats: NodeStatsCollector;
  worker?: PodWorker;
}

export interface NodeManagerOptions {
  clusterCIDR: string;
  /** Signs projected ServiceAccount token volumes. */
  tokens?: ServiceAccountTokens;
  /** Node status/Lease interval (kubelet default 10 s). */
  heartbeatMs?: number;
  /** Usage sampling interval for metrics.k8s.io (metrics-server default 15 s). */
  metricsIntervalMs?: number;
  /** Delay before a failed host cleanup is tried again. */
  removalRetryMs?: number;
}

const CTX = { user: { username: 'system:kubeshim:node-manager', groups: ['system:masters', 'system:authenticated'] }, fieldManager: 'kubeshim-node-manager' };

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class NodeManager {
  private readonly nodes = new Map<string, ManagedNode>();
  /** Serializes pod CIDR allocation so two nodes never get the same subnet. */
  private ipam: Promise<unknown> = Promise.resolve();
  private endpoints?: Informer;
  /** One membership change at a time per node name. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  constructor(private readonly generic: GenericStore, private readonly registry: ResourceRegistry, private readonly opts: NodeManagerOptions) {}

  private type(group: string, version: string, plural: string): ResourceType {
    return this.registry.lookup(group, version, plural)!;
  }

  /** Starts managing a host. Resolves once its Node is registered (Ready or not: faults are conditions). */
  async add(declared: DeclaredEndpoint, source: NodeSource = 'cluster-file'): Promise<void> {
    if (this.nodes.has(declared.name)) throw new Error(`node ${declared.name} is already managed`);
    // This machine (local: true) may leave its address out: its InternalIP is then found here.
    const endpoint = resolveEndpoint(declared);
    const connection = createHostConnection(endpoint);
    const docker = createDockerClient(connection, { socketPath: endpoint.dockerSocket });
    const agent = new NodeAgent({ endpoint, connection, docker, generic: this.generic, registry: this.registry, heartbeatMs: this.opts.heartbeatMs });
    const node: ManagedNode = { endpoint, source, connection, docker, agent } as ManagedNode;
    node.stats = new NodeStatsCollector({ nodeName: endpoint.name, connection, docker, intervalMs: this.opts.metricsIntervalMs, busy: () => node.worker?.busy ?? false });
    const stats = node.stats;
    this.nodes.set(endpoint.name, node);
    // The connection keeps retrying in the background; until it is up the Node says why not.
    connection.start().catch((e: { fault?: { reason: string; message: string } }) => {
      logger.warn('node not reachable', { node: endpoint.name, reason: e.fault?.reason, message: e.fault?.message ?? String(e) });
    });
    await agent.start();
    stats.start();
    const podCIDR = await this.assignPodCIDR(endpoint.name);
    node.worker = new PodWorker({ nodeName: endpoint.name, docker, generic: this.generic, registry: this.registry, podCIDR, connection, tokens: this.opts.tokens });
    await node.worker.start();
  }

  /** Stops managing a host (its Node and pods stay recorded). */
  async remove(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) return;
    this.nodes.delete(name);
    await this.stopPieces(node);
    await node.connection.close();
  }

  private async stopPieces(node: ManagedNode): Promise<void> {
    await node.worker?.stop();
    await node.stats.stop();
    await node.agent.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.endpoints?.stop();
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
    await Promise.all([...this.queues.values()].map((q) => q.catch(() => undefined)));
    await Promise.all([...this.nodes.keys()].map((n) => this.remove(n)));
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  /** The Docker client and SSH connection of a managed node (streams: logs, exec, port-forward). */
  host(name: string): { docker: DockerClient; connection: HostConnection } | undefined {
    const n = this.nodes.get(name);
    return n ? { docker: n.docker, connection: n.connection } : undefined;
  }

  /** metrics.k8s.io: the node's last usage sample. */
  nodeUsage(name: string): UsageSample | undefined {
    return this.nodes.get(name)?.stats.node();
  }

  /** metrics.k8s.io: a pod's last usage sample, from the collector of the node it is bound to. */
  podUsage(node: string, namespace: string, name: string): PodUsageSample | undefined {
    return this.nodes.get(node)?.stats.pod(namespace, name);
  }

  // ---------- run-time membership (endpoint Secrets) ----------

  /** Follows the endpoint Secrets of kube-system; resolves once the ones that exist are handled. */
  async watchEndpoints(): Promise<void> {
    if (this.endpoints) return;
    const informer = new Informer(this.generic, this.type('', 'v1', 'secrets'), { namespace: ENDPOINT_NAMESPACE, labelSelector: ENDPOINT_LABEL });
    informer.on((_type, secret) => {
      const name = secret.metadata.labels?.[ENDPOINT_LABEL];
      if (name) void this.enqueue(name);
    });
    this.endpoints = informer;
    await informer.start();
    await Promise.all([...this.queues.values()]);
  }

  /** Reconciles one node's membership after whatever is in flight for it (level-triggered: reads the cache). */
  private enqueue(name: string): Promise<void> {
    const prev = this.queues.get(name) ?? Promise.resolve();
    const next = prev.then(() => (this.stopping ? undefined : this.reconcile(name))).catch((e) => {
      logger.warn('node membership change failed', { node: name, error: errorText(e) });
      this.retryLater(name);
    });
    this.queues.set(name, next);
    void next.then(() => {
      if (this.queues.get(name) === next) this.queues.delete(name);
    });
    return next;
  }

  private retryLater(name: string): void {
    if (this.stopping || this.retries.has(name)) return;
    const t = setTimeout(() => {
      this.retries.delete(name);
      void this.enqueue(name);
    }, this.opts.removalRetryMs ?? 10_000);
    t.unref();
    this.retries.set(name, t);
  }

  private async reconcile(name: string): Promise<void> {
    const secret = this.endpoints?.get(ENDPOINT_NAMESPACE, endpointSecretName(name));
    const managed = this.nodes.get(name);
    if (!secret) {
      // Gone without our cleanup (finalizer removed by hand): stop managing, touch nothing else.
      if (managed?.source === 'api') await this.remove(name);
      return;
    }
    if (secret.metadata.deletionTimestamp) {
      if ((secret.metadata.finalizers ?? []).includes(HOST_CLEANUP_FINALIZER)) await this.removeHost(name, secret);
      return;
    }
    if (managed?.source === 'cluster-file') {
      logger.warn('endpoint secret ignored: the node is in the cluster file', { node: name, secret: secret.metadata.name });
      return;
    }
    let endpoint: HostEndpoint;
    try {
      endpoint = endpointFromSecret(secret);
    } catch (e) {
      // Not retried: the Secret must change first (which brings us back here).
      logger.warn('endpoint secret invalid', { node: name, error: errorText(e) });
      return;
    }
    if (managed && sameEndpoint(managed.endpoint, endpoint)) return;
    if (managed) await this.remove(name);
    logger.info('node added', { node: name, address: endpoint.address });
    await this.add(endpoint, 'api');
  }

  /**
   * `kubeshim node remove` after the drain: stop the node's workers, force-delete pods still bound
   * to it (the pod GC does that for pods of a deleted Node), clean the host, delete Node and Lease,
   * then release the Secret. A host that cannot be cleaned keeps the Secret (retried, the cause in
   * an annotation), unless the removal is forced.
   */
  private async removeHost(name: string, secret: KObject): Promise<void> {
    const force = secret.metadata.annotations?.[FORCE_REMOVE_ANNOTATION] === 'true';
    let node = this.nodes.get(name);
    if (node?.source === 'cluster-file') {
      // Not ours to remove (the CLI refuses this case); let the Secret go.
      return this.releaseSecret(name, undefined);
    }
    if (node) {
      await this.stopPieces(node);
    } else {
      // Another server instance ran it, or we restarted mid-removal: connect just for the cleanup.
      let endpoint: HostEndpoint | undefined;
      try {
        endpoint = endpointFromSecret(secret);
      } catch (e) {
        if (!force) throw e;
      }
      if (endpoint) {
        const connection = createHostConnection(endpoint);
        connection.start().catch(() => undefined);
        const docker = createDockerClient(connection, { socketPath: endpoint.dockerSocket });
        node = { endpoint, source: 'api', connection, docker } as ManagedNode;
      }
    }
    const problems: string[] = [];
    try {
      await this.deletePodsOf(name);
      if (node) {
        const fault = await this.waitReady(node.connection);
        if (fault) problems.push(fault);
        else problems.push(...(await cleanHost(node.docker, node.connection)));
      }
    } finally {
      this.nodes.delete(name);
      await node?.connection.close();
    }
    if (problems.length && !force) {
      // Written only when the cause changes: our own write comes back as a watch event.
      if (secret.metadata.annotations?.[REMOVAL_ERROR_ANNOTATION] !== problems.join('; ')) await this.releaseSecret(name, problems.join('; '), false);
      throw new Error(`host not cleaned: ${problems.join('; ')}`);
    }
    if (problems.length) logger.warn('node removed without cleaning its host (forced)', { node: name, problems });
    await this.deleteIgnoringMissing(this.type('coordination.k8s.io', 'v1', 'leases'), NODE_LEASE_NAMESPACE, name);
    await this.deleteIgnoringMissing(this.type('', 'v1', 'nodes'), '', name);
    await this.releaseSecret(name, undefined);
    logger.info('node removed', { node: name, hostCleaned: problems.length === 0 });
  }

  /** Waits (bounded) for the connection; returns the fault if it does not come up. */
  private async waitReady(connection: HostConnection): Promise<string | undefined> {
    if (connection.state === 'ready') return undefined;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        connection.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, 15_000);
      connection.on('ready', done);
    });
    if ((connection.state as string) === 'ready') return undefined;
    const f = connection.fault;
    return `cannot reach the host: ${f ? `${f.reason}: ${f.message}` : connection.state}`;
  }

  private async deletePodsOf(name: string): Promise<void> {
    const podType = this.type('', 'v1', 'pods');
    const { items } = await this.generic.list(podType, undefined, { fieldSelector: `spec.nodeName=${name}` });
    for (const pod of items) {
      try {
        await this.generic.delete(podType, pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }, CTX);
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
      }
    }
  }

  private async deleteIgnoringMissing(rt: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      await this.generic.delete(rt, namespace, name, {}, CTX);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  /** Drops our finalizer (done = true) or records why the cleanup is not done yet. */
  private async releaseSecret(name: string, error: string | undefined, done = true): Promise<void> {
    try {
      await this.generic.guaranteedUpdate(
        this.type('', 'v1', 'secrets'),
        ENDPOINT_NAMESPACE,
        endpointSecretName(name),
        (live) => {
          if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: 'gone' });
          const ann = { ...(live.metadata.annotations ?? {}) };
          if (error) ann[REMOVAL_ERROR_ANNOTATION] = error;
          else delete ann[REMOVAL_ERROR_ANNOTATION];
          live.metadata.annotations = Object.keys(ann).length ? ann : undefined;
          if (done) live.metadata.finalizers = (live.metadata.finalizers ?? []).filter((f) => f !== HOST_CLEANUP_FINALIZER);
          return live;
        },
        CTX,
      );
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  /** The Node's spec.podCIDR, allocated from the cluster CIDR when it has none. */
  private assignPodCIDR(name: string): Promise<string> {
    const run = this.ipam.then(async () => {
      const nodeType = this.registry.lookup('', 'v1', 'nodes')!;
      const { items } = await this.generic.list(nodeType, undefined, {});
      const mine = items.find((n) => n.metadata.name === name);
      if (mine?.spec?.podCIDR) return mine.spec.podCIDR as string;
      const cidr = allocatePodCIDR(this.opts.clusterCIDR, items.map((n) => n.spec?.podCIDR).filter(Boolean));
      await this.generic.guaranteedUpdate(nodeType, '', name, (live) => {
        if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: `nodes "${name}" not found` });
        live.spec = { ...(live.spec ?? {}), podCIDR: cidr, podCIDRs: [cidr] };
        return live;
      }, { fieldManager: 'kube-controller-manager' });
      return cidr;
    });
    this.ipam = run.catch(() => undefined);
    return run;
  }
}
