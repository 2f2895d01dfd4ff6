// rbac.authorization.k8s.io/v1 ClusterRoleBinding: pkg/registry/rbac/clusterrolebinding/strategy.go,
// ValidateClusterRoleBinding* (pkg/apis/rbac/validation) and printClusterRoleBinding.
import type { FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import type { KObject, ResourceType } from './resource-type.js';
import { validateRBACName } from './role.js';
import { RBAC_GROUP, bindingColumns, bindingRow, defaultBinding, immutableRoleRef, validateRoleRef, validateSubject } from './rolebinding.js';

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: validateRBACName });
  errs.push(...validateRoleRef(obj.roleRef, ['ClusterRole']));
  (obj.subjects ?? []).forEach((s: Record<string, any>, i: number) => errs.push(...validateSubject(s, false, `subjects[${i}]`)));
  return errs;
}

export const clusterrolebindings: ResourceType = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  model: 'V1ClusterRoleBinding',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  defaults: defaultBinding,
  validate,
  validateUpdate: (obj, old) => [...validate(obj), ...validateObjectMetaUpdate(obj.metadata, old.metadata), ...immutableRoleRef(obj.roleRef, old.roleRef)],
  table: {
    columns: bindingColumns('clusterRoleBinding', 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
    row: bindingRow,
  },
};
