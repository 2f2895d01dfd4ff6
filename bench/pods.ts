// Pod start latency (issue 3 figures) on the 3-host test bed, create → Running as seen through a
// watch, p50/p99, next to raw Docker over the same SSH links; then N pods created at once per host;
// then the memory one node costs the control plane.
// Run as root: node --expose-gc --import tsx bench/pods.ts [--pods 100] [--burst-per-host 30]
//
// Rows:
// - raw docker create+start: one busybox container, the floor any container start pays;
// - raw docker pod: what a pod is made of, by hand — the pause container on the node's pod network,
//   then the app container in its network namespace (create+start each), no kubeshim involved;
//   measured interleaved with kubeshim's pods in the same shape (so both meet the same machine):
// - pods one at a time on h1, then --pods pods over the 3 hosts, each host's next pod created when
//   its previous one is Running (a steady trickle; latency of one pod start);
// - burst: --burst-per-host pods per host created at once (throughput, and whether any fails).
// Memory of one node: heap (used + external, after a forced GC) with 3 nodes running the burst's pods,
// minus the same after one node is removed from the control plane (its pods stay stored, so the
// difference is the node's worker, informer cache, caches, SSH connection and Docker client).
import { cpus, totalmem } from 'node:os';
import { startTestbed } from '../test/testbed/testbed.js';
import { startTestServer } from '../test/helpers/server.js';
import { ApiClient } from '../test/helpers/http.js';
import { createHostConnection } from '../lib/nodes/ssh-connection.js';
import { createDockerClient } from '../lib/nodes/docker-client.js';
import { CONTAINER_LABELS, type DockerClient } from '../lib/nodes/types.js';
import { INFRA_IMAGE, PAUSE_PATH } from '../lib/nodes/infra-image.js';
import { POD_NETWORK } from '../lib/nodes/pod-network.js';

const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const PODS = arg('--pods', 100);
const BURST = arg('--burst-per-host', 30);

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;

function pod(name: string, node: string) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '3600'] }] } };
}

