// The pods/eviction subresource as kube-apiserver's EvictionREST serves it: status codes, messages
// and PodDisruptionBudget bookkeeping over raw HTTP (JSON and protobuf bodies; budget conflicts on
// an etcd store), then stock `kubectl drain` (1.28, 1.32, 1.34) draining a real Docker host of the
// test bed, and held back by a budget.
import { strict as assert } from 'node:assert';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ApiClient, type HttpResponse } from '../helpers/http.js';
import { until } from '../helpers/wait.js';
import { decodeValue, encodeMessage, encodeProtobufObject } from '../../lib/protobuf/codec.js';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startEtcd, type RunningEtcd } from '../helpers/etcd.js';
import type { Kubectl } from '../helpers/kubectl.js';

const NS = 'default';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const PDBS = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`;
const BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

interface PodShape {
  labels?: Record<string, string>;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready?: boolean;
  nodeName?: string;
}

interface PdbStatus {
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods?: number;
  observedGeneration?: number;
}

const eviction = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS }, ...extra });

describe('pods/eviction (policy/v1 Eviction) over HTTP', function () {
  this.timeout(30_000);
  let t: TestServer;
  let api: ApiClient;

  const ok = async (r: Promise<HttpResponse>, code = 200) => {
    const res = await r;
    assert.equal(res.code, code, res.body);
    return res.json();
  };

  /** A pod as a kubelet would have reported it (status written through pods/status). */
  const makePod = async (name: string, shape: PodShape = {}) => {
    await ok(api.request('POST', PODS, {
      body: {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, labels: shape.labels ?? { app: 'web' } },
        spec: { ...(shape.nodeName ? { nodeName: shape.nodeName } : {}), terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'busybox' }] },
      },
    }), 201);
    const phase = shape.phase ?? 'Running';
    const ready = shape.ready ?? phase === 'Running';
    return ok(api.request('PATCH', `${PODS}/${name}/status`, {
      raw: JSON.stringify({ status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    }));
  };

  /** A PDB with the status a disruption controller would have written (there is none yet). */
  const makePdb = async (name: string, matchLabels: Record<string, string>, status: PdbStatus, spec: Record<string, unknown> = {}) => {
    await ok(api.request('POST', PDBS, { body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels }, ...spec } } }), 201);
    return ok(api.request('PATCH', `${PDBS}/${name}/status`, {
      raw: JSON.stringify({ status: { observedGeneration: 1, expectedPods: 0, ...status } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    }));
  };

  const evict = (name: string, body: unknown = eviction(name), query = '') => api.request('POST', `${PODS}/${name}/eviction${query}`, { body });
  const podExists = async (name: string) => (await api.get(`${PODS}/${name}`)).code === 200;
  const pdbStatus = async (name: string) => (await ok(api.get(`${PDBS}/${name}`))).status;

  before(async () => {
    t = await startTestServer();
    api = new ApiClient(t.server.kubeconfigPath);
  });
  after(async () => {
    api?.close();
    await t?.stop();
  });
  afterEach(async () => {
    // Each case starts from an empty namespace.
    await api.request('DELETE', `${PODS}?gracePeriodSeconds=0`);
    await api.request('DELETE', PDBS);
  });

  it('evicts a pod no budget covers: 201 with a Success Status, and the pod is gone', async () => {
    await makePod('web-1');
    const res = await evict('web-1');
    assert.equal(res.code, 201);
    assert.deepEqual(res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.equal(await podExists('web-1'), false);
  });

  it('answers 404 NotFound for a pod that does not exist', async () => {
    const res = await evict('nope');
    assert.equal(res.code, 404);
    const st = res.json();
    assert.equal(st.reason, 'NotFound');
    assert.equal(st.message, 'pods "nope" not found');
  });

  it('refuses an Eviction whose name differs from the URL (400), and other methods (405)', async () => {
    await makePod('web-1');
    for (const body of [eviction('other'), { apiVersion: 'policy/v1', kind: 'Eviction', metadata: {} }]) {
      const res = await evict('web-1', body);
      assert.equal(res.code, 400);
      assert.equal(res.json().reason, 'BadRequest');
      assert.equal(res.json().message, 'name in URL does not match name in Eviction object');
    }
    const other = await evict('web-1', { ...eviction('web-1'), metadata: { name: 'web-1', namespace: 'kube-system' } });
    assert.equal(other.code, 400);
    assert.equal(other.json().message, 'the namespace of the provided object does not match the namespace sent on the request');
    assert.equal((await api.get(`${PODS}/web-1/eviction`)).code, 405);
    assert.equal(await podExists('web-1'), true);
  });

  it('accepts policy/v1beta1 Evictions and refuses other API versions', async () => {
    await makePod('web-1');
    const wrong = await evict('web-1', { ...eviction('web-1'), apiVersion: 'apps/v1' });
    assert.equal(wrong.code, 400);
    assert.equal(wrong.json().message, 'the API version in the data (apps/v1) does not match the expected API version (policy/v1)');
    assert.equal((await evict('web-1', { ...eviction('web-1'), apiVersion: 'policy/v1beta1' })).code, 201);
    assert.equal(await podExists('web-1'), false);
  });

  it('reports unknown fields of the Eviction as a warning, or refuses them under fieldValidation=Strict', async () => {
    await makePod('web-1');
    const strict = await evict('web-1', eviction('web-1', { spec: { now: true } }), '?fieldValidation=Strict');
    assert.equal(strict.code, 400);
    assert.equal(strict.json().message, 'Eviction in version "v1" cannot be handled as a Eviction: strict decoding error: unknown field "spec"');
    assert.equal(await podExists('web-1'), true);
    const warned = await evict('web-1', eviction('web-1', { spec: { now: true } }));
    assert.equal(warned.code, 201);
    assert.equal(warned.headers.warning, '299 - "unknown field \\"spec\\""');
  });

  it('decodes a protobuf Eviction (client-go with the protobuf content type) with its DeleteOptions', async () => {
    const pod = await makePod('web-1');
    const body = encodeProtobufObject(eviction('web-1', { deleteOptions: { preconditions: { uid: 'not-the-uid' } } }));
    const refused = await api.request('POST', `${PODS}/web-1/eviction`, { raw: body, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
    assert.equal(refused.code, 409, refused.body);
    assert.match(refused.json().message, /the UID in the precondition \(not-the-uid\) does not match the UID in record/);
    const good = encodeProtobufObject(eviction('web-1', { deleteOptions: { preconditions: { uid: pod.metadata.uid } } }));
    const res = await api.request('POST', `${PODS}/web-1/eviction`, { raw: good, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf, application/json' } });
    assert.equal(res.code, 201);
    assert.equal(res.headers['content-type'], 'application/vnd.kubernetes.protobuf');
    assert.equal(await podExists('web-1'), false);

    // policy/v1beta1 in protobuf: the same message under the older version's type meta.
    await makePod('web-2');
    const v1 = decodeValue('runtime.Unknown', encodeProtobufObject(eviction('web-2')).subarray(4)) as Record<string, unknown>;
    const v1beta1 = Buffer.concat([Buffer.from('k8s\0', 'binary'), encodeMessage('runtime.Unknown', { ...v1, apiVersion: 'policy/v1beta1' })]);
    const old = await api.request('POST', `${PODS}/web-2/eviction`, { raw: v1beta1, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
    assert.equal(old.code, 201, old.body);
    assert.equal(await podExists('web-2'), false);
  });

  it('honours DeleteOptions: a resourceVersion precondition, and the grace period of a bound pod', async () => {
    await ok(api.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } }), 201);
    try {
      const pod = await makePod('bound', { nodeName: 'n1' });
      const stale = await evict('bound', eviction('bound', { deleteOptions: { preconditions: { resourceVersion: '1' } } }));
      assert.equal(stale.code, 409);
      assert.equal(stale.json().reason, 'Conflict');
      const res = await evict('bound', eviction('bound', { deleteOptions: { gracePeriodSeconds: 7, preconditions: { resourceVersion: pod.metadata.resourceVersion } } }));
      assert.equal(res.code, 201, res.body);
      // No node worker runs n1: the pod stays Terminating with the grace period asked for.
      const live = await ok(api.get(`${PODS}/bound`));
      assert.equal(live.metadata.deletionGracePeriodSeconds, 7);
      assert.ok(live.metadata.deletionTimestamp);
      const target = live.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
      assert.deepEqual({ status: target.status, reason: target.reason, message: target.message }, { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
      // A terminating pod can be evicted again (its budget no longer counts it).
      assert.equal((await evict('bound')).code, 201);
    } finally {
      await api.request('DELETE', `${PODS}/bound?gracePeriodSeconds=0`);
      await api.request('DELETE', '/api/v1/nodes/n1');
    }
  });

  it('dry-runs: nothing is deleted and no budget is spent', async () => {
    await makePod('web-1');
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    assert.equal((await evict('web-1', eviction('web-1'), '?dryRun=All')).code, 201);
    assert.equal((await evict('web-1', eviction('web-1', { deleteOptions: { dryRun: ['All'] } }))).code, 201);
    assert.equal(await podExists('web-1'), true);
    assert.equal((await pdbStatus('web')).disruptionsAllowed, 1);
    const bad = await evict('web-1', eviction('web-1'), '?dryRun=Maybe');
    assert.equal(bad.code, 422);
    assert.match(bad.json().message, /^CreateOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
  });

  it('spends one disruption of the budget: disruptionsAllowed - 1, the pod in disruptedPods', async () => {
    await makePod('web-1');
    await makePod('web-2');
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
    assert.equal((await evict('web-1')).code, 201);
    assert.equal(await podExists('web-1'), false);
    const st = await pdbStatus('web');
    assert.equal(st.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(st.disruptedPods), ['web-1']);
    assert.match(st.disruptedPods['web-1'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const cond = st.conditions.find((c: { type: string }) => c.type === 'DisruptionAllowed');
    assert.deepEqual([cond.status, cond.reason], ['False', 'InsufficientPods']);
  });

  it('answers 429 with the DisruptionBudget cause when the budget allows no disruption', async () => {
    await makePod('web-1');
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    const res = await evict('web-1');
    assert.equal(res.code, 429);
    assert.equal(res.headers['retry-after'], undefined);
    assert.deepEqual(res.json(), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 429, reason: 'TooManyRequests',
      message: BUDGET_MESSAGE,
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] },
    });
    assert.equal(await podExists('web-1'), true);
  });

  it('answers 429 "still being processed" while the budget\'s status is behind its generation', async () => {
    await makePod('web-1');
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 5, currentHealthy: 6, desiredHealthy: 1, observedGeneration: 0 });
    const res = await evict('web-1');
    assert.equal(res.code, 429);
    assert.equal(res.headers['retry-after'], '10');
    const st = res.json();
    assert.equal(st.message, BUDGET_MESSAGE);
    assert.deepEqual(st.details, { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] });
    assert.equal(await podExists('web-1'), true);
  });

  it('answers 500 when more than one budget selects the pod', async () => {
    await makePod('web-1', { labels: { app: 'web', tier: 'front' } });
    await makePdb('by-app', { app: 'web' }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    await makePdb('by-tier', { tier: 'front' }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    const res = await evict('web-1');
    assert.equal(res.code, 500);
    assert.deepEqual(res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
    assert.equal(await podExists('web-1'), true);
  });

  it('deletes pending and finished pods without asking the budget', async () => {
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1 });
    for (const phase of ['Pending', 'Succeeded', 'Failed'] as const) {
      await makePod(`p-${phase.toLowerCase()}`, { phase });
      assert.equal((await evict(`p-${phase.toLowerCase()}`)).code, 201, phase);
      assert.equal(await podExists(`p-${phase.toLowerCase()}`), false, phase);
    }
    assert.equal((await pdbStatus('web')).disruptionsAllowed, 0);
  });

  it('lets an unready pod go free while the application is not disrupted (IfHealthyBudget), not otherwise', async () => {
    await makePod('sick', { ready: false });
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 });
    const refused = await evict('sick');
    assert.equal(refused.code, 429);
    assert.equal(refused.json().details.causes[0].message, 'The disruption budget web needs 2 healthy pods and has 1 currently');
    await ok(api.request('PATCH', `${PDBS}/web/status`, { raw: JSON.stringify({ status: { currentHealthy: 2 } }), headers: { 'Content-Type': 'application/merge-patch+json' } }));
    assert.equal((await evict('sick')).code, 201);
    assert.equal(await podExists('sick'), false);
    const st = await pdbStatus('web');
    assert.equal(st.disruptionsAllowed, 0);
    assert.equal(st.disruptedPods, undefined);
  });

  it('lets an unready pod go whatever the budget with unhealthyPodEvictionPolicy AlwaysAllow, but guards ready ones', async () => {
    await makePod('sick', { ready: false });
    await makePod('fine');
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    assert.equal((await evict('sick')).code, 201);
    assert.equal((await evict('fine')).code, 429);
    assert.equal(await podExists('fine'), true);
  });

  it('matches budgets by selector: a budget with an empty selector covers every pod of the namespace', async () => {
    await makePod('web-1', { labels: { app: 'other' } });
    await ok(api.request('POST', PDBS, { body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'all' }, spec: { maxUnavailable: 0, selector: {} } } }), 201);
    await ok(api.request('PATCH', `${PDBS}/all/status`, { raw: JSON.stringify({ status: { observedGeneration: 1 } }), headers: { 'Content-Type': 'application/merge-patch+json' } }));
    assert.equal((await evict('web-1')).code, 429);
    await makePdb('web', { app: 'web' }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    await api.request('DELETE', `${PDBS}/all`);
    assert.equal((await evict('web-1')).code, 201);
  });
});

describe('pods/eviction under concurrent evictions (etcd store, where writes interleave)', function () {
  this.timeout(60_000);
  let etcd: RunningEtcd;
  let t: TestServer;
  let api: ApiClient;

  before(async () => {
    etcd = await startEtcd();
    t = await startTestServer({ storage: { backend: 'etcd', etcd: { endpoints: [etcd.endpoint], prefix: '/eviction-test' } } });
    api = new ApiClient(t.server.kubeconfigPath);
  });
  after(async () => {
    api?.close();
    await t?.stop();
    await etcd?.stop();
  });

  it('spends a budget exactly once per disruption: budget conflicts are retried on the fresh status', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `web-${i}`);
    for (const name of names) {
      assert.equal((await api.request('POST', PODS, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } })).code, 201);
      await api.request('PATCH', `${PODS}/${name}/status`, { raw: JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
    }
    assert.equal((await api.request('POST', PDBS, { body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 6, selector: { matchLabels: { app: 'web' } } } } })).code, 201);
    await api.request('PATCH', `${PDBS}/web/status`, { raw: JSON.stringify({ status: { observedGeneration: 1, disruptionsAllowed: 6, currentHealthy: 12, desiredHealthy: 6, expectedPods: 12 } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
    const results = await Promise.all(names.map((name) => api.request('POST', `${PODS}/${name}/eviction`, { body: eviction(name) })));
    const evicted = names.filter((_, i) => results[i].code === 201);
    assert.equal(evicted.length, 6, results.map((r) => r.code).join(','));
    assert.ok(results.every((r) => r.code === 201 || r.code === 429), results.map((r) => r.code).join(','));
    const st = (await api.get(`${PDBS}/web`)).json().status;
    assert.equal(st.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(st.disruptedPods).sort(), [...evicted].sort());
    const left = (await api.get(`${PODS}?labelSelector=app%3Dweb`)).json().items.map((p: { metadata: { name: string } }) => p.metadata.name);
    assert.equal(left.length, 6);
  });
});

describe('kubectl drain', function () {
  this.timeout(120_000);
  let tb: Testbed;
  let t: TestServer;
  let api: ApiClient;

  const podBody = (name: string, labels: Record<string, string>, owner: { kind: string; name: string }, volumes: unknown[] = []) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `00000000-0000-0000-0000-${owner.kind === 'DaemonSet' ? '000000000001' : '000000000002'}`, controller: true }] },
    spec: {
      nodeName: 'h1',
      terminationGracePeriodSeconds: 1,
      volumes,
      containers: [{ name: 'c', image: 'busybox:latest', command: ['sh', '-c', 'exec sleep 3600'], ...(volumes.length ? { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : {}) }],
    },
  });

  const createPod = async (body: ReturnType<typeof podBody>) => {
    const res = await api.request('POST', PODS, { body });
    assert.equal(res.code, 201, res.body);
  };
  const phaseOf = async (name: string) => (await api.get(`${PODS}/${name}`)).json().status?.phase;
  const runningAndReady = async (name: string) => {
    const pod = (await api.get(`${PODS}/${name}`)).json();
    return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  };

  before(async function () {
    this.timeout(180_000);
    tb = await startTestbed({ hosts: 1, images: ['busybox:latest'] });
    t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 2000 });
    api = new ApiClient(t.server.kubeconfigPath);
    await until('node h1 Ready', async () => ((await api.get('/api/v1/nodes/h1')).json().status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'), 60_000);
    // drain looks up the DaemonSet of a DaemonSet pod; nothing controls either (no controllers yet).
    const ds = await api.request('POST', `/apis/apps/v1/namespaces/${NS}/daemonsets`, {
      body: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } } } },
    });
    assert.equal(ds.code, 201, ds.body);
  });
  after(async () => {
    api?.close();
    await t?.stop();
    await tb?.stop();
  });

  for (const version of ['1.32', '1.28', '1.34']) {
    it(`kubectl ${version} evicts every pod of the node but DaemonSet ones, and waits until they are gone`, async () => {
      const k: Kubectl = t.kubectl(version);
      const tag = version.replace('.', '');
      const web = `web-${tag}`;
      await createPod(podBody(web, { app: 'web' }, { kind: 'ReplicaSet', name: 'web-rs' }));
      await createPod(podBody(`${web}-cache`, { app: 'cache' }, { kind: 'ReplicaSet', name: 'cache-rs' }, [{ name: 'scratch', emptyDir: {} }]));
      await createPod(podBody(`agent-${tag}`, { app: 'agent' }, { kind: 'DaemonSet', name: 'agent' }));
      for (const p of [web, `${web}-cache`]) await until(`${p} Running and Ready`, () => runningAndReady(p), 60_000);

      const r = await k.run(['drain', 'h1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s'], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stdout, /^node\/h1 cordoned$/m);
      assert.match(r.stderr, new RegExp(`Warning: ignoring DaemonSet-managed Pods: .*default/agent-${tag}`));
      for (const p of [web, `${web}-cache`]) {
        assert.match(r.stdout, new RegExp(`^evicting pod default/${p}$`, 'm'));
        assert.match(r.stdout, new RegExp(`^pod/${p} evicted$`, 'm'));
        assert.equal((await api.get(`${PODS}/${p}`)).code, 404, `${p} is gone`);
      }
      assert.match(r.stdout, /^node\/h1 drained$/m);
      assert.equal((await api.get('/api/v1/nodes/h1')).json().spec.unschedulable, true);
      assert.equal(await phaseOf(`agent-${tag}`), 'Running');
      await k.ok(['uncordon', 'h1']);
    });
  }

  it('reports the 429 of a budget that allows no disruption and retries until --timeout, then drains once it allows one', async () => {
    const k = t.kubectl('1.32');
    await createPod(podBody('guarded', { app: 'guarded' }, { kind: 'ReplicaSet', name: 'guarded-rs' }));
    await until('guarded Running and Ready', () => runningAndReady('guarded'), 60_000);
    const pdb = await api.request('POST', PDBS, { body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guarded' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } } });
    assert.equal(pdb.code, 201, pdb.body);
    const setStatus = (disruptionsAllowed: number) => api.request('PATCH', `${PDBS}/guarded/status`, {
      raw: JSON.stringify({ status: { observedGeneration: 1, disruptionsAllowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    assert.equal((await setStatus(0)).code, 200);

    const t0 = Date.now();
    const blocked = await k.run(['drain', 'h1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=7s'], { timeoutMs: 60_000 });
    assert.notEqual(blocked.code, 0, blocked.stdout);
    assert.ok(Date.now() - t0 >= 7000, 'kubectl kept retrying until its timeout');
    const retries = blocked.stderr.match(/error when evicting pods\/"guarded" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./g) ?? [];
    assert.ok(retries.length >= 2, `retried every 5 s:\n${blocked.stderr}`);
    assert.match(blocked.stderr, /global timeout reached: 7s/);
    assert.equal(await phaseOf('guarded'), 'Running');

    assert.equal((await setStatus(1)).code, 200);
    const drained = await k.run(['drain', 'h1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /^pod\/guarded evicted$/m);
    assert.equal((await api.get(`${PODS}/guarded`)).code, 404);
    const st = (await api.get(`${PDBS}/guarded`)).json().status;
    assert.equal(st.disruptionsAllowed, 0);
    assert.ok(st.disruptedPods.guarded, 'the eviction is recorded for the disruption controller');
    await k.ok(['uncordon', 'h1']);
  });
});
