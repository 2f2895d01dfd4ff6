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

function defaults(rq: KObject): void {
  canonicalizeResources(rq.spec?.hard);
  canonicalizeResources(rq.status?.hard);
  canonicalizeResources(rq.status?.used);
}

function validateList(list: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const p = `${path}[${k}]`;
    for (const m of isQualifiedName(k)) errs.push(field.invalid(p, k, m));
    const q = parseQuantity(v);
    if (!q) {
      errs.push(field.invalid(p, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      continue;
    }
    if (q.mantissa < 0n) errs.push(field.invalid(p, q.canonical, 'must be greater than or equal to 0'));
    if ((INTEGER_RESOURCES.has(k) || k.startsWith('count/')) && q.exp < 0) errs.push(field.invalid(p, q.canonical, 'must be an integer'));
  }
  return errs;
}

function validateSpec(rq: KObject): FieldError[] {
  const errs = validateList(rq.spec?.hard, 'spec.hard');
  (rq.spec?.scopes ?? []).forEach((s: string) => {
    if (!SCOPES.includes(s)) errs.push(field.notSupported('spec.scopes', s, SCOPES));
  });
  (rq.spec?.scopeSelector?.matchExpressions ?? []).forEach((e: { scopeName?: string; operator?: string; values?: string[] }, i: number) => {
    const p = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!SCOPES.includes(e?.scopeName ?? '')) errs.push(field.notSupported(`${p}.scopeName`, e?.scopeName ?? '', SCOPES));
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e?.operator ?? '')) errs.push(field.invalid(`${p}.operator`, e?.operator ?? '', 'not a valid selector operator'));
  });
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
  subresources: [{ name: 'status', kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] }],
  defaults,
  prepareForCreate: (rq) => {
    rq.status = {};
  },
  validate: (rq) => [...validateObjectMeta(rq.metadata, { namespaced: true }), ...validateSpec(rq)],
  validateUpdate: (rq, old) => [...validateObjectMetaUpdate(rq.metadata, old.metadata), ...validateSpec(rq)],
  validateStatusUpdate: (rq, old) => [
    ...validateObjectMetaUpdate(rq.metadata, old.metadata),
    ...validateList(rq.status?.hard, 'status.hard'),
    ...validateList(rq.status?.used, 'status.used'),
  ],
  table: {
    // printResourceQuota puts Age before the Request and Limit cells.
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.' },
      { name: 'Limit', type: 'string', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.' },
    ],
    row: (rq, now) => [rq.metadata.name, age(rq, now), ...quotaCells(rq)],
  },
};
