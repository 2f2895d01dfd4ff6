// The pod worker (the kubelet's core loop, run from the control plane) against a real kubeshim and
// real hosts of the test bed, reached over SSH with the Engine API pinned to 1.26: pods created with
// kubectl run as Docker containers, restart, fail, back off, are deleted gracefully, and survive a
// control-plane restart without being restarted.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { PodWorker } from '../../lib/nodes/pod-worker.js';
import { demuxDockerStream } from '../../lib/nodes/docker-stream.js';
import { INFRA_IMAGE } from '../../lib/nodes/infra-image.js';
import { HOST_STATE_DIR } from '../../lib/nodes/container-spec.js';
import { POD_NETWORK } from '../../lib/nodes/pod-network.js';
import { createDockerClient } from '../../lib/nodes/docker-client.js';
import { createHostConnection } from '../../lib/nodes/ssh-connection.js';
import { CONTAINER_LABELS, type HostConnection, type HostEndpoint } from '../../lib/nodes/types.js';
import type { KObject } from '../../lib/registry/resource-type.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTestbed, type Testbed } from '../testbed/testbed.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const POD_CIDRS = ['10.244.11.0/24', '10.244.12.0/24'] as const;

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const mask = (0xffffffff << (32 - Number(bits))) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base) & mask) >>> 0);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function execIn(docker: Docker, id: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, output: demuxDockerStream(Buffer.concat(chunks)) };
}

describe('Pod worker on real hosts', function () {
  this.timeout(180_000);
  let ts: TestServer;
  let tb: Testbed;
  let nodes: HostEndpoint[];
  const connections: HostConnection[] = [];
  const dockers: Docker[] = [];
  let workers: PodWorker[] = [];
  let podType: J;

  const pod = (ns: string, name: string) => ts.server.generic.get(podType, ns, name);
  const podContainers = async (i: number, uid: string | undefined) =>
    (await dockers[i].listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.podUid}=${uid}`] } })) as Array<{ Id: string; State: string; Labels: Record<string, string> }>;
  const apply = (yaml: string) => ts.kubectl().ok(['apply', '-f', '-'], { input: yaml });
  const newWorker = (i: number) =>
    new PodWorker({ nodeName: nodes[i].name, docker: dockers[i], generic: ts.server.generic, registry: ts.server.registry, podCIDR: POD_CIDRS[i], resyncMs: 500, connection: connections[i] });

  before(async () => {
    [ts, tb] = await Promise.all([startTestServer(), startTestbed({ hosts: 2, images: ['busybox:latest', 'redis:latest', 'postgres:latest'] })]);
    nodes = tb.nodes();
    podType = ts.server.registry.lookup('', 'v1', 'pods');
    for (const endpoint of nodes) {
      const conn = createHostConnection(endpoint);
      await conn.start();
      connections.push(conn);
      dockers.push(createDockerClient(conn, { version: '1.26' }));
    }
    workers = nodes.map((_, i) => newWorker(i));
    await Promise.all(workers.map((w) => w.start()));
  });
  after(async () => {
    // Pods go the normal way, so the workers also remove what they put on the hosts (containers,
    // the pods' volume directories — the bed's hosts share this machine's filesystem).
    if (ts && dockers.length === nodes.length) {
      await ts.kubectl().run(['delete', 'pods', '--all', '--grace-period=1', '--wait=false']);
      await until('pod containers removed', async () => {
        for (const d of dockers) if ((await d.listContainers({ all: true, filters: { label: [CONTAINER_LABELS.podUid] } })).length) return false;
        return true;
      }).catch(() => undefined);
    }
    await Promise.all(workers.map((w) => w.stop()));
    // The bed's hosts share this machine's /var/lib: drop kubeshim's state dirs if the pods left them empty.
    for (const d of [`${HOST_STATE_DIR}/pods`, HOST_STATE_DIR]) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (another suite's pods) or already gone: leave it.
      }
    }
    await Promise.all(connections.map((c) => c.close()));
    await tb?.stop();
    await ts?.stop();
  });

  it('runs a pod created with kubectl and gives it an IP from the node pod CIDR', async () => {
    await apply(`apiVersion: v1
kind: Service
metadata: {name: web-svc}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  nodeName: ${nodes[1].name}
  containers:
  - name: app
    image: busybox:latest
    command: ["sh", "-c", "echo started; exec sleep 3600"]
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: GREETING, value: "hello-$(POD_NAME)"}
    - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
`);
    const p = await until('web Running', async () => {
      const p = await pod('default', 'web');
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    assert.ok(inCidr(p.status.podIP, POD_CIDRS[1]), `${p.status.podIP} is in ${POD_CIDRS[1]}`);
    assert.deepEqual(p.status.podIPs, [{ ip: p.status.podIP }]);
    assert.equal(p.status.hostIP, nodes[1].address);
    const cs = p.status.containerStatuses[0];
    assert.equal(cs.ready, true);
    assert.match(cs.containerID, /^docker:\/\/[0-9a-f]{64}$/);
    assert.equal(cs.image, 'busybox:latest');
    assert.deepEqual(
      p.status.conditions.map((c: J) => `${c.type}=${c.status}`),
      ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
    );
    const table = await ts.kubectl().ok(['get', 'pod', 'web', '-o', 'wide']);
    assert.match(table, new RegExp(`web\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${p.status.podIP.replace(/\./g, '\\.')}\\s+${nodes[1].name}`));
    // The sandbox runs kubeshim's own pause image on kubeshim's bridge network.
    const containers = await podContainers(1, p.metadata.uid);
    const infra = containers.find((c) => c.Labels[CONTAINER_LABELS.role] === 'infra')!;
    const info = await dockers[1].getContainer(infra.Id).inspect();
    assert.equal(info.Config.Image, INFRA_IMAGE);
    assert.equal(info.State.Running, true);
    assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [POD_NETWORK]);
    const app = containers.find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'app')!;
    const env = await execIn(dockers[1], app.Id, ['sh', '-c', 'echo $GREETING $WEB_SVC_SERVICE_HOST $WEB_SVC_SERVICE_PORT_HTTP $MY_IP']);
    const svcIP = JSON.parse(await ts.kubectl().ok(['get', 'service', 'web-svc', '-o', 'json'])).spec.clusterIP;
    // $(VAR) expansion, the Service variables of the pod's namespace, and the pod IP (known only
    // once the sandbox runs: this container is created after it, the others while it starts).
    assert.equal(env.output.trim(), `hello-web ${svcIP} 80 ${p.status.podIP}`);
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'json'])).items as J[];
    const reasons = events.map((e) => e.reason);
    for (const r of ['Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `event ${r} in ${reasons}`);
    const pulled = events.find((e) => e.reason === 'Pulled');
    assert.equal(pulled.message, 'Container image "busybox:latest" already present on machine');
    assert.deepEqual(pulled.source, { component: 'kubelet', host: nodes[1].name });
    assert.equal(pulled.involvedObject.fieldPath, 'spec.containers{app}');
  });

  it('starts 30 pods created at once on one host, all Running, without errors or duplicates', async () => {
    const n = 30;
    // A shell that leaves at once on SIGTERM, so the clean-up does not wait out grace periods.
    const docs = Array.from({ length: n }, (_, i) => `apiVersion: v1
kind: Pod
metadata: {name: burst-${i}, labels: {burst: "yes"}}
spec:
  nodeName: ${nodes[0].name}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: busybox:latest, command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]}
