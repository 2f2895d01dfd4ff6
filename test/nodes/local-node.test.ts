// This machine's Docker engine as a node (`local: true`, no SSH): the local HostConnection on its
// own (processes, process groups, sockets, the retry until Docker answers), the decision `kubeshim
// serve` takes to add it, and, on the real test bed, a Node served that way and driven with stock
// kubectl. A test-bed host's dockerd stands in for "this machine's engine": its socket is a file on
// this machine, while its containers live in the host's network namespace — so nothing here reaches
// a pod IP from this machine (no TCP probes, no port-forward).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { hostname, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { LocalHostConnection } from '../../lib/nodes/local-connection.js';
import { localAddress, localDockerSocket, localNodeEndpoint, localNodeName, pingDocker } from '../../lib/nodes/local-node.js';
import { createHostConnection } from '../../lib/nodes/ssh-connection.js';
import { ENDPOINT_KEY, endpointFromSecret, endpointSecret } from '../../lib/nodes/node-membership.js';
import { HOST_STATE_DIR } from '../../lib/nodes/container-spec.js';
import { CONTAINER_LABELS, type HostFault } from '../../lib/nodes/types.js';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Kubectl, kubectlPath } from '../helpers/kubectl.js';
import { until } from '../helpers/wait.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const ROOT = resolve(new URL('.', import.meta.url).pathname, '..', '..');

