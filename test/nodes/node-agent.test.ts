// The node agent: a Docker host shown as a Kubernetes Node, with the kubelet's status, heartbeats,
// Lease and fault conditions. Pure status pieces are checked on captured host data; the agent
// itself against a real kubeshim, first with fake hosts (named so), then with the real test bed.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { NodeAgent, NODE_LEASE_NAMESPACE } from '../../lib/nodes/node-agent.js';
import {
  goArch,
  nextConditions,
  nodeAllocatable,
  nodeCapacity,
  nodeImages,
  nodeSystemInfo,
  parseDf,
  parseMachineIds,
  parseMeminfo,
  parsePids,
  pressureOf,
  sectionedCommand,
  splitSections,
  withInodes,
  type DockerInfoFacts,
} from '../../lib/nodes/node-info.js';
import type { ConnectionState, DockerClient, ExecResult, HostConnection, HostEndpoint, HostFault } from '../../lib/nodes/types.js';
import type { KObject } from '../../lib/registry/resource-type.js';
import { createDockerClient } from '../../lib/nodes/docker-client.js';
import { createHostConnection } from '../../lib/nodes/ssh-connection.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTestbed, type Testbed } from '../testbed/testbed.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

// Captured from the test bed's Docker 20.10.24 on Debian 12 (GET /v1.26/info, trimmed to scalar fields).
const DOCKER_INFO: DockerInfoFacts & Record<string, unknown> = {
  ID: 'XSJE:C5XH:CHT3:3CGF:MCLV:LSXM:5447:XC2H:IUTT:QOWO:U4O7:25TG',
  Containers: 0,
  Images: 1,
  Driver: 'overlay2',
  KernelVersion: '6.18.44-fc-v669',
  OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
  OSType: 'linux',
  Architecture: 'x86_64',
  NCPU: 2,
  MemTotal: 25276502016,
  DockerRootDir: '/tmp/kubeshim-testbed/8f527e/h1/docker',
  Name: 'vm',
  ServerVersion: '20.10.24+dfsg1',
  CgroupDriver: 'cgroupfs',
};

// GET /v1.26/images/json on the same engine.
const DOCKER_IMAGES = [{ Containers: -1, Created: 1795436096, Id: 'sha256:11517aa2878eb9f882e866e19d3b7278fd9ceb1a099abd46ba2c43baebaf7e47', Labels: null, ParentId: '', RepoDigests: null, RepoTags: ['busybox:latest'], SharedSize: -1, Size: 1985569, VirtualSize: 1985569 }];

const MEMINFO = `MemTotal:        8128192 kB
MemFree:          912344 kB
MemAvailable:    5532100 kB
Buffers:          154320 kB
Cached:          4207556 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
`;

// CentOS 7's 3.10 kernel before the MemAvailable backport.
const MEMINFO_OLD = `MemTotal:        1882064 kB
MemFree:           81236 kB
Buffers:            2108 kB
Cached:            31460 kB
`;

const DF = `Filesystem     1024-blocks     Used Available Capacity Mounted on
/dev/sda1         30832548 12056880  17185116      42% /
`;

