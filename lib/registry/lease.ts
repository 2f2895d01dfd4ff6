// coordination.k8s.io/v1 Lease: pkg/registry/coordination/lease/strategy.go,
// ValidateLease* (pkg/apis/coordination/validation) and printLease.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) errs.push(field.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (spec.leaseTransitions != null && spec.leaseTransitions < 0) errs.push(field.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  return errs;
}

export const leases: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  model: 'V1Lease',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)],
  table: {
    columns: [NAME_COLUMN, { name: 'Holder', type: 'string', description: 'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.' }, AGE_COLUMN],
    row: (obj, now) => [obj.metadata.name, obj.spec?.holderIdentity ?? '', age(obj, now)],
  },
};
