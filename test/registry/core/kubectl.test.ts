// The core/v1 resources as stock kubectl 1.32 sees them through a real kubeshim server: the
// seed manifests apply clean, tables print kube-apiserver's columns, and bad manifests fail
// with upstream's text.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import type { Kubectl } from '../../helpers/kubectl.js';

const SEEDS = readFileSync(new URL('./fixtures/seed-manifests.yaml', import.meta.url), 'utf8');

describe('core/v1 resources with kubectl 1.32', function () {
  this.timeout(120_000);
  let server: TestServer;
  let kubectl: Kubectl;

  async function run(args: string[], input?: string) {
    return kubectl.run(args, { input, timeoutMs: 60_000 });
  }

  const ok = (args: string[], input?: string) => kubectl.ok(args, { input, timeoutMs: 60_000 });

  before(async () => {
    server = await startTestServer();
    kubectl = server.kubectl('1.32');
  });

  after(async () => {
    await server?.stop();
  });

  it('applies the seed RC, Service, ConfigMap, Secret, LimitRange, ResourceQuota and three-container Pod', async () => {
    const out = await ok(['apply', '-f', '-'], SEEDS);
    for (const line of [
      'replicationcontroller/kubia created',
      'service/kubia created',
      'configmap/fortune-config created',
      'secret/db-credentials created',
      'limitrange/example created',
      'resourcequota/cpu-and-mem created',
      'pod/app-stack created',
    ]) {
      assert.ok(out.includes(line), out);
    }
    // A second apply changes nothing the server owns (cluster IP, defaults, status).
    const again = await ok(['apply', '-f', '-'], SEEDS);
    assert.ok(again.includes('service/kubia unchanged'), again);
    assert.ok(again.includes('replicationcontroller/kubia unchanged'), again);
  });

  it('prints pods, RCs and services in get all with upstream columns', async () => {
    const out = await ok(['get', 'all']);
    assert.match(out, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\npod\/app-stack\s+0\/3\s+Pending\s+0\s+/);
    assert.match(out, /NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nreplicationcontroller\/kubia\s+3\s+0\s+0\s+/);
    assert.match(out, /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n(.*\n)*service\/kubia\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP,443\/TCP\s+/);
  });

  it('prints the wide pod and RC columns', async () => {
    assert.match(await ok(['get', 'pod', 'app-stack', '-o', 'wide']), /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\napp-stack\s+0\/3\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>/);
    assert.match(await ok(['get', 'rc', 'kubia', '-o', 'wide']), /CONTAINERS\s+IMAGES\s+SELECTOR\nkubia\s+3\s+0\s+0\s+\S+\s+kubia\s+luksa\/kubia\s+app=kubia/);
  });

  it('prints ConfigMap, Secret, LimitRange and ResourceQuota tables', async () => {
    assert.match(await ok(['get', 'cm', 'fortune-config']), /NAME\s+DATA\s+AGE\nfortune-config\s+2\s+/);
    assert.match(await ok(['get', 'secret', 'db-credentials']), /NAME\s+TYPE\s+DATA\s+AGE\ndb-credentials\s+Opaque\s+2\s+/);
    assert.match(await ok(['get', 'limits']), /NAME\s+CREATED AT\nexample\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    assert.match(await ok(['get', 'quota']), /NAME\s+REQUEST\s+LIMIT\s+AGE\ncpu-and-mem\s+/);
  });

  it('stores the Secret stringData as base64 data', async () => {
    assert.equal(await ok(['get', 'secret', 'db-credentials', '-o', 'jsonpath={.data.password}']), 'czNjcjN0');
  });

  it('selects pods by field and shows the namespace label', async () => {
    assert.match(await ok(['get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name']), /pod\/app-stack/);
    assert.equal((await ok(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name'])).trim(), '');
    assert.match(await ok(['get', 'ns', 'default', '--show-labels']), /kubernetes\.io\/metadata\.name=default/);
  });

  it('rejects an RC whose selector misses its template as kube-apiserver does', async () => {
    const bad = SEEDS.split('---')[0].replace('selector:\n    app: kubia', 'selector:\n    app: other').replace('name: kubia\n', 'name: kubia-bad\n');
    const r = await run(['create', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /The ReplicationController "kubia-bad" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"kubia"\}: `selector` does not match template `labels`/,
    );
  });

  it('refuses a pod port change with the pod update message', async () => {
    const pod = JSON.parse(await ok(['get', 'pod', 'app-stack', '-o', 'json']));
    pod.spec.containers[0].ports[0].containerPort = 6380;
    const r = await run(['replace', '-f', '-'], JSON.stringify(pod));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Pod "app-stack" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
  });
});
