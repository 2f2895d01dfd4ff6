import { strict as assert } from 'node:assert';
import { eventCoreToV1, eventV1ToCore, eventsV1 } from '../../../lib/registry/events-v1-event.js';
import { columns, create, row, update } from '../strategy.js';

const v1Event = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web-1.17a', namespace: 'default' },
  eventTime: '2024-05-01T11:59:30.000000Z',
  reportingController: 'kubeshim.io/scheduler',
  reportingInstance: 'kubeshim-1',
  action: 'Binding',
  reason: 'Scheduled',
  regarding: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'p1', apiVersion: 'v1' },
  note: 'Successfully assigned default/web-1 to node-a',
  type: 'Normal',
};

describe('Event (events.k8s.io/v1)', () => {
  it('is stored with the core/v1 events', () => {
    assert.deepEqual([eventsV1.group, eventsV1.model, eventsV1.storage], ['events.k8s.io', 'EventsV1Event', { group: '', plural: 'events' }]);
  });

  it('converts to the core shape: note→message, regarding→involvedObject, reportingController→reportingComponent', () => {
    const core = eventV1ToCore(v1Event);
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.message, v1Event.note);
    assert.deepEqual(core.involvedObject, v1Event.regarding);
    assert.equal(core.reportingComponent, 'kubeshim.io/scheduler');
    assert.equal(core.reportingInstance, 'kubeshim-1');
    assert.equal(core.note, undefined);
  });

  it('reads a core event written by kubectl-era clients with the deprecated fields', () => {
    const core = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default' },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-5d to 2',
      source: { component: 'deployment-controller' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:30:00Z',
      count: 3,
      type: 'Normal',
    };
    const v1 = eventCoreToV1(core);
    assert.deepEqual(
      [v1.deprecatedSource, v1.deprecatedFirstTimestamp, v1.deprecatedLastTimestamp, v1.deprecatedCount, v1.note, v1.eventTime],
      [{ component: 'deployment-controller' }, '2024-05-01T11:00:00Z', '2024-05-01T11:30:00Z', 3, 'Scaled up replica set web-5d to 2', null],
    );
    assert.deepEqual(eventV1ToCore(v1), { ...core, eventTime: null });
  });

  it('round-trips a v1 event through storage', () => {
    const back = eventCoreToV1(eventV1ToCore(v1Event));
    assert.deepEqual(back, v1Event);
  });

  it('accepts a well-formed new-style event', () => {
    assert.deepEqual(create(eventsV1, v1Event).errors, []);
  });

  it('applies strict validation to creates through events.k8s.io', () => {
    const { errors } = create(eventsV1, {
      metadata: { name: 'e', namespace: 'default' },
      regarding: { kind: 'Pod', name: 'web-1', namespace: 'default' },
      type: 'Info',
      deprecatedCount: 2,
    });
    assert.deepEqual(errors, ['eventTime: Required value', 'type: Invalid value: "": has invalid value: Info', 'count: Invalid value: "": needs to be unset']);
    const missing = create(eventsV1, { ...v1Event, reportingController: '', action: '' }).errors;
    assert.ok(missing.includes('reportingController: Required value'), missing.join('\n'));
    assert.ok(missing.includes('action: Required value'), missing.join('\n'));
    assert.deepEqual(create(eventsV1, { ...v1Event, series: { count: 1 } }).errors, ['series.count: Invalid value: "": should be at least 2', 'series.lastObservedTime: Required value']);
  });

  it('keeps what happened immutable on update', () => {
    const { obj: old } = create(eventsV1, v1Event);
    const { errors } = update(eventsV1, old, { ...v1Event, note: 'changed' });
    assert.deepEqual(errors, ['message: Invalid value: "changed": field is immutable']);
    const series = update(eventsV1, old, { ...v1Event, series: { count: 2, lastObservedTime: '2024-05-01T11:59:50.000000Z' } });
    assert.deepEqual(series.errors, []);
  });

  it('selects on the events group field names', () => {
    assert.deepEqual(eventsV1.selectableFields!(v1Event), {
      'regarding.kind': 'Pod',
      'regarding.namespace': 'default',
      'regarding.name': 'web-1',
      'regarding.uid': 'p1',
      'regarding.apiVersion': 'v1',
      'regarding.resourceVersion': '',
      'regarding.fieldPath': '',
      reason: 'Scheduled',
      reportingController: 'kubeshim.io/scheduler',
      type: 'Normal',
    });
  });

  it('prints the core event columns', () => {
    assert.deepEqual(columns(eventsV1), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
    assert.deepEqual(row(eventsV1, v1Event), ['30s', 'Normal', 'Scheduled', 'pod/web-1', '', 'kubeshim.io/scheduler, kubeshim-1', 'Successfully assigned default/web-1 to node-a', '30s', 1, 'web-1.17a']);
    const repeated = { ...v1Event, series: { count: 5, lastObservedTime: '2024-05-01T11:59:50.000000Z' } };
    assert.deepEqual([row(eventsV1, repeated)[0], row(eventsV1, repeated)[8]], ['10s', 5]);
  });
});
