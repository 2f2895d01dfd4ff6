// events.k8s.io/v1 Event, served from the core/v1 events storage: the conversions of
// pkg/apis/events/v1/conversion.go (note ⇄ message, regarding ⇄ involvedObject,
// deprecatedSource ⇄ source, deprecated* ⇄ first/lastTimestamp and count,
// reportingController ⇄ reportingComponent), the strict events.k8s.io validation of
// pkg/apis/core/validation/events.go, the field-label mapping of the events group, and
// the core printEvent table of event.ts (upstream prints the internal, core-shaped object).
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { isDNS1123Subdomain, isQualifiedName } from '../validation/names.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { EVENT_COLUMNS, eventRow } from './event.js';
import type { KObject, ResourceType } from './resource-type.js';

type J = Record<string, any>;

/** Copies the listed keys that are set (not undefined) from one object to another under new names. */
function carry(from: J, to: J, pairs: Array<[string, string]>): void {
  for (const [a, b] of pairs) if (from[a] !== undefined) to[b] = from[a];
}

/** Fields with the same name in both versions. */
const SHARED = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'];

/** Convert_v1_Event_To_core_Event. */
export function eventV1ToCore(v1: KObject): KObject {
  const out: KObject = { apiVersion: 'v1', kind: 'Event', metadata: v1.metadata };
  for (const k of SHARED) if (v1[k] !== undefined) out[k] = v1[k];
  carry(v1, out, [
    ['reportingController', 'reportingComponent'],
    ['regarding', 'involvedObject'],
    ['deprecatedSource', 'source'],
    ['note', 'message'],
    ['deprecatedFirstTimestamp', 'firstTimestamp'],
    ['deprecatedLastTimestamp', 'lastTimestamp'],
    ['deprecatedCount', 'count'],
  ]);
  out.involvedObject ??= {};
  return out;
}

/** Convert_core_Event_To_v1_Event. */
export function eventCoreToV1(core: KObject): KObject {
  const out: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: core.metadata };
  for (const k of SHARED) if (core[k] !== undefined) out[k] = core[k];
  carry(core, out, [
    ['reportingComponent', 'reportingController'],
    ['involvedObject', 'regarding'],
    ['source', 'deprecatedSource'],
    ['message', 'note'],
    ['firstTimestamp', 'deprecatedFirstTimestamp'],
    ['lastTimestamp', 'deprecatedLastTimestamp'],
    ['count', 'deprecatedCount'],
  ]);
  // eventTime is not omitempty in events.k8s.io/v1.
  if (out.eventTime === undefined) out.eventTime = null;
  return out;
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

function validateSeries(ev: J): FieldError[] {
  const errs: FieldError[] = [];
  if (ev.series) {
    if (!((ev.series.count ?? 0) >= 2)) errs.push(field.invalid('series.count', '', 'should be at least 2'));
    if (!isSet(ev.series.lastObservedTime)) errs.push(field.required('series.lastObservedTime', ''));
  }
  return errs;
}

