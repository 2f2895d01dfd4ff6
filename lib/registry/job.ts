// batch/v1 Job: pkg/registry/batch/job/strategy.go (selector generation on create, the
// status.successful field), SetDefaults_Job (pkg/apis/batch/v1/defaults.go),
// ValidateJob* (pkg/apis/batch/validation) and printJob.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { selectorMatches, validateLabelSelector } from '../validation/labels.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { AGE_COLUMN, NAME_COLUMN, age, humanDuration } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  containerCells,
  ensure,
  formatSelector,
  goLabels,
  immutableSelector,
  invalidGo,
  goLabelSelector,
  nonNegative,
  resetStatus,
  selectorColumn,
} from './workload.js';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_INT32 = 2147483647;

/** SetDefaults_Job. */
export function defaultJobSpec(spec: Record<string, any>): void {
  // A non-parallel job may leave both unset; both then default to 1.
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? MAX_INT32 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) pattern.status ??= 'True';
  }
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
}

/** generateSelector: the uid/name labels that tie the job's pods to exactly this job. */
function generateSelector(obj: KObject): void {
  const spec = obj.spec;
  if (spec.manualSelector === true) return;
  const tmplMeta = ensure(ensure(spec, 'template'), 'metadata') as Record<string, any>;
  const labels = (tmplMeta.labels ??= {});
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  // A label the user already set is kept; a conflicting value fails validation below.
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  const sel = (spec.selector ??= {});
  sel.matchLabels ??= {};
  if (!(CONTROLLER_UID_LABEL in sel.matchLabels)) sel.matchLabels[CONTROLLER_UID_LABEL] = uid;
}

/** ValidateHasLabel. */
function hasLabel(labels: Record<string, string> | undefined, path: string, key: string, expected: string): FieldError[] {
  if (!labels || !(key in labels)) return [field.required(`${path}.labels[${key}]`, `must be '${expected}'`)];
  if (labels[key] !== expected) return [invalidGo(`${path}.labels[${key}]`, labels, goLabels(labels), `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector: with an automatic selector, the generated labels must be intact. */
function validateGeneratedSelector(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  // A missing selector is reported by validateJobSpec.
  if (spec.manualSelector === true || !spec.selector) return [];
  const labels = spec.template?.metadata?.labels;
  const errs: FieldError[] = [];
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  if (!uid) errs.push(field.required('metadata.uid', ''));
  const p = 'spec.template.metadata';
  errs.push(...hasLabel(labels, p, LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...hasLabel(labels, p, LEGACY_JOB_NAME_LABEL, name));
  errs.push(...hasLabel(labels, p, CONTROLLER_UID_LABEL, uid));
  errs.push(...hasLabel(labels, p, JOB_NAME_LABEL, name));
  if (!selectorMatches(spec.selector, { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name })) {
    errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

/** validateJobSpec: everything but the selector (shared with CronJob's job template). */
export function validateJobSpecCommon(spec: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.parallelism, `${path}.parallelism`));
  errs.push(...nonNegative(spec.completions, `${path}.completions`));
  errs.push(...nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`));
  errs.push(...nonNegative(spec.backoffLimit, `${path}.backoffLimit`));
  errs.push(...nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  if (spec.completionMode != null) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(field.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (spec.completionMode === 'Indexed' && spec.completions == null) {
      errs.push(field.required(`${path}.completions`, 'when completion mode is Indexed'));
    }
  }
  if (spec.podReplacementPolicy != null && !['TerminatingOrFailed', 'Failed'].includes(spec.podReplacementPolicy)) {
    errs.push(field.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['TerminatingOrFailed', 'Failed']));
  }
  if (spec.template) errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  else errs.push(field.required(`${path}.template`, ''));
  const restartPolicy = spec.template?.spec?.restartPolicy;
  if (restartPolicy === 'Always') {
    errs.push(field.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  } else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(field.notSupported(`${path}.template.spec.restartPolicy`, restartPolicy ?? '', ['OnFailure', 'Never']));
  }
  return errs;
}

