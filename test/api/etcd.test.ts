// kubeshim on a real etcd: two API servers sharing one etcd see each other's writes, in lists,
// gets and watches, and stock kubectl works against either.
import { strict as assert } from 'node:assert';
import { startEtcd } from '../helpers/etcd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ApiClient } from '../helpers/http.js';

describe('kubeshim on a real etcd', function () {
  this.timeout(60_000);
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let a: TestServer;
  let b: TestServer;
  let apiA: ApiClient;
  let apiB: ApiClient;

  before(async function () {
    this.timeout(60_000);
    etcd = await startEtcd();
    const config = { storage: { backend: 'etcd' as const, etcd: { endpoints: [etcd.endpoint], prefix: '/kubeshim-test' } } };
    a = await startTestServer(config);
    b = await startTestServer(config);
    apiA = new ApiClient(a.server.kubeconfigPath);
    apiB = new ApiClient(b.server.kubeconfigPath);
  });
  after(async () => {
    apiA?.close();
    apiB?.close();
    await a?.stop();
    await b?.stop();
    await etcd?.stop();
  });

  it('serves a write made through one instance from the other', async () => {
    const created = await apiA.request('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { from: 'a' } } });
    assert.equal(created.code, 201, created.body);
    const got = await apiB.get('/api/v1/namespaces/default/configmaps/shared');
    assert.equal(got.code, 200);
    assert.equal(got.json().metadata.resourceVersion, created.json().metadata.resourceVersion);
    assert.deepEqual(got.json().data, { from: 'a' });
  });

  it('delivers a write through one instance to a watch on the other', async () => {
    const rv = (await apiB.get('/api/v1/namespaces/default/configmaps')).json().metadata.resourceVersion;
    const events: string[] = [];
    const w = await apiB.watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (ev) => events.push(`${ev.type}:${ev.object.metadata.name}`));
    await apiA.request('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' } } });
    await apiA.request('DELETE', '/api/v1/namespaces/default/configmaps/watched');
    const deadline = Date.now() + 5000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    w.close();
    assert.deepEqual(events, ['ADDED:watched', 'DELETED:watched']);
  });

  it('refuses a stale update made through the other instance (shared optimistic concurrency)', async () => {
    const cm = (await apiA.get('/api/v1/namespaces/default/configmaps/shared')).json();
    assert.equal((await apiB.request('PUT', '/api/v1/namespaces/default/configmaps/shared', { body: { ...cm, data: { from: 'b' } } })).code, 200);
    const stale = await apiA.request('PUT', '/api/v1/namespaces/default/configmaps/shared', { body: { ...cm, data: { from: 'a2' } } });
    assert.equal(stale.code, 409);
  });

  it('works with stock kubectl against either instance', async () => {
    const k = b.kubectl('1.32');
    await k.ok(['create', 'deployment', 'web', '--image=nginx:1.14.2', '--replicas=2']);
    const out = await a.kubectl('1.32').ok(['get', 'deployments', '-o', 'name']);
    assert.equal(out.trim(), 'deployment.apps/web');
  });
});
