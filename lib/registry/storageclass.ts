// storage.k8s.io/v1 StorageClass: pkg/registry/storage/storageclass/strategy.go,
// SetDefaults_StorageClass, ValidateStorageClass* (pkg/apis/storage/validation) and
// printStorageClass (with the "(default)" name suffix).
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { isQualifiedName } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** storageutil.IsDefaultAnnotation. */
export function isDefaultClass(obj: KObject): boolean {
  const a = obj.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false });
  const prov: string = obj.provisioner ?? '';
  if (!prov) errs.push(field.required('provisioner', ''));
  else for (const m of isQualifiedName(prov.toLowerCase())) errs.push(field.invalid('provisioner', prov.toLowerCase(), m));
  const params: Record<string, string> = obj.parameters ?? {};
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMETERS) errs.push(field.tooLong('parameters', '', MAX_PARAMETERS));
  const size = keys.reduce((n, k) => n + k.length + String(params[k]).length, 0);
  if (size > MAX_PARAMETERS_SIZE) errs.push(field.tooLong('parameters', '', MAX_PARAMETERS_SIZE));
  if (obj.reclaimPolicy && !['Delete', 'Retain'].includes(obj.reclaimPolicy)) errs.push(field.notSupported('reclaimPolicy', obj.reclaimPolicy, ['Delete', 'Retain']));
  if (obj.volumeBindingMode == null) errs.push(field.required('volumeBindingMode', ''));
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(obj.volumeBindingMode)) {
    errs.push(field.notSupported('volumeBindingMode', obj.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  (obj.allowedTopologies ?? []).forEach((term: { matchLabelExpressions?: unknown[] }, i: number) => {
    if (!(term.matchLabelExpressions ?? []).length) errs.push(field.required(`allowedTopologies[${i}].matchLabelExpressions`, 'must contain at least one key/value pair'));
  });
  return errs;
}

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  if (JSON.stringify(obj.parameters ?? {}) !== JSON.stringify(old.parameters ?? {})) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (obj.provisioner !== old.provisioner) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (obj.reclaimPolicy !== old.reclaimPolicy) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (obj.volumeBindingMode !== old.volumeBindingMode) errs.push(field.invalid('volumeBindingMode', obj.volumeBindingMode ?? null, FIELD_IMMUTABLE));
  return errs;
}

export const storageclasses: ResourceType = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  model: 'V1StorageClass',
  hasGeneration: false,
  defaults(obj) {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Provisioner', type: 'string', description: 'provisioner indicates the type of the provisioner.' },
      { name: 'ReclaimPolicy', type: 'string', description: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.' },
      { name: 'VolumeBindingMode', type: 'string', description: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.' },
      { name: 'AllowVolumeExpansion', type: 'string', description: 'allowVolumeExpansion shows whether the storage class allow volume expand.' },
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      isDefaultClass(obj) ? `${obj.metadata.name} (default)` : obj.metadata.name,
      obj.provisioner ?? '',
      obj.reclaimPolicy ?? 'Delete',
      obj.volumeBindingMode ?? 'Immediate',
      obj.allowVolumeExpansion ?? false,
      age(obj, now),
    ],
  },
};
