// ObjectMeta validation, as k8s.io/apimachinery/pkg/api/validation/objectmeta.go
// (ValidateObjectMetaAccessor / ValidateObjectMetaAccessorUpdate) with core's namespace rule.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import type { ObjectMeta } from '../registry/resource-type.js';
import { validateAnnotations, validateLabels } from './labels.js';
import { isQualifiedName, nameIsDNSLabel, nameIsDNSSubdomain, type NameValidator } from './names.js';

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** Default: DNS-1123 subdomain (upstream's most common ValidateNameFunc). */
  nameValidator?: NameValidator;
}

/** Finalizers of core that need no domain prefix (helper.IsStandardFinalizerName). */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** apimachinery ValidateFinalizerName: a qualified name. */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => field.invalid(path, name, m));
}

/** core's validateFinalizerName (namespace spec.finalizers): unprefixed names must be standard ones. */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  const errs = validateFinalizerName(name, path);
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    errs.push(field.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

/** ValidateFinalizers: names, and orphan/foregroundDeletion are mutually exclusive. Paths are not indexed upstream. */
function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    // Upstream prints the []string value with %#v; errors.ts would render JSON.
    errs.push({ type: 'FieldValueInvalid', field: path, value: list, omitValue: true, detail: `${goStringSlice(list)}: finalizer orphan and foregroundDeletion cannot be both set` });
  }
  return errs;
}

/** ValidateOwnerReferences: identity fields, no Event owners, at most one controller (paths not indexed upstream). */
export function validateOwnerReferences(refs: ObjectMeta['ownerReferences'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const r of refs ?? []) {
    const apiVersion = r.apiVersion ?? '';
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    if (!version) errs.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!r.kind) errs.push(field.invalid(`${path}.kind`, r.kind ?? '', 'must not be empty'));
    if (!r.name) errs.push(field.invalid(`${path}.name`, r.name ?? '', 'must not be empty'));
    if (!r.uid) errs.push(field.invalid(`${path}.uid`, r.uid ?? '', 'must not be empty'));
    if (apiVersion === 'v1' && r.kind === 'Event') errs.push(field.invalid(path, r, '/v1, Kind=Event is disallowed from being an owner'));
    if (r.controller) {
      const cur = `${r.kind}/${r.name}`;
      if (firstController) {
        errs.push(field.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

/** Go's %#v of a []string: []string{"a", "b"}. */
export function goStringSlice(list: string[] | undefined | null): string {
  return list ? `[]string{${list.map((x) => JSON.stringify(x)).join(', ')}}` : '[]string(nil)';
}

/** ValidateNamespaceName: namespaces are DNS-1123 labels. */
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

/** ValidateObjectMeta; `name` must already be filled from generateName by the store. */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const nameFn = opts.nameValidator ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true)) errs.push(field.invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) errs.push(field.required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameFn(m.name, false)) errs.push(field.invalid(`${path}.name`, m.name, msg));
  if (opts.namespaced) {
    if (!m.namespace) errs.push(field.required(`${path}.namespace`));
    else for (const msg of validateNamespaceName(m.namespace, false)) errs.push(field.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(field.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0) errs.push(field.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}

/** ValidateImmutableField: `field is immutable`, with the new value. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [field.invalid(path, newVal, FIELD_IMMUTABLE)];
}

/**
 * ValidateObjectMetaUpdate. The store must have set resourceVersion on unconditional updates
 * before calling (upstream's store does the same).
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const old = new Set(o.finalizers ?? []);
    const extra = [...new Set(n.finalizers ?? [])].filter((f) => !old.has(f)).sort();
    if (extra.length) {
      errs.push(
        field.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`,
        ),
      );
    }
  }
  if (!n.resourceVersion) errs.push(field.invalid(`${path}.resourceVersion`, n.resourceVersion ?? '', 'must be specified for an update'));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(field.invalid(`${path}.generation`, n.generation ?? 0, 'must not be decremented'));
  errs.push(...validateImmutableField(n.name ?? '', o.name ?? '', `${path}.name`));
  errs.push(...validateImmutableField(n.namespace ?? '', o.namespace ?? '', `${path}.namespace`));
  errs.push(...validateImmutableField(n.uid ?? '', o.uid ?? '', `${path}.uid`));
  errs.push(...validateImmutableField(n.creationTimestamp, o.creationTimestamp, `${path}.creationTimestamp`));
  errs.push(...validateImmutableField(n.deletionTimestamp, o.deletionTimestamp, `${path}.deletionTimestamp`));
  errs.push(...validateImmutableField(n.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds, `${path}.deletionGracePeriodSeconds`));
  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  return errs;
}

function isEmpty(v: unknown): boolean {
  if (v == null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/**
 * Structural equality of JSON values, as apimachinery's Semantic.DeepEqual: missing, null,
 * empty strings, empty lists and empty maps are the same (Go zero values / nil vs empty).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null || a === '' || b === '') return isEmpty(a) && isEmpty(b);
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}