/** ValidateJobSpec. */
function validateJobSpec(spec: Record<string, any>, path: string): FieldError[] {
  const errs = validateJobSpecCommon(spec, path);
  if (!spec.selector) errs.push(field.required(`${path}.selector`, ''));
  else errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const labels = spec.template?.metadata?.labels;
  if (spec.selector && !selectorMatches(spec.selector, labels)) {
    errs.push(invalidGo(`${path}.template.metadata.labels`, labels, goLabels(labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

function validate(obj: KObject): FieldError[] {
  return [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateGeneratedSelector(obj), ...validateJobSpec(obj.spec ?? {}, 'spec')];
}

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateJobSpec(spec, 'spec')];
  const immutable = (path: string, a: unknown, b: unknown) => {
    if (!deepEqual(a, b)) errs.push(field.invalid(path, a ?? null, FIELD_IMMUTABLE));
  };
  // Elastic indexed jobs may scale completions together with parallelism.
  if (spec.completionMode === 'Indexed') {
    if (!deepEqual(spec.completions, oldSpec.completions) && spec.completions != null && spec.completions !== spec.parallelism) {
      errs.push(field.invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else {
    immutable('spec.completions', spec.completions, oldSpec.completions);
  }
  errs.push(...immutableSelector(spec.selector, oldSpec.selector, 'spec.selector'));
  // A suspended job that never started may change its scheduling directives (validatePodTemplateUpdate).
  let oldTemplate = oldSpec.template;
  if (oldSpec.suspend === true && !old.status?.startTime && oldTemplate) {
    oldTemplate = structuredClone(oldTemplate);
    const t = spec.template ?? {};
    oldTemplate.spec = { ...oldTemplate.spec, nodeSelector: t.spec?.nodeSelector, tolerations: t.spec?.tolerations, affinity: t.spec?.affinity, schedulingGates: t.spec?.schedulingGates };
    oldTemplate.metadata = { ...oldTemplate.metadata, labels: t.metadata?.labels, annotations: t.metadata?.annotations };
  }
  immutable('spec.template', spec.template, oldTemplate);
  immutable('spec.completionMode', spec.completionMode, oldSpec.completionMode);
  immutable('spec.podFailurePolicy', spec.podFailurePolicy, oldSpec.podFailurePolicy);
  immutable('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex);
  immutable('spec.managedBy', spec.managedBy, oldSpec.managedBy);
  return errs;
}

function hasCondition(obj: KObject, type: string): boolean {
  const c = (obj.status?.conditions ?? []).find((x: { type: string }) => x.type === type);
  return c ? c.status === 'True' : false;
}

/** printJob's Status cell. */
export function jobStatus(obj: KObject): string {
  if (hasCondition(obj, 'Complete')) return 'Complete';
  if (hasCondition(obj, 'Failed')) return 'Failed';
  if (obj.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(obj, 'Suspended')) return 'Suspended';
  if (hasCondition(obj, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsCell(obj: KObject): string {
  const succeeded = obj.status?.succeeded ?? 0;
  if (obj.spec?.completions != null) return `${succeeded}/${obj.spec.completions}`;
  const parallelism = obj.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(obj: KObject, now: number): string {
  const start = obj.status?.startTime ? Date.parse(obj.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = obj.status?.completionTime ? Date.parse(obj.status.completionTime) : now;
  return humanDuration(end - start);
}

export const jobs: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  model: 'V1Job',
  statusSubresource: true,
  defaults(obj) {
    const spec = ensure(obj, 'spec') as Record<string, any>;
    defaultJobSpec(spec);
    // SetDefaults_Job copies the template's labels to a job that has none.
    const tmplLabels = spec.template?.metadata?.labels;
    if (tmplLabels && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...tmplLabels };
    defaultPodTemplateSpec(ensure(spec, 'template'));
  },
  prepareForCreate(obj) {
    // The generic store has set metadata.uid and name already, as the selector needs both.
    generateSelector(obj);
    // Upstream's defaulting shares the template's label map with a label-less job, and
    // defaulting runs again when the object is read back: the job ends up with the
    // generated labels too.
    const tmplLabels = obj.spec?.template?.metadata?.labels;
    if (tmplLabels && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...tmplLabels };
    resetStatus(obj);
  },
  validate,
  validateUpdate,
  selectableFields: (obj) => ({ 'status.successful': String(obj.status?.succeeded ?? 0) }),
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      { name: 'Completions', type: 'string', description: 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.' },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
    ],
    row: (obj, now) => {
      const [names, images] = containerCells(obj.spec?.template);
      return [obj.metadata.name, jobStatus(obj), completionsCell(obj), durationCell(obj, now), age(obj, now), names, images, formatSelector(obj.spec?.selector)];
    },
  },
};
