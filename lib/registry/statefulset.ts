// apps/v1 StatefulSet: pkg/registry/apps/statefulset/strategy.go, SetDefaults_StatefulSet,
// ValidateStatefulSet* (pkg/apis/apps/validation) and printStatefulSet.
import { field, type FieldError } from '../api/errors.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { validateAnnotations, validateLabels } from '../validation/labels.js';
import { defaultPodTemplateSpec } from './pod-spec.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  alwaysRestartTemplate,
  containerCells,
  ensure,
  nonNegative,
  goIntOrString,
  intOrPercentValue,
  invalidGo,
  notDecremented,
  notMoreThan100Percent,
  validatePositiveIntOrPercent,
  validateReplicaStatus,
  validateWorkloadSelector,
} from './workload.js';

function defaults(obj: KObject): void {
  const spec = ensure(obj, 'spec') as KObject['spec'];
  spec.podManagementPolicy ||= 'OrderedReady';
  const us = ensure(spec, 'updateStrategy') as Record<string, any>;
  if (!us.type) {
    us.type = 'RollingUpdate';
    us.rollingUpdate ??= {};
  }
  if (us.type === 'RollingUpdate' && us.rollingUpdate) us.rollingUpdate.partition ??= 0;
  const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy') as Record<string, unknown>;
  retention.whenDeleted ||= 'Retain';
  retention.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(ensure(spec, 'template'));
  // v1 conversion stamps apiVersion/kind on claim templates; SetDefaults_PersistentVolumeClaim
  // gives them volumeMode Filesystem and phase Pending.
  for (const pvc of (spec.volumeClaimTemplates ?? []) as KObject[]) {
    pvc.apiVersion = 'v1';
    pvc.kind = 'PersistentVolumeClaim';
    const pvcSpec = ensure(pvc, 'spec') as Record<string, unknown>;
    pvcSpec.volumeMode ??= 'Filesystem';
    const status = ensure(pvc, 'status') as Record<string, unknown>;
    status.phase ||= 'Pending';
  }
}

const RETENTION = ['Retain', 'Delete'];

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  switch (spec.podManagementPolicy) {
    case undefined:
    case '':
      errs.push(field.required('spec.podManagementPolicy', ''));
      break;
    case 'OrderedReady':
    case 'Parallel':
      break;
    default:
      errs.push(field.invalid('spec.podManagementPolicy', spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = spec.updateStrategy ?? {};
  switch (us.type) {
    case undefined:
    case '':
      errs.push(field.required('spec.updateStrategy', ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(field.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (us.rollingUpdate) {
        const p = 'spec.updateStrategy.rollingUpdate';
        errs.push(...nonNegative(us.rollingUpdate.partition, `${p}.partition`));
        const mu = us.rollingUpdate.maxUnavailable;
        if (mu != null) {
          errs.push(...validatePositiveIntOrPercent(mu, `${p}.maxUnavailable`));
          if (intOrPercentValue(mu) === 0) errs.push(invalidGo(`${p}.maxUnavailable`, mu, goIntOrString(mu), 'cannot be 0'));
          errs.push(...notMoreThan100Percent(mu, `${p}.maxUnavailable`));
        }
      }
      break;
    default:
      errs.push(field.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (!RETENTION.includes(retention[k])) errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, retention[k] ?? '', RETENTION));
    }
  }
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.ordinals) errs.push(...nonNegative(spec.ordinals.start, 'spec.ordinals.start'));
  errs.push(...validateWorkloadSelector(spec, 'statefulset'));
  // ValidatePodTemplateSpecForStatefulSet checks only the template's labels and annotations:
  // its volume mounts may name volumeClaimTemplates, which pod validation would reject.
  if (spec.template) {
    errs.push(...validateLabels(spec.template.metadata?.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(spec.template.metadata?.annotations, 'spec.template.annotations'));
  } else errs.push(field.required('spec.template', ''));
  errs.push(...alwaysRestartTemplate(spec, 'StatefulSet'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

/** Spec fields an update may change (ValidateStatefulSetUpdate). */
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)];
  const strip = (spec: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !MUTABLE.includes(k)));
  if (!deepEqual(strip(obj.spec), strip(old.spec))) {
    errs.push(
      field.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export const statefulsets: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  model: 'V1StatefulSet',
  statusSubresource: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorFromSpec: true },
  defaults,
  // apps/v1 StatefulSetStatus.replicas and availableReplicas are not omitempty.
  prepareForCreate(obj) {
    obj.status = { replicas: 0, availableReplicas: 0 };
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate,
  // ValidateStatefulSetStatusUpdate: status first, then metadata, then the collision count.
  validateStatusUpdate: (obj, old) => [
    ...validateReplicaStatus(
      obj.status,
      ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'],
      ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'],
      'cannot be greater than status.readyReplicas',
    ),
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...notDecremented(obj.status?.collisionCount, old.status?.collisionCount, 'status.collisionCount'),
  ],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
    ],
    row: (obj, now) => {
      const [names, images] = containerCells(obj.spec?.template);
      return [obj.metadata.name, `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? 0}`, age(obj, now), names, images];
    },
  },
};
