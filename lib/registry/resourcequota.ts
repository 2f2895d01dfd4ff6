// core/v1 ResourceQuota: the strategy's status reset (the quota controller fills hard/used),
// ValidateResourceQuota (quantities, scopes) and printResourceQuota's Request/Limit cells.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { isQualifiedName } from '../validation/names.js';
import { parseQuantity } from '../validation/quantity.js';
import { canonicalizeResources } from './persistentvolume.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

const SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];
const INTEGER_RESOURCES = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);
/** helper.standardQuotaResources. */
const QUOTA_RESOURCES = new Set([
  ...INTEGER_RESOURCES, 'storage', 'requests.storage', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory',
  'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage',
]);

/** helper.IsIntegerResourceName: the object counts and extended resources (count/*, example.com/gpu). */
function isIntegerResource(name: string): boolean {
  if (INTEGER_RESOURCES.has(name)) return true;
  const native = !name.includes('/') || name.includes('kubernetes.io/');
  return !native && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
}

/** ValidateResourceQuotaResourceName. */
function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !QUOTA_RESOURCES.has(name) && !name.startsWith('hugepages-') && !name.startsWith('requests.hugepages-')) {
    errs.push(field.invalid(path, name, 'must be a standard resource for quota'));
  }
  return errs;
}

function defaults(rq: KObject): void {
  canonicalizeResources(rq.spec?.hard);
  canonicalizeResources(rq.status?.hard);
  canonicalizeResources(rq.status?.used);
}

function validateList(list: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const p = `${path}[${k}]`;
    errs.push(...validateQuotaResourceName(k, p));
    const q = parseQuantity(v);
    if (!q) {
      errs.push(field.invalid(p, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      continue;
    }
    if (q.mantissa < 0n) errs.push(field.invalid(p, q.canonical, 'must be greater than or equal to 0'));
    if (isIntegerResource(k) && q.exp < 0) errs.push(field.invalid(p, q.canonical, 'must be an integer'));
  }
  return errs;
}

function validateSpec(rq: KObject): FieldError[] {
  const errs = validateList(rq.spec?.hard, 'spec.hard');
  const scopes: string[] = rq.spec?.scopes ?? [];
  for (const s of scopes) if (!SCOPES.includes(s)) errs.push(field.invalid('spec.scopes', scopes, 'unsupported scope'));
  const conflicting = (set: Set<string>) =>
    (set.has('BestEffort') && set.has('NotBestEffort')) || (set.has('Terminating') && set.has('NotTerminating'));
  if (conflicting(new Set(scopes))) errs.push(field.invalid('spec.scopes', scopes, 'conflicting scopes'));
  // validateScopedResourceSelectorRequirement reports under matchExpressions without an index.
  const p = 'spec.scopeSelector.matchExpressions';
  for (const e of (rq.spec?.scopeSelector?.matchExpressions ?? []) as Array<{ scopeName?: string; operator?: string; values?: string[] }>) {
    if (!SCOPES.includes(e?.scopeName ?? '')) errs.push(field.invalid(`${p}.scopeName`, e?.scopeName ?? '', 'unsupported scope'));
    if (['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'].includes(e?.scopeName ?? '') && e?.operator !== 'Exists') {
      errs.push(
        field.invalid(
          `${p}.operator`,
          e?.operator ?? '',
          "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    switch (e?.operator) {
      case 'In':
      case 'NotIn':
        if (!(e.values ?? []).length) errs.push(field.required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if ((e.values ?? []).length) errs.push(field.invalid(`${p}.values`, e.values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
        break;
      default:
        errs.push(field.invalid(`${p}.operator`, e?.operator ?? '', 'not a valid selector operator'));
    }
  }
  return errs;
}

/** SortableResourceNames order, then "name: used/hard" pairs split by the `limits.` prefix. */
export function quotaCells(rq: KObject): [string, string] {
  const hard: Record<string, string> = rq.status?.hard ?? {};
  const used: Record<string, string> = rq.status?.used ?? {};
  const req: string[] = [];
  const lim: string[] = [];
  for (const k of Object.keys(hard).sort()) {
    const cell = `${k}: ${used[k] ?? '0'}/${hard[k]}`;
    if (k.split('.').length > 1 && k.split('.')[0] === 'limits') lim.push(cell);
    else req.push(cell);
  }
  return [req.join(', '), lim.join(', ')];
}

export const resourceQuota: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  model: 'V1ResourceQuota',
  statusSubresource: true,
  hasGeneration: false,
  defaults,
  prepareForCreate: (rq) => {
    rq.status = {};
  },
  validate: (rq) => [...validateObjectMeta(rq.metadata, { namespaced: true }), ...validateSpec(rq)],
  validateUpdate: (rq, old) => {
    const errs = [...validateObjectMetaUpdate(rq.metadata, old.metadata), ...validateSpec(rq)];
    const scopes = new Set<string>(rq.spec?.scopes ?? []);
    const oldScopes = new Set<string>(old.spec?.scopes ?? []);
    if (scopes.size !== oldScopes.size || [...scopes].some((s) => !oldScopes.has(s))) errs.push(field.invalid('spec.scopes', rq.spec?.scopes ?? [], 'field is immutable'));
    return errs;
  },
  validateStatusUpdate: (rq, old) => [
    ...validateObjectMetaUpdate(rq.metadata, old.metadata),
    ...validateList(rq.status?.hard, 'status.hard'),
    ...validateList(rq.status?.used, 'status.used'),
  ],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.' },
      { name: 'Limit', type: 'string', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.' },
      AGE_COLUMN,
    ],
    row: (rq, now) => [rq.metadata.name, ...quotaCells(rq), age(rq, now)],
  },
};
