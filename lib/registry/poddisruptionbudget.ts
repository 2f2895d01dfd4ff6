// policy/v1 PodDisruptionBudget: pkg/registry/policy/poddisruptionbudget/strategy.go,
// ValidatePodDisruptionBudget* (pkg/apis/policy/validation) and printPodDisruptionBudget.
import { field, type FieldError } from '../api/errors.js';
import { validateLabelSelector } from '../validation/labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import { notMoreThan100Percent, validatePositiveIntOrPercent } from './workload.js';

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) errs.push(field.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const k of ['minAvailable', 'maxUnavailable']) {
    if (spec[k] == null) continue;
    errs.push(...validatePositiveIntOrPercent(spec[k], `spec.${k}`));
    errs.push(...notMoreThan100Percent(spec[k], `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.unhealthyPodEvictionPolicy != null && !['AlwaysAllow', 'IfHealthyBudget'].includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

/** intstr.IntOrString.String(). */
function intOrString(v: unknown): string {
  return v == null ? 'N/A' : String(v);
}

export const poddisruptionbudgets: ResourceType = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  model: 'V1PodDisruptionBudget',
  statusSubresource: true,
  prepareForCreate(obj) {
    // v1 PodDisruptionBudgetStatus has four non-omitempty counters.
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.' },
      { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.' },
      { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' },
      AGE_COLUMN,
    ],
    row: (obj, now) => [obj.metadata.name, intOrString(obj.spec?.minAvailable), intOrString(obj.spec?.maxUnavailable), obj.status?.disruptionsAllowed ?? 0, age(obj, now)],
  },
};
