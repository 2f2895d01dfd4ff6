// The core/v1 strategies behind the real generic store on SQLite: seed-style manifests go in
// clean, server-set values survive re-applies, and bad input comes back as kube-apiserver's 422.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../lib/api/errors.js';
import { configMap } from '../../../lib/registry/configmap.js';
import { GenericStore } from '../../../lib/registry/generic-store.js';
import { limitRange } from '../../../lib/registry/limitrange.js';
import { namespace } from '../../../lib/registry/namespace.js';
import { pod } from '../../../lib/registry/pod.js';
import { replicationController } from '../../../lib/registry/replicationcontroller.js';
import { resourceQuota } from '../../../lib/registry/resourcequota.js';
import { secret } from '../../../lib/registry/secret.js';
import { createServiceAllocator, service, setServiceAllocator } from '../../../lib/registry/service.js';
import { SqliteStore } from '../../../lib/storage/sqlite.js';

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the write to be rejected');
}

describe('core/v1 resources in the generic store', () => {
  let dir: string;
  let sqlite: SqliteStore;
  let store: GenericStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-core-'));
    sqlite = new SqliteStore({ path: join(dir, 'state.db') });
    await sqlite.start();
    store = new GenericStore(sqlite);
    // A deterministic allocator: random() = 0 hands out the lowest free value.
    setServiceAllocator(createServiceAllocator({ serviceCIDR: '10.96.0.0/12', random: () => 0 }));
  });

  afterEach(async () => {
    setServiceAllocator(undefined);
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the kubia ReplicationController with its defaults and generation 1', async () => {
    const rc = await store.create(replicationController, 'default', {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'kubia' },
      spec: { replicas: 3, selector: { app: 'kubia' }, template: { metadata: { labels: { app: 'kubia' } }, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] } } },
    });
    assert.equal(rc.metadata.generation, 1);
    assert.deepEqual(rc.metadata.labels, { app: 'kubia' });
    assert.deepEqual(rc.status, { replicas: 0 });
    assert.equal(rc.spec.template.spec.containers[0].ports[0].protocol, 'TCP');
  });

  it('answers a selector that misses the template with a 422 kubectl prints verbatim', async () => {
    const err = await rejection(
      store.create(replicationController, 'default', {
        metadata: { name: 'kubia' },
        spec: { selector: { app: 'other' }, template: { metadata: { labels: { app: 'kubia' } }, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia' }] } } },
      }),
    );
    assert.equal(err.code, 422);
    assert.equal(
      err.status.message,
      'ReplicationController "kubia" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"kubia"}: `selector` does not match template `labels`',
    );
  });

  it('keeps a service cluster IP and node port across a re-apply that omits them', async () => {
    const created = await store.create(service, 'default', {
      metadata: { name: 'kubia-nodeport' },
      spec: { type: 'NodePort', sessionAffinity: 'ClientIP', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
    });
    assert.equal(created.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(created.spec.ports.map((p: { nodePort: number }) => p.nodePort), [30000, 30001]);
    const { object } = await store.update(service, 'default', 'kubia-nodeport', {
      metadata: { name: 'kubia-nodeport', labels: { tier: 'web' } },
      spec: { type: 'NodePort', sessionAffinity: 'ClientIP', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
    });
    assert.equal(object.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(object.spec.ports.map((p: { nodePort: number }) => p.nodePort), [30000, 30001]);
    assert.deepEqual(object.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });

  it('stores a Secret from stringData and a ConfigMap, LimitRange and ResourceQuota clean', async () => {
    const s = await store.create(secret, 'default', { metadata: { name: 'db' }, stringData: { password: 'hunter2' } });
    assert.deepEqual(s.data, { password: 'aHVudGVyMg==' });
    assert.equal(s.stringData, undefined);
    assert.equal(s.metadata.generation, undefined);
    await store.create(configMap, 'default', { metadata: { name: 'cfg' }, data: { 'sleep-interval': '25' } });
    const lr = await store.create(limitRange, 'default', { metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } });
    assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: '1' });
    const q = await store.create(resourceQuota, 'default', { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '0.5' } } });
    assert.deepEqual(q.spec.hard, { pods: '10', 'requests.cpu': '500m' });
  });

  it('refuses a node port that is already taken, as kube-apiserver words it', async () => {
    await store.create(service, 'default', { metadata: { name: 'a' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } });
    const err = await rejection(store.create(service, 'default', { metadata: { name: 'b' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } }));
    assert.equal(err.status.message, 'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  });

  it('creates a namespace Active with its name label and finalizer', async () => {
    const ns = await store.create(namespace, '', { metadata: { name: 'shop' } });
    assert.equal(ns.metadata.namespace, undefined);
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'shop' });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  it('lets a pod change its image but not its ports, and lists pods by field selector', async () => {
    const manifest = { metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }] } };
    const created = await store.create(pod, 'default', manifest);
    assert.equal(created.status.phase, 'Pending');
    const image = structuredClone(created);
    image.spec.containers[0].image = 'nginx:1.27';
    const { object } = await store.update(pod, 'default', 'web', image);
    assert.equal(object.spec.containers[0].image, 'nginx:1.27');
    const ports = structuredClone(object);
    ports.spec.containers[0].ports[0].containerPort = 81;
    const err = await rejection(store.update(pod, 'default', 'web', ports));
    assert.match(err.status.message ?? "", /^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
    const pending = await store.list(pod, 'default', { fieldSelector: 'status.phase=Pending,spec.nodeName=' });
    assert.deepEqual(pending.items.map((p) => p.metadata.name ?? ''), ['web']);
    const running = await store.list(pod, 'default', { fieldSelector: 'status.phase=Running' });
    assert.equal(running.items.length, 0);
  });
});
