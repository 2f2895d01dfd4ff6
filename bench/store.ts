// Store-level benchmark for both backends: create throughput and latency (sequential and 64
// concurrent clients) and the time to LIST 10,000 keys. Run: npx tsx bench/store.ts
// Numbers go to BENCHMARKS.md; they measure the storage layer alone, without HTTP or JSON work.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../lib/storage/etcd.js';
import { SqliteStore } from '../lib/storage/sqlite.js';
import type { Store } from '../lib/storage/store.js';
import { startEtcd } from '../test/helpers/etcd.js';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const CONCURRENT_OPS = Number(process.env.BENCH_CONCURRENT ?? 5000);
const CLIENTS = 64;
const LIST_KEYS = 10_000;

/** A pod of typical size (~1.3 KB as JSON), so values weigh what the API server stores. */
function podValue(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i}`,
      namespace: 'bench',
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '5d8f9c7b6' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f9c7b6', uid: 'x', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Row {
  backend: string;
  scenario: string;
  ops: number;
  perSec: number;
  p50: number;
  p99: number;
}

async function creates(store: Store, prefix: string, total: number, clients: number): Promise<Omit<Row, 'backend' | 'scenario'>> {
  const lat: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await store.create(`${prefix}${String(i).padStart(6, '0')}`, podValue(i));
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { ops: total, perSec: total / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function listTimes(store: Store, prefix: string, runs: number, limit?: number): Promise<Omit<Row, 'backend' | 'scenario'>> {
  const times: number[] = [];
  let items = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    let startKey: string | undefined;
    let revision: number | undefined;
    items = 0;
    for (;;) {
      const res = await store.list(prefix, { limit, startKey, revision });
      items += res.kvs.length;
      if (!res.more) break;
      revision = res.revision;
      startKey = `${res.kvs[res.kvs.length - 1].key}\x00`;
    }
    times.push(performance.now() - t);
  }
  if (items !== LIST_KEYS) throw new Error(`listed ${items} keys, expected ${LIST_KEYS}`);
  times.sort((a, b) => a - b);
  return { ops: runs, perSec: runs / (times.reduce((a, b) => a + b, 0) / 1000), p50: percentile(times, 50), p99: times[times.length - 1] };
}

/** One create fanned out to many watchers: time from the write until each watcher has it. */
async function fanOut(store: Store, watchers: number, rounds: number): Promise<Omit<Row, 'backend' | 'scenario'>> {
  const prefix = '/bench/fan/';
  const lat: number[] = [];
  let sentAt = 0;
  let pending = 0;
  let roundDone: () => void = () => undefined;
  const rev = await store.currentRevision();
  const ws = Array.from({ length: watchers }, () =>
    store.watch(prefix, rev, {
      onEvents: (evs) => {
        for (let i = 0; i < evs.length; i++) {
          lat.push(performance.now() - sentAt);
          if (--pending === 0) roundDone();
        }
      },
      onError: (err) => {
        throw err;
      },
    }),
  );
  // etcd confirms watch creation asynchronously; let every watcher attach first.
  await new Promise((r) => setTimeout(r, 2000));
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    pending = watchers;
    const done = new Promise<void>((r) => (roundDone = r));
    sentAt = performance.now();
    await store.create(`${prefix}${i}`, podValue(i));
    await done;
  }
  const secs = (performance.now() - start) / 1000;
  for (const w of ws) w.cancel();
  lat.sort((a, b) => a - b);
  return { ops: rounds * watchers, perSec: (rounds * watchers) / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function run(backend: string, store: Store): Promise<Row[]> {
  await store.start();
  const rows: Row[] = [];
  const add = (scenario: string, r: Omit<Row, 'backend' | 'scenario'>) => {
    rows.push({ backend, scenario, ...r });
    process.stderr.write(`${backend} ${scenario} done\n`);
  };
  try {
    add(`create, 1 client`, await creates(store, '/bench/seq/', SEQUENTIAL, 1));
    add(`create, ${CLIENTS} clients`, await creates(store, '/bench/conc/', CONCURRENT_OPS, CLIENTS));
    await creates(store, '/bench/list/', LIST_KEYS, CLIENTS);
    add(`list ${LIST_KEYS} keys (ms)`, await listTimes(store, '/bench/list/', 5));
    add(`list ${LIST_KEYS} keys, pages of 500 (ms)`, await listTimes(store, '/bench/list/', 5, 500));
    add('1 create -> 1,000 watchers (delivery)', await fanOut(store, 1000, 20));
    const count = performance.now();
    await store.count('/bench/list/');
    add('count 10,000 keys (ms)', { ops: 1, perSec: 0, p50: performance.now() - count, p99: performance.now() - count });
  } finally {
    await store.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kubeshim-bench-'));
  try {
    rows.push(...(await run('sqlite', new SqliteStore({ path: join(dir, 'state.db') }))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const etcd = await startEtcd();
  try {
    rows.push(...(await run('etcd', new EtcdStore({ endpoints: [etcd.endpoint] }))));
  } finally {
    await etcd.stop();
  }
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  console.log('| backend | scenario | ops | ops/s | p50 ms | p99 ms (max for lists) |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.backend} | ${r.scenario} | ${r.ops} | ${r.perSec ? fmt(r.perSec) : '-'} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
}

await main();
