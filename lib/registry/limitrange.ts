// core/v1 LimitRange: SetDefaults_LimitRangeItem (container default/defaultRequest from
// max/min), ValidateLimitRange's ordering rules with upstream messages, printLimitRange.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { compareQuantity, parseQuantity, type Quantity } from '../validation/quantity.js';
import { isQualifiedName } from '../validation/names.js';
import { canonicalizeResources } from './persistentvolume.js';
import { validateContainerResourceName } from './pod-spec.js';
import { NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const LIMIT_TYPES = ['Container', 'Pod', 'PersistentVolumeClaim'];
const MAPS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

/** SetDefaults_LimitRangeItem (empty maps stay absent: they are omitempty on the wire). */
function defaults(lr: KObject): void {
  for (const item of lr.spec?.limits ?? []) {
    if (!item || typeof item !== 'object') continue;
    for (const m of MAPS) canonicalizeResources(item[m]);
    if (item.type !== 'Container') continue;
    const def: Record<string, string> = { ...(item.default ?? {}) };
    const defReq: Record<string, string> = { ...(item.defaultRequest ?? {}) };
    for (const [k, v] of Object.entries((item.max ?? {}) as Record<string, string>)) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries((item.min ?? {}) as Record<string, string>)) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(defReq).length) item.defaultRequest = defReq;
  }
}

function validateSpec(lr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const seenTypes = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item: J, i: number) => {
    const p = `spec.limits[${i}]`;
    const type = item?.type ?? '';
    const typeErrs = isQualifiedName(type).map((m) => field.invalid(`${p}.type`, type, m));
    if (!typeErrs.length && !type.includes('/') && !LIMIT_TYPES.includes(type)) typeErrs.push(field.invalid(`${p}.type`, type, 'must be a standard limit type or fully qualified'));
    errs.push(...typeErrs);
    if (seenTypes.has(type)) errs.push(field.duplicate(`${p}.type`, type));
    seenTypes.add(type);
    const parsed: Record<string, Record<string, Quantity>> = {};
    const keys = new Set<string>();
    for (const m of MAPS) {
      parsed[m] = {};
      if (type === 'Pod' && (m === 'default' || m === 'defaultRequest')) continue;
      for (const [k, v] of Object.entries((item?.[m] ?? {}) as Record<string, string>)) {
        // validateLimitRangeResourceName: container rules for Pod/Container limits.
        if (type === 'Pod' || type === 'Container') errs.push(...validateContainerResourceName(k, `${p}.${m}[${k}]`));
        else errs.push(...isQualifiedName(k).map((msg) => field.invalid(`${p}.${m}[${k}]`, k, msg)));
        const q = parseQuantity(v);
        if (!q) {
          errs.push(field.invalid(`${p}.${m}[${k}]`, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
          continue;
        }
        if (q.mantissa < 0n) errs.push(field.invalid(`${p}.${m}[${k}]`, q.canonical, 'must be greater than or equal to 0'));
        parsed[m][k] = q;
        keys.add(k);
      }
    }
    if (type === 'Pod') {
      if (Object.keys(item.default ?? {}).length) errs.push(field.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(item.defaultRequest ?? {}).length) errs.push(field.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    if (type === 'PersistentVolumeClaim') {
      if (!parsed.min.storage && !parsed.max.storage) errs.push(field.required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    for (const k of keys) {
      const min = parsed.min[k];
      const max = parsed.max[k];
      const def = parsed.default[k];
      const defReq = parsed.defaultRequest[k];
      const ratio = parsed.maxLimitRequestRatio[k];
      if (min && max && compareQuantity(min, max) > 0) errs.push(field.invalid(`${p}.min[${k}]`, min.canonical, `min value ${min.canonical} is greater than max value ${max.canonical}`));
      if (defReq && min && compareQuantity(min, defReq) > 0) {
        errs.push(field.invalid(`${p}.defaultRequest[${k}]`, defReq.canonical, `min value ${min.canonical} is greater than default request value ${defReq.canonical}`));
      }
      if (defReq && max && compareQuantity(defReq, max) > 0) {
        errs.push(field.invalid(`${p}.defaultRequest[${k}]`, defReq.canonical, `default request value ${defReq.canonical} is greater than max value ${max.canonical}`));
      }
      if (defReq && def && compareQuantity(defReq, def) > 0) {
        errs.push(field.invalid(`${p}.defaultRequest[${k}]`, defReq.canonical, `default request value ${defReq.canonical} is greater than default limit value ${def.canonical}`));
      }
      if (def && min && compareQuantity(min, def) > 0) errs.push(field.invalid(`${p}.default[${k}]`, min.canonical, `min value ${min.canonical} is greater than default value ${def.canonical}`));
      if (def && max && compareQuantity(def, max) > 0) errs.push(field.invalid(`${p}.default[${k}]`, max.canonical, `default value ${def.canonical} is greater than max value ${max.canonical}`));
      if (ratio && ratio.value < 1) errs.push(field.invalid(`${p}.maxLimitRequestRatio[${k}]`, ratio.canonical, `ratio ${ratio.canonical} is less than 1`));
      if (ratio && min && max) {
        const maxRatio = max.value / Math.max(min.value, Number.MIN_VALUE);
        // Go's %f prints six decimals.
        if (ratio.value > maxRatio) errs.push(field.invalid(`${p}.maxLimitRequestRatio[${k}]`, ratio.canonical, `ratio ${ratio.canonical} is greater than max/min = ${maxRatio.toFixed(6)}`));
      }
    }
  });
  return errs;
}

export const limitRange: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  model: 'V1LimitRange',
  hasGeneration: false,
  defaults,
  validate: (lr) => [...validateObjectMeta(lr.metadata, { namespaced: true }), ...validateSpec(lr)],
  validateUpdate: (lr, old) => [...validateObjectMetaUpdate(lr.metadata, old.metadata), ...validateSpec(lr)],
  table: {
    columns: [NAME_COLUMN, { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }],
    // printLimitRange: the creation time in RFC 3339, not an age.
    row: (lr) => [lr.metadata.name, lr.metadata.creationTimestamp ?? '0001-01-01T00:00:00Z'],
  },
};
