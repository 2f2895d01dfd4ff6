// Pod start latency (issue 3 figures): 100 pods on the 3-host test bed, create → Running as seen
// through a watch, p50/p99, next to raw Docker create+start over the same SSH links; then 30 pods
// started in parallel per host; and the control plane's memory with 3 nodes.
// Run as root: npx tsx bench/pods.ts [--pods 100] [--burst-per-host 30]
import { cpus, totalmem } from 'node:os';
import { startTestbed } from '../test/testbed/testbed.js';
import { startTestServer } from '../test/helpers/server.js';
import { ApiClient } from '../test/helpers/http.js';
import { createHostConnection } from '../lib/nodes/ssh-connection.js';
import { createDockerClient } from '../lib/nodes/docker-client.js';

const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const PODS = arg('--pods', 100);
const BURST = arg('--burst-per-host', 30);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function pod(name: string, node: string) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '3600'] }] } };
}

async function runPods(api: ApiClient, names: Array<[string, string]>, concurrency: number): Promise<{ latencies: number[]; failed: number }> {
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const rv = (await api.get('/api/v1/namespaces/default/pods')).json().metadata.resourceVersion;
  const w = await api.watch(`/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, (ev) => {
    const n = ev.object.metadata?.name;
    if (ev.object.status?.phase === 'Running' && !running.has(n)) running.set(n, performance.now());
  });
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= names.length) return;
        const [name, node] = names[i];
        created.set(name, performance.now());
        const r = await api.request('POST', '/api/v1/namespaces/default/pods', { body: pod(name, node) });
        if (r.code !== 201) failed++;
      }
    }),
  );
  const deadline = Date.now() + 120_000;
  while (running.size < names.length - failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  w.close();
  const latencies = names.filter(([n]) => running.has(n)).map(([n]) => running.get(n)! - created.get(n)!);
  return { latencies, failed: failed + (names.length - failed - latencies.length) };
}

async function deleteAll(api: ApiClient) {
  await api.request('DELETE', '/api/v1/namespaces/default/pods', { body: { gracePeriodSeconds: 0 } });
  const deadline = Date.now() + 120_000;
  while ((await api.get('/api/v1/namespaces/default/pods')).json().items.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

async function main() {
  const tb = await startTestbed({ hosts: 3, images: ['busybox:latest'] });
  const rows: string[] = ['| measurement | n | p50 ms | p99 ms | notes |', '|---|---|---|---|---|'];
  try {
    // Raw Docker create+start over the same SSH link (the floor kubeshim adds to).
    const ep = tb.nodes()[0];
    const conn = createHostConnection(ep);
    await conn.start();
    const docker = createDockerClient(conn, { socketPath: ep.dockerSocket });
    const raw: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '3600'], Labels: { 'kubeshim.bench': 'raw' } });
      await c.start();
      raw.push(performance.now() - t0);
      await c.remove({ force: true });
    }
    await conn.close();
    rows.push(`| raw docker create+start over SSH (h1, sequential) | 20 | ${pct(raw, 50).toFixed(0)} | ${pct(raw, 99).toFixed(0)} | no network attach, no infra container |`);

    const t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 10_000 });
    const api = new ApiClient(t.server.kubeconfigPath);
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const nodes = (await api.get('/api/v1/nodes')).json().items;
        if (nodes.filter((n: { status?: { conditions?: Array<{ type: string; status: string }> } }) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const hosts = tb.hosts.map((h) => h.name);
      // Warm-up: the infra image and the pod network are made once per host.
      await runPods(api, hosts.map((h, i) => [`warm-${i}`, h]), 3);
      await deleteAll(api);

      const seq = await runPods(api, Array.from({ length: PODS }, (_, i) => [`p-${i}`, hosts[i % 3]] as [string, string]), 3);
      rows.push(`| pod create → Running (watch), ${PODS} pods on 3 hosts, 1 in flight per host | ${seq.latencies.length} | ${pct(seq.latencies, 50).toFixed(0)} | ${pct(seq.latencies, 99).toFixed(0)} | failed: ${seq.failed} |`);
      await deleteAll(api);

      const burst = await runPods(api, Array.from({ length: BURST * 3 }, (_, i) => [`b-${i}`, hosts[i % 3]] as [string, string]), BURST * 3);
      rows.push(`| ${BURST} pods per host created at once (${BURST * 3} on 3 hosts) → Running | ${burst.latencies.length} | ${pct(burst.latencies, 50).toFixed(0)} | ${pct(burst.latencies, 99).toFixed(0)} | failed: ${burst.failed} |`);
      const rss = process.memoryUsage().rss / 2 ** 20;
      rows.push(`| control plane RSS with 3 nodes and ${BURST * 3} pods (in-process with the bench client) | – | ${rss.toFixed(0)} MB | – | whole process |`);
      await deleteAll(api);
    } finally {
      api.close();
      await t.stop();
    }
  } finally {
    await tb.stop();
  }
  console.log(`\nkubeshim pod start benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
  console.log(rows.join('\n'));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
