// The shape of a value at some place in a built-in object, derived from client-node's model
// metadata (lib/schema/models.ts) plus the struct tags upstream keeps in k8s.io/api
// (lib/schema/patch-meta.ts). Strategic merge patch reads patch strategies and merge keys from it
// (as forkedjson.LookupPatchMetadata does from Go struct tags); server-side apply reads list types
// and map keys from it (as structured-merge-diff does from the OpenAPI extensions).
import { fieldType, hasModel, type TypeRef } from '../schema/models.js';
import { isAtomicStruct, patchMeta, type PatchMeta } from '../schema/patch-meta.js';

export type Shape =
  /** A built-in struct; `atomic` when upstream marks it +structType=atomic. */
  | { kind: 'struct'; model: string; atomic: boolean }
  /** map[string]X; `atomic` when +mapType=atomic. */
  | { kind: 'map'; values: Shape; atomic: boolean }
  | { kind: 'list'; items: Shape; listType: 'atomic' | 'set' | 'map'; keys: string[]; strategy?: string; mergeKey?: string }
  | { kind: 'scalar' }
  /** No schema (custom resources, RawExtension, unknown fields): objects are granular maps, lists atomic. */
  | { kind: 'untyped' };

export const UNTYPED: Shape = { kind: 'untyped' };
const SCALAR: Shape = { kind: 'scalar' };

/** Shape of a whole object of client-node model `model`, or untyped without one. */
export function rootShape(model?: string): Shape {
  return model && hasModel(model) ? { kind: 'struct', model, atomic: isAtomicStruct(model) } : UNTYPED;
}

function fromRef(ref: TypeRef, meta: PatchMeta | undefined): Shape {
  switch (ref.kind) {
    case 'primitive':
      return ref.type === 'any' ? UNTYPED : SCALAR;
    case 'model':
      return hasModel(ref.model) ? { kind: 'struct', model: ref.model, atomic: isAtomicStruct(ref.model) } : UNTYPED;
    case 'map':
      return { kind: 'map', values: fromRef(ref.values, undefined), atomic: meta?.mapType === 'atomic' };
    case 'array': {
      const items = fromRef(ref.items, undefined);
      const strategy = meta?.strategy;
      const mergeKey = meta?.mergeKey;
      // Without an explicit +listType, structured-merge-diff's schema conversion
      // (kube-openapi schemaconv) derives one from the patch strategy: merge+key → map, merge → set.
      let listType = meta?.listType;
      let keys = meta?.listMapKeys ?? [];
      if (!listType) {
        if (strategy?.split(',').includes('merge') && mergeKey) {
          listType = 'map';
          keys = [mergeKey];
        } else if (strategy?.split(',').includes('merge')) listType = 'set';
        else listType = 'atomic';
      }
      return { kind: 'list', items, listType, keys, strategy, mergeKey };
    }
  }
}

/** Shape of field `name` inside a value of shape `parent`. */
const structFieldShapes = new Map<string, Shape>();

export function childShape(parent: Shape, name: string): Shape {
  switch (parent.kind) {
    case 'struct': {
      // Shapes are immutable and derived from static model metadata: memoized (write hot path).
      const key = `${parent.model}\0${name}`;
      let shape = structFieldShapes.get(key);
      if (!shape) {
        const ref = fieldType(parent.model, name);
        shape = ref ? fromRef(ref, patchMeta(parent.model, name)) : UNTYPED;
        structFieldShapes.set(key, shape);
      }
      return shape;
    }
    case 'map':
      return parent.values;
    default:
      return UNTYPED;
  }
}

/** Shape of the elements of a list (untyped lists hold untyped elements). */
export function itemShape(list: Shape): Shape {
  return list.kind === 'list' ? list.items : UNTYPED;
}

/** The patch strategy and merge key of field `name` of `parent` (LookupPatchMetadata). */
export function fieldPatchMeta(parent: Shape, name: string): { strategy: string; mergeKey: string } {
  if (parent.kind !== 'struct') return { strategy: '', mergeKey: '' };
  const m = patchMeta(parent.model, name);
  return { strategy: m?.strategy ?? '', mergeKey: m?.mergeKey ?? '' };
}

// API groups served from Go types; a kind in any other group is a custom resource (schemaless here).
const BUILTIN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'discovery.k8s.io',
  'storage.k8s.io',
  'coordination.k8s.io',
  'events.k8s.io',
  'certificates.k8s.io',
  'scheduling.k8s.io',
  'node.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
]);

/**
 * The client-node model of a built-in object from its apiVersion and kind (`apps/v1` Deployment →
 * `V1Deployment`, core Event → `CoreV1Event`, events.k8s.io Event → `EventsV1Event`), or
 * undefined for custom resources and unknown kinds.
 */
export function modelForObject(obj: unknown): string | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !kind) return undefined;
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!BUILTIN_GROUPS.has(group) || !version) return undefined;
  const v = version[0].toUpperCase() + version.slice(1);
  // client-node qualifies names two groups share with the group (CoreV1Event / EventsV1Event).
  const groupPrefix = group === '' ? 'Core' : group.split('.')[0].replace(/^./, (c) => c.toUpperCase());
  for (const name of [`${groupPrefix}${v}${kind}`, `${v}${kind}`]) if (hasModel(name)) return name;
  return undefined;
}
