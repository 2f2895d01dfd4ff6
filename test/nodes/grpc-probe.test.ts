// gRPC probes as the kubelet runs them (grpc.health.v1.Health/Check over h2c): the client against
// a real HTTP/2 health server, then a liveness probe on the 3-host test bed that restarts a
// container once the server stops answering SERVING.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcHealthCheck, healthCheckRequest, healthCheckStatus } from '../../lib/nodes/grpc-probe.js';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import type { Kubectl } from '../helpers/kubectl.js';

const SERVER = new URL('./fixtures/grpc-health-server.mjs', import.meta.url).pathname;

function startHealthServer(argv: string[], prefix: string[] = []): Promise<ChildProcess> {
  const [cmd, ...args] = [...prefix, process.execPath, SERVER, ...argv];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`health server exited ${code}`)));
  });
}

describe('gRPC health probe client', () => {
  let dir: string;
  let server: ChildProcess;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const check = (service = '', timeoutMs = 1000) =>
    new Promise<string | undefined>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => grpcHealthCheck(sock, `127.0.0.1:${port}`, service, timeoutMs).then(resolve, reject));
      sock.once('error', reject);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-grpc-'));
    writeFileSync(join(dir, 'state'), 'SERVING');
    server = await startHealthServer([String(port), join(dir, 'state'), '127.0.0.1']);
  });
  after(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('frames the request and reads the status as protobuf', () => {
    assert.deepEqual([...healthCheckRequest('')], [0, 0, 0, 0, 0]);
    assert.deepEqual([...healthCheckRequest('db')], [0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62]);
    assert.equal(healthCheckStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 2])), 2);
    assert.equal(healthCheckStatus(Buffer.from([0, 0, 0, 0, 0])), 0);
  });

  it('succeeds on SERVING and reports other states and errors as the kubelet words them', async () => {
    assert.equal(await check(), undefined);
    assert.equal(await check('db'), undefined);
    writeFileSync(join(dir, 'state'), 'NOT_SERVING');
    assert.equal(await check(), 'service unhealthy (responded with "NOT_SERVING")');
    writeFileSync(join(dir, 'state'), 'UNIMPLEMENTED');
    assert.equal(await check(), 'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health');
    writeFileSync(join(dir, 'state'), 'SERVING');
  });

  it('times out on a server that does not speak HTTP/2', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const p = (silent.address() as { port: number }).port;
    const r = await new Promise<string | undefined>((resolve) => {
      const sock = connect(p, '127.0.0.1', () => void grpcHealthCheck(sock, `127.0.0.1:${p}`, '', 300).then(resolve));
    });
    silent.close();
    assert.equal(r, 'timeout: health rpc did not complete within 0.3s');
  });
});

describe('gRPC liveness probe on a Docker host', function () {
  this.timeout(120_000);
  let tb: Testbed;
  let t: TestServer;
  let k: Kubectl;
  let server: ChildProcess | undefined;
  let dir: string;
  const port = 20000 + Math.floor(Math.random() * 20000);

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 1, images: ['busybox:latest'] });
    t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 2000 });
    k = t.kubectl('1.32');
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-grpc-'));
    writeFileSync(join(dir, 'state'), 'SERVING');
    // In the host's network namespace: a hostNetwork pod's probe reaches it at the host's address.
    server = await startHealthServer([String(port), join(dir, 'state')], ['ip', 'netns', 'exec', tb.hosts[0].netns]);
  });
  after(async () => {
    server?.kill();
    await k?.run(['delete', 'pods', '--all', '--grace-period=1']).catch(() => undefined);
    await t?.stop();
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a SERVING container running, and restarts it once the server answers NOT_SERVING', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata: {name: grpc-live}
spec:
  nodeName: h1
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    command: [sleep, '3600']
    livenessProbe:
      grpc: {port: ${port}}
      periodSeconds: 1
      failureThreshold: 2
`,
    });
    await until('grpc-live Running', async () => (await k.ok(['get', 'pod', 'grpc-live', '-o', 'jsonpath={.status.phase}'])) === 'Running', 60_000);
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(await k.ok(['get', 'pod', 'grpc-live', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}']), '0', 'healthy: not restarted');
    writeFileSync(join(dir, 'state'), 'NOT_SERVING');
    await until('restart after the failed liveness probe', async () => Number(await k.ok(['get', 'pod', 'grpc-live', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])) >= 1, 60_000);
    writeFileSync(join(dir, 'state'), 'SERVING');
    const events = await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=grpc-live', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    assert.match(events, /Unhealthy: Liveness probe failed: service unhealthy \(responded with "NOT_SERVING"\)/);
    assert.match(events, /Killing: Container app failed liveness probe, will be restarted/);
  });
});
