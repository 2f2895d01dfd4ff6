// core/v1 ServiceAccount: pkg/registry/core/serviceaccount/strategy.go, ValidateServiceAccount
// and printServiceAccount. Tokens come from the `token` subresource (TokenRequest).
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function validateRefs(sa: KObject): FieldError[] {
  const errs: FieldError[] = [];
  (sa.imagePullSecrets ?? []).forEach((r: { name?: string }, i: number) => {
    if (!r?.name) errs.push(field.required(`imagePullSecrets[${i}].name`));
  });
  return errs;
}

export const serviceAccount: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  model: 'V1ServiceAccount',
  hasGeneration: false,
  subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  validate: (sa) => [...validateObjectMeta(sa.metadata, { namespaced: true }), ...validateRefs(sa)],
  validateUpdate: (sa, old) => [...validateObjectMetaUpdate(sa.metadata, old.metadata), ...validateRefs(sa)],
  table: {
    columns: [NAME_COLUMN, { name: 'Secrets', type: 'string', description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' }, AGE_COLUMN],
    row: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, age(sa, now)],
  },
};
