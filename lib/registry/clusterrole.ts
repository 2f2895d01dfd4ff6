// rbac.authorization.k8s.io/v1 ClusterRole: pkg/registry/rbac/clusterrole/strategy.go and
// ValidateClusterRole (pkg/apis/rbac/validation); default table (Name, Created At).
import { field, type FieldError } from '../api/errors.js';
import { validateLabelSelector } from '../validation/labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import type { KObject, ResourceType } from './resource-type.js';
import { CREATED_AT_TABLE, validatePolicyRule, validateRBACName } from './role.js';

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: validateRBACName });
  (obj.rules ?? []).forEach((r: Record<string, any>, i: number) => errs.push(...validatePolicyRule(r, false, `rules[${i}]`)));
  const agg = obj.aggregationRule;
  if (agg) {
    const selectors: unknown[] = agg.clusterRoleSelectors ?? [];
    if (selectors.length === 0) errs.push(field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s as any, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

export const clusterroles: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  model: 'V1ClusterRole',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  validate,
  validateUpdate: (obj, old) => [...validate(obj), ...validateObjectMetaUpdate(obj.metadata, old.metadata)],
  table: CREATED_AT_TABLE,
};
