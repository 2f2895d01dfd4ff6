// metrics.k8s.io/v1beta1, what metrics-server serves through the aggregation layer and what
// `kubectl top` reads: NodeMetrics (cluster-scoped, `nodes`) and PodMetrics (namespaced, `pods`),
// get and list only, computed from the node collectors' last samples (lib/nodes/stats.ts), never
// stored. Behaviour follows metrics-server's pkg/api/node.go and pod.go: the Node or Pod is looked
// up first (its own NotFound passes through), only Running pods have metrics, items are sorted as
// the core API sorts them, and an object without a sample is NotFound.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed, notFound } from './errors.js';
import { negotiate } from './negotiation.js';
import { sendObject } from './respond.js';
import { notFoundPath, parseResourcePath } from './rest-handler.js';
import { nowTimestamp, type GenericStore } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import { formatCpuNanoCores, formatMemoryBytes, goDurationString, type PodUsageSample, type UsageSample } from '../nodes/stats.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** Where the figures come from (NodeManager). */
export interface MetricsSource {
  nodeUsage(node: string): UsageSample | undefined;
  podUsage(node: string, namespace: string, name: string): PodUsageSample | undefined;
}

const usageSchema = {
  type: 'object',
  description: 'The memory and CPU usage (ResourceList).',
  additionalProperties: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
};
const timingProps = {
  timestamp: { type: 'string', format: 'date-time', description: 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].' },
  window: { type: 'string' },
};

/** The two resources, for discovery and OpenAPI (reads are answered by serveMetrics, not the store). */
export function metricsResources(): ResourceType[] {
  const base = { group: METRICS_GROUP, version: METRICS_VERSION, verbs: ['get', 'list'], hasGeneration: false };
  return [
    {
      ...base,
      kind: 'NodeMetrics',
      plural: 'nodes',
      // metrics-server's storage names no singular (GetSingularName returns "").
      singular: '',
      namespaced: false,
      schema: { type: 'object', description: 'NodeMetrics sets resource usage metrics of a node.', properties: { ...timingProps, usage: usageSchema } },
    },
    {
      ...base,
      kind: 'PodMetrics',
      plural: 'pods',
      singular: '',
      namespaced: true,
      schema: {
        type: 'object',
        description: 'PodMetrics sets resource usage metrics of a pod.',
        properties: {
          ...timingProps,
          containers: {
            type: 'array',
            description: 'Metrics for all containers are collected within the same time window.',
            items: { type: 'object', properties: { name: { type: 'string' }, usage: usageSchema }, required: ['name', 'usage'] },
          },
        },
      },
    },
  ];
}

function usage(cpu: number, memory: number) {
  return { cpu: formatCpuNanoCores(cpu), memory: formatMemoryBytes(memory) };
}

function nodeMetrics(node: KObject, s: UsageSample): KObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: nowTimestamp(), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: nowTimestamp(s.timestamp),
    window: goDurationString(s.windowMs),
    usage: usage(s.cpuNanoCores, s.memoryBytes),
  };
}

function podMetrics(pod: KObject, s: PodUsageSample): KObject {
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: nowTimestamp(), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: nowTimestamp(s.timestamp),
    window: goDurationString(s.windowMs),
    containers: s.containers.map((c) => ({ name: c.name, usage: usage(c.cpuNanoCores, c.memoryBytes) })),
  };
}

export interface MetricsDeps {
  generic: GenericStore;
  registry: ResourceRegistry;
  source: MetricsSource;
}

/** Answers GET /apis/metrics.k8s.io/v1beta1/... (`segs` is the path after the version). */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, version: string, segs: string[], query: URLSearchParams, deps: MetricsDeps): Promise<void> {
  const info = parseResourcePath(METRICS_GROUP, version, segs);
  const rt = info && deps.registry.lookup(METRICS_GROUP, version, info.resource);
  if (!info || !rt || info.subresource || (info.namespace !== undefined && !rt.namespaced)) throw notFoundPath();
  if (rt.namespaced && info.name !== undefined && info.namespace === undefined) throw notFoundPath();
  const watch = info.watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
  if (req.method !== 'GET' || watch) throw methodNotAllowed('the server does not allow this method on the requested resource');
  const fmt = negotiate(req.headers.accept);
  const core = (plural: string) => deps.registry.lookup('', 'v1', plural)!;
  const gr = { group: METRICS_GROUP, resource: rt.plural };
  const selectors = { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined };

  if (rt.plural === 'nodes') {
    if (info.name !== undefined) {
      const node = await deps.generic.get(core('nodes'), '', info.name);
      const s = deps.source.nodeUsage(info.name);
      if (!s) throw notFound(gr, info.name);
      return sendObject(req, res, 200, nodeMetrics(node, s), fmt.serialization);
    }
    const { items } = await deps.generic.list(core('nodes'), undefined, selectors);
    const out: KObject[] = [];
    for (const node of items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))) {
      const s = deps.source.nodeUsage(node.metadata.name!);
      if (s) out.push(nodeMetrics(node, s));
    }
    return sendObject(req, res, 200, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items: out }, fmt.serialization);
  }

  const sampleOf = (pod: KObject) => {
    // metrics-server: pods not in the Running phase have no metrics.
    if (pod.status?.phase !== 'Running' || !pod.spec?.nodeName) return undefined;
    const s = deps.source.podUsage(pod.spec.nodeName, pod.metadata.namespace!, pod.metadata.name!);
    return s && s.uid === pod.metadata.uid ? s : undefined;
  };
  if (info.name !== undefined) {
    const pod = await deps.generic.get(core('pods'), info.namespace!, info.name);
    const s = sampleOf(pod);
    if (!s) throw notFound(gr, `${info.namespace}/${info.name}`);
    return sendObject(req, res, 200, podMetrics(pod, s), fmt.serialization);
  }
  const { items } = await deps.generic.list(core('pods'), info.namespace, selectors);
  items.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
  const out: KObject[] = [];
  for (const pod of items) {
    const s = sampleOf(pod);
    if (s) out.push(podMetrics(pod, s));
  }
  return sendObject(req, res, 200, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items: out }, fmt.serialization);
}
