// Runs the node side for every host of the cluster: one SSH connection, one Docker client, one
// node agent (Node status + Lease) and one pod worker per host, and the node IPAM that gives each
// Node its spec.podCIDR. Hosts come from the cluster file's nodes[] at start.
import { ApiError } from '../api/errors.js';
import type { GenericStore } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { HostEndpoint, HostConnection, DockerClient } from './types.js';
import { createHostConnection } from './ssh-connection.js';
import { createDockerClient } from './docker-client.js';
import { NodeAgent } from './node-agent.js';
import { PodWorker } from './pod-worker.js';
import { allocatePodCIDR } from './pod-cidr.js';
import { logger } from '../log.js';
import type { ServiceAccountTokens } from '../auth/service-account-token.js';

interface ManagedNode {
  endpoint: HostEndpoint;
  connection: HostConnection;
  docker: DockerClient;
  agent: NodeAgent;
  worker?: PodWorker;
}

export interface NodeManagerOptions {
  clusterCIDR: string;
  /** Signs projected ServiceAccount token volumes. */
  tokens?: ServiceAccountTokens;
  /** Node status/Lease interval (kubelet default 10 s). */
  heartbeatMs?: number;
}

export class NodeManager {
  private readonly nodes = new Map<string, ManagedNode>();
  /** Serializes pod CIDR allocation so two nodes never get the same subnet. */
  private ipam: Promise<unknown> = Promise.resolve();

  constructor(private readonly generic: GenericStore, private readonly registry: ResourceRegistry, private readonly opts: NodeManagerOptions) {}

  /** Starts managing a host. Resolves once its Node is registered (Ready or not: faults are conditions). */
  async add(endpoint: HostEndpoint): Promise<void> {
    if (this.nodes.has(endpoint.name)) throw new Error(`node ${endpoint.name} is already managed`);
    const connection = createHostConnection(endpoint);
    const docker = createDockerClient(connection, { socketPath: endpoint.dockerSocket });
    const agent = new NodeAgent({ endpoint, connection, docker, generic: this.generic, registry: this.registry, heartbeatMs: this.opts.heartbeatMs });
    const node: ManagedNode = { endpoint, connection, docker, agent };
    this.nodes.set(endpoint.name, node);
    // The connection keeps retrying in the background; until it is up the Node says why not.
    connection.start().catch((e: { fault?: { reason: string; message: string } }) => {
      logger.warn('node not reachable', { node: endpoint.name, reason: e.fault?.reason, message: e.fault?.message ?? String(e) });
    });
    await agent.start();
    const podCIDR = await this.assignPodCIDR(endpoint.name);
    node.worker = new PodWorker({ nodeName: endpoint.name, docker, generic: this.generic, registry: this.registry, podCIDR, connection, tokens: this.opts.tokens });
    await node.worker.start();
  }

  /** Stops managing a host (its Node and pods stay recorded). */
  async remove(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) return;
    this.nodes.delete(name);
    await node.worker?.stop();
    await node.agent.stop();
    await node.connection.close();
  }

  async stop(): Promise<void> {
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
