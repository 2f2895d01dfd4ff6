// Issue 3 acceptance, as a new user would try it: kubeshim serving a cluster file that lists three
// Docker hosts (network-namespace hosts with their own sshd and dockerd), driven by stock kubectl.
import { strict as assert } from 'node:assert';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import type { Kubectl } from '../helpers/kubectl.js';


describe('A cluster of three Docker hosts over SSH', function () {
  this.timeout(90_000);
  let tb: Testbed;
  let t: TestServer;
  let k: Kubectl;

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 3 });
    t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 2000 });
    k = t.kubectl('1.32');
  });
  after(async () => {
    await t?.stop();
    await tb?.stop();
  });

  it('lists the three hosts Ready with their addresses and runtime (kubectl get nodes -o wide)', async () => {
    await until('3 Ready nodes', async () => ((await k.ok(['get', 'nodes'])).match(/\sReady\s/g) ?? []).length === 3);
    const out = await k.ok(['get', 'nodes', '-o', 'wide']);
    for (const h of tb.hosts) assert.match(out, new RegExp(`^${h.name}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.33\\.0\\+kubeshim\\s+${h.address.replace(/\./g, '\\.')}\\s+.*docker://`, 'm'));
    const node = JSON.parse(await k.ok(['get', 'node', 'h1', '-o', 'json']));
    assert.match(node.spec.podCIDR, /^10\.244\.\d+\.0\/24$/);
    assert.equal(node.status.capacity.pods, '110');
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'h1');
  });

  it('runs a pod pinned to a host, with a pod IP from that node\'s subnet', async () => {
    await k.ok(['run', 'web', '--image=nginx:1.14.2', '--overrides={"spec":{"nodeName":"h2"}}']);
    await until('pod web Running', async () => (await k.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'])) === 'Running');
    const pod = JSON.parse(await k.ok(['get', 'pod', 'web', '-o', 'json']));
    const cidr = (await k.ok(['get', 'node', 'h2', '-o', 'jsonpath={.spec.podCIDR}'])).replace(/\.0\/24$/, '.');
    assert.ok(pod.status.podIP.startsWith(cidr), `${pod.status.podIP} in ${cidr}0/24`);
    assert.equal(pod.status.hostIP, tb.hosts[1].address);
    assert.match(pod.status.containerStatuses[0].containerID, /^docker:\/\//);
    assert.match(await k.ok(['get', 'pod', 'web', '-o', 'wide']), /^web\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+h2\s/m);
  });

  it('deletes the pod within its grace period', async () => {
    const t0 = Date.now();
    await k.ok(['delete', 'pod', 'web', '--grace-period=5'], { timeoutMs: 30_000 });
    assert.ok(Date.now() - t0 < 15_000);
    assert.match(await k.fails(['get', 'pod', 'web']), /NotFound/);
  });

  it('turns a host NotReady with the cause when its link goes down, and Ready when it returns', async () => {
    tb.disconnect('h3');
    try {
      await until('h3 NotReady', async () => /^h3\s+NotReady/m.test(await k.ok(['get', 'nodes'])), 40_000);
      const ready = JSON.parse(await k.ok(['get', 'node', 'h3', '-o', 'json'])).status.conditions.find((c: { type: string }) => c.type === 'Ready');
      assert.equal(ready.status, 'Unknown');
      assert.equal(ready.reason, 'HostUnreachable');
    } finally {
      tb.reconnect('h3');
    }
    await until('h3 Ready again', async () => /^h3\s+Ready\s/m.test(await k.ok(['get', 'nodes'])), 40_000);
  });
});
