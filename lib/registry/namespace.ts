// core/v1 Namespace: pkg/registry/core/namespace/strategy.go (phase Active, the `kubernetes`
// finalizer, spec/status kept apart), SetDefaults_Namespace's name label, ValidateNamespace.
import { field, type FieldError } from '../api/errors.js';
import { validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { nameIsDNSLabel } from '../validation/names.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

/** v1.LabelMetadataName. */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

/** SetDefaults_Namespace: the immutable name label (pkg/apis/core/v1/defaults.go). */
function defaults(ns: KObject): void {
  if (ns.metadata?.name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels[LABEL_METADATA_NAME] = ns.metadata.name;
  }
  ns.status ??= {};
  ns.status.phase ||= 'Active';
}

function prepareForCreate(ns: KObject): void {
  ns.status = { phase: 'Active' };
  ns.spec ??= {};
  const fin: string[] = ns.spec.finalizers ?? [];
  if (!fin.includes('kubernetes')) ns.spec.finalizers = [...fin, 'kubernetes'];
}

/** namespaceStrategy.PrepareForUpdate: finalizers change through /finalize, status through /status. */
function prepareForUpdate(ns: KObject, old: KObject): void {
  ns.spec = structuredClone(old.spec ?? {});
  ns.status = structuredClone(old.status ?? {});
}

/** ValidateNamespace reports every finalizer under spec.finalizers, without an index. */
function validateFinalizers(ns: KObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of (ns.spec?.finalizers ?? []) as string[]) errs.push(...validateKubeFinalizerName(f, 'spec.finalizers'));
  return errs;
}

function validate(ns: KObject): FieldError[] {
  return [...validateObjectMeta(ns.metadata, { namespaced: false, nameValidator: nameIsDNSLabel }), ...validateFinalizers(ns)];
}

/** ValidateNamespaceUpdate: metadata only (spec and status are carried over from the old object). */
function validateUpdate(ns: KObject, old: KObject): FieldError[] {
  return validateObjectMetaUpdate(ns.metadata, old.metadata);
}

/** ValidateNamespaceStatusUpdate: Terminating only while being deleted. */
function validateStatusUpdate(ns: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  const phase = ns.status?.phase;
  if (!old.metadata.deletionTimestamp) {
    if (phase !== 'Active') errs.push(field.invalid('status.Phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(field.invalid('status.Phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

export const namespace: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  model: 'V1Namespace',
  statusSubresource: true,
  hasGeneration: false,
  subresources: [
    { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
  ],
  defaults,
  prepareForCreate,
  prepareForUpdate,
  validate,
  validateUpdate,
  validateStatusUpdate,
  table: {
    columns: [NAME_COLUMN, { name: 'Status', type: 'string', description: 'The status of the namespace' }, AGE_COLUMN],
    row: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)],
  },
  // NamespaceToSelectableFields keeps a legacy "name" field next to status.phase.
  selectableFields: (ns) => ({ 'status.phase': ns.status?.phase ?? '', name: ns.metadata.name ?? '' }),
};
