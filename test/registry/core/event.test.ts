import { strict as assert } from 'node:assert';
import { event } from '../../../lib/registry/event.js';
import type { KObject } from '../../../lib/registry/resource-type.js';
import { columns, create, row } from '../strategy.js';

const scheduled: KObject = {
  metadata: { name: 'web.17c0a1', namespace: 'default', creationTimestamp: '2024-05-01T11:50:00Z' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
  reason: 'Pulled',
  message: 'Successfully pulled image "nginx"\n',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2024-05-01T11:50:00Z',
  lastTimestamp: '2024-05-01T11:58:00Z',
  count: 4,
  type: 'Normal',
};

describe('Event (core/v1)', () => {
  it('is served as events/ev with the CoreV1Event model', () => {
    assert.deepEqual([event.plural, event.shortNames, event.model], ['events', ['ev'], 'CoreV1Event']);
  });

  it('validates a kubelet-style event clean and rejects a namespace mismatch', () => {
    assert.deepEqual(create(event, scheduled).errors, []);
    const bad = { ...scheduled, metadata: { ...scheduled.metadata, namespace: 'other' } };
    assert.deepEqual(create(event, bad).errors, ['involvedObject.namespace: Invalid value: "default": does not match event.namespace']);
  });

  it('requires the reporting fields of new-style events', () => {
    const { errors } = create(event, { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' }, eventTime: '2024-05-01T11:00:00.000000Z' });
    // Upstream also runs the qualified-name check on the empty component, hence three lines for it.
    assert.deepEqual(errors, [
      'reportingComponent: Required value',
      'reportingComponent: Invalid value: "": name part must be non-empty',
      `reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
    ]);
  });

  it('prints last seen, object and the wide columns', () => {
    assert.deepEqual(columns(event), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
    assert.deepEqual(row(event, scheduled), ['2m', 'Normal', 'Pulled', 'pod/web', 'spec.containers{web}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 4, 'web.17c0a1']);
  });

  it('offers the involvedObject field selectors kubectl describe uses', () => {
    const f = event.selectableFields!(scheduled);
    assert.equal(f['involvedObject.kind'], 'Pod');
    assert.equal(f['involvedObject.uid'], 'u1');
    assert.equal(f['involvedObject.name'], 'web');
    assert.equal(f['involvedObject.namespace'], 'default');
    assert.equal(f.source, 'kubelet');
    assert.equal(f.type, 'Normal');
    assert.equal(f.reason, 'Pulled');
  });
});
