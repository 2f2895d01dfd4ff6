// core/v1 PersistentVolumeClaim: SetDefaults (Filesystem, Pending), ValidatePersistentVolumeClaim
// (access modes, storage request), the immutable-spec rule on update, printPersistentVolumeClaim.
import { field, type FieldError } from '../api/errors.js';
import { validateLabelSelector } from '../validation/labels.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { compareQuantity, parseQuantity } from '../validation/quantity.js';
import { specDiff } from './pod-spec.js';
import { ACCESS_MODES, accessModesString, canonicalizeResources } from './persistentvolume.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function defaults(pvc: KObject): void {
  const spec = (pvc.spec ??= {});
  spec.volumeMode ??= 'Filesystem';
  canonicalizeResources(spec.resources?.requests);
  canonicalizeResources(spec.resources?.limits);
  pvc.status ??= {};
  pvc.status.phase ||= 'Pending';
}

function validateSpec(pvc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pvc.spec ?? {};
  const modes: string[] = spec.accessModes ?? [];
  if (modes.length === 0) errs.push(field.required('spec.accessModes', 'at least 1 access mode is required'));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(field.notSupported('spec.accessModes', m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(field.forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) errs.push(field.required('spec.resources[storage]'));
  else {
    const q = parseQuantity(storage);
    if (!q) errs.push(field.invalid('spec.resources.requests[storage]', storage, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    else if (q.mantissa <= 0n) errs.push(field.invalid('spec.resources[storage]', q.canonical, 'must be greater than zero'));
  }
  if (spec.volumeMode && !['Block', 'Filesystem'].includes(spec.volumeMode)) errs.push(field.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  return errs;
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed, except that the binder may set
 * volumeName once, a bound claim may change its storage request, and volumeAttributesClassName
 * may change; requests never shrink.
 */
function validateUpdate(pvc: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pvc.metadata, old.metadata), ...validateSpec(pvc)];
  const newSpec = structuredClone(pvc.spec ?? {});
  const oldSpec = structuredClone(old.spec ?? {});
  if (!oldSpec.volumeName) oldSpec.volumeName = newSpec.volumeName;
  const beta = 'volume.beta.kubernetes.io/storage-class';
  if ((pvc.metadata.annotations?.[beta] ?? '') !== (old.metadata.annotations?.[beta] ?? '')) {
    errs.push(field.invalid(`metadata.annotations.${beta}`, pvc.metadata.annotations?.[beta] ?? '', 'field is immutable'));
  }
  if (pvc.status?.phase === 'Bound' && newSpec.resources?.requests) newSpec.resources.requests.storage = oldSpec.resources?.requests?.storage;
  newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (!deepEqual(newSpec, oldSpec)) {
    const diff = specDiff(oldSpec, newSpec, 'spec');
    errs.push(field.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${diff.join('\n')}`));
  }
  const newSize = parseQuantity(pvc.spec?.resources?.requests?.storage ?? '');
  const oldSize = parseQuantity(old.spec?.resources?.requests?.storage ?? '');
  if (newSize && oldSize && compareQuantity(newSize, oldSize) < 0) {
    errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errs;
}

/** GetPersistentVolumeClaimClass. */
function storageClass(pvc: KObject): string {
  return pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';
}

export const persistentVolumeClaim: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  model: 'V1PersistentVolumeClaim',
  statusSubresource: true,
  hasGeneration: false,
  defaults,
  prepareForCreate: (pvc) => {
    pvc.status = { phase: 'Pending' };
  },
  validate: (pvc) => [...validateObjectMeta(pvc.metadata, { namespaced: true }), ...validateSpec(pvc)],
  validateUpdate,
  validateStatusUpdate: (pvc, old) => validateObjectMetaUpdate(pvc.metadata, old.metadata),
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Status', type: 'string', description: 'phase represents the current phase of PersistentVolumeClaim.' },
      { name: 'Volume', type: 'string', description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' },
      { name: 'Capacity', type: 'string', description: 'capacity represents the actual resources of the underlying volume.' },
      { name: 'Access Modes', type: 'string', description: 'accessModes contains the desired access modes the volume should have.' },
      { name: 'StorageClass', type: 'string', description: 'storageClassName is the name of the StorageClass required by the claim.' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.' },
      AGE_COLUMN,
      { name: 'VolumeMode', type: 'string', priority: 1, description: 'volumeMode defines what type of volume is required by the claim.' },
    ],
    row(pvc, now) {
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
      let capacity = '';
      let modes = '';
      if (pvc.spec?.volumeName) {
        modes = accessModesString(pvc.status?.accessModes);
        const cap = pvc.status?.capacity?.storage;
        capacity = cap ? parseQuantity(cap)?.canonical ?? cap : '0';
      }
      return [
        pvc.metadata.name,
        phase,
        pvc.spec?.volumeName ?? '',
        capacity,
        modes,
        storageClass(pvc),
        pvc.spec?.volumeAttributesClassName ?? '<unset>',
        age(pvc, now),
        pvc.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  selectableFields: (pvc) => ({ name: pvc.metadata.name ?? '' }),
};
