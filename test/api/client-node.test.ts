// The official JavaScript client (@kubernetes/client-node) against kubeshim: typed CRUD, list
// with selectors, and its Watch helper.
import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('@kubernetes/client-node against kubeshim', function () {
  this.timeout(30_000);
  let t: TestServer;
  let kc: k8s.KubeConfig;

  before(async () => {
    t = await startTestServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(t.server.kubeconfigPath);
  });
  after(async () => t?.stop());

  it('creates, reads, lists by label, replaces and deletes typed objects', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'lib' } } });
    const created = await core.createNamespacedConfigMap({ namespace: 'lib', body: { metadata: { name: 'c', labels: { app: 'x' } }, data: { k: 'v' } } });
    assert.equal(created.metadata?.namespace, 'lib');
    const list = await core.listNamespacedConfigMap({ namespace: 'lib', labelSelector: 'app=x' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['c']);
    created.data = { k: 'v2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'c', namespace: 'lib', body: created });
    assert.equal(replaced.data?.k, 'v2');
    await core.deleteNamespacedConfigMap({ name: 'c', namespace: 'lib' });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'c', namespace: 'lib' }), (e: { code?: number }) => e.code === 404);
  });

  it('creates a Deployment and reads its defaults through AppsV1Api', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'lib-web' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.14.2' }] } } },
      },
    });
    assert.equal(d.spec?.replicas, 1);
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    const scale = await apps.readNamespacedDeploymentScale({ name: 'lib-web', namespace: 'default' });
    assert.equal(scale.spec?.replicas, 1);
  });

  it('follows changes with the Watch helper', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch('/api/v1/namespaces/default/configmaps', {}, (type, obj: k8s.V1ConfigMap) => seen.push(`${type}:${obj.metadata?.name}`), () => {});
    await new Promise((r) => setTimeout(r, 300));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' } } });
    const deadline = Date.now() + 5000;
    while (!seen.includes('ADDED:w1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    req.abort();
    assert.ok(seen.includes('ADDED:w1'), seen.join(','));
  });
});
