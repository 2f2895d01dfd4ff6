// metrics.k8s.io on the 3-host test bed: `kubectl top node` and `kubectl top pod` with stock
// kubectl 1.32, fed by each node's usage collector (host /proc and the containers' cgroup files,
// one exec over SSH a cycle).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type RunningServer } from '../../lib/api/server.js';
import { cgroupReadingScript, formatCpuNanoCores, formatMemoryBytes, goDurationString, parseCgroupReadings } from '../../lib/nodes/stats.js';
import { execFileSync } from 'node:child_process';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { Kubectl, kubectlPath } from '../helpers/kubectl.js';
import { ApiClient } from '../helpers/http.js';
import { until } from '../helpers/wait.js';

describe('Usage figures as metrics-server prints them', () => {
  it('writes CPU in nanocores folded to the largest exact SI suffix', () => {
    assert.equal(formatCpuNanoCores(12_345_678), '12345678n');
    assert.equal(formatCpuNanoCores(12_000_000), '12m');
    assert.equal(formatCpuNanoCores(1_500_000_000), '1500m');
    assert.equal(formatCpuNanoCores(2_000_000_000), '2');
    assert.equal(formatCpuNanoCores(10_000), '10u');
    assert.equal(formatCpuNanoCores(0), '0');
  });
  it('writes memory in the largest exact binary suffix', () => {
    assert.equal(formatMemoryBytes(1234 * 1024), '1234Ki');
    assert.equal(formatMemoryBytes(4 * 1024 * 1024), '4Mi');
    assert.equal(formatMemoryBytes(1000), '1000');
    assert.equal(formatMemoryBytes(1_234_567), '1234567');
  });
  it('writes windows as Go durations', () => {
    assert.equal(goDurationString(15_012), '15.012s');
    assert.equal(goDurationString(1000), '1s');
    assert.equal(goDurationString(60_500), '1m0.5s');
    assert.equal(goDurationString(250), '250ms');
  });
});

describe('Container figures from cgroup files', () => {
  it('reads CPU time and working set of a process from its cgroup (this machine\'s cgroup version)', () => {
    // This test process burns some CPU first, so its cgroup's counter is well above zero.
    const until = Date.now() + 50;
    while (Date.now() < until);
    const id = 'abc123';
    const out = execFileSync('sh', ['-c', cgroupReadingScript([{ id, pid: process.pid }, { id: 'def456', pid: 999_999_999 }])], { encoding: 'utf8' });
    const readings = parseCgroupReadings(out);
    assert.deepEqual([...readings.keys()], [id], 'a process that does not exist is left out');
    const r = readings.get(id)!;
    assert.ok(r.cpuNs > 50e6, `cpu ${r.cpuNs} ns`);
    assert.ok(r.memoryBytes > 1024 * 1024, `working set ${r.memoryBytes} bytes`);
  });
  it('parses cgroup v1 and v2 lines and skips broken ones', () => {
    const r = parseCgroupReadings('aa 1500000 4096000 1024000\nbb 0 0 0\nbroken\ncc x 1 1\n');
    assert.deepEqual(r.get('aa'), { cpuNs: 1_500_000, memoryBytes: 3_072_000 });
    assert.deepEqual(r.get('bb'), { cpuNs: 0, memoryBytes: 0 });
    assert.equal(r.has('cc'), false);
    assert.equal(r.has('broken'), false);
  });
});

