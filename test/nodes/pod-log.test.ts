// `kubectl logs` against pods on a Docker host reached over SSH: the pods/log subresource reads the
// container's Docker log and answers as kube-apiserver (LogREST + the kubelet's containerLogs) does.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openDockerStreams } from '../../lib/nodes/docker-client.js';
import { until as waitUntil } from '../helpers/wait.js';
import type { Kubectl } from '../helpers/kubectl.js';

const until = (what: string, cond: () => Promise<boolean>, ms = 40_000) => waitUntil(what, cond, ms);

const pod = (name: string, containers: Array<{ name: string; script: string; mounts?: unknown[] }>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    nodeName: 'h1',
    terminationGracePeriodSeconds: 1,
    containers: containers.map((c) => ({ name: c.name, image: 'busybox:latest', command: ['sh', '-c', c.script], volumeMounts: c.mounts, tty: name === 'terminal' || undefined })),
    ...extra,
  },
});

// Starts once per process in the emptyDir: the first run exits 1, the restarted one stays up.
const CRASH_ONCE = 'n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run $n; if [ $n -lt 2 ]; then exit 1; fi; sleep 3600';

const PODS = [
  pod('counter', [{ name: 'counter', script: 'for i in 1 2 3; do echo line $i; done; sleep 3600' }]),
  pod('two', [
    { name: 'a', script: 'echo from a; sleep 3600' },
    { name: 'b', script: 'echo from b >&2; sleep 3600' },
  ]),
  pod('ticker', [{ name: 'ticker', script: 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.5; done' }]),
  pod('terminal', [{ name: 'terminal', script: 'echo on a tty; sleep 3600' }]),
  pod('gated', [{ name: 'main', script: 'echo never' }], { initContainers: [{ name: 'gate', image: 'busybox:latest', command: ['sleep', '3600'] }] }),
  pod('crash', [{ name: 'crash', script: CRASH_ONCE, mounts: [{ name: 'data', mountPath: '/data' }] }], { volumes: [{ name: 'data', emptyDir: {} }] }),
];

describe('kubectl logs (pods/log from Docker over SSH)', function () {
  this.timeout(30_000);
  let tb: Testbed;
  let t: TestServer;
  let k: Kubectl;

  const phase = async (name: string) => k.ok(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']);

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 1, images: ['busybox:latest'] });
    t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 2000 });
    k = t.kubectl('1.32');
    await until('node h1 Ready', async () => /^h1\s+Ready\s/m.test(await k.ok(['get', 'nodes'])), 60_000);
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: PODS }) });
    await until('pods running', async () => {
      const out = await k.ok(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}']);
      return ['counter', 'two', 'ticker', 'terminal'].every((n) => out.includes(`${n}=Running`));
    }, 60_000);
  });
  after(async function () {
    this.timeout(60_000);
    await t?.stop();
    await tb?.stop();
  });

  it('prints what the container wrote', async () => {
    await until('three lines', async () => (await k.ok(['logs', 'counter'])) === 'line 1\nline 2\nline 3\n', 10_000);
  });

  it('prints only the last lines with --tail, and stops at --limit-bytes', async () => {
    assert.equal(await k.ok(['logs', 'counter', '--tail=1']), 'line 3\n');
    assert.equal(await k.ok(['logs', 'counter', '--limit-bytes=9']), 'line 1\nli');
  });

  it('filters by --since and --since-time, and rejects invalid options as kube-apiserver does', async () => {
    assert.equal(await k.ok(['logs', 'counter', '--since=1h']), 'line 1\nline 2\nline 3\n');
    assert.equal(await k.ok(['logs', 'counter', `--since-time=${new Date(Date.now() + 3_600_000).toISOString()}`]), '');
    const bad = await k.fails(['get', '--raw', '/api/v1/namespaces/default/pods/counter/log?tailLines=-1']);
    assert.match(bad, /tailLines: Invalid value: -1: must be greater than or equal to 0/);
  });

  it('passes a TTY container\'s output through as the terminal wrote it', async () => {
    assert.equal(await k.ok(['logs', 'terminal']), 'on a tty\r\n');
  });

  it('prefixes each line with its RFC 3339 time with --timestamps', async () => {
    const lines = (await k.ok(['logs', 'counter', '--timestamps'])).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    for (const [i, l] of lines.entries()) {
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z) line (\d)$/.exec(l);
      assert.ok(m, l);
      assert.equal(m[2], String(i + 1));
      assert.ok(Math.abs(Date.parse(m[1]) - Date.now()) < 5 * 60_000, l);
    }
  });

  it('reads the container named with -c, stderr included, and asks for a name when the pod has several', async () => {
    assert.equal(await k.ok(['logs', 'two', '-c', 'b']), 'from b\n');
    assert.equal(await k.ok(['logs', 'two', '-c', 'a']), 'from a\n');
    // kubectl itself defaults to the first container ("Defaulted container"); the server's answer shows through --raw.
    const noName = await k.fails(['get', '--raw', '/api/v1/namespaces/default/pods/two/log']);
    assert.match(noName, /Error from server \(BadRequest\): a container name must be specified for pod two, choose one of: \[a b\]/);
    // kubectl checks -c against the spec itself; the server's own check shows through --raw.
    assert.match(await k.fails(['get', '--raw', '/api/v1/namespaces/default/pods/two/log?container=nope']), /Error from server \(BadRequest\): container nope is not valid for pod two/);
  });

  it('answers NotFound for a pod that does not exist', async () => {
    assert.match(await k.fails(['get', '--raw', '/api/v1/namespaces/default/pods/ghost/log']), /Error from server \(NotFound\): pods "ghost" not found/);
  });

  it('streams lines written later with -f, and lets go of Docker when the client goes away', async () => {
    // A -f stream holds a Docker channel of its own over the node's SSH connection (short calls share a pool).
    const dockerConns = async () => openDockerStreams(t.server.nodes.host('h1')!.docker);
    const before = await dockerConns();
    const child = spawn(k.bin, [`--kubeconfig=${k.kubeconfig}`, `--cache-dir=${k.cacheDir}`, 'logs', '-f', '--tail=1', 'ticker'], {
      env: { PATH: process.env.PATH ?? '', HOME: k.cacheDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      await until(`three ticks (stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)})`, async () => out.split('\n').length > 3, 10_000);
      const ticks = out.trimEnd().split('\n').map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]));
      assert.ok(ticks.every((n, i) => i === 0 || n === ticks[i - 1] + 1), out);
      assert.equal(child.exitCode, null, 'still following');
      assert.ok((await dockerConns()) > before, `the log stream holds a Docker connection (${before} before, ${await dockerConns()} now)`);
    } finally {
      child.kill('SIGKILL');
    }
    await until('the Docker log stream closed', async () => (await dockerConns()) <= before, 5_000);
  });

  it('answers a -f request at once even before the container writes anything', async () => {
    // client-go logs the status line (-v=6) when the response headers arrive.
    const child = spawn(k.bin, [`--kubeconfig=${k.kubeconfig}`, `--cache-dir=${k.cacheDir}`, '-v=6', 'logs', '-f', 'gated', '-c', 'gate'], {
      env: { PATH: process.env.PATH ?? '', HOME: k.cacheDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      await until(`the 200 answer (stderr ${JSON.stringify(err)})`, async () => /GET \S+\/pods\/gated\/log\?container=gate&follow=true 200 OK/.test(err), 5_000);
      assert.equal(child.exitCode, null, 'still following');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('ends a -f stream when the container exits', async () => {
    const brief = pod('brief', [{ name: 'brief', script: 'echo first; sleep 3; echo last' }], { restartPolicy: 'Never' });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(brief) });
    await until('brief Running', async () => (await phase('brief')) === 'Running', 10_000);
    const t0 = Date.now();
    assert.equal(await k.ok(['logs', '-f', 'brief'], { timeoutMs: 20_000 }), 'first\nlast\n');
    assert.ok(Date.now() - t0 < 10_000);
    await until('brief Succeeded', async () => (await phase('brief')) === 'Succeeded', 10_000);
  });

  it('reads the run before the last restart with --previous', async () => {
    await until('crash restarted and running', async () => {
      const p = JSON.parse(await k.ok(['get', 'pod', 'crash', '-o', 'json']));
      const s = p.status?.containerStatuses?.[0];
      return !!s?.state?.running && s.restartCount >= 1;
    }, 20_000);
    assert.equal(await k.ok(['logs', 'crash']), 'run 2\n');
    assert.equal(await k.ok(['logs', 'crash', '--previous']), 'run 1\n');
    assert.match(await k.fails(['logs', 'counter', '--previous']), /Error from server \(BadRequest\): previous terminated container "counter" in pod "counter" not found/);
  });

  it('says a container is still waiting when it has not started', async () => {
    assert.match(await k.fails(['logs', 'gated']), /Error from server \(BadRequest\): container "main" in pod "gated" is waiting to start: (PodInitializing|ContainerCreating)/);
  });

  it('fails with the cause when the pod\'s node is not one this server manages', async () => {
    await k.ok(['run', 'elsewhere', '--image=busybox:latest', '--overrides={"spec":{"nodeName":"h-none"}}']);
    assert.match(await k.fails(['logs', 'elsewhere']), /Error from server \(InternalError\): Internal error occurred: node "h-none" of pod "elsewhere" is not managed by this server/);
  });

  // Last: the host's Docker stays down until the bed is torn down.
  it('answers ServiceUnavailable with the cause when the host\'s Docker is down', async () => {
    await tb.stopDocker('h1');
    assert.match(
      await k.fails(['logs', 'counter']),
      /Error from server \(ServiceUnavailable\): node "h1" is unavailable, cannot read logs of pod "counter": cannot open unix socket \S+docker\.sock on node h1/,
    );
  });
});
