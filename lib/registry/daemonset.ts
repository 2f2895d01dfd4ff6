// apps/v1 DaemonSet: pkg/registry/apps/daemonset/strategy.go, SetDefaults_DaemonSet,
// ValidateDaemonSet* (pkg/apis/apps/validation) and printDaemonSet.
import { field, type FieldError } from '../api/errors.js';
import { selectorMatches, validateLabelSelector } from '../validation/labels.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { AGE_COLUMN, NAME_COLUMN, age, formatLabels } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  containerCells,
  ensure,
  formatSelector,
  goLabelSelector,
  goLabels,
  immutableSelector,
  intOrPercentValue,
  goIntOrString,
  invalidGo,
  nonNegative,
  notDecremented,
  notMoreThan100Percent,
  selectorColumn,
  validatePositiveIntOrPercent,
} from './workload.js';

/** The internal spec.templateGeneration survives in v1 only as this annotation. */
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function validateUpdateStrategy(strategy: Record<string, any> | undefined): FieldError[] {
  const path = 'spec.updateStrategy';
  const errs: FieldError[] = [];
  switch (strategy?.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) return [field.required(`${path}.rollingUpdate`, '')];
      const p = `${path}.rollingUpdate`;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(invalidGo(`${p}.maxSurge`, ru.maxSurge, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(field.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      }
      break;
    }
    default:
      errs.push(field.notSupported(path, strategy ?? null, ['RollingUpdate', 'OnDelete']));
  }
  return errs;
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  // A missing selector selects nothing (labels.Nothing()), so upstream reports only the mismatch.
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const labels = spec.template?.metadata?.labels;
  if (!selectorMatches(spec.selector, labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', labels, goLabels(labels), '`selector` does not match template `labels`'));
  }
  if (spec.selector && Object.keys(spec.selector.matchLabels ?? {}).length + (spec.selector.matchExpressions ?? []).length === 0) {
    errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), 'empty selector is invalid for daemonset'));
  }
  if (spec.template) errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  else errs.push(field.required('spec.template', ''));
  const podSpec = spec.template?.spec ?? {};
  if (podSpec.restartPolicy !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']));
  if (podSpec.activeDeadlineSeconds != null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(spec.updateStrategy));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export const daemonsets: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  model: 'V1DaemonSet',
  statusSubresource: true,
  defaults(obj) {
    const spec = ensure(obj, 'spec') as KObject['spec'];
    const strategy = ensure(spec, 'updateStrategy') as Record<string, any>;
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = ensure(strategy, 'rollingUpdate') as Record<string, unknown>;
      ru.maxUnavailable ??= 1;
      ru.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultPodTemplateSpec(ensure(spec, 'template'));
  },
  prepareForCreate(obj) {
    // These four DaemonSetStatus counters are not omitempty in apps/v1.
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    const ann = (obj.metadata.annotations ??= {});
    const tg = parseInt(ann[TEMPLATE_GENERATION_ANNOTATION] ?? '', 10);
    if (!(tg >= 1)) ann[TEMPLATE_GENERATION_ANNOTATION] = '1';
  },
  prepareForUpdate(obj, old) {
    // Any template change bumps the template generation (strategy.go PrepareForUpdate).
    const oldTg = parseInt(old.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '1', 10) || 1;
    const changed = !deepEqual(obj.spec?.template, old.spec?.template);
    const ann = (obj.metadata.annotations ??= {});
    ann[TEMPLATE_GENERATION_ANNOTATION] = String(changed ? oldTg + 1 : oldTg);
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateSpec(obj),
    ...immutableSelector(obj.spec?.selector, old.spec?.selector, 'spec.selector'),
  ],
  // ValidateDaemonSetStatusUpdate: every counter is non-negative.
  validateStatusUpdate: (obj, old) => {
    const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
    for (const c of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) {
      errs.push(...nonNegative(obj.status?.[c], `status.${c}`));
    }
    errs.push(...notDecremented(obj.status?.collisionCount, old.status?.collisionCount, 'status.collisionCount'));
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/' },
      { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/' },
      { name: 'Ready', type: 'integer', description: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.' },
      { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod' },
      { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)' },
      { name: 'Node Selector', type: 'string', description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/" },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ],
    row: (obj, now) => {
      const st = obj.status ?? {};
      const [names, images] = containerCells(obj.spec?.template);
      return [
        obj.metadata.name,
        st.desiredNumberScheduled ?? 0,
        st.currentNumberScheduled ?? 0,
        st.numberReady ?? 0,
        st.updatedNumberScheduled ?? 0,
        st.numberAvailable ?? 0,
        formatLabels(obj.spec?.template?.spec?.nodeSelector),
        age(obj, now),
        names,
        images,
        formatSelector(obj.spec?.selector),
      ];
    },
  },
};
