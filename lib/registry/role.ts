// rbac.authorization.k8s.io/v1 Role: pkg/registry/rbac/role/strategy.go and ValidateRole /
// ValidatePolicyRule (pkg/apis/rbac/validation). Roles have no printer upstream, so the
// apiserver's default table (Name, Created At) is what kubectl shows.
import { field, type FieldError } from '../api/errors.js';
import { namePathSegment } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType, TableSpec } from './resource-type.js';
import { invalidGo } from './workload.js';

/** rest.NewDefaultTableConvertor: Name and the creation time in RFC 3339, UTC. */
export const CREATED_AT_TABLE: TableSpec = {
  columns: [
    NAME_COLUMN,
    {
      name: 'Created At',
      type: 'date',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    },
  ],
  row: (obj) => {
    const t = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
    // time.Time{}.UTC().Format(time.RFC3339) for an unset timestamp.
    const created = Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return [obj.metadata.name, created];
  },
};

/** ValidateRBACName. */
export const validateRBACName = namePathSegment;

function goStrings(v: string[]): string {
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: Record<string, any>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!(rule.verbs ?? []).length) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls: string[] = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    if (namespaced) errs.push(invalidGo(`${path}.nonResourceURLs`, urls, goStrings(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if ((rule.apiGroups ?? []).length || (rule.resources ?? []).length || (rule.resourceNames ?? []).length) {
      errs.push(invalidGo(`${path}.nonResourceURLs`, urls, goStrings(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!(rule.apiGroups ?? []).length) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!(rule.resources ?? []).length) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: validateRBACName });
  (obj.rules ?? []).forEach((r: Record<string, any>, i: number) => errs.push(...validatePolicyRule(r, true, `rules[${i}]`)));
  return errs;
}

export const roles: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  model: 'V1Role',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  validate,
  validateUpdate: (obj, old) => [...validate(obj), ...validateObjectMetaUpdate(obj.metadata, old.metadata)],
  table: CREATED_AT_TABLE,
};
