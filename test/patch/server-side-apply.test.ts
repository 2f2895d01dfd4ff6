import { strict as assert } from 'node:assert';
import { apply as applyRaw, trackUpdate as trackRaw } from '../../lib/patch/server-side-apply.js';
import { ApiError } from '../../lib/api/errors.js';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, any>;
const apply = (...a: Parameters<typeof applyRaw>): Obj => applyRaw(...a);
const trackUpdate = (...a: Parameters<typeof trackRaw>): Obj => trackRaw(...a);
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';
const T2 = '2025-01-01T00:02:00Z';

const deploymentConfig = (over: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', ...(over.metadata ?? {}) },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
    },
    ...(over.spec ?? {}),
  },
});

const kubectlApply = (live: Obj | undefined, config: Obj, now = T0, force = false) =>
  apply(live, config, { manager: 'kubectl', force, apiVersion: 'apps/v1', model: 'V1Deployment', now });

const entry = (obj: Obj, manager: string) => (obj.metadata.managedFields as Obj[]).find((e) => e.manager === manager);

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${e}`);
    return e;
  }
  assert.fail('expected a conflict');
}

describe('server-side apply', () => {
  it('creates the object and records the applier as owner of exactly what it applied', () => {
    const obj = kubectlApply(undefined, deploymentConfig());
    assert.equal(obj.spec.template.spec.containers[0].image, 'nginx:1.25');
    assert.deepEqual(obj.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it('re-applying the same configuration changes nothing and conflicts with nobody', () => {
    const first = kubectlApply(undefined, deploymentConfig());
    const second = kubectlApply(first, deploymentConfig(), T1);
    const strip = (o: Obj) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined } });
    assert.deepEqual(strip(second), strip(first));
    assert.deepEqual(entry(second, 'kubectl')!.fieldsV1, entry(first, 'kubectl')!.fieldsV1);
  });

  describe('after kubectl scale', () => {
    const scaled = () => {
      const live = kubectlApply(undefined, deploymentConfig());
      const updated = JSON.parse(JSON.stringify(live));
      updated.spec.replicas = 5;
      return trackUpdate(live, updated, { manager: 'kubectl-scale', apiVersion: 'apps/v1', model: 'V1Deployment', now: T1, subresource: 'scale' });
    };

    it('the scaler owns spec.replicas and the applier no longer does', () => {
      const obj = scaled();
      assert.deepEqual(entry(obj, 'kubectl-scale'), {
        manager: 'kubectl-scale',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        subresource: 'scale',
      });
      assert.ok(!('f:replicas' in entry(obj, 'kubectl')!.fieldsV1['f:spec']));
      assert.deepEqual(obj.metadata.managedFields.map((e: Obj) => e.operation), ['Apply', 'Update']);
    });

    it('applying a different replicas conflicts with the scaler (409, upstream message and causes)', () => {
      const e = conflictOf(() => kubectlApply(scaled(), deploymentConfig(), T2));
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(e.status.message, 'Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas');
      assert.deepEqual(e.status.details, {
        causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-scale" with subresource "scale" using apps/v1', field: '.spec.replicas' }],
      });
    });

    it('with --force-conflicts the applier takes spec.replicas back', () => {
      const obj = kubectlApply(scaled(), deploymentConfig(), T2, true);
      assert.equal(obj.spec.replicas, 2);
      assert.equal(entry(obj, 'kubectl-scale'), undefined, 'a manager left with no fields disappears');
      assert.deepEqual(entry(obj, 'kubectl')!.fieldsV1['f:spec']['f:replicas'], {});
      assert.equal(entry(obj, 'kubectl')!.time, T2);
    });

    it('a configuration that drops replicas leaves the scaled value alone', () => {
      const config = deploymentConfig();
      delete config.spec.replicas;
      const obj = kubectlApply(scaled(), config, T2);
      assert.equal(obj.spec.replicas, 5);
    });

    it('applying the value the field already has is not a conflict: ownership is shared', () => {
      const obj = kubectlApply(scaled(), deploymentConfig({ spec: { replicas: 5 } }), T2);
      assert.equal(obj.spec.replicas, 5);
      assert.deepEqual(entry(obj, 'kubectl-scale')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
      assert.deepEqual(entry(obj, 'kubectl')!.fieldsV1['f:spec']['f:replicas'], {});
    });
  });

  it('kubectl edit of the image then re-apply of the old image conflicts on the container field', () => {
    const live = kubectlApply(undefined, deploymentConfig());
    const edited = JSON.parse(JSON.stringify(live));
    edited.spec.template.spec.containers[0].image = 'nginx:1.27';
    const afterEdit = trackUpdate(live, edited, { manager: 'kubectl-edit', apiVersion: 'apps/v1', model: 'V1Deployment', now: T1 });
    assert.deepEqual(entry(afterEdit, 'kubectl-edit')!.fieldsV1, {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } } } },
    });
    const e = conflictOf(() => kubectlApply(afterEdit, deploymentConfig(), T2));
    assert.equal(
      e.status.message,
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('lists every conflict, grouped by manager, when there are several', () => {
    let live = kubectlApply(undefined, deploymentConfig());
    const a = JSON.parse(JSON.stringify(live));
    a.spec.replicas = 3;
    a.spec.template.spec.containers[0].image = 'nginx:2';
    live = trackUpdate(live, a, { manager: 'alpha', apiVersion: 'apps/v1', model: 'V1Deployment', now: T1 });
    const b = JSON.parse(JSON.stringify(live));
    b.spec.template.metadata.labels.app = 'other';
    live = trackUpdate(live, b, { manager: 'beta', apiVersion: 'apps/v1', model: 'V1Deployment', now: T1 });
    const e = conflictOf(() => kubectlApply(live, deploymentConfig(), T2));
    assert.equal(
      e.status.message,
      'Apply failed with 3 conflicts: conflicts with "alpha" using apps/v1:\n' +
        '- .spec.replicas\n' +
        '- .spec.template.spec.containers[name="nginx"].image\n' +
        'conflicts with "beta" using apps/v1:\n' +
        '- .spec.template.metadata.labels.app',
    );
    assert.equal(e.status.details!.causes!.length, 3);
  });

  it('removes what the manager applied before and applies no longer, unless someone else owns it', () => {
    const withTier = deploymentConfig({ metadata: { labels: { app: 'web', tier: 'fe' } } });
    let live = kubectlApply(undefined, withTier);
    assert.deepEqual(live.metadata.labels, { app: 'web', tier: 'fe' });
    const dropped = kubectlApply(live, deploymentConfig({ metadata: { labels: { app: 'web' } } }), T1);
    assert.deepEqual(dropped.metadata.labels, { app: 'web' });

    // Same, but kubectl label also set tier: it survives, now owned by kubectl-label only.
    const labelled = JSON.parse(JSON.stringify(live));
    labelled.metadata.labels.tier = 'frontend';
    live = trackUpdate(live, labelled, { manager: 'kubectl-label', apiVersion: 'apps/v1', model: 'V1Deployment', now: T1 });
    const kept = kubectlApply(live, deploymentConfig({ metadata: { labels: { app: 'web' } } }), T2);
    assert.deepEqual(kept.metadata.labels, { app: 'web', tier: 'frontend' });
  });

  it('removes a container the configuration no longer lists', () => {
    const two = deploymentConfig();
    two.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    const live = kubectlApply(undefined, two);
    const obj = kubectlApply(live, deploymentConfig(), T1);
    assert.deepEqual(obj.spec.template.spec.containers.map((c: Obj) => c.name), ['nginx']);
  });

  it('merges list-map items by key, keeping items other managers added', () => {
    const svc = (ports: Obj[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports } });
    const opts = (manager: string) => ({ manager, force: false, apiVersion: 'v1', model: 'V1Service', now: T0 });
    let live = apply(undefined, svc([{ port: 80, targetPort: 8080 }]), opts('a'));
    live = apply(live, svc([{ port: 443, targetPort: 8443 }]), opts('b'));
    assert.deepEqual(live.spec.ports, [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }]);
    // selector is +mapType=atomic: the second applier takes it over (same value, shared).
    assert.deepEqual(entry(live, 'b')!.fieldsV1['f:spec']['f:selector'], {});
  });

  it('replaces atomic lists whole and owns them as one field', () => {
    const pod = (tolerations: Obj[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], tolerations } });
    const opts = { manager: 'm', force: false, apiVersion: 'v1', model: 'V1Pod', now: T0 };
    let live = apply(undefined, pod([{ key: 'a', operator: 'Exists' }]), opts);
    live = apply(live, pod([{ key: 'b', operator: 'Exists' }]), opts);
    assert.deepEqual(live.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
    assert.deepEqual(entry(live, 'm')!.fieldsV1['f:spec']['f:tolerations'], {});
  });

  it('merges set lists (finalizers) item by item', () => {
    const cm = (finalizers: string[]) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers } });
    let live = apply(undefined, cm(['a']), { manager: 'one', force: false, apiVersion: 'v1', model: 'V1ConfigMap', now: T0 });
    live = apply(live, cm(['b']), { manager: 'two', force: false, apiVersion: 'v1', model: 'V1ConfigMap', now: T0 });
    assert.deepEqual(live.metadata.finalizers, ['a', 'b']);
    assert.deepEqual(entry(live, 'two')!.fieldsV1, { 'f:metadata': { 'f:finalizers': { 'v:"b"': {} } } });
  });

  it('treats a kind without a model (custom resource) as nested maps with atomic lists', () => {
    const cr = (spec: Obj) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
    const opts = { manager: 'm', force: false, apiVersion: 'example.com/v1', now: T0 };
    let live = apply(undefined, cr({ size: 1, tags: ['a'] }), opts);
    assert.deepEqual(entry(live, 'm')!.fieldsV1, { 'f:spec': { '.': {}, 'f:size': {}, 'f:tags': {} } });
    live = apply(live, cr({ size: 2 }), opts);
    assert.deepEqual(live.spec, { size: 2 });
  });

  it('refuses a configuration that carries managedFields', () => {
    const config = deploymentConfig({ metadata: { managedFields: [{ manager: 'x' }] } });
    const e = conflictOf(() => kubectlApply(undefined, config));
    assert.equal(e.code, 400);
    assert.equal(e.status.message, 'metadata.managedFields must be nil');
  });
});

describe('managed fields of ordinary writes', () => {
  const cm = (data: Obj, extra: Obj = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', ...extra }, data });
  const opts = (manager: string, now = T0) => ({ manager, apiVersion: 'v1', model: 'V1ConfigMap', now });

  it('a create records an Update entry owning every field set, labels with "."', () => {
    const obj = trackUpdate(undefined, cm({ a: '1' }, { labels: { app: 'x' } }), opts('kubectl-create'));
    assert.deepEqual(obj.metadata.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
      },
    ]);
  });

  it('a create of every seed manifest records what a write over an empty object of that kind would', () => {
    // Creates take a one-walk path; the general Compare path must agree with it field for field.
    const seeds = ['../registry/core/fixtures/seed-manifests.yaml', '../registry/groups/fixtures/seed-manifests.yaml'].flatMap((f) =>
      parseAllDocuments(readFileSync(new URL(f, import.meta.url), 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o?.kind),
    );
    assert.ok(seeds.length >= 12, `only ${seeds.length} seed manifests`);
    const other = { manager: 'other', operation: 'Update', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:unrelated': {} } } } };
    for (const o of seeds) {
      const created = entry(trackUpdate(undefined, structuredClone(o), { manager: 'creator', apiVersion: o.apiVersion, now: T0 }), 'creator');
      const empty = { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, managedFields: [other] } };
      const general = entry(trackUpdate(empty, structuredClone(o), { manager: 'creator', apiVersion: o.apiVersion, now: T0 }), 'creator');
      assert.ok(created && JSON.stringify(created.fieldsV1).length > 20, `${o.kind} ${o.metadata.name}: no fields recorded`);
      assert.deepEqual(created, general, `${o.kind} ${o.metadata.name}`);
      assert.deepEqual(JSON.stringify(created.fieldsV1), JSON.stringify(general!.fieldsV1), `${o.kind} ${o.metadata.name}: key order`);
    }
  });

  it('an update takes changed fields from other managers and keeps its earlier ones', () => {
    let obj = trackUpdate(undefined, cm({ a: '1', b: '2' }), opts('creator'));
    obj = trackUpdate(obj, { ...obj, data: { a: '9', b: '2' } }, opts('editor', T1));
    assert.deepEqual(entry(obj, 'creator')!.fieldsV1, { 'f:data': { '.': {}, 'f:b': {} } });
    assert.deepEqual(entry(obj, 'editor')!.fieldsV1, { 'f:data': { 'f:a': {} } });
    obj = trackUpdate(obj, { ...obj, data: { a: '9', b: '3' } }, opts('editor', T2));
    assert.deepEqual(entry(obj, 'editor')!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} } });
    assert.equal(entry(obj, 'editor')!.time, T2);
  });

  it('a write that changes nothing leaves managedFields as they were', () => {
    const obj = trackUpdate(undefined, cm({ a: '1' }), opts('creator'));
    const again = trackUpdate(obj, obj, opts('someone', T1));
    assert.deepEqual(again.metadata.managedFields, obj.metadata.managedFields);
  });

  it('removed fields leave every manager', () => {
    let obj = trackUpdate(undefined, cm({ a: '1', b: '2' }), opts('creator'));
    obj = trackUpdate(obj, { ...obj, data: { a: '1' } }, opts('remover', T1));
    assert.deepEqual(entry(obj, 'creator')!.fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
    assert.equal(entry(obj, 'remover'), undefined);
  });

  it('managedFields: [{}] in a write clears managed fields', () => {
    const obj = trackUpdate(undefined, cm({ a: '1' }), opts('creator'));
    const cleared = trackUpdate(obj, { ...obj, metadata: { ...obj.metadata, managedFields: [{}] } }, opts('x', T1));
    assert.ok(!('managedFields' in cleared.metadata));
  });

  it('does not track status through the main resource', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Pending' } };
    const obj = trackUpdate(undefined, pod, { manager: 'm', apiVersion: 'v1', model: 'V1Pod', now: T0 });
    assert.ok(!('f:status' in entry(obj, 'm')!.fieldsV1));
    const st = trackUpdate(obj, { ...obj, status: { phase: 'Running' } }, { manager: 'kubelet', apiVersion: 'v1', model: 'V1Pod', now: T1, subresource: 'status' });
    assert.deepEqual(entry(st, 'kubelet')!.fieldsV1, { 'f:status': { 'f:phase': {} } });
  });
});

describe('model inference for managed fields', () => {
  it('reads the model from apiVersion and kind when the caller names none', () => {
    const cfg = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    const obj = applyRaw(undefined, cfg, { manager: 'm', force: false, apiVersion: 'apps/v1', now: T0 }) as Obj;
    const fields = obj.metadata.managedFields[0].fieldsV1;
    assert.deepEqual(fields['f:spec']['f:template']['f:spec']['f:containers'], { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } });
  });

  it('knows the two Event kinds apart and leaves custom resources schemaless', async () => {
    const { modelForObject } = await import('../../lib/patch/shape.js');
    assert.equal(modelForObject({ apiVersion: 'v1', kind: 'Event' }), 'CoreV1Event');
    assert.equal(modelForObject({ apiVersion: 'events.k8s.io/v1', kind: 'Event' }), 'EventsV1Event');
    assert.equal(modelForObject({ apiVersion: 'v1', kind: 'Pod' }), 'V1Pod');
    assert.equal(modelForObject({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' }), 'V2HorizontalPodAutoscaler');
    assert.equal(modelForObject({ apiVersion: 'example.com/v1', kind: 'Deployment' }), undefined);
  });
});

// Scenarios and expected managedFields from kube-apiserver's own integration tests
// (test/integration/apiserver/apply/apply_test.go).
describe('server-side apply: upstream integration scenarios', () => {
  const cmOpts = (manager: string, now: string) => ({ manager, force: false, apiVersion: 'v1', model: 'V1ConfigMap', now });

  it('TestApplyManagedFields: updates take fields from the applier, entries keep their order', () => {
    let obj = apply(
      undefined,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } }, data: { key: 'value' } },
      cmOpts('apply_test', T0),
    );
    obj = trackUpdate(obj, { ...obj, data: { ...obj.data, 'new-key': 'value' } }, cmOpts('updater', T1));
    obj = trackUpdate(obj, { ...obj, data: { ...obj.data, key: 'new value' } }, cmOpts('updater', T2));
    assert.deepEqual(obj.data, { key: 'new value', 'new-key': 'value' });
    assert.deepEqual(obj.metadata.managedFields, [
      { manager: 'apply_test', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } } },
      { manager: 'updater', operation: 'Update', apiVersion: 'v1', time: T2, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:key': {}, 'f:new-key': {} } } },
    ]);
  });

  it('TestApplyRemovesEmptyManagedFields: applying only name and namespace records no manager', () => {
    const cfg = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default' } };
    let obj = apply(undefined, cfg, cmOpts('apply_test', T0));
    obj = apply(obj, cfg, cmOpts('apply_test', T1));
    assert.ok(!('managedFields' in obj.metadata));
  });

  it('TestApplyRemoveContainerPort: dropping ports from the configuration removes them', () => {
    const dep = (ports?: Obj[]) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'deployment', labels: { app: 'nginx' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest', ...(ports ? { ports } : {}) }] } },
      },
    });
    const opts = { manager: 'apply_test', force: false, apiVersion: 'apps/v1', now: T0 };
    const live = apply(undefined, dep([{ containerPort: 80, protocol: 'TCP' }]), opts);
    const obj = apply(live, dep(), { ...opts, now: T1 });
    assert.equal(obj.spec.template.spec.containers[0].ports, undefined);
  });

  it('TestApplyConvertsManagedFieldsVersion: an Apply entry is found again whatever apiVersion it was recorded with', () => {
    const created = trackUpdate(
      undefined,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'deployment',
          labels: { app: 'nginx' },
          managedFields: [
            {
              manager: 'sidecar_controller',
              operation: 'Apply',
              apiVersion: 'extensions/v1beta1',
              fieldsV1: { 'f:metadata': { 'f:labels': { 'f:sidecar_version': {} } }, 'f:spec': { 'f:template': { 'f: spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {} } } } } } },
            },
          ],
        },
        spec: { selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] } } },
      },
      { manager: 'kube-apiserver.test', apiVersion: 'apps/v1', now: T0 },
    );
    const obj = apply(
      created,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deployment', labels: { sidecar_version: 'release' } }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'sidecar:latest' }] } } } },
      { manager: 'sidecar_controller', force: false, apiVersion: 'apps/v1', now: T1 },
    );
    const sidecar = (obj.metadata.managedFields as Obj[]).filter((e) => e.manager === 'sidecar_controller');
    assert.equal(sidecar.length, 1);
    assert.equal(sidecar[0].apiVersion, 'apps/v1');
    assert.deepEqual(sidecar[0].fieldsV1, {
      'f:metadata': { 'f:labels': { 'f:sidecar_version': {} } },
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
    });
    assert.deepEqual(obj.spec.template.spec.containers.map((c: Obj) => c.name), ['nginx', 'sidecar']);
  });
});

describe('server-side apply over objects nobody tracked, and after client-side apply', () => {
  const LAST = 'kubectl.kubernetes.io/last-applied-configuration';
  const untracked = (): Obj => ({ ...deploymentConfig(), metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5' } });

  it('an existing object without managed fields stays untracked by ordinary writes', () => {
    const live = untracked();
    const obj = trackUpdate(live, { ...live, spec: { ...live.spec, replicas: 7 } }, { manager: 'kubectl-edit', apiVersion: 'apps/v1', now: T1 });
    assert.equal(obj.spec.replicas, 7);
    assert.ok(!('managedFields' in obj.metadata));
  });

  it('the first apply over it conflicts with "before-first-apply" on fields it would change', () => {
    const e = conflictOf(() => kubectlApply(untracked(), deploymentConfig({ spec: { replicas: 3 } }), T1));
    assert.equal(e.status.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const ok = kubectlApply(untracked(), deploymentConfig(), T1);
    assert.deepEqual(ok.metadata.managedFields.map((m: Obj) => m.manager), ['kubectl', 'before-first-apply']);
  });

  const clientSideApplied = (): Obj => {
    const manifest = deploymentConfig();
    const created = { ...manifest, metadata: { ...manifest.metadata, annotations: { [LAST]: JSON.stringify(manifest) } } };
    return trackUpdate(undefined, created, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', model: 'V1Deployment', now: T0 });
  };

  it('kubectl may take over fields its last-applied-configuration still describes (client-side → server-side)', () => {
    const obj = kubectlApply(clientSideApplied(), deploymentConfig({ spec: { replicas: 3 } }), T1);
    assert.equal(obj.spec.replicas, 3);
    assert.deepEqual(entry(obj, 'kubectl')!.fieldsV1['f:spec']['f:replicas'], {});
    assert.ok(!('f:replicas' in (entry(obj, 'kubectl-client-side-apply')!.fieldsV1['f:spec'] ?? {})));
    // lastAppliedUpdater keeps the annotation in step with what kubectl applied.
    assert.equal(JSON.parse(obj.metadata.annotations[LAST]).spec.replicas, 3);
  });

  it('another field manager gets no such allowance', () => {
    const e = conflictOf(() =>
      apply(clientSideApplied(), deploymentConfig({ spec: { replicas: 3 } }), { manager: 'other', force: false, apiVersion: 'apps/v1', now: T1 }),
    );
    assert.equal(e.code, 409);
  });

  it('fields changed since the last client-side apply still conflict', () => {
    const live = clientSideApplied();
    const scaled = trackUpdate(live, { ...live, spec: { ...live.spec, replicas: 5 } }, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', now: T1 });
    const e = conflictOf(() => kubectlApply(scaled, deploymentConfig({ spec: { replicas: 3 } }), T2));
    assert.equal(e.status.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });
});

describe('managed fields entry cap', () => {
  it('keeps at most ten Update managers, folding the oldest into "ancient-changes"', () => {
    let obj: Obj = trackUpdate(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} }, { manager: 'm0', apiVersion: 'v1', now: '2025-01-01T00:00:00Z' });
    for (let i = 1; i <= 11; i++) {
      const now = `2025-01-01T00:00:${String(i).padStart(2, '0')}Z`;
      obj = trackUpdate(obj, { ...obj, data: { ...obj.data, [`k${i}`]: 'v' } }, { manager: `m${i}`, apiVersion: 'v1', now });
    }
    const managers = (obj.metadata.managedFields as Obj[]).map((e) => e.manager);
    assert.equal(managers.length, 10);
    assert.ok(managers.includes('ancient-changes'));
    assert.ok(!managers.includes('m1') && !managers.includes('m2'));
    assert.ok(managers.includes('m11'));
    const ancient = (obj.metadata.managedFields as Obj[]).find((e) => e.manager === 'ancient-changes')!;
    assert.deepEqual(Object.keys(ancient.fieldsV1['f:data']).sort(), ['.', 'f:k1', 'f:k2'], 'm0 (empty data), m1 and m2 are merged');
  });
});

describe('managed fields of a create, compared with a real kube-apiserver', () => {
  it('matches what `kubectl create deployment` records (kubectl-create entry of a live cluster)', () => {
    const obj = trackUpdate(
      undefined,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'test1', namespace: 'default', labels: { app: 'test1' } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'test1' } },
          template: {
            metadata: { labels: { app: 'test1' } },
            spec: {
              containers: [{ image: 'nginx', imagePullPolicy: 'Always', name: 'nginx', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
              dnsPolicy: 'ClusterFirst',
              restartPolicy: 'Always',
              schedulerName: 'default-scheduler',
              securityContext: {},
              terminationGracePeriodSeconds: 30,
            },
          },
          progressDeadlineSeconds: 600,
          revisionHistoryLimit: 10,
          strategy: { type: 'RollingUpdate' },
        },
      },
      { manager: 'kubectl-create', apiVersion: 'apps/v1', now: T0 },
    );
    assert.deepEqual(obj.metadata.managedFields[0].fieldsV1, {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:progressDeadlineSeconds': {},
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:strategy': { 'f:type': {} },
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:imagePullPolicy': {},
                'f:name': {},
                'f:resources': {},
                'f:terminationMessagePath': {},
                'f:terminationMessagePolicy': {},
              },
            },
            'f:dnsPolicy': {},
            'f:restartPolicy': {},
            'f:schedulerName': {},
            'f:securityContext': {},
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
    });
  });

  it('records a status list a controller adds with "." (kube-controller-manager entry)', () => {
    const live = trackUpdate(undefined, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1 } }, { manager: 'c', apiVersion: 'apps/v1', now: T0 });
    const obj = trackUpdate(live, { ...live, status: { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] } }, { manager: 'kube-controller-manager', apiVersion: 'apps/v1', now: T1, subresource: 'status' });
    assert.deepEqual(entry(obj, 'kube-controller-manager')!.fieldsV1, {
      'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} },
    });
  });
});