describe('Node status from host facts (node-info)', () => {
  it('maps Docker machine names to Go architectures', () => {
    assert.equal(goArch('x86_64'), 'amd64');
    assert.equal(goArch('aarch64'), 'arm64');
    assert.equal(goArch('armv7l'), 'arm');
  });

  it('reads available memory, estimating it on kernels without MemAvailable', () => {
    assert.deepEqual(parseMeminfo(MEMINFO), { totalBytes: 8128192 * 1024, availableBytes: 5532100 * 1024, hugePageSizeBytes: 2048 * 1024, hugePagesTotal: 0 });
    assert.equal(parseMeminfo(MEMINFO_OLD)!.availableBytes, (81236 + 2108 + 31460) * 1024);
  });

  it('reads df -P output, also when a long device name wraps the line', () => {
    assert.deepEqual(parseDf(DF), { capacityBytes: 30832548 * 1024, availableBytes: 17185116 * 1024 });
    const wrapped = 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/mapper/centos-root-very-long\n  52403200 2048000 50355200 4% /\n';
    assert.deepEqual(parseDf(wrapped), { capacityBytes: 52403200 * 1024, availableBytes: 50355200 * 1024 });
    assert.equal(parseDf('df: /nope: No such file or directory'), undefined);
  });

  it('adds inode figures from df -P -i, and signals disk pressure under 5% free inodes', () => {
    const fs = withInodes(parseDf(DF), 'Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/sda1 1966080 1900000 66080 97% /\n');
    assert.deepEqual(fs, { capacityBytes: 30832548 * 1024, availableBytes: 17185116 * 1024, inodes: 1966080, inodesFree: 66080 });
    assert.equal(pressureOf(undefined, fs, undefined).disk, true);
    const btrfs = withInodes(parseDf(DF), 'Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/sda1 0 0 0 - /\n');
    assert.equal(btrfs!.inodes, undefined);
    assert.equal(pressureOf(undefined, btrfs, undefined).disk, false);
  });

  it('splits one exec into the outputs of its commands, a failing one leaving its section empty', () => {
    const cmd = sectionedCommand(['echo a', 'cat /nonexistent', 'echo b']);
    assert.match(cmd, /echo a/);
    assert.deepEqual(splitSections('a\n@@kubeshim-section@@\n@@kubeshim-section@@\nb\n'), ['a', '', 'b']);
    assert.deepEqual(parseMachineIds(['worker', 'abc123', '', 'boot-1']), { hostname: 'worker', machineID: 'abc123', systemUUID: '', bootID: 'boot-1' });
    assert.deepEqual(parsePids('4194304\n', '0.10 0.20 0.30 2/187 12345\n'), { max: 4194304, running: 187 });
  });

  it('reports capacity from Docker and the host, and allocatable less the eviction thresholds', () => {
    const mem = parseMeminfo(MEMINFO);
    const rootfs = parseDf(DF);
    const cap = nodeCapacity(DOCKER_INFO, rootfs, mem);
    assert.deepEqual(cap, { cpu: '2', 'ephemeral-storage': '30832548Ki', 'hugepages-2Mi': '0', memory: '24684084Ki', pods: '110' });
    const alloc = nodeAllocatable(cap, DOCKER_INFO, rootfs, mem);
    // memory − 100Mi; ephemeral-storage − 10% (as int64 bytes, so no longer a whole Ki).
    assert.equal(alloc.memory, `${24684084 - 102400}Ki`);
    assert.equal(alloc['ephemeral-storage'], String(30832548 * 1024 - Math.trunc(30832548 * 1024 * 0.1)));
    assert.equal(alloc.cpu, '2');
    assert.equal(alloc.pods, '110');
  });

  it('fills nodeInfo with docker:// runtime, Go architecture and the machine ids', () => {
    const info = nodeSystemInfo(DOCKER_INFO, { hostname: 'worker', machineID: 'm1', systemUUID: '', bootID: 'b1' }, { kubeletVersion: 'v1.33.0+kubeshim', kubeProxyVersion: 'v1.33.0+kubeshim' });
    assert.equal(info.containerRuntimeVersion, 'docker://20.10.24+dfsg1');
    assert.equal(info.architecture, 'amd64');
    assert.equal(info.operatingSystem, 'linux');
    assert.equal(info.osImage, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(info.kernelVersion, '6.18.44-fc-v669');
    assert.equal(info.machineID, 'm1');
    assert.equal(info.bootID, 'b1');
  });

  it('lists at most 50 images, largest first, digests before tags, five names at most', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ RepoTags: [`img${i}:latest`], RepoDigests: null, Size: i }));
    const out = nodeImages([...many, { RepoTags: ['a:1', 'a:2', 'a:3', 'a:4', 'a:5'], RepoDigests: ['a@sha256:00'], Size: 1000 }, { RepoTags: ['<none>:<none>'], RepoDigests: [], Size: 999 }]);
    assert.equal(out.length, 50);
    assert.deepEqual(out[0], { names: ['a@sha256:00', 'a:1', 'a:2', 'a:3', 'a:4'], sizeBytes: 1000 });
    assert.deepEqual(out[1], { names: [], sizeBytes: 999 });
    assert.deepEqual(out[2], { names: ['img59:latest'], sizeBytes: 59 });
  });

  it('signals memory pressure under 100Mi available and disk pressure under 10% free', () => {
    const rootfs = { capacityBytes: 1000, availableBytes: 99 };
    assert.deepEqual(pressureOf({ totalBytes: 1 << 30, availableBytes: 50 << 20 }, rootfs, undefined), { memory: true, disk: true, pid: false });
    assert.deepEqual(pressureOf({ totalBytes: 1 << 30, availableBytes: 200 << 20 }, { capacityBytes: 1000, availableBytes: 500 }, undefined), { memory: false, disk: false, pid: false });
  });

  describe('conditions', () => {
    const healthy = { kind: 'healthy' as const, pressure: { memory: false, disk: false, pid: false } };
    const t0 = '2026-11-23T10:00:00Z';
    const t1 = '2026-11-23T10:00:10Z';
    const t2 = '2026-11-23T10:00:20Z';

    it('starts with the kubelet four, Ready last, with its reasons and messages', () => {
      const { conditions, events } = nextConditions('h1', undefined, healthy, t0);
      assert.deepEqual(conditions.map((c) => [c.type, c.status, c.reason]), [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
        ['Ready', 'True', 'KubeletReady'],
      ]);
      assert.equal(conditions[3].message, 'kubelet is posting ready status');
      assert.equal(conditions[0].message, 'kubelet has sufficient memory available');
      assert.deepEqual(events.map((e) => e.reason), ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
      assert.equal(events[3].message, 'Node h1 status is now: NodeReady');
    });

    it('moves heartbeats every time but transition times only when the status changes', () => {
      const first = nextConditions('h1', undefined, healthy, t0).conditions;
      const { conditions, events } = nextConditions('h1', first, healthy, t1);
      for (const c of conditions) {
        assert.equal(c.lastHeartbeatTime, t1);
        assert.equal(c.lastTransitionTime, t0);
      }
      assert.deepEqual(events, []);
    });

    it('turns Ready Unknown when the host is unreachable, keeping the last heartbeat, and Ready again after', () => {
      const first = nextConditions('h1', undefined, healthy, t0).conditions;
      const down = nextConditions('h1', first, { kind: 'unreachable', reason: 'HostUnreachable', message: 'connect ETIMEDOUT 10.250.0.11:22' }, t1);
      const ready = down.conditions.find((c) => c.type === 'Ready');
      assert.deepEqual([ready.status, ready.reason, ready.message, ready.lastHeartbeatTime, ready.lastTransitionTime], ['Unknown', 'HostUnreachable', 'connect ETIMEDOUT 10.250.0.11:22', t0, t1]);
      const mem = down.conditions.find((c) => c.type === 'MemoryPressure');
      assert.deepEqual([mem.status, mem.reason, mem.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
      assert.deepEqual(down.events.map((e) => [e.type, e.reason]), [['Normal', 'NodeNotReady'], ['Warning', 'HostUnreachable']]);
      const still = nextConditions('h1', down.conditions, { kind: 'unreachable', reason: 'HostUnreachable', message: 'again' }, t2);
      assert.deepEqual(still.events, [], 'the same fault is reported once');
      const back = nextConditions('h1', still.conditions, healthy, t2);
      const r = back.conditions.find((c) => c.type === 'Ready');
      assert.deepEqual([r.status, r.reason, r.lastTransitionTime], ['True', 'KubeletReady', t2]);
      assert.ok(back.events.some((e) => e.reason === 'NodeReady'));
    });

    it('turns Ready False with the fault as reason when the runtime fails but the host answers', () => {
      const first = nextConditions('h1', undefined, healthy, t0).conditions;
      const { conditions, events } = nextConditions('h1', first, { kind: 'notReady', reason: 'DockerUnreachable', message: 'docker socket refused', pressure: healthy.pressure }, t1);
      const r = conditions.find((c) => c.type === 'Ready');
      assert.deepEqual([r.status, r.reason, r.message, r.lastHeartbeatTime], ['False', 'DockerUnreachable', 'docker socket refused', t1]);
      assert.equal(conditions.find((c) => c.type === 'DiskPressure').status, 'False');
      assert.deepEqual(events.map((e) => [e.type, e.reason, e.message]), [['Normal', 'NodeNotReady', 'Node h1 status is now: NodeNotReady'], ['Warning', 'DockerUnreachable', 'docker socket refused']]);
    });
  });
});

/** FAKE host connection for agent unit tests: canned command outputs, state flipped by the test. */
class FakeHostConnection extends EventEmitter implements HostConnection {
  state: ConnectionState = 'ready';
  fault?: HostFault;
  execCount = 0;
  bootID = 'boot-1';
  constructor(readonly endpoint: HostEndpoint) {
    super();
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  async exec(): Promise<ExecResult> {
    this.execCount++;
    if (this.state !== 'ready') throw new Error('not connected');
    const s = '@@kubeshim-section@@\n';
    return { code: 0, stderr: '', stdout: ['worker\n', 'mid\n', '', `${this.bootID}\n`, MEMINFO, DF, '4194304\n', '0.1 0.1 0.1 1/100 999\n'].join(s) };
  }
  down(fault: HostFault): void {
    this.state = 'down';
    this.fault = fault;
    this.emit('down', fault);
  }
  up(): void {
    this.state = 'ready';
    this.fault = undefined;
    this.emit('ready');
  }
  openStreamLocal(): Promise<Duplex> {
    throw new Error('fake');
  }
  openTcp(): Promise<Duplex> {
    throw new Error('fake');
  }
}

/** FAKE Docker client: /info and /images only. */
function fakeDocker(opts: { failing?: () => boolean } = {}): DockerClient {
  return {
    info: async () => {
      if (opts.failing?.()) throw new Error('connect ENOENT /var/run/docker.sock');
      return DOCKER_INFO;
    },
    listImages: async () => DOCKER_IMAGES,
  } as unknown as DockerClient;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function ready(node: KObject): J {
  return (node.status?.conditions ?? []).find((c: J) => c.type === 'Ready');
}

describe('NodeAgent with a fake host', function () {
  this.timeout(30_000);
  let ts: TestServer;
  const agents: NodeAgent[] = [];
  before(async () => {
    ts = await startTestServer();
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
  });
  after(async () => {
    await ts?.stop();
  });
  const rt = (g: string, plural: string) => ts.server.registry.lookup(g, 'v1', plural)!;
  const getNode = (name: string) => ts.server.generic.get(rt('', 'nodes'), '', name);
  const nodeEvents = async (name: string) =>
    (await ts.server.generic.list(rt('', 'events'), 'default')).items.filter((e) => e.involvedObject?.name === name && e.involvedObject?.kind === 'Node');

  function agentFor(endpoint: HostEndpoint, docker = fakeDocker(), heartbeatMs = 200) {
    const connection = new FakeHostConnection(endpoint);
    const agent = new NodeAgent({ endpoint, connection, docker, generic: ts.server.generic, registry: ts.server.registry, heartbeatMs, callTimeoutMs: 2000 });
    agents.push(agent);
    return { agent, connection };
  }

  it('registers the Node with labels, taints, capacity, nodeInfo, addresses and Ready=True', async () => {
    const { agent } = agentFor({ name: 'fake-a', address: '10.9.0.1', labels: { zone: 'z1' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    await agent.start();
    const n = await getNode('fake-a');
    assert.equal(n.metadata.labels!['kubernetes.io/hostname'], 'fake-a');
    assert.equal(n.metadata.labels!['kubernetes.io/arch'], 'amd64');
    assert.equal(n.metadata.labels!['beta.kubernetes.io/os'], 'linux');
    assert.equal(n.metadata.labels!.zone, 'z1');
    assert.deepEqual(n.spec.taints, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    assert.equal(n.status.capacity.cpu, '2');
    assert.equal(n.status.capacity.pods, '110');
    assert.equal(n.status.capacity['ephemeral-storage'], '30832548Ki');
    assert.equal(n.status.nodeInfo.containerRuntimeVersion, 'docker://20.10.24+dfsg1');
    assert.match(n.status.nodeInfo.kubeletVersion, /^v1\.\d+\.\d+/);
    assert.deepEqual(n.status.addresses, [{ type: 'InternalIP', address: '10.9.0.1' }, { type: 'Hostname', address: 'worker' }]);
    assert.deepEqual(n.status.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.deepEqual(n.status.images, [{ names: ['busybox:latest'], sizeBytes: 1985569 }]);
    assert.equal(ready(n).status, 'True');
    const ev = await nodeEvents('fake-a');
    assert.deepEqual(ev.map((e) => e.reason), ['Starting', 'NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
    assert.equal(ev[0].message, 'Starting kubelet.');
    const nodeReady = ev.find((e) => e.reason === 'NodeReady');
    assert.ok(nodeReady, 'NodeReady event');
    assert.deepEqual(nodeReady.source, { component: 'kubelet', host: 'fake-a' });
    assert.deepEqual(nodeReady.involvedObject, { kind: 'Node', name: 'fake-a', uid: 'fake-a' });
  });

  it('renews a Lease in kube-node-lease owned by the Node', async () => {
    const { agent } = agentFor({ name: 'fake-b', address: '10.9.0.2' });
    await agent.start();
    const leases = rt('coordination.k8s.io', 'leases');
    const first = await ts.server.generic.get(leases, NODE_LEASE_NAMESPACE, 'fake-b');
    const node = await getNode('fake-b');
    assert.equal(first.spec.holderIdentity, 'fake-b');
    assert.equal(first.spec.leaseDurationSeconds, 40);
    assert.match(first.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.deepEqual(first.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'fake-b', uid: node.metadata.uid }]);
    await until('lease renewal', async () => {
      const l = await ts.server.generic.get(leases, NODE_LEASE_NAMESPACE, 'fake-b');
      return l.spec.renewTime > first.spec.renewTime ? l : undefined;
    });
  });

  it('adopts an existing Node: keeps what users set, adds its labels and missing taints', async () => {
    await ts.server.generic.create(rt('', 'nodes'), '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake-c', labels: { mine: 'yes' } }, spec: { taints: [{ key: 'user', effect: 'NoExecute' }] } });
    const { agent } = agentFor({ name: 'fake-c', address: '10.9.0.3', taints: [{ key: 'dedicated', effect: 'NoSchedule' }] });
    await agent.start();
    const n = await getNode('fake-c');
    assert.equal(n.metadata.labels!.mine, 'yes');
    assert.equal(n.metadata.labels!['kubernetes.io/hostname'], 'fake-c');
    assert.deepEqual(n.spec.taints, [{ key: 'user', effect: 'NoExecute' }, { key: 'dedicated', effect: 'NoSchedule' }]);
    assert.equal(ready(n).status, 'True');
  });

  it('goes Unknown with the fault when the connection drops, stops renewing the Lease, and returns to Ready', async () => {
    const { agent, connection } = agentFor({ name: 'fake-d', address: '10.9.0.4' });
    await agent.start();
    connection.down({ reason: 'HostUnreachable', message: 'connect EHOSTUNREACH 10.9.0.4:22' });
    const down = await until('NotReady', async () => {
      const n = await getNode('fake-d');
      return ready(n).status === 'Unknown' ? n : undefined;
    });
    assert.equal(ready(down).reason, 'HostUnreachable');
    assert.equal(ready(down).message, 'connect EHOSTUNREACH 10.9.0.4:22');
    const leases = rt('coordination.k8s.io', 'leases');
    const frozen = (await ts.server.generic.get(leases, NODE_LEASE_NAMESPACE, 'fake-d')).spec.renewTime;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await ts.server.generic.get(leases, NODE_LEASE_NAMESPACE, 'fake-d')).spec.renewTime, frozen, 'no renewal while unreachable');
    const warn = (await nodeEvents('fake-d')).find((e) => e.reason === 'HostUnreachable');
    assert.equal(warn?.type, 'Warning');
    assert.equal(warn?.message, 'connect EHOSTUNREACH 10.9.0.4:22');
    assert.ok((await nodeEvents('fake-d')).some((e) => e.reason === 'NodeNotReady'));

    connection.up();
    const back = await until('Ready again', async () => {
      const n = await getNode('fake-d');
      return ready(n).status === 'True' ? n : undefined;
    });
    assert.equal(ready(back).reason, 'KubeletReady');
    assert.equal((await nodeEvents('fake-d')).filter((e) => e.reason === 'NodeReady').length, 2);
  });

  it('goes Ready=False naming Docker when the host answers but Docker does not', async () => {
    let failing = false;
    const { agent } = agentFor({ name: 'fake-e', address: '10.9.0.5' }, fakeDocker({ failing: () => failing }));
    await agent.start();
    failing = true;
    const n = await until('Docker fault', async () => {
      const n = await getNode('fake-e');
      return ready(n).status === 'False' ? n : undefined;
    });
    assert.equal(ready(n).reason, 'DockerUnreachable');
    assert.match(ready(n).message, /docker\.sock/);
    assert.equal(n.status.capacity.cpu, '2', 'what was known stays');
  });

  it('waits for a connection still being dialled instead of registering the Node as unreachable', async () => {
    const endpoint = { name: 'fake-g', address: '10.9.0.7' };
    const { agent, connection } = agentFor(endpoint);
    connection.state = 'connecting';
    setTimeout(() => connection.up(), 300);
    await agent.start();
    assert.equal(ready(await getNode('fake-g')).status, 'True');
    assert.ok(!(await nodeEvents('fake-g')).some((e) => e.reason === 'NodeNotReady'), 'no NotReady blip at start');
  });

  it('records a Rebooted warning when the boot id changes', async () => {
    const { agent, connection } = agentFor({ name: 'fake-h', address: '10.9.0.8' });
    await agent.start();
    connection.bootID = 'boot-2';
    const ev = await until('Rebooted event', async () => (await nodeEvents('fake-h')).find((e) => e.reason === 'Rebooted'));
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'Node fake-h has been rebooted, boot id: boot-2');
    assert.equal((await getNode('fake-h')).status.nodeInfo.bootID, 'boot-2');
  });

  it('registers a host that cannot be reached as NotReady with the reason', async () => {
    const endpoint = { name: 'fake-f', address: '10.9.0.6' };
    const connection = new FakeHostConnection(endpoint);
    connection.state = 'down';
    connection.fault = { reason: 'HostKeyMismatch', message: 'host key for 10.9.0.6:22 does not match the pinned key' };
    const agent = new NodeAgent({ endpoint, connection, docker: fakeDocker(), generic: ts.server.generic, registry: ts.server.registry, heartbeatMs: 200 });
    agents.push(agent);
    await agent.start();
    const n = await getNode('fake-f');
    assert.deepEqual([ready(n).status, ready(n).reason], ['Unknown', 'HostKeyMismatch']);
    assert.deepEqual(n.status.addresses, [{ type: 'InternalIP', address: '10.9.0.6' }]);
    assert.equal(connection.execCount, 0);
  });
});

describe('NodeAgent on real hosts (test bed: sshd + dockerd per host, the real SSH transport)', function () {
  this.timeout(120_000);
  let ts: TestServer;
  let tb: Testbed;
  const connections: HostConnection[] = [];
  const agents: NodeAgent[] = [];
  const HEARTBEAT_MS = 1000;

  before(async () => {
    [ts, tb] = await Promise.all([startTestServer(), startTestbed({ hosts: 2, images: ['busybox:latest'] })]);
    for (const endpoint of tb.nodes()) {
      // Short keepalives and backoff so a dead link is noticed and healed in test time.
      const connection = createHostConnection(endpoint, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2, connectTimeoutMs: 3000, backoff: { initialMs: 200, maxMs: 1000 } });
      connections.push(connection);
      await connection.start();
      const docker = createDockerClient(connection, { timeoutMs: 5000 });
      const agent = new NodeAgent({ endpoint, connection, docker, generic: ts.server.generic, registry: ts.server.registry, heartbeatMs: HEARTBEAT_MS, callTimeoutMs: 3000 });
      agents.push(agent);
    }
    await Promise.all(agents.map((a) => a.start()));
  });
  after(async () => {
    for (const a of agents) await a.stop();
    for (const c of connections) await c.close().catch(() => undefined);
    await tb?.stop();
    await ts?.stop();
  });

  const nodeType = () => ts.server.registry.lookup('', 'v1', 'nodes')!;
  const getNode = (name: string) => ts.server.generic.get(nodeType(), '', name);

  it('registers each host as a Node with capacity from Docker, nodeInfo, addresses, labels and Ready=True', async () => {
    for (const host of tb.hosts) {
      const n = await getNode(host.name);
      assert.equal(ready(n).status, 'True', JSON.stringify(n.status?.conditions));
      assert.equal(ready(n).reason, 'KubeletReady');
      assert.match(n.status.nodeInfo.containerRuntimeVersion, /^docker:\/\/20\.10\./);
      assert.equal(n.status.nodeInfo.architecture, process.arch === 'x64' ? 'amd64' : process.arch);
      assert.equal(n.status.nodeInfo.operatingSystem, 'linux');
      assert.ok(n.status.nodeInfo.kernelVersion, 'kernel version');
      assert.ok(n.status.nodeInfo.bootID, 'boot id');
      assert.match(n.status.capacity.cpu, /^\d+$/);
      assert.match(n.status.capacity.memory, /^\d+(Ki|Mi|Gi)$/);
      assert.match(n.status.capacity['ephemeral-storage'], /^\d+(Ki|Mi|Gi)?$/);
      assert.equal(n.status.capacity.pods, '110');
      assert.equal(n.status.addresses[0].type, 'InternalIP');
      assert.equal(n.status.addresses[0].address, host.address);
      assert.equal(n.status.addresses[1].type, 'Hostname');
      assert.equal(n.metadata.labels!['kubernetes.io/hostname'], host.name);
      assert.equal(n.metadata.labels!['kubernetes.io/os'], 'linux');
      assert.ok((n.status.images as J[]).some((i) => i.names.includes('busybox:latest')), 'busybox image listed');
      assert.deepEqual(n.status.conditions.map((c: J) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
    }
  });

  it('shows the hosts Ready in `kubectl get nodes -o wide`, with INTERNAL-IP and CONTAINER-RUNTIME', async () => {
    const out = await ts.kubectl().ok(['get', 'nodes', '-o', 'wide']);
    const [header, ...rows] = out.trim().split('\n');
    assert.match(header, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    for (const host of tb.hosts) {
      const row = rows.find((r) => r.split(/\s+/)[0] === host.name);
      assert.ok(row, `row for ${host.name} in\n${out}`);
      const cells = row.split(/\s+/);
      assert.equal(cells[1], 'Ready');
      assert.ok(cells.includes(host.address), row);
      assert.match(row, /docker:\/\/20\.10\.\S+$/);
    }
  });

  it('renews the Lease every heartbeat', async () => {
    const leases = ts.server.registry.lookup('coordination.k8s.io', 'v1', 'leases')!;
    const name = tb.hosts[0]!.name;
    const first = await ts.server.generic.get(leases, NODE_LEASE_NAMESPACE, name);
    assert.equal(first.spec.holderIdentity, name);
    await until('lease renewal', async () => {
      const l = await ts.server.generic.get(leases, NODE_LEASE_NAMESPACE, name);
      return l.spec.renewTime > first.spec.renewTime ? l : undefined;
    }, 5 * HEARTBEAT_MS);
  });

  it('turns a host whose link went down NotReady with the cause, then Ready when it is back', async () => {
    const host = tb.hosts[1]!;
    const other = tb.hosts[0]!;
    const started = Date.now();
    execFileSync('ip', ['-n', host.netns, 'link', 'set', 'eth0', 'down']);
    let down: KObject;
    try {
      down = await until('NotReady', async () => {
        const n = await getNode(host.name);
        return ready(n).status !== 'True' ? n : undefined;
      }, 40_000);
    } finally {
      execFileSync('ip', ['-n', host.netns, 'link', 'set', 'eth0', 'up']);
    }
    const elapsed = Date.now() - started;
    assert.equal(ready(down).status, 'Unknown');
    assert.equal(ready(down).reason, 'HostUnreachable');
    assert.match(ready(down).message, new RegExp(host.address.replace(/\./g, '\\.')));
    assert.ok(elapsed < 40_000, `noticed after ${elapsed} ms`);
    assert.equal(ready(await getNode(other.name)).status, 'True', 'the other host is unaffected');
    const out = await ts.kubectl().ok(['get', 'node', host.name]);
    assert.match(out, new RegExp(`^${host.name}\\s+NotReady\\s`, 'm'));
    const events = (await ts.server.generic.list(ts.server.registry.lookup('', 'v1', 'events')!, 'default')).items.filter((e) => e.involvedObject?.name === host.name);
    assert.ok(events.some((e) => e.reason === 'HostUnreachable' && e.type === 'Warning'), 'Warning event naming the cause');

    const back = await until('Ready again', async () => {
      const n = await getNode(host.name);
      return ready(n).status === 'True' ? n : undefined;
    }, 30_000);
    assert.equal(ready(back).reason, 'KubeletReady');
    assert.ok(Date.parse(ready(back).lastTransitionTime) >= Date.parse(ready(down).lastTransitionTime));
  });

  it('turns a host whose Docker socket vanished Ready=False naming the socket, and Ready when it is back', async () => {
    const host = tb.hosts[0]!;
    // Moving the socket away (dockerd keeps listening on it) is a missing socket to every client.
    renameSync(host.dockerSocket, `${host.dockerSocket}.away`);
    let down: KObject;
    try {
      down = await until('Docker fault', async () => {
        const n = await getNode(host.name);
        return ready(n).status === 'False' ? n : undefined;
      }, 20_000);
    } finally {
      renameSync(`${host.dockerSocket}.away`, host.dockerSocket);
    }
    assert.equal(ready(down).reason, 'DockerSocketUnavailable');
    assert.match(ready(down).message, /does not exist/);
    assert.ok(ready(down).message.includes(host.dockerSocket), ready(down).message);
    assert.equal(down.status.conditions.find((c: J) => c.type === 'MemoryPressure').status, 'False', 'the host itself still reports');
    await until('Ready again', async () => {
      const n = await getNode(host.name);
      return ready(n).status === 'True' ? n : undefined;
    }, 20_000);
  });
});