`);
    const started = Date.now();
    await ts.kubectl().ok(['create', '-f', '-'], { input: docs.join('---\n') });
    const pods = await until(
      'all burst pods Running',
      async () => {
        const items = JSON.parse(await ts.kubectl().ok(['get', 'pods', '-l', 'burst=yes', '-o', 'json'])).items as J[];
        return items.length === n && items.every((p) => p.status?.phase === 'Running') ? items : undefined;
      },
      120_000,
    );
    const seconds = (Date.now() - started) / 1000;
    const ips = new Set(pods.map((p) => p.status.podIP));
    assert.equal(ips.size, n, 'every pod has its own IP');
    for (const ip of ips) assert.ok(inCidr(ip, POD_CIDRS[0]), `${ip} is in ${POD_CIDRS[0]}`);
    // One sandbox and one app container per pod: nothing created twice under load.
    for (const p of pods) {
      const cs = await podContainers(0, p.metadata.uid);
      assert.deepEqual(cs.map((c) => `${c.Labels[CONTAINER_LABELS.role]}:${c.State}`).sort(), ['app:running', 'infra:running'], p.metadata.name);
      assert.equal(p.status.containerStatuses[0].restartCount, 0);
    }
    const warnings = (JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'type=Warning', '-o', 'json'])).items as J[]).filter((e) =>
      String(e.involvedObject?.name).startsWith('burst-'),
    );
    assert.deepEqual(warnings.map((e) => `${e.involvedObject.name} ${e.reason}: ${e.message}`), []);
    console.log(`      (${n} pods Running on one host ${seconds.toFixed(1)} s after kubectl create)`);
    const deleting = Date.now();
    await ts.kubectl().ok(['delete', 'pods', '-l', 'burst=yes', '--wait=true', '--timeout=120s'], { timeoutMs: 130_000 });
    const deleted = (Date.now() - deleting) / 1000;
    console.log(`      (deleted in ${deleted.toFixed(1)} s)`);
    // Each pod's containers stop within a second (grace 1 s, the kubelet's 2 s floor); the clean-up
    // after them (containers, pod directories) does not hold up the delete.
    assert.ok(deleted < 30, `deleting ${n} pods took ${deleted.toFixed(1)} s`);
    await until('burst containers removed', async () => {
      for (const p of pods) if ((await podContainers(0, p.metadata.uid)).length) return false;
      return true;
    }, 60_000);
  });

  it('runs the three-container pod whose containers reach each other on 127.0.0.1', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: trio}
spec:
  nodeName: ${nodes[0].name}
  containers:
  - {name: redis, image: "redis:latest"}
  - {name: postgres, image: "postgres:latest"}
  - {name: app, image: "busybox:latest", command: ["sleep", "3600"]}
`);
    const p = await until('trio Running and ready', async () => {
      const p = await pod('default', 'trio');
      return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c: J) => c.ready) ? p : undefined;
    });
    const app = (await podContainers(0, p.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'app')!;
    // busybox nc has no -z: send a line and read the answer (the test bed's redis answers +PONG, its postgres echoes).
    const ask = async (port: number, line: string) => (await execIn(dockers[0], app.Id, ['sh', '-c', `echo ${line} | nc -w 2 127.0.0.1 ${port}`])).output;
    await until('redis answers on 127.0.0.1:6379', async () => (await ask(6379, 'PING')).includes('+PONG'));
    await until('postgres answers on 127.0.0.1:5432', async () => (await ask(5432, 'hello')).includes('hello'));
    // They share the sandbox's UTS namespace too: the hostname is the pod name.
    assert.equal((await execIn(dockers[0], app.Id, ['hostname'])).output.trim(), 'trio');
  });

  it('restarts a container whose process was killed, with restartCount 1', async () => {
    const before = await pod('default', 'trio');
    const app = (await podContainers(0, before.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'app' && c.State === 'running')!;
    await dockers[0].getContainer(app.Id).kill({ signal: 'SIGKILL' });
    const p = await until('app restarted', async () => {
      const p = await pod('default', 'trio');
      const cs = p.status.containerStatuses.find((c: J) => c.name === 'app');
      return cs.restartCount === 1 && cs.state.running ? p : undefined;
    });
    const cs = p.status.containerStatuses.find((c: J) => c.name === 'app');
    assert.equal(cs.lastState.terminated.exitCode, 137);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    assert.equal(cs.lastState.terminated.containerID, `docker://${app.Id}`);
    assert.notEqual(cs.containerID, `docker://${app.Id}`);
    assert.equal(p.status.phase, 'Running');
    // The other containers were left alone.
    for (const name of ['redis', 'postgres']) assert.equal(p.status.containerStatuses.find((c: J) => c.name === name).restartCount, 0);
  });

  it('marks a pod Failed with the exit code when a container exits 1 and restartPolicy is Never', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: fails}
spec:
  nodeName: ${nodes[0].name}
  restartPolicy: Never
  containers:
  - {name: main, image: "busybox:latest", command: ["sh", "-c", "exit 1"]}
`);
    const p = await until('fails Failed', async () => {
      const p = await pod('default', 'fails');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    const t = p.status.containerStatuses[0].state.terminated;
    assert.equal(t.exitCode, 1);
    assert.equal(t.reason, 'Error');
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.match(await ts.kubectl().ok(['get', 'pod', 'fails']), /fails\s+0\/1\s+Error\s+0/);
    // Nothing of it runs any more (the sandbox is stopped too), and it was never restarted.
    await until('sandbox stopped', async () => (await podContainers(0, p.metadata.uid)).every((c) => c.State !== 'running'));
    assert.equal((await podContainers(0, p.metadata.uid)).filter((c) => c.Labels[CONTAINER_LABELS.role] === 'app').length, 1);
  });

  it('reports ErrImagePull, then ImagePullBackOff, for an image the host lacks and cannot pull', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: noimage}
spec:
  nodeName: ${nodes[0].name}
  containers:
  - {name: main, image: "127.0.0.1:1/nosuch:1.0"}
`);
    const p = await until('ImagePullBackOff', async () => {
      const p = await pod('default', 'noimage');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? p : undefined;
    });
    assert.match(p.status.containerStatuses[0].state.waiting.message, /^Back-off pulling image "127\.0\.0\.1:1\/nosuch:1\.0": ErrImagePull: /);
    assert.equal(p.status.phase, 'Pending');
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=noimage', '-o', 'json'])).items as J[];
    const messages = events.map((e) => `${e.type} ${e.reason} ${e.message}`);
    assert.ok(messages.some((m) => m.startsWith('Warning Failed Failed to pull image "127.0.0.1:1/nosuch:1.0": ')), messages.join('\n'));
    assert.ok(messages.includes('Warning Failed Error: ErrImagePull'), messages.join('\n'));
    assert.ok(messages.includes('Normal BackOff Back-off pulling image "127.0.0.1:1/nosuch:1.0"'), messages.join('\n'));
    assert.match(await ts.kubectl().ok(['get', 'pod', 'noimage']), /noimage\s+0\/1\s+(ErrImagePull|ImagePullBackOff)\s+0/);
  });

  it('stops the containers on kubectl delete pod and the pod is gone within its grace period', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: doomed}
