// apps/v1 ReplicaSet: pkg/registry/apps/replicaset/strategy.go, SetDefaults_ReplicaSet,
// ValidateReplicaSet* (pkg/apis/apps/validation) and printReplicaSet.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  alwaysRestartTemplate,
  containerCells,
  ensure,
  formatSelector,
  immutableSelector,
  nonNegative,
  selectorColumn,
  validateReplicaStatus,
  validateWorkloadSelector,
} from './workload.js';

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  // Upstream ValidateReplicaSetSpec reuses the deployment wording for an empty selector.
  errs.push(...validateWorkloadSelector(spec, 'deployment'));
  if (spec.template) {
    errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
    errs.push(...alwaysRestartTemplate(spec));
  } else {
    errs.push(field.required('spec.template', ''));
  }
  return errs;
}

export const replicasets: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  model: 'V1ReplicaSet',
  statusSubresource: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorFromSpec: true },
  defaults(obj) {
    const spec = ensure(obj, 'spec') as KObject['spec'];
    spec.replicas ??= 1;
    defaultPodTemplateSpec(ensure(spec, 'template'));
  },
  // apps/v1 ReplicaSetStatus.replicas is not omitempty.
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateSpec(obj),
    ...immutableSelector(obj.spec?.selector, old.spec?.selector, 'spec.selector'),
  ],
  validateStatusUpdate: (obj, old) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateReplicaStatus(
      obj.status,
      ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
      ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
    ),
  ],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works' },
      { name: 'Ready', type: 'integer', description: 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn("Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ],
    row: (obj, now) => {
      const [names, images] = containerCells(obj.spec?.template);
      return [
        obj.metadata.name,
        obj.spec?.replicas ?? 0,
        obj.status?.replicas ?? 0,
        obj.status?.readyReplicas ?? 0,
        age(obj, now),
        names,
        images,
        formatSelector(obj.spec?.selector),
      ];
    },
  },
};
