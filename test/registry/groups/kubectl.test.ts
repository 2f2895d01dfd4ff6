// The named-group resources as stock kubectl 1.32 sees them through a real kubeshim server:
// the seed manifests apply clean, tables print as kube-apiserver's, versions that share
// storage read each other's objects, and invalid updates fail with upstream's causes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import type { Kubectl } from '../../helpers/kubectl.js';

const SEEDS = readFileSync(new URL('./fixtures/seed-manifests.yaml', import.meta.url), 'utf8');

describe('Named-group resources with kubectl 1.32', function () {
  this.timeout(120_000);
  let server: TestServer;
  let kubectl: Kubectl;

  const ok = (args: string[], input?: string) => kubectl.ok(args, { input, timeoutMs: 60_000 });

  before(async () => {
    server = await startTestServer();
    kubectl = server.kubectl('1.32');
  });

  after(async () => {
    await server?.stop();
  });

  it('applies the seed Deployment, Job, CronJob, StatefulSet, DaemonSet and CronTab CRD', async () => {
    const out = await ok(['apply', '-f', '-'], SEEDS);
    for (const line of [
      'deployment.apps/nginx-deployment created',
      'job.batch/pi created',
      'cronjob.batch/hello created',
      'statefulset.apps/web created',
      'daemonset.apps/fluentd created',
      'customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created',
    ]) {
      assert.ok(out.includes(line), out);
    }
  });

  it('prints the workloads in get all with upstream columns', async () => {
    const out = await ok(['get', 'all']);
    assert.match(out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment\.apps\/nginx-deployment\s+0\/2\s+0\s+0\s+/);
    assert.match(out, /statefulset\.apps\/web\s+0\/3\s+/);
    assert.match(out, /NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ncronjob\.batch\/hello\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+<none>/);
    assert.match(out, /NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\njob\.batch\/pi\s+Running\s+0\/1\s+/);
    assert.match(out, /daemonset\.apps\/fluentd\s+0\s+0\s+0\s+0\s+0\s+<none>\s+/);
  });

  it('shows the generated job selector with -o wide and CRDs with Created At', async () => {
    const uid = (await ok(['get', 'job', 'pi', '-o', 'jsonpath={.metadata.uid}'])).trim();
    assert.match(await ok(['get', 'job', 'pi', '-o', 'wide']), new RegExp(`batch\\.kubernetes\\.io/controller-uid=${uid}`));
    assert.match(await ok(['get', 'crd']), /NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  });

  it('rolls the seed Deployment to 1.16.1 with maxSurge 0 and refuses a selector change', async () => {
    await ok(['set', 'image', 'deployment/nginx-deployment', 'nginx=nginx:1.16.1']);
    await ok(['patch', 'deployment', 'nginx-deployment', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":1}}}}']);
    const r = await kubectl.run(['patch', 'deployment', 'nginx-deployment', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}}}}']);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes('The Deployment "nginx-deployment" is invalid'), r.stderr);
    assert.ok(r.stderr.includes('spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'), r.stderr);
    assert.ok(r.stderr.includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'), r.stderr);
  });

  it('serves an autoscaling/v1 HPA from the v2 storage, and the reverse', async () => {
    await ok(['create', 'deployment', 'web', '--image=nginx']);
    await ok(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']);
    await ok(['apply', '-f', '-'], 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: v1hpa}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n  targetCPUUtilizationPercentage: 70\n');
    assert.match(await ok(['get', 'hpa']), /v1hpa\s+Deployment\/web\s+cpu: <unknown>\/70%\s+1\s+3\s+0\s+/);
    const v2 = JSON.parse(await ok(['get', '--raw', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/v1hpa']));
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const v1 = JSON.parse(await ok(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web']));
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
  });

  it('lists an events.k8s.io event as a core event and selects it by regarding.name', async () => {
    await ok(['create', '-f', '-'], 'apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: ev1}\neventTime: "2024-05-01T11:50:00.000000Z"\nreportingController: example.com/ctl\nreportingInstance: i1\naction: Test\nreason: Testing\nregarding: {kind: Pod, name: p, namespace: default}\nnote: hello there\ntype: Normal\n');
    assert.match(await ok(['get', 'events', '--field-selector', 'involvedObject.name=p']), /Normal\s+Testing\s+pod\/p\s+hello there/);
    assert.match(await ok(['get', 'events.v1.events.k8s.io', '--field-selector', 'regarding.name=p']), /Normal\s+Testing\s+pod\/p\s+hello there/);
  });
});