spec:
  nodeName: ${nodes[1].name}
  terminationGracePeriodSeconds: 3
  containers:
  - {name: main, image: "busybox:latest", command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]}
  - {name: stubborn, image: "busybox:latest", command: ["sleep", "3600"]}
`);
    const p = await until('doomed Running', async () => {
      const p = await pod('default', 'doomed');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const t0 = Date.now();
    await ts.kubectl().ok(['delete', 'pod', 'doomed', '--timeout=30s']);
    const took = Date.now() - t0;
    // `sleep` as PID 1 ignores SIGTERM: it is killed when the 3 s run out; the delete returns then.
    assert.ok(took < 3000 + 5000, `delete took ${took} ms`);
    await assert.rejects(pod('default', 'doomed'), (e: J) => e.code === 404);
    await until('containers removed', async () => (await podContainers(1, p.metadata.uid)).length === 0);
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=doomed', '-o', 'json'])).items as J[];
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container stubborn'));
  });

  it('runs init containers in order before the app containers, sharing an emptyDir', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: inits}
spec:
  nodeName: ${nodes[0].name}
  volumes:
  - {name: work, emptyDir: {}}
  initContainers:
  - {name: first, image: "busybox:latest", command: ["sh", "-c", "echo one >> /work/log"], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: second, image: "busybox:latest", command: ["sh", "-c", "echo two >> /work/log"], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: app, image: "busybox:latest", command: ["sh", "-c", "echo app >> /work/log; exec sleep 3600"], volumeMounts: [{name: work, mountPath: /work}]}
`);
    const p = await until('inits Running', async () => {
      const p = await pod('default', 'inits');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.deepEqual(
      p.status.initContainerStatuses.map((s: J) => [s.name, s.state.terminated?.reason, s.ready]),
      [['first', 'Completed', true], ['second', 'Completed', true]],
    );
    assert.equal(p.status.conditions.find((c: J) => c.type === 'Initialized').status, 'True');
    const app = (await podContainers(0, p.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'app')!;
    const log = await until('app wrote its line', async () => {
      const out = (await execIn(dockers[0], app.Id, ['cat', '/work/log'])).output;
      return out.includes('app') ? out : undefined;
    });
    assert.equal(log, 'one\ntwo\napp\n');
  });

  it('keeps a Memory emptyDir\'s files when its only container restarts (the pod holds the tmpfs)', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: remembers}
spec:
  nodeName: ${nodes[1].name}
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: mem, emptyDir: {medium: Memory}}
  containers:
  - name: app
    image: busybox:latest
    # First run: leave a note and crash. Second run: find the note and stay up.
    command: ["sh", "-c", "if [ -f /mem/note ]; then exec sleep 3600; fi; echo was-here > /mem/note; exit 1"]
    volumeMounts: [{name: mem, mountPath: /mem}]
