// `kubeshim node add|remove` against a running server, on the real test bed: a host joins at run
// time (its endpoint stored in the API, so it survives a restart), runs a pod, and leaves again
// drained with nothing of kubeshim's left on it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve, type RunningServer } from '../../lib/api/server.js';
import { startTestbed, type Testbed, type TestHost } from '../testbed/testbed.js';
import { Kubectl, kubectlPath, runProcess, type RunResult } from '../helpers/kubectl.js';
import { until } from '../helpers/wait.js';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '..', '..');

/** Runs the real CLI (lib/cli.ts main) in its own process, as a user runs `kubeshim`. */
function kubeshim(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return runProcess(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./lib/cli.ts'); process.exitCode = await main(process.argv.slice(1));", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', KUBESHIM_LOG_LEVEL: 'warn' },
    timeoutMs,
    what: `kubeshim ${args.join(' ')}`,
  });
}

function addArgs(h: TestHost, extra: string[]): string[] {
  return ['node', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', h.user, '--identity-file', h.identityFile, '--docker-socket', h.dockerSocket, ...extra];
}

describe('kubeshim node add and remove at run time', function () {
  this.timeout(120_000);
  let tb: Testbed;
  let server: RunningServer;
  let k: Kubectl;
  let dataDir: string;
  let cacheDir: string;
  let h1: TestHost;
  let h2: TestHost;
  const start = async () => {
    server = await serve({ dataDir, listen: `127.0.0.1:${server?.port ?? 0}`, config: {}, nodeHeartbeatMs: 2000, metricsIntervalMs: 3000 });
  };
  const docker = async (h: TestHost, cmd: string) => {
    const r = await tb.exec(h.name, `docker -H unix://${h.dockerSocket} ${cmd}`);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 2, images: ['busybox:latest'] });
    [h1, h2] = tb.hosts;
    dataDir = mkdtempSync(join(tmpdir(), 'kubeshim-membership-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'kubeshim-kubectl-'));
    await start();
    k = new Kubectl(kubectlPath('1.32'), server.kubeconfigPath, cacheDir);
  });
  after(async () => {
    await server?.close();
    await tb?.stop();
    for (const d of [dataDir, cacheDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('has no node metrics while no host serves (kubectl top node)', async () => {
    assert.match(await k.fails(['top', 'node']), /^error: metrics not available yet\s*$/m);
  });

  it('refuses a host whose key is not the pinned one, in one line naming the cause, and stores nothing', async () => {
    const r = await kubeshim([...addArgs(h1, ['--host-key', h2.hostKey]), '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^error: cannot add node h1: HostKeyMismatch: host key verification failed for ${h1.address.replace(/\./g, '\\.')}:${h1.port}: expected ssh-ed25519 SHA256:\\S+ .*host presented ssh-ed25519 SHA256:\\S+`));
    assert.match(await k.fails(['get', 'node', 'h1']), /NotFound/);
    assert.equal(await k.ok(['get', 'secrets', '-n', 'kube-system', '-l', 'kubeshim.io/node-endpoint', '-o', 'name']), '');
  });

  it('refuses flags the cluster file would refuse, naming the flag', async () => {
    const r = await kubeshim(['node', 'add', 'h1', '--address', h1.address, '--identity-file', h1.identityFile, '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: --host-key: required .*--known-hosts, or --trust-on-first-use\n$/);
  });

  it('adds a host: its Node turns Ready with the given labels and runs a pod', async () => {
    const r = await kubeshim([...addArgs(h1, ['--host-key', h1.hostKey, '--label', 'tier=edge']), '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^node\/h1 added \(.*docker:\/\/.*\): Ready$/m);
    const node = JSON.parse(await k.ok(['get', 'node', 'h1', '-o', 'json']));
    assert.equal(node.metadata.labels.tier, 'edge');
    assert.equal(node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address, h1.address);
    // The endpoint is a Secret of the standard SSH type; the key never appears in the log or the Node.
    const secret = JSON.parse(await k.ok(['get', 'secret', 'kubeshim-node-h1', '-n', 'kube-system', '-o', 'json']));
    assert.equal(secret.type, 'kubernetes.io/ssh-auth');
    assert.ok(secret.data['ssh-privatekey']);
    assert.deepEqual(secret.metadata.finalizers, ['kubeshim.io/host-cleanup']);
    await k.ok(['run', 'web', '--image=busybox:latest', '--overrides={"spec":{"nodeName":"h1","terminationGracePeriodSeconds":3}}', '--', 'sleep', '3600']);
    await until('pod web Running', async () => (await k.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'])) === 'Running', 40_000);
    assert.notEqual(await docker(h1, 'ps -q --filter label=io.kubeshim.node=h1'), '');
  });

  it('says so when the node was already added', async () => {
    const r = await kubeshim([...addArgs(h1, ['--host-key', h1.hostKey]), '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: node h1 was already added/);
  });

  it('keeps the host after a server restart, and its pod running', async () => {
    const before = await k.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.containerStatuses[0].containerID}']);
    await server.close();
    const renewed = await k.run(['get', 'lease', 'h1', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime}']).catch(() => undefined);
    assert.equal(renewed?.code ?? 1, 1, 'the server is down');
    const stoppedAt = Date.now();
    await start();
    await until('h1 heartbeats again', async () => Date.parse(await k.ok(['get', 'lease', 'h1', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime}'])) > stoppedAt, 30_000);
    assert.match(await k.ok(['get', 'nodes']), /^h1\s+Ready\s/m);
    assert.equal(await k.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.containerStatuses[0].containerID}']), before);
  });

  it('refuses to remove a node it did not add while a server manages it', async () => {
    // A Node with a live Lease but no endpoint: what a cluster-file node looks like from the API.
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'filed' } }) });
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'filed', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'filed', leaseDurationSeconds: 40, renewTime } }) });
    const r = await kubeshim(['node', 'remove', 'filed', '--force', '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: node filed was not added with "kubeshim node add": a running server manages it from its cluster file/);
    assert.match(await k.ok(['get', 'node', 'filed']), /^filed\s/m);
    await k.ok(['delete', 'lease', 'filed', '-n', 'kube-node-lease']);
    // With the Lease gone nobody manages it: --force deletes the leftover Node.
    const stale = await kubeshim(['node', 'remove', 'filed', '--kubeconfig', server.kubeconfigPath]);
    assert.match(stale.stderr, /use --force/);
    const forced = await kubeshim(['node', 'remove', 'filed', '--force', '--kubeconfig', server.kubeconfigPath]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await k.fails(['get', 'node', 'filed']), /NotFound/);
  });

  it('removes the host: drained, Node and Lease gone, nothing of kubeshim left on the host', async () => {
    const r = await kubeshim(['node', 'remove', 'h1', '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^node\/h1 cordoned\n(.*\n)*pod\/web (deleted|evicted)\n(.*\n)*node\/h1 drained\nnode\/h1 removed\n$/);
    assert.match(await k.fails(['get', 'pod', 'web']), /NotFound/);
    assert.match(await k.fails(['get', 'node', 'h1']), /NotFound/);
    assert.match(await k.fails(['get', 'lease', 'h1', '-n', 'kube-node-lease']), /NotFound/);
    assert.match(await k.fails(['get', 'secret', 'kubeshim-node-h1', '-n', 'kube-system']), /NotFound/);
    assert.equal(await docker(h1, 'ps -aq --filter label=io.kubeshim.node'), '');
    assert.equal(await docker(h1, 'network ls -q --filter name=^kubeshim$'), '');
    assert.equal(await docker(h1, 'images -q kubeshim/pause'), '');
    // The test bed's other images stay.
    assert.notEqual(await docker(h1, 'images -q busybox:latest'), '');
    // The server stopped managing it: a new node of that name can join again.
    const again = await kubeshim([...addArgs(h1, ['--trust-on-first-use']), '--kubeconfig', server.kubeconfigPath]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /accepted host key ssh-ed25519 SHA256:\S+ of .* on first use/);
    const pinned = JSON.parse(Buffer.from(JSON.parse(await k.ok(['get', 'secret', 'kubeshim-node-h1', '-n', 'kube-system', '-o', 'json'])).data['endpoint.json'], 'base64').toString());
    assert.equal(pinned.hostKey.split(' ').slice(0, 2).join(' '), h1.hostKey.split(' ').slice(0, 2).join(' '));
    const gone = await kubeshim(['node', 'remove', 'h1', '--kubeconfig', server.kubeconfigPath]);
    assert.equal(gone.code, 0, gone.stderr);
  });

  it('adds a host trusted by a known_hosts file, and removes it unreachable with --force: pods deleted at once, Node gone, host left as it is', async () => {
    // The host key from a known_hosts file this time; the stored endpoint pins it.
    const r = await kubeshim([...addArgs(h2, ['--known-hosts', tb.knownHostsFile]), '--kubeconfig', server.kubeconfigPath]);
    assert.equal(r.code, 0, r.stderr);
    await k.ok(['run', 'stuck', '--image=busybox:latest', '--overrides={"spec":{"nodeName":"h2"}}', '--', 'sleep', '3600']);
    await until('pod stuck Running', async () => (await k.ok(['get', 'pod', 'stuck', '-o', 'jsonpath={.status.phase}'])) === 'Running', 40_000);
    await tb.disconnect('h2');
    try {
      const gone = await kubeshim(['node', 'remove', 'h2', '--force', '--kubeconfig', server.kubeconfigPath]);
      assert.equal(gone.code, 0, gone.stdout + gone.stderr);
      assert.match(gone.stdout, /pod\/stuck deleted\n(.*\n)*node\/h2 removed\n$/);
      assert.match(await k.fails(['get', 'pod', 'stuck']), /NotFound/);
      assert.match(await k.fails(['get', 'node', 'h2']), /NotFound/);
    } finally {
      await tb.reconnect('h2');
    }
    // Nothing reached the host: its containers are still there for the operator to see.
    assert.notEqual(await docker(h2, 'ps -aq --filter label=io.kubeshim.node=h2'), '');
  });
});
