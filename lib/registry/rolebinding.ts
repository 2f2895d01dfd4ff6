// rbac.authorization.k8s.io/v1 RoleBinding: pkg/registry/rbac/rolebinding/strategy.go,
// SetDefaults_RoleBinding / SetDefaults_Subject (pkg/apis/rbac/v1/defaults.go),
// ValidateRoleBinding* (pkg/apis/rbac/validation) and printRoleBinding.
import { field, type FieldError } from '../api/errors.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType, TableColumn } from './resource-type.js';
import { validateRBACName } from './role.js';
import { invalidGo } from './workload.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** SetDefaults_RoleBinding / ClusterRoleBinding and SetDefaults_Subject. */
export function defaultBinding(obj: KObject): void {
  obj.roleRef ??= {};
  if (!obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of obj.subjects ?? []) {
    if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  }
}

/** ValidateRoleBindingSubject. */
export function validateSubject(s: Record<string, any>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s.name ?? '';
  if (!name) errs.push(field.required(`${path}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid(`${path}.name`, name, m));
      if (s.apiGroup) errs.push(field.notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(field.required(`${path}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** The roleRef checks shared by both binding kinds. */
export function validateRoleRef(ref: Record<string, any> | undefined, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ref?.apiGroup !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(ref?.kind)) errs.push(field.notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  const name = ref?.name ?? '';
  if (!name) errs.push(field.required('roleRef.name', ''));
  else for (const m of validateRBACName(name, false)) errs.push(field.invalid('roleRef.name', name, m));
  return errs;
}

/** "cannot change roleRef", with upstream's %#v of the rbac.RoleRef. */
export function immutableRoleRef(ref: Record<string, any> | undefined, old: Record<string, any> | undefined): FieldError[] {
  const same = (ref?.apiGroup ?? '') === (old?.apiGroup ?? '') && (ref?.kind ?? '') === (old?.kind ?? '') && (ref?.name ?? '') === (old?.name ?? '');
  if (same) return [];
  const go = `rbac.RoleRef{APIGroup:${JSON.stringify(ref?.apiGroup ?? '')}, Kind:${JSON.stringify(ref?.kind ?? '')}, Name:${JSON.stringify(ref?.name ?? '')}}`;
  return [invalidGo('roleRef', ref, go, 'cannot change roleRef')];
}

/** SubjectsStrings: users, groups and "namespace/name" service accounts, comma-space joined. */
export function bindingCells(obj: KObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of obj.subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

export function bindingColumns(what: string, roleDescription: string): TableColumn[] {
  return [
    NAME_COLUMN,
    { name: 'Role', type: 'string', description: roleDescription },
    AGE_COLUMN,
    { name: 'Users', type: 'string', priority: 1, description: `Users in the ${what}` },
    { name: 'Groups', type: 'string', priority: 1, description: `Groups in the ${what}` },
    { name: 'ServiceAccounts', type: 'string', priority: 1, description: `ServiceAccounts in the ${what}` },
  ];
}

export function bindingRow(obj: KObject, now: number): unknown[] {
  return [obj.metadata.name, `${obj.roleRef?.kind ?? ''}/${obj.roleRef?.name ?? ''}`, age(obj, now), ...bindingCells(obj)];
}

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: validateRBACName });
  errs.push(...validateRoleRef(obj.roleRef, ['Role', 'ClusterRole']));
  (obj.subjects ?? []).forEach((s: Record<string, any>, i: number) => errs.push(...validateSubject(s, true, `subjects[${i}]`)));
  return errs;
}

export const rolebindings: ResourceType = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  model: 'V1RoleBinding',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  defaults: defaultBinding,
  validate,
  validateUpdate: (obj, old) => [...validate(obj), ...validateObjectMetaUpdate(obj.metadata, old.metadata), ...immutableRoleRef(obj.roleRef, old.roleRef)],
  table: {
    columns: bindingColumns('roleBinding', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
    row: bindingRow,
  },
};