`);
    const p = await until(
      'remembers Running after one restart',
      async () => {
        const p = await pod('default', 'remembers');
        const cs = p.status?.containerStatuses?.[0];
        return cs?.restartCount === 1 && cs.state?.running ? p : undefined;
      },
      60_000,
    );
    const app = (await podContainers(1, p.metadata.uid)).find((c) => c.State === 'running' && c.Labels[CONTAINER_LABELS.containerName] === 'app')!;
    assert.equal((await execIn(dockers[1], app.Id, ['cat', '/mem/note'])).output, 'was-here\n');
    await ts.kubectl().ok(['delete', 'pod', 'remembers', '--timeout=30s']);
  });

  it('shares a Memory emptyDir between containers and mounts a claim bound to a hostPath volume', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubeshim-pv-'));
    try {
      writeFileSync(join(dataDir, 'seed.txt'), 'from the PV\n');
      await apply(`apiVersion: v1
kind: PersistentVolume
metadata: {name: pw-local}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: ${dataDir}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pw-claim}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  volumeName: pw-local
  storageClassName: ""
`);
      // No volume binder runs in this suite: the claim is marked Bound as the PV controller would.
      await ts.kubectl().ok(['patch', 'pvc', 'pw-claim', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Bound"}}']);
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  nodeName: ${nodes[0].name}
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
  - {name: data, persistentVolumeClaim: {claimName: pw-claim}}
  containers:
  - {name: writer, image: "busybox:latest", command: ["sh", "-c", "echo hi > /scratch/note; cat /data/seed.txt > /data/copy.txt; exec sleep 3600"], volumeMounts: [{name: scratch, mountPath: /scratch}, {name: data, mountPath: /data}]}
  - {name: reader, image: "busybox:latest", command: ["sleep", "3600"], volumeMounts: [{name: scratch, mountPath: /scratch}]}
`);
      const p = await until('shared Running', async () => {
        const p = await pod('default', 'shared');
        return p.status?.phase === 'Running' ? p : undefined;
      });
      const reader = (await podContainers(0, p.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'reader')!;
      await until('the reader sees the writer\'s file', async () => (await execIn(dockers[0], reader.Id, ['cat', '/scratch/note'])).output === 'hi\n');
      assert.match((await execIn(dockers[0], reader.Id, ['sh', '-c', 'grep " /scratch " /proc/mounts'])).output, /^tmpfs \/scratch tmpfs .*size=8192k/);
      await until('the writer copied the PV file', async () => existsSync(join(dataDir, 'copy.txt')));
      assert.equal(readFileSync(join(dataDir, 'copy.txt'), 'utf8'), 'from the PV\n');
      await ts.kubectl().ok(['delete', 'pod', 'shared', '--timeout=30s']);
      await until('its tmpfs volume removed', async () => ((await dockers[0].listVolumes({ filters: { label: [`${CONTAINER_LABELS.podUid}=${p.metadata.uid}`] } })).Volumes ?? []).length === 0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('backs off restarting a crashing container (CrashLoopBackOff)', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  nodeName: ${nodes[0].name}
  containers:
  - {name: main, image: "busybox:latest", command: ["sh", "-c", "exit 3"]}
`);
    const p = await until('CrashLoopBackOff', async () => {
      const p = await pod('default', 'crashy');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    });
    const cs = p.status.containerStatuses[0];
    // The first crash restarts at once; the second waits the kubelet's initial 10 s back-off.
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState.terminated.exitCode, 3);
    assert.equal(cs.state.waiting.message, `back-off 10s restarting failed container=main pod=crashy_default(${p.metadata.uid})`);
    assert.match(await ts.kubectl().ok(['get', 'pod', 'crashy']), /crashy\s+0\/1\s+CrashLoopBackOff\s+1 \(\S+ ago\)/);
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=crashy,reason=BackOff', '-o', 'json'])).items as J[];
    assert.equal(events[0]?.message, `Back-off restarting failed container main in pod crashy_default(${p.metadata.uid})`);
    assert.equal(events[0]?.type, 'Warning');
    await ts.kubectl().ok(['delete', 'pod', 'crashy', '--grace-period=1']);
  });

  it('reports a command that cannot run: RunContainerError then back-off, or Failed for restartPolicy Never', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: badcmd}
spec:
  nodeName: ${nodes[0].name}
  containers:
  - {name: main, image: "busybox:latest", command: ["/no/such/binary"]}
---
apiVersion: v1
kind: Pod
metadata: {name: badcmd-once}
spec:
  nodeName: ${nodes[0].name}
  restartPolicy: Never
  containers:
  - {name: main, image: "busybox:latest", command: ["/no/such/binary"]}
`);
    const p = await until('back-off after the failed restart', async () => {
      const p = await pod('default', 'badcmd');
      const cs = p.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    });
    assert.equal(p.status.containerStatuses[0].lastState.terminated.reason, 'ContainerCannotRun');
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=badcmd,reason=Failed', '-o', 'json'])).items as J[];
    assert.ok(events.some((e) => /^Error: .*no\/such\/binary/.test(e.message)), JSON.stringify(events.map((e) => e.message)));
    const once = await until('badcmd-once Failed', async () => {
      const p = await pod('default', 'badcmd-once');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    const t = once.status.containerStatuses[0].state.terminated;
    assert.equal(t.reason, 'ContainerCannotRun');
    assert.ok(t.exitCode > 0);
    assert.match(t.message, /no\/such\/binary/);
    assert.equal(once.status.containerStatuses[0].restartCount, 0);
    await ts.kubectl().ok(['delete', 'pod', 'badcmd', 'badcmd-once', '--grace-period=1']);
  });

  it('projects ConfigMaps and Secrets into env and files, and refreshes the files when the ConfigMap changes', async () => {
    await apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast, "app.conf": "port=80\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: configured, labels: {tier: front}}
spec:
  nodeName: ${nodes[1].name}
  volumes:
  - {name: cfg, configMap: {name: settings}}
  - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
  - name: info
    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  containers:
  - name: app
    image: busybox:latest
    command: ["sleep", "3600"]
    env:
    - {name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/app}
    - {name: sec, mountPath: /etc/creds}
    - {name: info, mountPath: /etc/podinfo}
`);
    const p = await until('configured Running', async () => {
      const p = await pod('default', 'configured');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const app = (await podContainers(1, p.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'app')!;
    const sh = async (cmd: string) => (await execIn(dockers[1], app.Id, ['sh', '-c', cmd])).output;
    assert.equal(await sh('echo $MODE $PASSWORD'), 'fast s3cret\n');
    assert.equal(await sh('cat /etc/app/mode; echo; cat /etc/app/app.conf'), 'fast\nport=80\n');
    assert.equal(await sh('cat /etc/creds/password'), 's3cret');
    assert.match(await sh('ls -lL /etc/creds/password'), /^-r-------- /);
    assert.equal(await sh('cat /etc/podinfo/labels'), 'tier="front"');
    // Read-only, as the kubelet mounts API data volumes.
    assert.notEqual((await execIn(dockers[1], app.Id, ['sh', '-c', 'echo x > /etc/app/new'])).code, 0);
    await ts.kubectl().ok(['patch', 'configmap', 'settings', '-p', '{"data":{"mode":"slow"}}']);
    await until('the file changed in the running container', async () => (await sh('cat /etc/app/mode')) === 'slow');
  });

  it('runs hostNetwork pods in the host network namespace with the host IP as pod IP', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  nodeName: ${nodes[1].name}
  hostNetwork: true
  containers:
  - {name: app, image: "busybox:latest", command: ["sleep", "3600"]}
`);
    const p = await until('hostnet Running', async () => {
      const p = await pod('default', 'hostnet');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.equal(p.status.podIP, nodes[1].address);
    const app = (await podContainers(1, p.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'app')!;
    assert.match((await execIn(dockers[1], app.Id, ['ip', 'addr'])).output, new RegExp(`inet ${nodes[1].address.replace(/\./g, '\\.')}/`));
  });

  it('restarts a container whose image was changed with kubectl set image', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: upgraded}
spec:
  nodeName: ${nodes[1].name}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: "busybox:latest", command: ["sleep", "3600"]}
`);
    await until('upgraded Running', async () => (await pod('default', 'upgraded')).status?.phase === 'Running');
    await ts.kubectl().ok(['set', 'image', 'pod/upgraded', 'app=postgres:latest']);
    const p = await until('restarted with the new image', async () => {
      const p = await pod('default', 'upgraded');
      const cs = p.status.containerStatuses[0];
      return cs.image === 'postgres:latest' && cs.state.running && cs.restartCount === 1 ? p : undefined;
    });
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=upgraded,reason=Killing', '-o', 'json'])).items as J[];
    assert.equal(events[0]?.message, 'Container app definition changed, will be restarted');
    assert.equal(p.status.phase, 'Running');
  });

  it('publishes hostPort on the node address through the sandbox', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: porty}
spec:
  nodeName: ${nodes[0].name}
  containers:
  - name: web
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{containerPort: 8080, hostPort: 18080}]
`);
    await until('porty Running', async () => (await pod('default', 'porty')).status?.phase === 'Running');
    const body = await until('answers on the node address', async () => {
      const r = await tb.exec(nodes[1].name, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 ${nodes[0].address} 18080`);
      return r.stdout.includes('hello-from-pod') ? r.stdout : undefined;
    });
    assert.match(body, /^HTTP\/1\.[01] 200/);

    // A second pod wanting the same host port: its sandbox cannot start. It stays Pending and says
    // why, retried with back-off; nothing is said of its container (created while the sandbox
    // started, it never ran), and no failed attempt's containers pile up on the host.
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: porty-too}
spec:
  nodeName: ${nodes[0].name}
  containers:
  - {name: web, image: busybox:latest, command: ["sleep", "3600"], ports: [{containerPort: 8080, hostPort: 18080}]}
`);
    const failed = await until('FailedCreatePodSandBox', async () => {
      const evs = (JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=porty-too', '-o', 'json'])).items as J[]);
      return evs.some((e) => e.reason === 'FailedCreatePodSandBox') ? evs : undefined;
    });
    assert.match(failed.find((e) => e.reason === 'FailedCreatePodSandBox').message, /^Failed to create pod sandbox: .*port is already allocated/);
    await new Promise((r) => setTimeout(r, 12_000));
    const evs = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=porty-too', '-o', 'json'])).items as J[];
    assert.deepEqual(evs.filter((e) => ['Pulled', 'Created', 'Started'].includes(e.reason)).map((e) => e.reason), []);
    const attempts = evs.filter((e) => e.reason === 'FailedCreatePodSandBox').reduce((n, e) => n + (e.count ?? 1), 0);
    assert.ok(attempts >= 1 && attempts <= 3, `${attempts} sandbox attempts in ~13 s (back-off 10 s)`);
    const p2 = await pod('default', 'porty-too');
    assert.equal(p2.status?.phase, 'Pending');
    // As the kubelet shows it: the container waits for its sandbox.
    assert.deepEqual(p2.status.containerStatuses.map((c: J) => [c.name, c.ready, c.restartCount, c.state]), [['web', false, 0, { waiting: { reason: 'ContainerCreating' } }]]);
    const table = await ts.kubectl().ok(['get', 'pod', 'porty-too', '--no-headers']);
    assert.match(table, /^porty-too\s+0\/1\s+ContainerCreating\s+0\s/);
    const left = await podContainers(0, p2.metadata.uid);
    assert.ok(left.length <= 2, `containers of porty-too on the host: ${left.map((c) => `${c.Labels[CONTAINER_LABELS.role]}:${c.State}`)}`);
    await ts.kubectl().ok(['delete', 'pod', 'porty-too', '--wait=true']);
  });

  it('reports termination messages from the file, or from the log tail when the policy says so', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: lastwords}
spec:
  nodeName: ${nodes[1].name}
  restartPolicy: Never
  containers:
  - {name: file, image: "busybox:latest", command: ["sh", "-c", "printf 'bye from file' > /dev/termination-log; exit 2"]}
  - {name: logs, image: "busybox:latest", command: ["sh", "-c", "echo noise; echo bye from logs; exit 1"], terminationMessagePolicy: FallbackToLogsOnError}
`);
    const p = await until('lastwords Failed', async () => {
      const p = await pod('default', 'lastwords');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    const byName = Object.fromEntries(p.status.containerStatuses.map((c: J) => [c.name, c.state.terminated]));
    assert.deepEqual([byName.file.exitCode, byName.file.message], [2, 'bye from file']);
    assert.deepEqual([byName.logs.exitCode, byName.logs.message], [1, 'noise\nbye from logs\n']);
  });

  it('reports OOMKilled for a container killed at its memory limit', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: hungry}
spec:
  nodeName: ${nodes[1].name}
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:latest
    command: ["sh", "-c", "head -c 200m /dev/zero | tail"]
    resources: {limits: {memory: 16Mi}}
`);
    const p = await until('hungry Failed', async () => {
      const p = await pod('default', 'hungry');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    const t = p.status.containerStatuses[0].state.terminated;
    assert.deepEqual([t.reason, t.exitCode], ['OOMKilled', 137]);
    assert.equal(p.status.qosClass, 'Burstable');
  });

  it('fails a pod that outlives activeDeadlineSeconds (DeadlineExceeded)', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  nodeName: ${nodes[1].name}
  activeDeadlineSeconds: 2
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: "busybox:latest", command: ["sleep", "3600"]}
`);
    const p = await until('deadline Failed', async () => {
      const p = await pod('default', 'deadline');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(p.status.reason, 'DeadlineExceeded');
    assert.equal(p.status.message, 'Pod was active on the node longer than the specified deadline');
    await until('its containers stopped', async () => (await podContainers(1, p.metadata.uid)).every((c) => c.State !== 'running'));
  });

  it('restarts a container whose liveness probe fails', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  nodeName: ${nodes[0].name}
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
`);
    const p = await until(
      'restarted by its liveness probe',
      async () => {
        const p = await pod('default', 'unhealthy');
        const cs = p.status?.containerStatuses?.[0];
        return cs?.restartCount >= 1 ? p : undefined;
      },
      40_000,
    );
    assert.ok(p.status.containerStatuses[0].lastState.terminated, 'the killed run is the last state');
    const events = JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=unhealthy', '-o', 'json'])).items as J[];
    const messages = events.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(messages.includes('Killing: Container app failed liveness probe, will be restarted'), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('Unhealthy: Liveness probe failed: cat: can\'t open \'/tmp/healthy\'')), messages.join('\n'));
  });

  it('reports a container ready only once its HTTP readiness probe passes', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: readyz}
