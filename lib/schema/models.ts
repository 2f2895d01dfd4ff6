// Access to the Kubernetes model metadata shipped by @kubernetes/client-node: every model
// class carries a static attributeTypeMap (wire name, TypeScript type, OpenAPI format).
// This is our single source of truth for field names and types of built-in kinds; OpenAPI,
// strict field validation, strategic merge patch and protobuf all walk it.
// Only the generated models (not the HTTP client and its dependencies): ~50 MB less resident memory.
import * as k8s from '@kubernetes/client-node/dist/gen/models/all.js';

export interface ModelAttribute {
  /** Wire (JSON) field name. */
  baseName: string;
  /** client-node type string: `string`, `Array<V1Container>`, `{ [key: string]: string; }`, `V1PodSpec`, … */
  type: string;
  /** OpenAPI format: `int32`, `int64`, `date-time`, `int-or-string`, `byte`, … or ''. */
  format: string;
}

export type TypeRef =
  | { kind: 'primitive'; type: 'string' | 'number' | 'boolean' | 'Date' | 'any' | 'IntOrString'; format: string }
  | { kind: 'model'; model: string }
  | { kind: 'array'; items: TypeRef }
  | { kind: 'map'; values: TypeRef };

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'IntOrString', 'object']);

const registry = k8s as unknown as Record<string, { attributeTypeMap?: ModelAttribute[] } | undefined>;
const fieldIndex = new Map<string, Map<string, ModelAttribute>>();

/** True when client-node ships a model class of this name (e.g. `V1Pod`). */
export function hasModel(name: string): boolean {
  return Array.isArray(registry[name]?.attributeTypeMap);
}

/** The model's attributes in declaration order, or undefined for an unknown model. */
export function modelAttributes(name: string): ModelAttribute[] | undefined {
  return registry[name]?.attributeTypeMap;
}

/** One attribute of a model by wire name. */
export function modelAttribute(model: string, wireName: string): ModelAttribute | undefined {
  let idx = fieldIndex.get(model);
  if (!idx) {
    idx = new Map((modelAttributes(model) ?? []).map((a) => [a.baseName, a]));
    fieldIndex.set(model, idx);
  }
  return idx.get(wireName);
}

/** Parses a client-node type string into a structured reference. */
export function parseType(type: string, format = ''): TypeRef {
  const t = type.trim();
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { kind: 'array', items: parseType(arr[1]) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { kind: 'map', values: parseType(map[1]) };
  if (PRIMITIVES.has(t)) {
    const p = (t === 'object' ? 'any' : t) as 'string' | 'number' | 'boolean' | 'Date' | 'any' | 'IntOrString';
    return { kind: 'primitive', type: format === 'int-or-string' ? 'IntOrString' : p, format };
  }
  return { kind: 'model', model: t };
}

/** The type of field `wireName` in `model`, or undefined if the model has no such field. */
export function fieldType(model: string, wireName: string): TypeRef | undefined {
  const a = modelAttribute(model, wireName);
  return a ? parseType(a.type, a.format) : undefined;
}

/** All model class names client-node ships (V1Pod, V1beta1…, CoreV1Event, …). */
export function allModelNames(): string[] {
  return Object.keys(registry).filter((n) => hasModel(n));
}
