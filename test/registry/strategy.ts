// Runs a resource's strategy hooks in the order the generic store does, without storage.
import { fieldErrorString } from '../../lib/api/errors.js';
import type { KObject, ResourceType } from '../../lib/registry/resource-type.js';

export const NOW = Date.parse('2024-05-01T12:00:00Z');
export const CREATED = '2024-05-01T11:00:00Z';

/** What a create stores: system fields, defaults, prepareForCreate, and the validation messages. */
export function create(rt: ResourceType, input: object): { obj: KObject; errors: string[] } {
  const obj = structuredClone(input) as KObject;
  obj.metadata ??= {};
  if (rt.namespaced) obj.metadata.namespace ??= 'default';
  obj.metadata.uid ??= 'uid-1';
  obj.metadata.creationTimestamp ??= CREATED;
  rt.defaults?.(obj);
  rt.prepareForCreate?.(obj);
  return { obj, errors: (rt.validate?.(obj) ?? []).map(fieldErrorString) };
}

/** What an update stores: system fields from the old object, defaults, prepareForUpdate, validation. */
export function update(rt: ResourceType, old: KObject, input: object): { obj: KObject; errors: string[] } {
  const obj = structuredClone(input) as KObject;
  obj.metadata = {
    ...(obj.metadata ?? {}),
    name: old.metadata.name,
    namespace: old.metadata.namespace,
    uid: old.metadata.uid,
    creationTimestamp: old.metadata.creationTimestamp,
    resourceVersion: '2',
  };
  rt.defaults?.(obj);
  if (rt.statusSubresource) obj.status = structuredClone(old.status);
  rt.prepareForUpdate?.(obj, old);
  return { obj, errors: (rt.validateUpdate?.(obj, old) ?? []).map(fieldErrorString) };
}

export function row(rt: ResourceType, obj: KObject, now = NOW): unknown[] {
  return rt.table!.row(obj, now);
}

/** Column names, wide-only ones marked with `*`. */
export function columns(rt: ResourceType): string[] {
  return rt.table!.columns.map((c) => (c.priority ? `${c.name}*` : c.name));
}
