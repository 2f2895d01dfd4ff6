// core/v1 ConfigMap: pkg/registry/core/configmap/strategy.go, ValidateConfigMap(Update)
// and printConfigMap. No status, no generation.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate, deepEqual } from '../validation/object-meta.js';
import { isConfigMapKey } from '../validation/names.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

/** core.MaxSecretSize: ConfigMaps and Secrets share the 1 MiB limit. */
export const MAX_DATA_SIZE = 1024 * 1024;

function validate(cm: KObject): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true });
  let total = 0;
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    if (cm.binaryData && Object.prototype.hasOwnProperty.call(cm.binaryData, k)) errs.push(field.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(String(v));
  }
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`binaryData[${k}]`, k, m));
    total += Buffer.from(String(v), 'base64').length;
  }
  // Upstream reports the size on the whole object (an empty field path).
  if (total > MAX_DATA_SIZE) errs.push(field.tooLong('', '', MAX_DATA_SIZE));
  return errs;
}

/** ValidateConfigMapUpdate: an immutable ConfigMap keeps its data and stays immutable. */
function validateUpdate(cm: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(cm.data, old.data)) errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
    if (!deepEqual(cm.binaryData, old.binaryData)) errs.push(field.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  errs.push(...validate(cm).filter((e) => !e.field.startsWith('metadata.')));
  return errs;
}

export const configMap: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  model: 'V1ConfigMap',
  hasGeneration: false,
  validate,
  validateUpdate,
  table: {
    columns: [NAME_COLUMN, { name: 'Data', type: 'string', description: 'Data contains the configuration data' }, AGE_COLUMN],
    row: (cm, now) => [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
  },
};