describe('kubectl top on three Docker hosts', function () {
  this.timeout(90_000);
  let tb: Testbed;
  let server: RunningServer;
  let k: Kubectl;
  let api: ApiClient;
  let dataDir: string;
  let cacheDir: string;

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 3, images: ['busybox:latest'] });
    dataDir = mkdtempSync(join(tmpdir(), 'kubeshim-metrics-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'kubeshim-kubectl-'));
    server = await serve({ dataDir, listen: '127.0.0.1:0', config: { nodes: tb.nodes() }, nodeHeartbeatMs: 2000, metricsIntervalMs: 3000 });
    k = new Kubectl(kubectlPath('1.32'), server.kubeconfigPath, cacheDir);
    api = new ApiClient(server.kubeconfigPath);
  });
  after(async () => {
    api?.agent.destroy();
    await server?.close();
    await tb?.stop();
    for (const d of [dataDir, cacheDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('announces metrics.k8s.io/v1beta1 in discovery, get and list only', async () => {
    const groups = (await api.get('/apis')).json();
    const g = groups.groups.find((x: { name: string }) => x.name === 'metrics.k8s.io');
    assert.deepEqual(g.preferredVersion, { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' });
    const list = (await api.get('/apis/metrics.k8s.io/v1beta1')).json();
    const byName = Object.fromEntries(list.resources.map((r: { name: string }) => [r.name, r]));
    assert.deepEqual(byName.nodes.verbs, ['get', 'list']);
    assert.equal(byName.nodes.kind, 'NodeMetrics');
    assert.equal(byName.nodes.namespaced, false);
    assert.equal(byName.pods.kind, 'PodMetrics');
    assert.equal(byName.pods.namespaced, true);
    const agg = (await api.get('/apis', { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json();
    assert.ok(agg.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'metrics.k8s.io'));
    const del = await api.request('DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/h1');
    assert.equal(del.code, 405);
  });

  it('lists the three hosts with CPU and memory usage and their share of allocatable (kubectl top node)', async () => {
    await until('3 Ready nodes', async () => ((await k.ok(['get', 'nodes'])).match(/\sReady\s/g) ?? []).length === 3, 40_000);
    await until('metrics for 3 nodes', async () => (await api.get('/apis/metrics.k8s.io/v1beta1/nodes')).json().items?.length === 3, 30_000);
    const out = await k.ok(['top', 'node']);
    assert.match(out, /^NAME\s+CPU\(cores\)\s+CPU\(?%\)?\s+MEMORY\(bytes\)\s+MEMORY\(?%\)?\s*$/m);
    for (const h of tb.hosts) assert.match(out, new RegExp(`^${h.name}\\s+\\d+m\\s+\\d+%\\s+[1-9]\\d*Mi\\s+\\d+%\\s*$`, 'm'));
    const m = (await api.get('/apis/metrics.k8s.io/v1beta1/nodes/h2')).json();
    assert.equal(m.kind, 'NodeMetrics');
    assert.equal(m.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.equal(m.metadata.labels['kubernetes.io/hostname'], 'h2');
    assert.match(m.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(m.window, /^[\d.]+m?s$/);
    assert.match(m.usage.cpu, /^\d+[num]?$/);
    assert.match(m.usage.memory, /^\d+(Ki|Mi|Gi)?$/);
    // A label selector narrows the list, as it narrows the Node list.
    assert.match(await k.ok(['top', 'node', '-l', 'kubernetes.io/hostname=h3']), /^h3\s/m);
    assert.doesNotMatch(await k.ok(['top', 'node', '-l', 'kubernetes.io/hostname=h3']), /^h1\s/m);
    assert.match(await k.fails(['top', 'node', 'nope']), /nodes "nope" not found/);
  });

  it('says "metrics not available yet" for a namespace whose new pods have no figures', async () => {
    await k.ok(['create', 'namespace', 'quiet']);
    // Bound to a node nobody runs: Pending for ever, so no metrics.
    await k.ok(['run', 'waiting', '-n', 'quiet', '--image=busybox:latest', '--overrides={"spec":{"nodeName":"h9"}}', '--', 'sleep', '3600']);
    const err = await k.fails(['top', 'pod', '-n', 'quiet']);
    assert.match(err, /^error: metrics not available yet\s*$/m);
    assert.match(await k.fails(['top', 'pod', 'waiting', '-n', 'quiet']), /pods\.metrics\.k8s\.io "quiet\/waiting" not found/);
  });

  it('shows a busy pod with non-zero CPU (kubectl top pod, -A, --containers)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'busy', labels: { app: 'busy' } },
      spec: {
        nodeName: 'h1',
        containers: [
          { name: 'spin', image: 'busybox:latest', command: ['sh', '-c', 'while :; do :; done'] },
          { name: 'idle', image: 'busybox:latest', command: ['sleep', '3600'] },
        ],
      },
    };
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(pod) });
    await until('pod busy Running', async () => (await k.ok(['get', 'pod', 'busy', '-o', 'jsonpath={.status.phase}'])) === 'Running', 40_000);
    await until('metrics for pod busy', async () => (await api.get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy')).code === 200, 30_000);
    const out = await k.ok(['top', 'pod']);
    assert.match(out, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/m);
    const cpu = Number(/^busy\s+(\d+)m\s+\d+Mi\s*$/m.exec(out)?.[1]);
    assert.ok(cpu > 100, `busy loop uses CPU: ${out}`);
    const all = await k.ok(['top', 'pod', '-A']);
    assert.match(all, /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/m);
    assert.match(all, /^default\s+busy\s+\d+m\s+\d+Mi\s*$/m);
    const containers = await k.ok(['top', 'pod', 'busy', '--containers']);
    assert.match(containers, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/m);
    const spin = Number(/^busy\s+spin\s+(\d+)m/m.exec(containers)?.[1]);
    const idle = Number(/^busy\s+idle\s+(\d+)m/m.exec(containers)?.[1]);
    assert.ok(spin > 100 && idle < spin, containers);
    assert.match(await k.ok(['top', 'pod', '-l', 'app=busy']), /^busy\s/m);
    const m = (await api.get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy')).json();
    assert.equal(m.kind, 'PodMetrics');
    assert.deepEqual(m.containers.map((c: { name: string }) => c.name), ['idle', 'spin']);
    assert.equal(m.metadata.labels.app, 'busy');
  });

  for (const version of ['1.28', '1.34']) {
    it(`works the same with kubectl ${version}`, async () => {
      const other = new Kubectl(kubectlPath(version), server.kubeconfigPath, cacheDir);
      assert.match(await other.ok(['top', 'node']), /^h1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/m);
      assert.match(await other.ok(['top', 'pod', 'busy', '--containers']), /^busy\s+spin\s+\d+m\s+\d+Mi\s*$/m);
    });
  }
});
