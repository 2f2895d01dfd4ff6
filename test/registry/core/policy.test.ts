import { strict as assert } from 'node:assert';
import { limitRange } from '../../../lib/registry/limitrange.js';
import { resourceQuota } from '../../../lib/registry/resourcequota.js';
import { columns, create, row } from '../strategy.js';

describe('LimitRange', () => {
  const seed = {
    metadata: { name: 'example' },
    spec: {
      limits: [
        { type: 'Pod', min: { cpu: '50m', memory: '5Mi' }, max: { cpu: 1, memory: '1Gi' } },
        { type: 'Container', defaultRequest: { cpu: '100m', memory: '10Mi' }, default: { cpu: '200m', memory: '100Mi' }, min: { cpu: '50m', memory: '5Mi' }, max: { cpu: 1, memory: '1Gi' }, maxLimitRequestRatio: { cpu: 4, memory: 10 } },
        { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
      ],
    },
  };

  it('is served as limits and validates the seed manifest clean', () => {
    assert.deepEqual(limitRange.shortNames, ['limits']);
    const { obj, errors } = create(limitRange, seed);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.limits[0].max, { cpu: '1', memory: '1Gi' });
  });

  it('defaults container limits from max and requests from the default', () => {
    const { obj } = create(limitRange, { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '10Mi' } }] } });
    assert.deepEqual(obj.spec.limits[0].default, { cpu: '2' });
    assert.deepEqual(obj.spec.limits[0].defaultRequest, { cpu: '2', memory: '10Mi' });
  });

  it('explains min above max and defaults on Pod limits', () => {
    const { errors } = create(limitRange, { metadata: { name: 'l' }, spec: { limits: [{ type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' }, default: { cpu: '1' } }] } });
    assert.deepEqual(errors, [
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
    ]);
  });

  it('prints its creation time', () => {
    assert.deepEqual(columns(limitRange), ['Name', 'Created At']);
    assert.deepEqual(row(limitRange, create(limitRange, seed).obj), ['example', '2024-05-01T11:00:00Z']);
  });
});

describe('ResourceQuota', () => {
  const seed = { metadata: { name: 'cpu-and-mem' }, spec: { hard: { 'requests.cpu': '400m', 'requests.memory': '200Mi', 'limits.cpu': '600m', 'limits.memory': '500Mi', pods: '10' } } };

  it('is served as quota, validates the seed clean and starts without status', () => {
    assert.deepEqual(resourceQuota.shortNames, ['quota']);
    const { obj, errors } = create(resourceQuota, seed);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.status, {});
  });

  it('rejects unknown resources and conflicting scopes', () => {
    const { errors } = create(resourceQuota, { metadata: { name: 'q' }, spec: { hard: { gpus: '1' }, scopes: ['BestEffort', 'NotBestEffort'] } });
    assert.deepEqual(errors, [
      'spec.hard[gpus]: Invalid value: "gpus": must be a standard resource for quota',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
    ]);
  });

  it('rejects negative and fractional counts', () => {
    const { errors } = create(resourceQuota, { metadata: { name: 'q' }, spec: { hard: { pods: '1.5', 'requests.cpu': '-1' } } });
    assert.deepEqual(errors, ['spec.hard[pods]: Invalid value: "1500m": must be an integer', 'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0']);
  });

  it('prints used/hard split into requests and limits, then the age', () => {
    assert.deepEqual(columns(resourceQuota), ['Name', 'Request', 'Limit', 'Age']);
    const { obj } = create(resourceQuota, seed);
    obj.status = { hard: seed.spec.hard, used: { 'requests.cpu': '100m', 'limits.cpu': '200m', pods: '1' } };
    assert.deepEqual(row(resourceQuota, obj), [
      'cpu-and-mem',
      'pods: 1/10, requests.cpu: 100m/400m, requests.memory: 0/200Mi',
      'limits.cpu: 200m/600m, limits.memory: 0/500Mi',
      '60m',
    ]);
  });
});
