// core/v1 ReplicationController: SetDefaults_ReplicationController (selector and labels from
// the template, one replica), ValidateReplicationController(Update), the scale subresource and
// printReplicationController.
import { field, type FieldError } from '../api/errors.js';
import { goStringMap, selectorMatches } from '../validation/labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { containerImages, containerNames, defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { age, AGE_COLUMN, formatLabels, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

function defaults(rc: KObject): void {
  const spec = (rc.spec ??= {});
  const labels = spec.template?.metadata?.labels;
  if (labels && typeof labels === 'object') {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
  }
  spec.replicas ??= 1;
  defaultPodTemplateSpec(spec.template);
}

function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

/** ValidateReplicationControllerSpec + ValidatePodTemplateSpecForRC. */
function validateSpec(rc: KObject): FieldError[] {
  const spec = rc.spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const selector: Record<string, string> = spec.selector ?? {};
  const selectorEmpty = Object.keys(selector).length === 0;
  if (selectorEmpty) errs.push(field.required('spec.selector'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  const tmpl = spec.template;
  if (!tmpl) {
    errs.push(field.required('spec.template'));
    return errs;
  }
  const labels = tmpl.metadata?.labels ?? {};
  if (!selectorEmpty && !selectorMatches({ matchLabels: selector }, labels)) {
    // Upstream prints the labels with %#v (map[string]string{...}); errors.ts renders JSON.
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      value: labels,
      omitValue: true,
      detail: `${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
    });
  }
  errs.push(...validatePodTemplateSpec(tmpl, 'spec.template'));
  if (tmpl.spec && tmpl.spec.restartPolicy !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', tmpl.spec.restartPolicy ?? '', ['Always']));
  if (tmpl.spec?.activeDeadlineSeconds != null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

/** ValidateReplicationControllerStatus. */
function validateStatus(rc: KObject): FieldError[] {
  const st = rc.status ?? {};
  const errs: FieldError[] = [];
  for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) errs.push(...nonNegative(st[k], `status.${k}`));
  if ((st.fullyLabeledReplicas ?? 0) > (st.replicas ?? 0)) errs.push(field.invalid('status.fullyLabeledReplicas', st.fullyLabeledReplicas, 'cannot be greater than status.replicas'));
  if ((st.readyReplicas ?? 0) > (st.replicas ?? 0)) errs.push(field.invalid('status.readyReplicas', st.readyReplicas, 'cannot be greater than status.replicas'));
  if ((st.availableReplicas ?? 0) > (st.replicas ?? 0)) errs.push(field.invalid('status.availableReplicas', st.availableReplicas, 'cannot be greater than status.replicas'));
  if ((st.availableReplicas ?? 0) > (st.readyReplicas ?? 0)) errs.push(field.invalid('status.availableReplicas', st.availableReplicas, 'cannot be greater than readyReplicas'));
  return errs;
}

export const replicationController: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  model: 'V1ReplicationController',
  statusSubresource: true,
  hasGeneration: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorFromSpec: true },
  defaults,
  // rcStrategy.PrepareForCreate: status is the controller's (replicas is not omitempty).
  prepareForCreate: (rc) => {
    rc.status = { replicas: 0 };
  },
  validate: (rc) => [...validateObjectMeta(rc.metadata, { namespaced: true }), ...validateSpec(rc)],
  validateUpdate: (rc, old) => [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateSpec(rc)],
  validateStatusUpdate: (rc, old) => [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateStatus(rc)],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas.' },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replication controller.' },
      AGE_COLUMN,
      { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template.' },
    ],
    row: (rc, now) => [
      rc.metadata.name,
      rc.spec?.replicas ?? 0,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      age(rc, now),
      containerNames(rc.spec?.template?.spec),
      containerImages(rc.spec?.template?.spec),
      formatLabels(rc.spec?.selector),
    ],
  },
  selectableFields: (rc) => ({ 'status.replicas': String(rc.status?.replicas ?? 0) }),
};