/** legacyValidateEvent for a request of events.k8s.io/v1 (field names as that version). */
function legacyValidate(ev: J): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? '';
  const regardingNs = ev.regarding?.namespace ?? '';
  if (!isSet(ev.eventTime)) {
    if (regardingNs === '' ? ns !== '' && ns !== 'default' : ns !== regardingNs) {
      errs.push(field.invalid('involvedObject.namespace', regardingNs, 'does not match event.namespace'));
    }
  } else {
    if (regardingNs === '' && ns !== 'default' && ns !== 'kube-system') {
      errs.push(field.invalid('involvedObject.namespace', regardingNs, 'does not match event.namespace'));
    }
    const rc = ev.reportingController ?? '';
    if (rc.length === 0) errs.push(field.required('reportingController', ''));
    for (const m of isQualifiedName(rc)) errs.push(field.invalid('reportingController', rc, m));
    const ri = ev.reportingInstance ?? '';
    if (ri.length === 0) errs.push(field.required('reportingInstance', ''));
    if (ri.length > 128) errs.push(field.invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = ev.action ?? '';
    if (action.length === 0) errs.push(field.required('action', ''));
    if (action.length > 128) errs.push(field.invalid('action', '', 'can have at most 128 characters'));
    const reason = ev.reason ?? '';
    if (reason.length === 0) errs.push(field.required('reason', ''));
    if (reason.length > 128) errs.push(field.invalid('reason', '', 'can have at most 128 characters'));
    if ((ev.note ?? '').length > 1024) errs.push(field.invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(field.invalid('namespace', ns, m));
  return errs;
}

/** ValidateEventCreate with requestVersion events.k8s.io/v1 (strict). */
function validate(ev: KObject): FieldError[] {
  const errs = legacyValidate(ev);
  errs.push(...validateObjectMeta(ev.metadata, { namespaced: true }));
  errs.push(...validateSeries(ev));
  if (!isSet(ev.eventTime)) errs.push(field.required('eventTime', ''));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(field.invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  // Upstream validates the converted (core) event, so the paths carry the core names.
  if (isSet(ev.deprecatedFirstTimestamp)) errs.push(field.invalid('firstTimestamp', '', 'needs to be unset'));
  if (isSet(ev.deprecatedLastTimestamp)) errs.push(field.invalid('lastTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedCount) errs.push(field.invalid('count', '', 'needs to be unset'));
  if (isSet(ev.deprecatedSource?.component) || isSet(ev.deprecatedSource?.host)) errs.push(field.invalid('source', '', 'needs to be unset'));
  return errs;
}

/**
 * ValidateEventUpdate for events.k8s.io/v1; upstream names the immutable fields by their core
 * Go field names (involvedObject, message, source …), in this order.
 */
function validateUpdate(ev: KObject, old: KObject): FieldError[] {
  const errs = [...legacyValidate(ev), ...validateObjectMetaUpdate(ev.metadata, old.metadata)];
  if (!deepEqual(ev.series, old.series)) errs.push(...validateSeries(ev));
  const immutable: Array<[string, string]> = [
    ['regarding', 'involvedObject'],
    ['reason', 'reason'],
    ['note', 'message'],
    ['deprecatedSource', 'source'],
    ['deprecatedFirstTimestamp', 'firstTimestamp'],
    ['deprecatedLastTimestamp', 'lastTimestamp'],
    ['deprecatedCount', 'count'],
    ['type', 'type'],
    ['eventTime', 'eventTime'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingController', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [v1name, corename] of immutable) {
    if (!deepEqual(ev[v1name], old[v1name])) errs.push(field.invalid(corename, ev[v1name] ?? '', FIELD_IMMUTABLE));
  }
  return errs;
}

export const eventsV1: ResourceType = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  model: 'EventsV1Event',
  hasGeneration: false,
  allowCreateOnUpdate: true,
  storage: { group: '', plural: 'events' },
  toStorage: eventV1ToCore,
  fromStorage: eventCoreToV1,
  validate,
  validateUpdate,
  // The events group's field-label conversion maps these onto the core event's fields.
  selectableFields: (ev) => ({
    'regarding.kind': ev.regarding?.kind ?? '',
    'regarding.namespace': ev.regarding?.namespace ?? '',
    'regarding.name': ev.regarding?.name ?? '',
    'regarding.uid': ev.regarding?.uid ?? '',
    'regarding.apiVersion': ev.regarding?.apiVersion ?? '',
    'regarding.resourceVersion': ev.regarding?.resourceVersion ?? '',
    'regarding.fieldPath': ev.regarding?.fieldPath ?? '',
    reason: ev.reason ?? '',
    reportingController: ev.reportingController ?? '',
    type: ev.type ?? '',
  }),
  // The core printer on the converted event, as upstream prints the internal object.
  table: { columns: EVENT_COLUMNS, row: (ev, now) => eventRow(eventV1ToCore(ev), now) },
};
