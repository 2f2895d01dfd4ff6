// The REST semantics clients rely on, checked on the wire: authentication, Status errors,
// optimistic concurrency, list/watch resourceVersions, paging, selectors, dry-run, finalizers,
// namespace lifecycle, Table output, durability across restarts.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ApiClient } from '../helpers/http.js';

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

const CMS = '/api/v1/namespaces/default/configmaps';

describe('REST API semantics', function () {
  this.timeout(30_000);
  let t: TestServer;
  let api: ApiClient;

  before(async () => {
    t = await startTestServer();
    writeFileSync(join(t.dataDir, 'tokens.csv'), 'sekret-token-1,alice,1001,"devs,ops"\n');
  });
  after(async () => {
    api?.close();
    await t?.stop();
  });
  beforeEach(() => {
    api ??= new ApiClient(t.server.kubeconfigPath);
  });

  describe('authentication', () => {
    it('answers anonymous requests with 401 Unauthorized, except health and version', async () => {
      const anon = new ApiClient(t.server.kubeconfigPath, { anonymous: true });
      try {
        const r = await anon.get('/api/v1/namespaces');
        assert.equal(r.code, 401);
        assert.equal(r.json().kind, 'Status');
        assert.equal(r.json().reason, 'Unauthorized');
        assert.equal((await anon.get('/version')).code, 200);
        assert.equal((await anon.get('/healthz')).body, 'ok');
        assert.equal((await anon.get('/readyz')).code, 200);
        const bad = await anon.request('GET', '/api/v1/namespaces', { headers: { Authorization: 'Bearer wrong' } });
        assert.equal(bad.code, 401);
      } finally {
        anon.close();
      }
    });

    it('accepts bearer tokens from the tokens file and reports who the user is', async () => {
      const tokenFile = join(t.dataDir, 'tokens.csv');
      const t2 = await startTestServer({ tokenFile });
      const anon = new ApiClient(t2.server.kubeconfigPath, { anonymous: true });
      try {
        const r = await anon.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
          headers: { Authorization: 'Bearer sekret-token-1' },
        });
        assert.equal(r.code, 201, r.body);
        assert.deepEqual(r.json().status.userInfo, { username: 'alice', uid: '1001', groups: ['devs', 'ops', 'system:authenticated'] });
      } finally {
        anon.close();
        await t2.stop();
      }
    });
    it('issues ServiceAccount tokens (TokenRequest) that authenticate until the account is deleted', async () => {
      const sa = await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } } });
      assert.equal(sa.code, 201, sa.body);
      const tr = await api.request('POST', '/api/v1/namespaces/default/serviceaccounts/builder/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } });
      assert.equal(tr.code, 201, tr.body);
      const token = tr.json().status.token;
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const anon = new ApiClient(t.server.kubeconfigPath, { anonymous: true });
      try {
        const who = async () =>
          anon.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, headers: { Authorization: `Bearer ${token}` } });
        const r = await who();
        assert.equal(r.code, 201, r.body);
        assert.equal(r.json().status.userInfo.username, 'system:serviceaccount:default:builder');
        assert.ok(r.json().status.userInfo.groups.includes('system:serviceaccounts:default'));
        await api.request('DELETE', '/api/v1/namespaces/default/serviceaccounts/builder');
        assert.equal((await who()).code, 401);
      } finally {
        anon.close();
      }
    });

    it('answers a TokenRequest for a missing ServiceAccount with 404', async () => {
      const tr = await api.request('POST', '/api/v1/namespaces/default/serviceaccounts/ghost/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
      assert.equal(tr.code, 404);
      assert.equal(tr.json().message, 'serviceaccounts "ghost" not found');
    });
  });

  describe('errors', () => {
    it('answers an unknown resource with 404 Status', async () => {
      const r = await api.get('/api/v1/namespaces/default/widgets');
      assert.equal(r.code, 404);
      assert.deepEqual({ kind: r.json().kind, reason: r.json().reason, message: r.json().message }, { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
      assert.equal((await api.get('/apis/nope.example.com/v1')).code, 404);
    });

    it('answers malformed JSON with 400 and stores nothing', async () => {
      const before = (await api.get(CMS)).json().items.length;
      const r = await api.request('POST', CMS, { raw: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}', headers: { 'Content-Type': 'application/json' } });
      assert.equal(r.code, 400);
      assert.equal(r.json().reason, 'BadRequest');
      assert.equal((await api.get(CMS)).json().items.length, before);
    });

    it('refuses a body of the wrong kind or group-version with 400', async () => {
      const r = await api.request('POST', CMS, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong' } } });
      assert.equal(r.code, 400);
      const r2 = await api.request('POST', CMS, { body: { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wrong' } } });
      assert.equal(r2.code, 400);
      assert.match(r2.json().message, /the API version in the data \(apps\/v1\) does not match the expected API version \(v1\)/);
      assert.equal((await api.get(`${CMS}/wrong`)).code, 404);
    });

    it('refuses bodies over 3 MiB with 413', async () => {
      const big = cm('big', { blob: 'x'.repeat(3 * 1024 * 1024 + 10) });
      const r = await api.request('POST', CMS, { body: big });
      assert.equal(r.code, 413);
      assert.equal(r.json().reason, 'RequestEntityTooLarge');
    });

    it('answers invalid objects with 422 and one cause per field', async () => {
      const r = await api.request('POST', CMS, { body: cm('Not_Valid', { 'bad key!': 'x' }) });
      assert.equal(r.code, 422);
      const s = r.json();
      assert.equal(s.reason, 'Invalid');
      assert.deepEqual(s.details.causes.map((c: { field: string }) => c.field).sort(), ['data[bad key!]', 'metadata.name'].sort());
    });

    it('answers a malformed label selector with 400', async () => {
      const r = await api.get(`${CMS}?labelSelector=${encodeURIComponent('a in (b')}`);
      assert.equal(r.code, 400);
    });

    it('refuses a field selector on a field the resource does not support', async () => {
      const r = await api.get(`${CMS}?fieldSelector=spec.nodeName%3Dx`);
      assert.equal(r.code, 400);
      assert.match(r.json().message, /field label not supported: spec.nodeName/);
    });
  });

  describe('writes', () => {
    it('creates with generateName, uid, creationTimestamp and a resourceVersion', async () => {
      const r = await api.request('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } } });
      assert.equal(r.code, 201);
      const o = r.json();
      assert.match(o.metadata.name, /^gen-[a-z0-9]{5}$/);
      assert.match(o.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(o.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(o.metadata.resourceVersion, /^\d+$/);
    });

    it('answers 409 AlreadyExists for a duplicate name', async () => {
      await api.request('POST', CMS, { body: cm('dup') });
      const r = await api.request('POST', CMS, { body: cm('dup') });
      assert.equal(r.code, 409);
      assert.equal(r.json().reason, 'AlreadyExists');
      assert.equal(r.json().message, 'configmaps "dup" already exists');
    });

    it('refuses an update with a stale resourceVersion (409 Conflict) and keeps the newer write', async () => {
      const created = (await api.request('POST', CMS, { body: cm('occ') })).json();
      const first = await api.request('PUT', `${CMS}/occ`, { body: { ...created, data: { a: '2' } } });
      assert.equal(first.code, 200);
      assert.notEqual(first.json().metadata.resourceVersion, created.metadata.resourceVersion);
      const stale = await api.request('PUT', `${CMS}/occ`, { body: { ...created, data: { a: '3' } } });
      assert.equal(stale.code, 409);
      assert.equal(stale.json().reason, 'Conflict');
      assert.equal((await api.get(`${CMS}/occ`)).json().data.a, '2');
    });

    it('does not write a no-op update (same resourceVersion)', async () => {
      const created = (await api.request('POST', CMS, { body: cm('noop') })).json();
      const again = (await api.request('PUT', `${CMS}/noop`, { body: created })).json();
      assert.equal(again.metadata.resourceVersion, created.metadata.resourceVersion);
    });

    it('keeps nothing from a dry-run create', async () => {
      const r = await api.request('POST', `${CMS}?dryRun=All`, { body: cm('dry') });
      assert.equal(r.code, 201);
      assert.equal(r.json().metadata.name, 'dry');
      assert.equal((await api.get(`${CMS}/dry`)).code, 404);
    });

    it('bumps generation on spec changes only, and keeps status out of main-resource updates', async () => {
      const dep = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'gen' },
        spec: { selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      };
      const path = '/apis/apps/v1/namespaces/default/deployments';
      const c = (await api.request('POST', path, { body: dep })).json();
      assert.equal(c.metadata.generation, 1);
      const lab = (await api.request('PATCH', `${path}/gen`, { body: { metadata: { labels: { x: 'y' } } }, headers: { 'Content-Type': 'application/merge-patch+json' } })).json();
      assert.equal(lab.metadata.generation, 1);
      const spec = (await api.request('PATCH', `${path}/gen`, { body: { spec: { replicas: 3 }, status: { replicas: 99 } }, headers: { 'Content-Type': 'application/merge-patch+json' } })).json();
      assert.equal(spec.metadata.generation, 2);
      assert.equal(spec.status?.replicas, undefined);
      const st = await api.request('PATCH', `${path}/gen/status`, { body: { status: { replicas: 2 }, spec: { replicas: 7 } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      assert.equal(st.code, 200, st.body);
      assert.equal(st.json().status.replicas, 2);
      assert.equal(st.json().spec.replicas, 3);
      const scale = (await api.get(`${path}/gen/scale`)).json();
      assert.deepEqual({ kind: scale.kind, apiVersion: scale.apiVersion, spec: scale.spec, status: scale.status }, { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=g' } });
    });

    it('holds an object with finalizers until they are removed (202, deletionTimestamp)', async () => {
      await api.request('POST', CMS, { body: { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } } });
      const del = await api.request('DELETE', `${CMS}/fin`);
      assert.equal(del.code, 202);
      assert.ok(del.json().metadata.deletionTimestamp);
      assert.equal((await api.get(`${CMS}/fin`)).code, 200);
      const r = await api.request('PATCH', `${CMS}/fin`, { body: { metadata: { finalizers: null } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      assert.equal(r.code, 200, r.body);
      assert.equal((await api.get(`${CMS}/fin`)).code, 404);
    });

    it('deletes with a uid precondition only when it matches', async () => {
      await api.request('POST', CMS, { body: cm('pre') });
      const r = await api.request('DELETE', `${CMS}/pre`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } } });
      assert.equal(r.code, 409);
      assert.equal((await api.get(`${CMS}/pre`)).code, 200);
    });
  });

  describe('lists and watches', () => {
    it('pages with limit and continue, with remainingItemCount', async () => {
      for (let i = 0; i < 7; i++) await api.request('POST', '/api/v1/namespaces/kube-public/configmaps', { body: cm(`page-${i}`) });
      const names: string[] = [];
      let cont = '';
      let first = true;
      for (;;) {
        const r = (await api.get(`/api/v1/namespaces/kube-public/configmaps?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).json();
        if (first) assert.equal(r.metadata.remainingItemCount, 4);
        first = false;
        names.push(...r.items.map((i: { metadata: { name: string } }) => i.metadata.name));
        cont = r.metadata.continue;
        if (!cont) break;
      }
      assert.deepEqual(names, Array.from({ length: 7 }, (_, i) => `page-${i}`));
    });

    it('selects by label and by metadata.name', async () => {
      await api.request('POST', CMS, { body: cm('sel-a', {}, { tier: 'web', env: 'prod' }) });
      await api.request('POST', CMS, { body: cm('sel-b', {}, { tier: 'db' }) });
      const q = async (s: string) => (await api.get(`${CMS}?${s}`)).json().items.map((i: { metadata: { name: string } }) => i.metadata.name).filter((n: string) => n.startsWith('sel-'));
      assert.deepEqual(await q('labelSelector=tier%20in%20(web,db)'), ['sel-a', 'sel-b']);
      assert.deepEqual(await q('labelSelector=tier!%3Dweb'), ['sel-b']);
      assert.deepEqual(await q('labelSelector=env'), ['sel-a']);
      assert.deepEqual(await q('labelSelector=!env'), ['sel-b']);
      assert.deepEqual(await q('fieldSelector=metadata.name%3Dsel-b'), ['sel-b']);
    });

    it('serves Tables with PartialObjectMetadata rows', async () => {
      const r = await api.get(`${CMS}?limit=2`, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
      const table = r.json();
      assert.equal(table.kind, 'Table');
      assert.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Data', 'Age']);
      assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
      assert.ok(table.rows[0].object.metadata.uid);
      assert.ok(table.metadata.continue);
    });

    it('serves aggregated discovery with its content type for v2 and v2beta1', async () => {
      for (const v of ['v2', 'v2beta1']) {
        const r = await api.get('/apis', { Accept: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList,application/json` });
        assert.equal(r.headers['content-type'], `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        const apps = r.json().items.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps');
        const deploy = apps.versions[0].resources.find((x: { resource: string }) => x.resource === 'deployments');
        assert.deepEqual(deploy.shortNames, ['deploy']);
        assert.ok(deploy.subresources.some((s: { subresource: string }) => s.subresource === 'scale'));
      }
    });

    it('streams a watch from a list resourceVersion missing nothing and repeating nothing under concurrent writes', async () => {
      const ns = '/api/v1/namespaces/kube-node-lease/configmaps';
      const writes = async (from: number, n: number) => {
        await Promise.all(Array.from({ length: n }, (_, i) => api.request('POST', ns, { body: cm(`w-${from + i}`) })));
      };
      await writes(0, 20);
      const writing = writes(20, 40);
      const list = (await api.get(ns)).json();
      const seen = new Set<string>(list.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      const events: string[] = [];
      const w = await api.watch(`${ns}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, (ev) => events.push(`${ev.type}:${ev.object.metadata.name}`));
      await writing;
      await writes(60, 10);
      const deadline = Date.now() + 5000;
      while (seen.size + events.length < 70 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      w.close();
      for (const e of events) {
        assert.match(e, /^ADDED:/);
        const name = e.slice(6);
        assert.ok(!seen.has(name), `${name} repeated`);
        seen.add(name);
      }
      assert.equal(seen.size, 70);
    });

    it('flushes watch headers before any event, and ends at timeoutSeconds', async () => {
      const t0 = Date.now();
      const w = await api.watch(`${CMS}?watch=true&resourceVersion=${(await api.get(CMS)).json().metadata.resourceVersion}&timeoutSeconds=1`, () => {});
      assert.equal(w.res.statusCode, 200);
      assert.ok(Date.now() - t0 < 900, 'headers arrived before the timeout');
      await w.ended;
      assert.ok(Date.now() - t0 >= 900);
    });

    it('sends ADDED for current objects when watching without a resourceVersion, and a DELETED when an object leaves the selector', async () => {
      await api.request('POST', CMS, { body: cm('leave', {}, { grp: 'x' }) });
      const events: string[] = [];
      const w = await api.watch(`${CMS}?watch=true&labelSelector=grp%3Dx`, (ev) => events.push(`${ev.type}:${ev.object.metadata.name}`));
      await new Promise((r) => setTimeout(r, 300));
      await api.request('PATCH', `${CMS}/leave`, { body: { metadata: { labels: { grp: 'y' } } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      const deadline = Date.now() + 3000;
      while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      w.close();
      assert.deepEqual(events, ['ADDED:leave', 'DELETED:leave']);
    });

    it('answers a watch from a compacted resourceVersion older than the watch cache with a 410 Expired ERROR event', async () => {
      // Nothing in the server watches ResourceQuotas (the node manager watches Secrets), so no watch
      // cache holds their history: only storage does.
      const QUOTAS = '/api/v1/namespaces/default/resourcequotas';
      const old = (await api.request('POST', QUOTAS, { body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'old-rv' } } })).json().metadata.resourceVersion;
      await api.request('POST', QUOTAS, { body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'newer-rv' } } });
      await t.server.store.compact(await t.server.store.currentRevision());
      const events: Array<{ type: string; object: { code: number; reason: string } }> = [];
      const w = await api.watch(`${QUOTAS}?watch=true&resourceVersion=${old}`, (ev) => events.push(ev));
      await w.ended;
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'ERROR');
      assert.equal(events[0].object.code, 410);
      assert.equal(events[0].object.reason, 'Expired');
    });

    it('serves a watch from a resourceVersion the watch cache still holds, after storage compaction', async () => {
      const rv = (await api.get(CMS)).json().metadata.resourceVersion;
      const first = await api.watch(`${CMS}?watch=true&resourceVersion=${rv}`, () => {});
      await api.request('POST', CMS, { body: cm('cached-1') });
      await new Promise((r) => setTimeout(r, 100));
      await t.server.store.compact(await t.server.store.currentRevision());
      const events: string[] = [];
      const w = await api.watch(`${CMS}?watch=true&resourceVersion=${rv}`, (ev) => events.push(`${ev.type}:${ev.object.metadata?.name}`));
      const deadline = Date.now() + 3000;
      while (!events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      w.close();
      first.close();
      assert.deepEqual(events, ['ADDED:cached-1']);
    });
  });

  describe('protocols', () => {
    it('answers in protobuf when the client prefers it, and decodes protobuf request bodies', async () => {
      const { encodeProtobufObject, decodeProtobufObject } = await import('../../lib/protobuf/codec.js');
      const body = encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb' }, data: { k: 'v' } });
      const created = await api.request('POST', CMS, { raw: body, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf, application/json' } });
      assert.equal(created.code, 201);
      assert.equal(created.headers['content-type'], 'application/vnd.kubernetes.protobuf');
      const got = await new Promise<Buffer>((resolve, reject) => {
        import('node:https').then(({ request }) => {
          const req = request(`${api.base}${CMS}/pb`, { agent: api.agent, headers: { Accept: 'application/vnd.kubernetes.protobuf' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d) => chunks.push(d));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          });
          req.on('error', reject);
          req.end();
        });
      });
      const obj = decodeProtobufObject(got) as { kind: string; data: Record<string, string>; metadata: { name: string } };
      assert.equal(obj.kind, 'ConfigMap');
      assert.deepEqual(obj.data, { k: 'v' });
    });

    it('refuses a protobuf body for a custom resource with 415', async () => {
      await api.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        body: {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'widgets.example.com' },
          spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
        },
      });
      const deadline = Date.now() + 5000;
      while ((await api.get('/apis/example.com/v1')).code !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const r = await api.request('POST', '/apis/example.com/v1/namespaces/default/widgets', { raw: Buffer.from([0x6b, 0x38, 0x73, 0]), headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
      assert.equal(r.code, 415);
    });

    it('reports unknown metadata fields of a custom resource under strict field validation', async () => {
      const r = await api.request('POST', '/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict', {
        body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', colour: 'red' }, spec: { any: 1 } },
      });
      assert.equal(r.code, 400);
      assert.match(r.json().message, /strict decoding error: unknown field "metadata\.colour"/);
    });
  });

  describe('watch initial events and exact lists', () => {
    it('sends initial events then a bookmark marking their end (sendInitialEvents)', async () => {
      await api.request('POST', '/api/v1/namespaces/kube-system/configmaps', { body: cm('initial-a') });
      const events: Array<{ type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } }> = [];
      const w = await api.watch('/api/v1/namespaces/kube-system/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (ev) => events.push(ev));
      const deadline = Date.now() + 3000;
      while (!events.some((e) => e.type === 'BOOKMARK') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      w.close();
      const bm = events.findIndex((e) => e.type === 'BOOKMARK');
      assert.ok(bm > 0, JSON.stringify(events.map((e) => e.type)));
      assert.ok(events.slice(0, bm).every((e) => e.type === 'ADDED'));
      assert.ok(events.slice(0, bm).some((e) => e.object.metadata.name === 'initial-a'));
      assert.equal(events[bm].object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    });

    it('lists the state as of an exact resourceVersion', async () => {
      const v1 = (await api.request('POST', CMS, { body: cm('exact', { v: '1' }) })).json().metadata.resourceVersion;
      await api.request('PATCH', `${CMS}/exact`, { body: { data: { v: '2' } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      const then = (await api.get(`${CMS}?resourceVersion=${v1}&resourceVersionMatch=Exact&fieldSelector=metadata.name%3Dexact`)).json();
      assert.equal(then.metadata.resourceVersion, v1);
      assert.deepEqual(then.items[0].data, { v: '1' });
      const now = (await api.get(`${CMS}?fieldSelector=metadata.name%3Dexact`)).json();
      assert.deepEqual(now.items[0].data, { v: '2' });
    });

    it('answers a list at a future resourceVersion with 504 Timeout, ResourceVersionTooLarge', async () => {
      const r = await api.get(`${CMS}?resourceVersion=99999999&resourceVersionMatch=NotOlderThan`);
      assert.equal(r.code, 504);
      assert.equal(r.json().details.causes[0].reason, 'ResourceVersionTooLarge');
    });
  });

  describe('namespaces', () => {
    it('refuses objects in a missing namespace with 404', async () => {
      const r = await api.request('POST', '/api/v1/namespaces/nowhere/configmaps', { body: cm('x') });
      assert.equal(r.code, 404);
      assert.equal(r.json().message, 'namespaces "nowhere" not found');
    });

    it('empties a deleted namespace, refuses new content meanwhile, then removes it', async () => {
      await api.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } } });
      await api.request('POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('inside') });
      // A finalizer holds one object, so the namespace stays Terminating until it is released.
      await api.request('POST', '/api/v1/namespaces/doomed/configmaps', { body: { ...cm('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
      const del = await api.request('DELETE', '/api/v1/namespaces/doomed');
      assert.ok(del.code === 200 || del.code === 202, del.body);
      const ns = (await api.get('/api/v1/namespaces/doomed')).json();
      assert.equal(ns.status.phase, 'Terminating');
      assert.ok(ns.metadata.deletionTimestamp);
      const r = await api.request('POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('late') });
      assert.equal(r.code, 403);
      assert.match(r.json().message, /unable to create new content in namespace doomed because it is being terminated/);
      const waitFor = async (cond: () => Promise<boolean>) => {
        const deadline = Date.now() + 10_000;
        while (!(await cond()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      };
      await waitFor(async () => (await api.get('/api/v1/namespaces/doomed/configmaps/inside')).code === 404);
      assert.equal((await api.get('/api/v1/namespaces/doomed/configmaps/inside')).code, 404);
      assert.equal((await api.get('/api/v1/namespaces/doomed')).code, 200, 'still held by the finalizer');
      await api.request('PATCH', '/api/v1/namespaces/doomed/configmaps/held', { body: { metadata: { finalizers: null } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      await waitFor(async () => (await api.get('/api/v1/namespaces/doomed')).code === 404);
      assert.equal((await api.get('/api/v1/namespaces/doomed')).code, 404);
    });

    it('protects the default namespace from deletion', async () => {
      const r = await api.request('DELETE', '/api/v1/namespaces/default');
      assert.equal(r.code, 403);
    });
  });

  describe('durability', () => {
    it('keeps every object and the resourceVersion sequence across a restart', async () => {
      const created = (await api.request('POST', CMS, { body: cm('survivor', { k: 'v' }) })).json();
      api.close();
      await t.restart();
      api = new ApiClient(t.server.kubeconfigPath);
      const got = (await api.get(`${CMS}/survivor`)).json();
      assert.deepEqual(got.data, { k: 'v' });
      assert.equal(got.metadata.uid, created.metadata.uid);
      const next = (await api.request('POST', CMS, { body: cm('after-restart') })).json();
      assert.ok(Number(next.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    });
  });
});