/** Watches pods; `running(name)` resolves with the time the watch first showed it Running. */
async function podWatch(api: ApiClient) {
  const seen = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const rv = (await api.get('/api/v1/namespaces/default/pods?limit=1')).json().metadata.resourceVersion;
  const w = await api.watch(`/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, (ev) => {
    const n = ev.object.metadata?.name;
    if (ev.object.status?.phase === 'Running' && !seen.has(n)) {
      seen.set(n, performance.now());
      waiters.get(n)?.();
    }
  });
  return {
    seen,
    running(name: string, timeoutMs: number): Promise<number | undefined> {
      if (seen.has(name)) return Promise.resolve(seen.get(name));
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(undefined), timeoutMs);
        waiters.set(name, () => {
          clearTimeout(t);
          resolve(seen.get(name));
        });
      });
    },
    close: () => w.close(),
  };
}

async function create(api: ApiClient, name: string, node: string): Promise<number | undefined> {
  const t0 = performance.now();
  const r = await api.request('POST', '/api/v1/namespaces/default/pods', { body: pod(name, node) });
  return r.code === 201 ? t0 : undefined;
}

/** Deletes every pod and waits until the hosts hold none of their containers (so phases do not overlap). */
async function deleteAll(api: ApiClient, dockers: DockerClient[]) {
  await api.request('DELETE', '/api/v1/namespaces/default/pods', { body: { gracePeriodSeconds: 0 } });
  const deadline = Date.now() + 180_000;
  while ((await api.get('/api/v1/namespaces/default/pods')).json().items.length && Date.now() < deadline) await sleep(200);
  for (const d of dockers) {
    while ((await d.listContainers({ all: true, filters: { label: [CONTAINER_LABELS.podUid] } })).length && Date.now() < deadline) await sleep(200);
  }
  await api.request('DELETE', '/api/v1/namespaces/default/events');
}

async function warnings(api: ApiClient): Promise<string[]> {
  const items = (await api.get('/api/v1/namespaces/default/events')).json().items as Array<{ type: string; reason: string; message: string }>;
  return items.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);
}

function heapMB(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
}

async function main() {
  const tb = await startTestbed({ hosts: 3, images: ['busybox:latest'] });
  const rows: string[] = ['| measurement | n | p50 ms | p99 ms | notes |', '|---|---|---|---|---|'];
  const notes: string[] = [];
  const conns = tb.nodes().map((ep) => createHostConnection(ep));
  try {
    await Promise.all(conns.map((c) => c.start()));
    const dockers = conns.map((c) => createDockerClient(c, { socketPath: c.endpoint.dockerSocket }));
    const docker = dockers[0]!;
    const raw: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '3600'], Labels: { 'kubeshim.bench': 'raw' } });
      await c.start();
      raw.push(performance.now() - t0);
      await c.remove({ force: true });
    }
    rows.push(`| raw docker create+start over SSH (h1, sequential) | 20 | ${pct(raw, 50).toFixed(0)} | ${pct(raw, 99).toFixed(0)} | one busybox container, default network |`);

    const t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 10_000 });
    const api = new ApiClient(t.server.kubeconfigPath);
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const nodes = (await api.get('/api/v1/nodes')).json().items;
        if (nodes.filter((n: { status?: { conditions?: Array<{ type: string; status: string }> } }) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 3) break;
        await sleep(200);
      }
      const hosts = tb.hosts.map((h) => h.name);
      // Warm-up: the infra image and the pod network are made once per host.
      let w = await podWatch(api);
      await Promise.all(hosts.map(async (h, i) => (await create(api, `warm-${i}`, h), w.running(`warm-${i}`, 60_000))));
      w.close();
      await deleteAll(api, dockers);

      // Raw Docker making what a pod is made of, by hand (the pod network and pause image exist now):
      // the pause container on the node's pod network, then the app container in its namespaces.
      // Measured interleaved with kubeshim's pods, each raw pod left running as the pods are, so
      // both meet the same machine and the same number of containers on the host.
      const rawPods: Array<{ d: DockerClient; ids: string[] }> = [];
      const rawPod = async (d: DockerClient) => {
        const t0 = performance.now();
        const infra = await d.createContainer({ Image: INFRA_IMAGE, Cmd: [PAUSE_PATH], Labels: { 'kubeshim.bench': 'raw' }, HostConfig: { NetworkMode: POD_NETWORK } });
        await infra.start();
        const app = await d.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '3600'], Labels: { 'kubeshim.bench': 'raw' }, HostConfig: { NetworkMode: `container:${infra.id}`, IpcMode: `container:${infra.id}` } });
        await app.start();
        rawPods.push({ d, ids: [app.id, infra.id] });
        return performance.now() - t0;
      };
      const removeRaw = () => Promise.all(rawPods.splice(0).map(async ({ d, ids }) => { for (const id of ids) await d.getContainer(id).remove({ force: true }); }));
      const kubePod = async (name: string, host: string) => {
        const t0 = await create(api, name, host);
        const t1 = t0 === undefined ? undefined : await w.running(name, 60_000);
        return t0 === undefined || t1 === undefined ? undefined : t1 - t0;
      };

      // One at a time on h1 alone.
      w = await podWatch(api);
      const rawOne: number[] = [];
      const one: number[] = [];
      for (let i = 0; i < 20; i++) {
        rawOne.push(await rawPod(docker));
        const ms = await kubePod(`s-${i}`, hosts[0]!);
        if (ms !== undefined) one.push(ms);
      }
      w.close();
      rows.push(`| raw docker "pod" over SSH, one at a time on h1: pause container on the pod network + app container in its netns | 20 | ${pct(rawOne, 50).toFixed(0)} | ${pct(rawOne, 99).toFixed(0)} | 2 × create+start, interleaved with the next row |`);
      rows.push(`| pod create → Running (watch), one at a time on h1 | ${one.length} | ${pct(one, 50).toFixed(0)} | ${pct(one, 99).toFixed(0)} | the same shape |`);
      await deleteAll(api, dockers);
      await removeRaw();

      // One in flight per host: the next of a host is made once its previous one runs.
      w = await podWatch(api);
      const rawPar: number[] = [];
      const seq: number[] = [];
      let seqFailed = 0;
      await Promise.all(
        hosts.map(async (h, hi) => {
          for (let i = hi; i < PODS; i += hosts.length) {
            rawPar.push(await rawPod(dockers[hi]!));
            const ms = await kubePod(`p-${i}`, h);
            if (ms === undefined) seqFailed++;
            else seq.push(ms);
          }
        }),
      );
      w.close();
      const seqWarnings = await warnings(api);
      rows.push(`| raw docker "pod" over SSH, ${PODS} on 3 hosts, one in flight per host | ${rawPar.length} | ${pct(rawPar, 50).toFixed(0)} | ${pct(rawPar, 99).toFixed(0)} | 2 × create+start, interleaved with the next row |`);
      rows.push(`| pod create → Running (watch), ${PODS} pods on 3 hosts, one in flight per host | ${seq.length} | ${pct(seq, 50).toFixed(0)} | ${pct(seq, 99).toFixed(0)} | not Running: ${seqFailed}, Warning events: ${seqWarnings.length} |`);
      notes.push(...seqWarnings.slice(0, 5));
      await deleteAll(api, dockers);
      await removeRaw();

      // BURST pods per host created at once.
      w = await podWatch(api);
      const names = Array.from({ length: BURST * hosts.length }, (_, i) => [`b-${i}`, hosts[i % hosts.length]!] as const);
      const tb0 = performance.now();
      const created = await Promise.all(names.map(([n, h]) => create(api, n, h)));
      const done = await Promise.all(names.map(([n]) => w.running(n, 300_000)));
      w.close();
      const burst = names.flatMap((_, i) => (created[i] !== undefined && done[i] !== undefined ? [done[i]! - created[i]!] : []));
      const last = Math.max(...done.filter((x): x is number => x !== undefined)) - tb0;
      const burstWarnings = await warnings(api);
      rows.push(`| ${BURST} pods per host created at once (${names.length} on 3 hosts) → Running | ${burst.length} | ${pct(burst, 50).toFixed(0)} | ${pct(burst, 99).toFixed(0)} | not Running: ${names.length - burst.length}, Warning events: ${burstWarnings.length}; all Running after ${(last / 1000).toFixed(1)} s (${((burst.length / last) * 1000).toFixed(1)} pods/s) |`);
      notes.push(...burstWarnings.slice(0, 5));

      // One node's memory: remove a node (its pods stay stored) and see what the process lets go.
      const rss = process.memoryUsage().rss / 2 ** 20;
      const with3 = heapMB();
      await t.server.nodes.remove(hosts[2]!);
      await sleep(1000);
      const with2 = heapMB();
      dockers.pop(); // its pods' containers stay on the host: nobody removes them now
      rows.push(`| memory of one node (worker with ${BURST} pods, agent, SSH + Docker client): heap+external delta on removing it | – | ${(with3 - with2).toFixed(1)} MB | – | ${gc ? 'after forced GC' : 'run with --expose-gc for a stable figure'}; whole process RSS ${rss.toFixed(0)} MB (bench client included) |`);
      await deleteAll(api, dockers);
    } finally {
      api.close();
      await t.stop();
    }
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await tb.stop();
  }
  console.log(`\nkubeshim pod start benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]!.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
  console.log(rows.join('\n'));
  if (notes.length) console.log('\nfirst Warning events:\n' + notes.join('\n'));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
