// node.k8s.io/v1 RuntimeClass: pkg/registry/node/runtimeclass/strategy.go,
// ValidateRuntimeClass* (pkg/apis/node/validation) and printRuntimeClass.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { nameIsDNSLabel } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { parseQuantity } from '../validation/quantity.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false });
  for (const m of nameIsDNSLabel(obj.handler ?? '', false)) errs.push(field.invalid('handler', obj.handler ?? '', m));
  for (const [k, v] of Object.entries((obj.overhead?.podFixed ?? {}) as Record<string, string>)) {
    const q = parseQuantity(v);
    if (q && q.value < 0) errs.push(field.invalid(`overhead.podFixed[${k}]`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}

export const runtimeclasses: ResourceType = {
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  namespaced: false,
  model: 'V1RuntimeClass',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  validate,
  validateUpdate(obj, old) {
    const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validate(obj)];
    if ((obj.handler ?? '') !== (old.handler ?? '')) errs.push(field.invalid('handler', obj.handler ?? '', FIELD_IMMUTABLE));
    return errs;
  },
  table: {
    columns: [NAME_COLUMN, { name: 'Handler', type: 'string', description: '' }, AGE_COLUMN],
    row: (obj, now) => [obj.metadata.name, obj.handler ?? '', age(obj, now)],
  },
};
