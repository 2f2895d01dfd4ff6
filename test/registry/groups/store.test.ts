// The group strategies behind the real generic store on SQLite: what a client sees after
// create, read across versions that share storage, and the 422 Status of a bad update.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../lib/api/errors.js';
import { deployments } from '../../../lib/registry/deployment.js';
import { event as coreEvent } from '../../../lib/registry/event.js';
import { eventsV1 } from '../../../lib/registry/events-v1-event.js';
import { GenericStore } from '../../../lib/registry/generic-store.js';
import { horizontalpodautoscalersV1 as hpaV1, horizontalpodautoscalersV2 as hpaV2 } from '../../../lib/registry/horizontalpodautoscaler.js';
import { jobs } from '../../../lib/registry/job.js';
import { SqliteStore } from '../../../lib/storage/sqlite.js';

describe('Named-group resources in the generic store', () => {
  let dir: string;
  let sqlite: SqliteStore;
  let store: GenericStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-groups-'));
    sqlite = new SqliteStore({ path: join(dir, 'state.db') });
    await sqlite.start();
    store = new GenericStore(sqlite);
  });

  afterEach(async () => {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a created Job a selector and labels carrying its real uid', async () => {
    const job = await store.create(jobs, 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34.0' }] } } },
    });
    const uid = job.metadata.uid!;
    assert.match(uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(job.spec.selector.matchLabels, { 'batch.kubernetes.io/controller-uid': uid });
    assert.equal(job.spec.template.metadata.labels['controller-uid'], uid);
    const read = await store.get(jobs, 'default', 'pi');
    assert.deepEqual(read.spec.selector, job.spec.selector);
  });

  it('serves an HPA created as autoscaling/v1 through autoscaling/v2 and back', async () => {
    await store.create(hpaV1, 'default', {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    });
    const asV2 = await store.get(hpaV2, 'default', 'web');
    assert.equal(asV2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(asV2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    assert.equal(asV2.spec.minReplicas, 1);
    const asV1 = await store.get(hpaV1, 'default', 'web');
    assert.equal(asV1.apiVersion, 'autoscaling/v1');
    assert.equal(asV1.spec.targetCPUUtilizationPercentage, 50);
    assert.equal((await store.list(hpaV2, 'default')).items.length, 1);
  });

  it('lists core events through events.k8s.io/v1 with the v1 field names', async () => {
    await store.create(coreEvent, 'default', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default' },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-5d to 2',
      source: { component: 'deployment-controller' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:00:00Z',
      count: 1,
      type: 'Normal',
    });
    const [ev] = (await store.list(eventsV1, 'default')).items;
    assert.equal(ev.apiVersion, 'events.k8s.io/v1');
    assert.equal(ev.note, 'Scaled up replica set web-5d to 2');
    assert.deepEqual(ev.regarding, { kind: 'Deployment', name: 'web', namespace: 'default' });
    assert.deepEqual(ev.deprecatedSource, { component: 'deployment-controller' });
  });

  it('answers a selector change on a Deployment with 422 and the upstream message', async () => {
    const tmpl = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.14.2' }] } };
    const d = await store.create(deployments, 'default', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: tmpl } });
    assert.equal(d.spec.replicas, 1);
    await assert.rejects(
      store.update(deployments, 'default', 'web', { ...d, spec: { ...d.spec, selector: { matchLabels: { app: 'web', v: '2' } }, template: { ...tmpl, metadata: { labels: { app: 'web', v: '2' } } } } }),
      (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 422);
        assert.match(
          e.status.message!,
          / is invalid: spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"web", "v":"2"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable$/,
        );
        assert.deepEqual([e.status.details?.kind, e.status.details?.group, e.status.details?.causes?.[0]?.field], ['Deployment', 'apps', 'spec.selector']);
        return true;
      },
    );
  });
});