/** Whether a process still runs (a zombie does not count: it has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

function listen(server: NetServer | HttpServer, path: string): Promise<void> {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(path, () => res());
  });
}

describe('Local host connection (no SSH)', function () {
  this.timeout(20_000);
  let dir: string;
  const conns: LocalHostConnection[] = [];
  const servers: Array<NetServer | HttpServer> = [];
  const conn = (dockerSocket?: string) => {
    const c = new LocalHostConnection({ name: 'here', address: '127.0.0.1', local: true, dockerSocket }, { backoff: { initialMs: 50, maxMs: 200 } });
    conns.push(c);
    return c;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-local-'));
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is what createHostConnection returns for a local endpoint', () => {
    const c = createHostConnection({ name: 'here', address: '127.0.0.1', local: true });
    assert.ok(c instanceof LocalHostConnection);
    void c.close();
  });

  it('runs commands with sh -c here: output, exit code, stdin, death by signal as 128+N', async () => {
    const c = conn();
    assert.deepEqual(await c.exec('echo out; echo err >&2; exit 3'), { code: 3, stdout: 'out\n', stderr: 'err\n' });
    assert.equal((await c.exec('tr a-z A-Z', { stdin: 'hello' })).stdout, 'HELLO');
    assert.equal((await c.exec('kill -KILL $$')).code, 137);
    assert.equal((await c.exec('hostname')).stdout.trim(), hostname());
  });

  it('kills the whole process group of a command that times out or is aborted', async () => {
    const c = conn();
    for (const how of ['timeout', 'abort'] as const) {
      const pidFile = join(dir, `${how}.pid`);
      const ac = new AbortController();
      const p = c.exec(`sleep 60 & echo $! > ${pidFile}; wait`, how === 'timeout' ? { timeoutMs: 500 } : { signal: ac.signal });
      await until('the background sleep started', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 20);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(running(pid));
      if (how === 'abort') ac.abort();
      await assert.rejects(p, how === 'timeout' ? /^Error: command on node here timed out after 500 ms: sleep 60/ : /^Error: command on node here aborted: sleep 60/);
      await until(`the ${how} killed the command's background process`, () => !running(pid), 3000, 20);
    }
  });

  it('is down with DockerSocketUnavailable naming the path while the socket is missing, and ready once it answers', async () => {
    const path = join(dir, 'later.sock');
    const c = conn(path);
    const downs: HostFault[] = [];
    c.on('down', (f: HostFault) => downs.push(f));
    const ready = new Promise<void>((r) => c.once('ready', r));
    await assert.rejects(c.start(), (e: Error & { fault?: HostFault }) => {
      assert.equal(e.fault?.reason, 'DockerSocketUnavailable');
      assert.equal(e.fault?.message, `docker socket ${path} does not exist on this machine (node here, connect ENOENT): is Docker running here? (set dockerSocket if it listens elsewhere)`);
      return true;
    });
    assert.equal(c.state, 'down');
    assert.equal(c.fault?.reason, 'DockerSocketUnavailable');
    assert.equal(downs[0]?.reason, 'DockerSocketUnavailable');
    // Docker "comes up": the retry finds the socket.
    const server = createNetServer((s) => s.end());
    servers.push(server);
    await listen(server, path);
    await ready;
    assert.equal(c.state, 'ready');
    assert.equal(c.fault, undefined);
    const s = await c.openStreamLocal(path);
    s.destroy();
  });

  it('opens TCP connections from here, and names the OS error when one is refused', async () => {
    const c = conn();
    const server = createNetServer((s) => s.end('hi'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const sock = await c.openTcp('127.0.0.1', port);
    const got = await new Promise<string>((r) => {
      let buf = '';
      sock.on('data', (d: Buffer) => (buf += d));
      sock.on('end', () => r(buf));
    });
    assert.equal(got, 'hi');
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(c.openTcp('127.0.0.1', port), (e: Error & { fault?: HostFault }) => {
      assert.deepEqual(e.fault, { reason: 'HostUnreachable', message: `cannot connect to 127.0.0.1:${port} from node here: connect ECONNREFUSED` });
      return true;
    });
  });

  it('close() ends the commands still running, and refuses new ones', async () => {
    const c = conn();
    const pidFile = join(dir, 'close.pid');
    const p = c.exec(`sleep 60 & echo $! > ${pidFile}; wait`);
    await until('the background sleep started', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 20);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const closed = new Promise<void>((r) => c.once('closed', r));
    await c.close();
    await closed;
    assert.equal(c.state, 'closed');
    await assert.rejects(p, /the connection was closed/);
    await until('the command group killed', () => !running(pid), 3000, 20);
    await assert.rejects(c.exec('true'), /connection to node here is closed/);
  });
});

describe('kubeshim serve: whether this machine becomes a node', () => {
  let dir: string;
  let server: HttpServer | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-local-'));
  });
  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the node after the host name, as a lowercase RFC 1123 name of at most 63 characters', () => {
    assert.equal(localNodeName('VM'), 'vm');
    assert.equal(localNodeName('My_Host.Example.COM'), 'my-host.example.com');
    assert.equal(localNodeName('-odd-..name-'), 'odd.name');
    assert.equal(localNodeName(''), 'localhost');
    const long = localNodeName('a'.repeat(60) + '.bcd-efg');
    assert.equal(long, 'a'.repeat(60) + '.bc');
  });

  it("takes this machine's first non-internal IPv4 address, before container bridges, else 127.0.0.1", () => {
    const ifc = (address: string, internal = false, family = 'IPv4') => ({ address, internal, family, netmask: '', mac: '', cidr: null }) as J;
    assert.equal(localAddress({ lo: [ifc('127.0.0.1', true)], docker0: [ifc('172.17.0.1')], eth0: [ifc('fd00::2', false, 'IPv6'), ifc('192.0.2.2')] }), '192.0.2.2');
    assert.equal(localAddress({ lo: [ifc('127.0.0.1', true)], 'br-1234': [ifc('172.18.0.1')] }), '172.18.0.1');
    assert.equal(localAddress({ lo: [ifc('127.0.0.1', true)] }), '127.0.0.1');
  });

  it('uses DOCKER_HOST when it is a unix socket, else /var/run/docker.sock', () => {
    assert.equal(localDockerSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), '/run/user/1000/docker.sock');
    assert.equal(localDockerSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }), '/var/run/docker.sock');
    assert.equal(localDockerSocket({}), '/var/run/docker.sock');
  });

  it('adds this machine when its engine answers and the cluster file does not list it', async () => {
    const pinged: string[] = [];
    const ping = async (s: string) => (pinged.push(s), undefined);
    const ssh = { name: 'node-1', address: '192.0.2.21', identityFile: '/k', hostKey: 'ssh-ed25519 AAAA' };
    assert.deepEqual(await localNodeEndpoint({ nodes: [ssh] }, { DOCKER_HOST: 'unix:///x/d.sock' }, { hostname: 'Build-01', ping }), {
      add: true,
      socket: '/x/d.sock',
      endpoint: { name: 'build-01', local: true, dockerSocket: '/x/d.sock' },
    });
    assert.deepEqual(pinged, ['/x/d.sock']);
    const declared = await localNodeEndpoint({ nodes: [ssh, { name: 'me', local: true }] }, {}, { hostname: 'build-01', ping });
    assert.deepEqual(declared, { add: false, reason: 'declared', message: 'the cluster file lists node me as this machine (local: true)' });
    const sameName = await localNodeEndpoint({ nodes: [{ ...ssh, name: 'build-01' }] }, {}, { hostname: 'BUILD-01', ping });
    assert.deepEqual(sameName, { add: false, reason: 'declared', message: 'the cluster file lists a node named build-01' });
    assert.equal(pinged.length, 1, 'a listed machine is not probed');
    const none = await localNodeEndpoint({}, {}, { hostname: 'h', ping: async () => 'connect ENOENT' });
    assert.deepEqual(none, { add: false, reason: 'unavailable', message: 'no local Docker engine found (unix:///var/run/docker.sock: connect ENOENT)' });
  });

  it('never takes a local node from an endpoint Secret (nodes added at run time are SSH hosts)', () => {
    const secret = endpointSecret({ name: 'sneaky', address: '192.0.2.9', hostKey: 'ssh-ed25519 AAAA', local: true } as never, 'key');
    const stored = JSON.parse(Buffer.from(secret.data[ENDPOINT_KEY], 'base64').toString());
    secret.data[ENDPOINT_KEY] = Buffer.from(JSON.stringify({ ...stored, local: true })).toString('base64');
    assert.throws(() => endpointFromSecret(secret), /^Error: secret kube-system\/kubeshim-node-sneaky: local: a node added at run time is reached over SSH/);
  });

  it('pings the Engine with GET /_ping on its socket', async () => {
    const path = join(dir, 'engine.sock');
    let status = 200;
    server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? status : 404;
      res.end(status === 200 ? 'OK' : 'broken');
    });
    await listen(server, path);
    assert.equal(await pingDocker(path), undefined);
    status = 500;
    assert.equal(await pingDocker(path), 'GET /_ping answered 500: broken');
    assert.equal(await pingDocker(join(dir, 'missing.sock')), 'connect ENOENT');
  });
});

/** `kubeshim serve` as a user runs it (lib/cli.ts main, in its own process), until its banner is out. */
async function runServe(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; banner: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./lib/cli.ts'); process.exitCode = await main(process.argv.slice(1));", 'serve', ...args],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', KUBESHIM_LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const banner = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`kubeshim serve printed no banner within 60 s\nstdout: ${out}\nstderr: ${err}`)), 60_000);
    child.stdout!.on('data', () => {
      if (out.includes('kubectl get namespaces')) {
        clearTimeout(timer);
        res(out);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`kubeshim serve exited ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  return { child, banner };
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

describe("This machine's Docker engine as a node (local: true), driven with kubectl", function () {
  this.timeout(120_000);
  let tb: Testbed;
  let ts: TestServer;
  let k: Kubectl;
  let socket: string;
  let missing: string;
  let docker: Docker;
  const children: ChildProcess[] = [];
  const cacheDirs: string[] = [];

  const readyOf = (node: J) => node.status?.conditions?.find((c: J) => c.type === 'Ready');
  const node = async (name: string) => JSON.parse(await k.ok(['get', 'node', name, '-o', 'json']));

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 1, images: ['busybox:latest'] });
    socket = tb.hosts[0].dockerSocket;
    missing = join(tb.dir, 'no-docker-here', 'docker.sock');
    docker = new Docker({ socketPath: socket });
    ts = await startTestServer(
      {
        nodes: [
          { name: 'local-1', local: true, dockerSocket: socket },
          { name: 'local-gone', local: true, dockerSocket: missing },
        ],
      },
      { nodeHeartbeatMs: 2000 },
    );
    k = ts.kubectl('1.32');
  });
  after(async () => {
    for (const c of children) await stopServe(c);
    if (k) await k.run(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 }).catch(() => undefined);
    await ts?.stop();
    // The bed's host shares this machine's /var/lib: drop kubeshim's state dirs if the pods left them empty.
    for (const d of [`${HOST_STATE_DIR}/pods`, HOST_STATE_DIR]) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (another suite's pods) or already gone: leave it.
      }
    }
    await tb?.stop();
    for (const d of cacheDirs) rmSync(d, { recursive: true, force: true });
  });

  it("registers the Node Ready, with this machine's facts and the engine's runtime", async () => {
    await until('local-1 Ready', async () => /^local-1\s+Ready\s/m.test(await k.ok(['get', 'nodes'])), 30_000);
    const n = await node('local-1');
    assert.equal(readyOf(n).reason, 'KubeletReady');
    const engine = await docker.version();
    assert.equal(n.status.nodeInfo.containerRuntimeVersion, `docker://${engine.Version}`);
    assert.match(n.status.nodeInfo.containerRuntimeVersion, /^docker:\/\/\d/);
    assert.equal(n.status.nodeInfo.kernelVersion, release());
    // Read by local commands, not by Docker: this machine's boot id and host name.
    assert.equal(n.status.nodeInfo.bootID, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    assert.deepEqual(n.status.addresses, [
      { type: 'InternalIP', address: localAddress() },
      { type: 'Hostname', address: hostname() },
    ]);
    assert.equal(n.metadata.labels['kubernetes.io/hostname'], 'local-1');
    assert.equal(n.status.capacity.pods, '110');
    assert.match(n.spec.podCIDR, /^10\.244\.\d+\.0\/24$/);
  });

  it('runs a pod pinned to it with spec.nodeName; kubectl logs and kubectl exec work', async () => {
    await k.ok(['run', 'hello', '--image=busybox:latest', '--restart=Never', '--overrides={"spec":{"nodeName":"local-1","terminationGracePeriodSeconds":1}}', '--command', '--', 'sh', '-c', 'echo hello from the local node; exec sleep 3600']);
    await until('pod hello Running', async () => (await k.ok(['get', 'pod', 'hello', '-o', 'jsonpath={.status.phase}'])) === 'Running', 60_000);
    const pod = JSON.parse(await k.ok(['get', 'pod', 'hello', '-o', 'json']));
    assert.equal(pod.status.hostIP, localAddress());
    const cidr = (await node('local-1')).spec.podCIDR.replace(/\.0\/24$/, '.');
    assert.ok(pod.status.podIP.startsWith(cidr), `${pod.status.podIP} in ${cidr}0/24`);
    // The containers run on the engine behind the local socket.
    const containers = await docker.listContainers({ filters: { label: [`${CONTAINER_LABELS.podUid}=${pod.metadata.uid}`] } });
    assert.equal(containers.length, 2, 'infra and app containers');
    assert.ok(containers.every((c) => c.Labels[CONTAINER_LABELS.node] === 'local-1'));
    await until('the log line', async () => (await k.ok(['logs', 'hello'])) === 'hello from the local node\n', 10_000);
    assert.equal((await k.ok(['exec', 'hello', '--', 'hostname'])).trim(), 'hello');
    const r = await k.run(['exec', 'hello', '--', 'sh', '-c', 'exit 7']);
    assert.equal(r.code, 7);
  });

  it('shows a local endpoint whose Docker socket does not exist NotReady, with DockerSocketUnavailable naming the path', async () => {
    await until('local-gone NotReady', async () => /^local-gone\s+NotReady\s/m.test(await k.ok(['get', 'nodes'])), 30_000);
    const ready = readyOf(await node('local-gone'));
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'DockerSocketUnavailable');
    assert.ok(ready.message.includes(missing), ready.message);
    assert.match(ready.message, /ENOENT/);
    const events = JSON.parse(await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=local-gone', '-o', 'json'])).items as J[];
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'DockerSocketUnavailable' && e.message.includes(missing)), JSON.stringify(events.map((e) => e.reason)));
  });

  it('turns NotReady when the engine stops and Ready again when it is back', async () => {
    await tb.stopDocker(tb.hosts[0].name);
    try {
      await until('local-1 NotReady', async () => /^local-1\s+NotReady\s/m.test(await k.ok(['get', 'nodes'])), 30_000);
      const ready = readyOf(await node('local-1'));
      assert.equal(ready.reason, 'DockerSocketUnavailable');
      assert.ok(ready.message.includes(socket), ready.message);
    } finally {
      await tb.startDocker(tb.hosts[0].name);
    }
    await until('local-1 Ready again', async () => /^local-1\s+Ready\s/m.test(await k.ok(['get', 'nodes'])), 30_000);
  });

  it('kubeshim serve adds the engine on DOCKER_HOST as a node named after this machine, unless --no-local-node', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubeshim-local-serve-'));
    cacheDirs.push(dataDir);
    const name = localNodeName();
    const served = await runServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0'], { DOCKER_HOST: `unix://${socket}` });
    children.push(served.child);
    assert.ok(served.banner.split('\n').includes(`Node ${name}: this machine's Docker engine (unix://${socket})`), served.banner);
    const cache = mkdtempSync(join(tmpdir(), 'kubeshim-kubectl-'));
    cacheDirs.push(cache);
    const kc = new Kubectl(kubectlPath('1.32'), join(dataDir, 'admin.kubeconfig'), cache);
    await until(`node ${name} Ready`, async () => new RegExp(`^${name.replace(/\./g, '\\.')}\\s+Ready\\s`, 'm').test(await kc.ok(['get', 'nodes'])), 30_000);
    await stopServe(served.child);

    // Asked not to: no node, and nothing said about one.
    const off = await runServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--no-local-node'], { DOCKER_HOST: `unix://${socket}` });
    children.push(off.child);
    assert.doesNotMatch(off.banner, /Docker engine/, off.banner);
    await stopServe(off.child);

    // No engine answers: one line saying so, and how to add hosts.
    const none = await runServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0'], { DOCKER_HOST: `unix://${missing}` });
    children.push(none.child);
    assert.ok(
      none.banner.split('\n').includes(`No local Docker engine found (unix://${missing}: connect ENOENT); add Docker hosts as nodes with "kubeshim node add" or nodes[] in the cluster file (config/README.md)`),
      none.banner,
    );
    await stopServe(none.child);
  });
});
