// core/v1 Event: ValidateEventCreate/Update as applied to core/v1 requests (legacyValidateEvent
// only: namespace agreement for old-style events, the reporting fields for new-style ones),
// printEvent, and the involvedObject.* field selectors `kubectl describe` uses.
import { field, type FieldError } from '../api/errors.js';
import { isDNS1123Subdomain, isQualifiedName } from '../validation/names.js';
import { since } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

/** legacyValidateEvent for requests to core/v1 (reportingController is called reportingComponent). */
function validateEventFields(ev: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata.namespace ?? '';
  const involvedNs = ev.involvedObject?.namespace ?? '';
  if (!ev.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const rc = ev.reportingComponent ?? '';
    if (!rc) errs.push(field.required('reportingComponent'));
    for (const m of isQualifiedName(rc)) errs.push(field.invalid('reportingComponent', rc, m));
    const ri = ev.reportingInstance ?? '';
    if (!ri) errs.push(field.required('reportingInstance'));
    if (ri.length > REPORTING_INSTANCE_LIMIT) errs.push(field.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    if (!ev.action) errs.push(field.required('action'));
    if ((ev.action ?? '').length > ACTION_LIMIT) errs.push(field.invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    if (!ev.reason) errs.push(field.required('reason'));
    if ((ev.reason ?? '').length > REASON_LIMIT) errs.push(field.invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if ((ev.message ?? '').length > NOTE_LIMIT) errs.push(field.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(field.invalid('namespace', ns, m));
  return errs;
}

/** formatEventSource: "component, host", or the component alone when there is no host. */
function eventSource(ev: KObject): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

/** The cells of printEvent, shared with events.k8s.io/v1 once converted to core/v1 shape. */
export function eventRow(ev: KObject, now: number): unknown[] {
  let first = since(ev.firstTimestamp, now);
  if (!ev.firstTimestamp) first = since(ev.eventTime, now);
  let last = since(ev.lastTimestamp, now);
  if (!ev.lastTimestamp) last = first;
  let count: number = ev.count ?? 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = String(ev.involvedObject?.kind ?? '').toLowerCase();
  const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
  return [last, ev.type ?? '', ev.reason ?? '', target, ev.involvedObject?.fieldPath ?? '', eventSource(ev), String(ev.message ?? '').trim(), first, count, ev.metadata.name];
}

export const EVENT_COLUMNS = [
  { name: 'Last Seen', type: 'string' as const, description: 'Time when last event from this source occurred' },
  { name: 'Type', type: 'string' as const, description: 'Type of this event (Normal, Warning), new types could be added in the future.' },
  { name: 'Reason', type: 'string' as const, description: 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.' },
  { name: 'Object', type: 'string' as const, description: 'The object that this event is about' },
  { name: 'Subobject', type: 'string' as const, priority: 1, description: 'The field path of the involved object the event is about' },
  { name: 'Source', type: 'string' as const, priority: 1, description: 'The component reporting this event. Should be a short machine understandable string.' },
  { name: 'Message', type: 'string' as const, description: 'A human-readable description of the status of this operation.' },
  { name: 'First Seen', type: 'string' as const, priority: 1, description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)' },
  { name: 'Count', type: 'string' as const, priority: 1, description: 'The number of times this event has occurred.' },
  { name: 'Name', type: 'string' as const, format: 'name', priority: 1, description: 'Name must be unique within a namespace.' },
];

export const event: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  model: 'CoreV1Event',
  hasGeneration: false,
  // ValidateEventCreate/Update for core/v1 requests: only the legacy rules, for backwards
  // compatibility (no object-meta or immutability checks; events.k8s.io/v1 is stricter).
  validate: validateEventFields,
  validateUpdate: (ev) => validateEventFields(ev),
  table: { columns: EVENT_COLUMNS, row: eventRow },
  selectableFields(ev) {
    const io = ev.involvedObject ?? {};
    return {
      'involvedObject.kind': io.kind ?? '',
      'involvedObject.namespace': io.namespace ?? '',
      'involvedObject.name': io.name ?? '',
      'involvedObject.uid': io.uid ?? '',
      'involvedObject.apiVersion': io.apiVersion ?? '',
      'involvedObject.resourceVersion': io.resourceVersion ?? '',
      'involvedObject.fieldPath': io.fieldPath ?? '',
      reason: ev.reason ?? '',
      reportingComponent: ev.reportingComponent ?? '',
      source: ev.source?.component || ev.reportingComponent || '',
      type: ev.type ?? '',
    };
  },
};