spec:
  nodeName: ${nodes[1].name}
  containers:
  - name: web
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready.html, port: http}
      periodSeconds: 1
`);
    const notReady = await until('Running but not ready', async () => {
      const p = await pod('default', 'readyz');
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.started ? p : undefined;
    });
    assert.equal(notReady.status.containerStatuses[0].ready, false);
    const cond = notReady.status.conditions.find((c: J) => c.type === 'Ready');
    assert.deepEqual([cond.status, cond.message], ['False', 'containers with unready status: [web]']);
    const unhealthy = async () =>
      (JSON.parse(await ts.kubectl().ok(['get', 'events', '--field-selector', 'involvedObject.name=readyz,reason=Unhealthy', '-o', 'json'])).items as J[]).map((e) => e.message);
    await until('a failed readiness probe', async () => (await unhealthy()).includes('Readiness probe failed: HTTP probe failed with statuscode: 404'));
    assert.equal((await pod('default', 'readyz')).status.containerStatuses[0].ready, false);
    const web = (await podContainers(1, notReady.metadata.uid)).find((c) => c.Labels[CONTAINER_LABELS.containerName] === 'web')!;
    await execIn(dockers[1], web.Id, ['sh', '-c', 'echo ok > /www/ready.html']);
    const ready = await until('ready', async () => {
      const p = await pod('default', 'readyz');
      return p.status.containerStatuses[0].ready ? p : undefined;
    });
    assert.equal(ready.status.conditions.find((c: J) => c.type === 'Ready').status, 'True');
  });

  it('runs the preStop hook before stopping a deleted pod', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kubeshim-prestop-'));
    try {
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  nodeName: ${nodes[0].name}
  terminationGracePeriodSeconds: 2
  volumes: [{name: out, hostPath: {path: ${out}}}]
  containers:
  - name: app
    image: busybox:latest
    command: ["sleep", "3600"]
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo started > /out/poststart"]}}
      preStop: {exec: {command: ["sh", "-c", "echo stopping > /out/prestop"]}}
`);
      await until('hooked Running', async () => (await pod('default', 'hooked')).status?.phase === 'Running');
      assert.equal(readFileSync(join(out, 'poststart'), 'utf8'), 'started\n');
      await ts.kubectl().ok(['delete', 'pod', 'hooked', '--timeout=30s']);
      assert.equal(readFileSync(join(out, 'prestop'), 'utf8'), 'stopping\n');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('keeps the pause sandbox up, and it exits 0 at once on SIGTERM', async () => {
    const c = await dockers[0].createContainer({ Image: INFRA_IMAGE, Cmd: ['/pause'], Labels: { test: 'pause' } } as never);
    try {
      await c.start();
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await c.inspect()).State.Running, true);
      const t0 = Date.now();
      await c.stop({ t: 10 });
      assert.ok(Date.now() - t0 < 3000, 'stopped by SIGTERM, not by the SIGKILL after 10 s');
      assert.equal((await c.inspect()).State.ExitCode, 0);
    } finally {
      await c.remove({ force: true });
    }
  });

  it('adopts running containers after a control-plane restart instead of restarting them', async () => {
    const before = await pod('default', 'trio');
    const idsBefore = (await podContainers(0, before.metadata.uid)).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    await workers[0].stop();
    workers[0] = newWorker(0);
    await workers[0].start();
    // Several passes of the new worker.
    await new Promise((r) => setTimeout(r, 2500));
    const after = await pod('default', 'trio');
    const all = await podContainers(0, after.metadata.uid);
    assert.deepEqual(all.filter((c) => c.State === 'running').map((c) => c.Id).sort(), idsBefore);
    assert.equal(after.status.phase, 'Running');
    assert.equal(after.status.containerStatuses.find((c: J) => c.name === 'app').restartCount, 1);
    // Nothing changed, so nothing was written: the status is only updated when it differs.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await pod('default', 'trio')).metadata.resourceVersion, after.metadata.resourceVersion);
    // No duplicates: one instance per restart count per container.
    const keys = all.map((c) => `${c.Labels[CONTAINER_LABELS.role]}/${c.Labels[CONTAINER_LABELS.containerName]}/${c.Labels[CONTAINER_LABELS.restartCount]}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('removes the containers of pods that no longer exist', async () => {
    const p = await pod('default', 'web');
    await workers[1].stop();
    // Deleted while no worker watched (forced, as after a host outage): nothing left to stop it.
    await ts.kubectl().ok(['delete', 'pod', 'web', '--grace-period=0', '--force']);
    assert.ok((await podContainers(1, p.metadata.uid)).some((c) => c.State === 'running'));
    workers[1] = newWorker(1);
    await workers[1].start();
    await until('orphans removed', async () => (await podContainers(1, p.metadata.uid)).length === 0);
  });
});
