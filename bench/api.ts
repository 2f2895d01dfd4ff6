// API benchmark (issue 2 figures): create/get/list/watch throughput and latency with 1, 16 and 64
// concurrent clients on SQLite and on a real etcd; LIST of 10,000 pods; one create fanned out to
// 1,000 watchers; server RSS with 10,000 pods stored. The server runs as its own process
// (`node bin/kubeshim.js serve`), the load comes from this one over HTTPS with keep-alive.
// Run: npm run build && npx tsx bench/api.ts [--store sqlite|etcd|both] [--quick]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { ApiClient } from '../test/helpers/http.js';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startEtcd } from '../test/helpers/etcd.js';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '..');
const args = process.argv.slice(2);
const which = args.includes('--store') ? args[args.indexOf('--store') + 1] : 'both';
const quick = args.includes('--quick');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function pod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', shard: String(name.length % 7) } },
    spec: { containers: [{ name: 'app', image: 'busybox:latest', command: ['sleep', '3600'], ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

async function startServer(config: string | undefined): Promise<{ proc: ChildProcess; client: ApiClient; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubeshim-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const cfgArgs: string[] = [];
  if (config) {
    writeFileSync(join(dataDir, 'cluster.yaml'), config);
    cfgArgs.push('--config', join(dataDir, 'cluster.yaml'));
  }
  const proc = spawn(process.execPath, [join(ROOT, 'bin/kubeshim.js'), 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...cfgArgs], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KUBESHIM_LOG_LEVEL: 'warn' } });
  await new Promise<void>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Admin kubeconfig')) res();
    });
    proc.on('exit', (code) => rej(new Error(`server exited ${code}`)));
  });
  const client = new ApiClient(join(dataDir, 'admin.kubeconfig'), { maxSockets: 128 });
  return {
    proc,
    client,
    async stop() {
      client.close();
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSecs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function runConcurrent(n: number, total: number, op: (i: number) => Promise<void>): Promise<{ perSec: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { perSec: total / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function benchStore(label: string, config: string | undefined, rows: string[]) {
  const s = await startServer(config);
  const c = s.client;
  // Server and load-generator CPU per operation (µs), since both share the machine's cores.
  const cpuPerOp = ([srv, cli]: readonly [number, NodeJS.CpuUsage], n: number) => {
    const d = process.cpuUsage(cli);
    return `${(((cpuSecs(s.proc.pid!) - srv) * 1e6) / n).toFixed(0)} / ${((d.user + d.system) / n).toFixed(0)}`;
  };
  try {
    const ns = '/api/v1/namespaces/default/pods';
    for (const conc of [1, 16, 64]) {
      const total = quick ? 300 : conc === 1 ? 1000 : 3000;
      // Steady state, as kubectl and controllers see it: open the keep-alive connections (TLS
      // handshakes with client certificates) before timing, so the first requests of a run do not
      // carry connection setup.
      await Promise.all(Array.from({ length: conc }, () => c.get('/version')));
      const cpu0 = [cpuSecs(s.proc.pid!), process.cpuUsage()] as const;
      const r = await runConcurrent(conc, total, async (i) => {
        const res = await c.request('POST', ns, { body: pod(`c${conc}-${i}`) });
        if (res.code !== 201) throw new Error(`create ${res.code} ${res.body}`);
      });
      rows.push(`| ${label} | create | ${conc} | ${r.perSec.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${cpuPerOp(cpu0, total)} |`);
      const cpu1 = [cpuSecs(s.proc.pid!), process.cpuUsage()] as const;
      const g = await runConcurrent(conc, total, async (i) => {
        const res = await c.get(`${ns}/c${conc}-${i}`);
        if (res.code !== 200) throw new Error(`get ${res.code}`);
      });
      rows.push(`| ${label} | get | ${conc} | ${g.perSec.toFixed(0)} | ${g.p50.toFixed(1)} | ${g.p99.toFixed(1)} | ${cpuPerOp(cpu1, total)} |`);
    }
    // Fill up to 10,000 pods.
    const have = Number((await c.get(`${ns}?limit=1`)).json().metadata.remainingItemCount ?? 0) + 1;
    const target = quick ? 2000 : 10_000;
    await runConcurrent(64, Math.max(0, target - have), async (i) => {
      const res = await c.request('POST', ns, { body: pod(`fill-${i}`) });
      if (res.code !== 201) throw new Error(`create ${res.code} ${res.body}`);
    });
    await new Promise((r) => setTimeout(r, 2000));
    rows.push(`| ${label} | server RSS with ${target} pods stored (idle) | – | – | ${rssMb(s.proc.pid!).toFixed(0)} MB | – |`);
    const listTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await c.get(ns);
      listTimes.push(performance.now() - t0);
      const n = JSON.parse(res.body).items.length;
      if (n < target) throw new Error(`list returned ${n}`);
    }
    rows.push(`| ${label} | LIST ${target} pods (JSON, full) | 1 | – | ${pct(listTimes, 50).toFixed(0)} | ${Math.max(...listTimes).toFixed(0)} (max of 5) |`);
    const tableTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await c.get(`${ns}?limit=500`, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
      tableTimes.push(performance.now() - t0);
    }
    rows.push(`| ${label} | LIST limit=500 as Table (kubectl get) | 1 | – | ${pct(tableTimes, 50).toFixed(0)} | ${Math.max(...tableTimes).toFixed(0)} (max of 3) |`);
    rows.push(`| ${label} | server RSS after 5 full LISTs of ${target} pods | – | – | ${rssMb(s.proc.pid!).toFixed(0)} MB | – |`);

    // Watch fan-out: 1,000 watchers, one create, delivery latency per watcher.
    const watchers = quick ? 200 : 1000;
    const wAgent = new Agent({ ...c.agent.options, keepAlive: true, maxSockets: watchers + 10 });
    const rv = (await c.get(`${ns}?limit=1`)).json().metadata.resourceVersion;
    const arrivals: number[] = [];
    let createdAt = 0;
    const reqs: Array<ReturnType<typeof request>> = [];
    await Promise.all(
      Array.from({ length: watchers }, () =>
        new Promise<void>((res, rej) => {
          const req = request(`${c.base}${ns}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dfanout`, { agent: wAgent, headers: { Accept: 'application/json' } }, (r) => {
            res();
            r.on('data', () => arrivals.push(performance.now() - createdAt));
          });
          req.on('error', rej);
          req.end();
          reqs.push(req);
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    createdAt = performance.now();
    await c.request('POST', ns, { body: pod('fanout') });
    const deadline = Date.now() + 10_000;
    while (arrivals.length < watchers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    rows.push(`| ${label} | 1 create → ${watchers} watchers (delivered ${arrivals.length}) | ${watchers} | – | ${pct(arrivals, 50).toFixed(1)} | ${pct(arrivals, 99).toFixed(1)} |`);
    for (const r of reqs) r.destroy();
    wAgent.destroy();
  } finally {
    await s.stop();
  }
}

async function main() {
  const rows = ['| store | operation | clients | ops/s | p50 ms | p99 ms | CPU µs/op server / client |', '|---|---|---|---|---|---|---|'];
  if (which === 'sqlite' || which === 'both') await benchStore('SQLite', undefined, rows);
  if (which === 'etcd' || which === 'both') {
    const etcd = await startEtcd();
    try {
      await benchStore('etcd', `storage:\n  backend: etcd\n  etcd:\n    endpoints: ["${etcd.endpoint}"]\n`, rows);
    } finally {
      await etcd.stop();
    }
  }
  console.log(`\nkubeshim API benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
  console.log(rows.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
