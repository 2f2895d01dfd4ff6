// batch/v1 CronJob: pkg/registry/batch/cronjob/strategy.go, SetDefaults_CronJob,
// ValidateCronJob* (pkg/apis/batch/validation, with robfig/cron/v3 ParseStandard's errors
// for the schedule) and printCronJob.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { defaultPodTemplateSpec } from './pod-spec.js';
import { AGE_COLUMN, NAME_COLUMN, age, since } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import { validateJobSpecCommon } from './job.js';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, containerCells, ensure, formatSelector, goLabelSelector, invalidGo, nonNegative, resetStatus, selectorColumn } from './workload.js';

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Go's strconv.Atoi: optional sign and decimal digits only. */
function atoi(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = parseInt(expr, 10);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function intOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined ? named : atoi(expr);
}

function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    start = intOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], b.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = atoi(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (single) end = b.max;
  } else throw new Error(`too many slashes: ${expr}`);
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
}

/** Go's time.ParseDuration, enough to accept or reject "@every <duration>". */
function isGoDuration(s: string): boolean {
  return s === '0' || /^[+-]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$/.test(s);
}

function isTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** robfig/cron/v3 ParseStandard; returns the parser's error text, or undefined when valid. */
export function parseCronSchedule(spec: string): string | undefined {
  try {
    if (spec.length === 0) throw new Error('empty spec string');
    let s = spec;
    if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
      const i = s.indexOf(' ');
      const eq = s.indexOf('=');
      const loc = i < 0 ? s.slice(eq + 1) : s.slice(eq + 1, i);
      if (i < 0 || !isTimeZone(loc)) throw new Error(`provided bad location ${loc}: unknown time zone ${loc}`);
      s = s.slice(i).trim();
    }
    if (s.startsWith('@')) {
      if (DESCRIPTORS.has(s)) return undefined;
      if (s.startsWith('@every ')) {
        const d = s.slice('@every '.length);
        if (!isGoDuration(d)) throw new Error(`failed to parse duration ${s}: time: invalid duration ${JSON.stringify(d)}`);
        return undefined;
      }
      throw new Error(`unrecognized descriptor: ${s}`);
    }
    const fields = s.split(/\s+/).filter((f) => f.length > 0);
    if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    fields.forEach((f, i) => {
      for (const expr of f.split(',')) checkRange(expr, FIELDS[i]);
    });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const err = parseCronSchedule(schedule);
  if (err) errs.push(field.invalid('spec.schedule', schedule, err));
  if (allowTZ && schedule.includes('TZ') && timeZone != null) {
    errs.push(field.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

const TZ_PART = /^[A-Za-z\.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: string | undefined | null): FieldError[] {
  if (tz == null) return [];
  const path = 'spec.timeZone';
  if (tz.length === 0) return [field.invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [field.invalid(path, tz, `unknown time zone ${tz}`)];
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(field.invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!isTimeZone(tz)) errs.push(field.invalid(path, tz, `unknown time zone ${tz}`));
  return errs;
}

function validateSpec(spec: Record<string, any>, oldSpec: Record<string, any> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.schedule) errs.push(field.required('spec.schedule', ''));
  else errs.push(...validateSchedule(spec.schedule, oldSpec ? String(oldSpec.schedule ?? '').includes('TZ') : false, spec.timeZone ?? undefined));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone));
  switch (spec.concurrencyPolicy) {
    case 'Allow':
    case 'Forbid':
    case 'Replace':
      break;
    case undefined:
    case '':
      errs.push(field.required('spec.concurrencyPolicy', ''));
      break;
    default:
      errs.push(field.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  // ValidateJobTemplateSpec: the controller always generates the selector.
  const jobSpec = spec.jobTemplate?.spec ?? {};
  errs.push(...validateJobSpecCommon(jobSpec, 'spec.jobTemplate.spec'));
  if (jobSpec.selector) errs.push(invalidGo('spec.jobTemplate.spec.selector', jobSpec.selector, goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) errs.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

export const cronjobs: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  model: 'V1CronJob',
  statusSubresource: true,
  defaults(obj) {
    const spec = ensure(obj, 'spec') as Record<string, any>;
    spec.concurrencyPolicy ||= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    // Only the pod template inside the job template is defaulted (SetObjectDefaults_CronJob).
    const jobSpec = ensure(ensure(spec, 'jobTemplate'), 'spec') as Record<string, any>;
    defaultPodTemplateSpec(ensure(jobSpec, 'template'));
  },
  prepareForCreate: resetStatus,
  validate(obj) {
    const errs = [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj.spec ?? {}, undefined)];
    // The controller appends an 11-character suffix to job names, which are at most 63.
    if ((obj.metadata.name ?? '').length > 52) errs.push(field.invalid('metadata.name', obj.metadata.name, 'must be no more than 52 characters'));
    return errs;
  },
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj.spec ?? {}, old.spec ?? {})],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' },
      { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones' },
      { name: 'Suspend', type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.' },
      { name: 'Active', type: 'integer', description: 'A list of pointers to currently running jobs.' },
      { name: 'Last Schedule', type: 'string', description: 'Information when was the last time the job was successfully scheduled.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
    ],
    row: (obj, now) => {
      const spec = obj.spec ?? {};
      const jobSpec = spec.jobTemplate?.spec;
      const [names, images] = containerCells(jobSpec?.template);
      const suspend = spec.suspend == null ? '<unset>' : spec.suspend ? 'True' : 'False';
      const last = obj.status?.lastScheduleTime ? since(obj.status.lastScheduleTime, now) : '<none>';
      return [obj.metadata.name, spec.schedule ?? '', spec.timeZone ?? '<none>', suspend, (obj.status?.active ?? []).length, last, age(obj, now), names, images, formatSelector(jobSpec?.selector)];
    },
  },
};
