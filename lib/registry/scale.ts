// The scale subresource (autoscaling/v1 Scale) for any resource that declares a ScaleSpec,
// as upstream's deployment/replicaset/statefulset ScaleREST and the CRD scale subresource do.
import { badRequest } from '../api/errors.js';
import { formatLabelSelector } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function getPath(obj: unknown, path: string): unknown {
  let cur = obj as Record<string, unknown> | undefined;
  for (const p of path.replace(/^\./, '').split('.')) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p] as Record<string, unknown> | undefined;
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === undefined || cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** The Scale view of an object. */
export function scaleOf(rt: ResourceType, obj: KObject): KObject {
  const spec = rt.scale!;
  let selector: string | undefined;
  if (spec.selectorFromSpec) {
    const sel = obj.spec?.selector;
    // Deployments/ReplicaSets carry a LabelSelector; RCs a plain map.
    selector = sel && (sel.matchLabels || sel.matchExpressions) ? formatLabelSelector(sel) : sel ? formatLabelSelector({ matchLabels: sel }) : undefined;
    if (selector === '<none>') selector = '';
  } else if (spec.labelSelectorPath) {
    const v = getPath(obj, spec.labelSelectorPath);
    selector = typeof v === 'string' ? v : undefined;
  }
  const status: Record<string, unknown> = { replicas: Number(getPath(obj, spec.statusReplicasPath) ?? 0) };
  if (selector) status.selector = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: Number(getPath(obj, spec.specReplicasPath) ?? 0) },
    status,
  };
}

/** Writes a Scale's desired replicas into the object. */
export function applyScale(rt: ResourceType, live: KObject, scale: KObject): KObject {
  const replicas = scale?.spec?.replicas;
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas))) {
    throw badRequest(`Scale.autoscaling "${live.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be an integer`);
  }
  const out = structuredClone(live);
  setPath(out, rt.scale!.specReplicasPath, replicas ?? 0);
  if (scale.metadata?.resourceVersion) out.metadata.resourceVersion = scale.metadata.resourceVersion;
  return out;
}
