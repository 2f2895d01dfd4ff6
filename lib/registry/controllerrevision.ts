// apps/v1 ControllerRevision: pkg/registry/apps/controllerrevision/strategy.go,
// ValidateControllerRevision* (pkg/apis/apps/validation) and printControllerRevision.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: true });
  if (obj.data === undefined || obj.data === null) errs.push(field.required('data', 'data is mandatory'));
  if (typeof obj.revision === 'number' && obj.revision < 0) errs.push(field.invalid('revision', obj.revision, 'must be greater than or equal to 0'));
  return errs;
}

/** formatResourceName with the controller's GroupKind: "daemonset.apps/web", "pod/x". */
function controllerOf(obj: KObject): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  const gk = group ? `${ref.kind}.${group}` : ref.kind;
  return gk ? `${gk.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerrevisions: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  model: 'V1ControllerRevision',
  hasGeneration: false,
  validate,
  validateUpdate(obj, old) {
    const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validate(obj)];
    if (!deepEqual(obj.data, old.data)) errs.push(field.invalid('data', obj.data, FIELD_IMMUTABLE));
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Controller', type: 'string', description: 'Controller of the object' },
      { name: 'Revision', type: 'string', description: 'Revision indicates the revision of the state represented by Data.' },
      AGE_COLUMN,
    ],
    row: (obj, now) => [obj.metadata.name, controllerOf(obj), obj.revision ?? 0, age(obj, now)],
  },
};
