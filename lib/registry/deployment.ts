// apps/v1 Deployment: pkg/registry/apps/deployment/strategy.go, SetDefaults_Deployment
// (pkg/apis/apps/v1/defaults.go), ValidateDeployment* (pkg/apis/apps/validation) and
// printDeployment (pkg/printers/internalversion/printers.go).
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
  goIntOrString,
  immutableSelector,
  intOrPercentValue,
  invalidGo,
  nonNegative,
  notDecremented,
  notMoreThan100Percent,
  resetStatus,
  selectorColumn,
  selectorString,
  validatePositiveIntOrPercent,
  validateReplicaStatus,
  validateWorkloadSelector,
} from './workload.js';

function defaults(obj: KObject): void {
  const spec = ensure(obj, 'spec') as KObject['spec'];
  spec.replicas ??= 1;
  const strategy = ensure(spec, 'strategy') as Record<string, any>;
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = ensure(strategy, 'rollingUpdate') as Record<string, unknown>;
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(ensure(spec, 'template'));
}

function validateStrategy(strategy: Record<string, any> | undefined): FieldError[] {
  const path = 'spec.strategy';
  const errs: FieldError[] = [];
  switch (strategy?.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) errs.push(field.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) {
        errs.push(field.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil'));
        break;
      }
      const p = `${path}.rollingUpdate`;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidGo(`${p}.maxUnavailable`, ru.maxUnavailable, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      break;
    }
    default:
      errs.push(field.notSupported(path, strategy ?? null, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...validateWorkloadSelector(spec, 'deployment'));
  if (spec.template) {
    errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
    errs.push(...alwaysRestartTemplate(spec));
  } else {
    errs.push(field.required('spec.template', ''));
  }
  errs.push(...validateStrategy(spec.strategy));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  // ValidateRollback names the field "rollback.version" upstream.
  if (spec.rollbackTo) errs.push(...nonNegative(spec.rollbackTo.revision, 'spec.rollback.version'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(field.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export const deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  model: 'V1Deployment',
  statusSubresource: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorFromSpec: true },
  defaults,
  prepareForCreate: resetStatus,
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateSpec(obj),
    // apps/v1 forbids changing the selector (strategy.go ValidateUpdate).
    ...immutableSelector(obj.spec?.selector, old.spec?.selector, 'spec.selector'),
  ],
  validateStatusUpdate: (obj, old) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateReplicaStatus(
      obj.status,
      ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'],
      ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
    ),
    ...notDecremented(obj.status?.collisionCount, old.status?.collisionCount, 'status.collisionCount'),
  ],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      { name: 'Up-to-date', type: 'string', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { name: 'Available', type: 'string', description: 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
    ],
    row: (obj, now) => {
      const st = obj.status ?? {};
      const [names, images] = containerCells(obj.spec?.template);
      return [
        obj.metadata.name,
        `${st.readyReplicas ?? 0}/${obj.spec?.replicas ?? 0}`,
        st.updatedReplicas ?? 0,
        st.availableReplicas ?? 0,
        age(obj, now),
        names,
        images,
        selectorString(obj.spec?.selector),
      ];
    },
  },
};
