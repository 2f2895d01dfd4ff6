// Resource usage of a node and its pods, as metrics-server gathers it from each kubelet's summary
// API: cumulative CPU counters turned into a rate over a window, and memory as the working set
// (usage minus inactive page cache, cAdvisor's figure, which is what the kubelet evicts on). A
// collector per node samples the host every interval and keeps only the last result, from which
// lib/api/metrics.ts answers metrics.k8s.io requests.
//
// Host figures come from /proc over the node's SSH connection (one exec a cycle); container
// figures from the Engine API's GET /containers/{id}/stats?stream=false (API 1.26), a few at a time.
import type Docker from 'dockerode';
import { logger } from '../log.js';
import { sectionedCommand, splitSections } from './node-info.js';
import { CONTAINER_LABELS, type HostConnection } from './types.js';

/** metrics-server's default --metric-resolution. */
export const DEFAULT_METRICS_INTERVAL_MS = 15_000;
/** Stats calls in flight per node: each holds an SSH channel and, at API 1.26, ~1-2 s of dockerd's time. */
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export interface UsageSample {
  timestamp: Date;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface ContainerUsage {
  name: string;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface PodUsageSample {
  /** The pod the containers belong to (a pod recreated under the same name has another uid). */
  uid: string;
  timestamp: Date;
  windowMs: number;
  containers: ContainerUsage[];
}

// ---------- quantities as metrics-server prints them ----------

const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

/**
 * CPU as resource.NewScaledQuantity(nanocores, -9).String(): trailing zeros are folded into the
 * largest SI suffix that keeps the number whole (12000000n → "12m", 12345678n stays "12345678n").
 */
export function formatCpuNanoCores(nanocores: number): string {
  let value = Math.max(0, Math.round(nanocores));
  if (value === 0) return '0';
  let exponent = -9;
  while (value % 10 === 0 && exponent < 18) {
    value /= 10;
    exponent++;
  }
  // Back down to a multiple of 3, as Quantity's canonical form does.
  while (((exponent % 3) + 3) % 3 !== 0) {
    value *= 10;
    exponent--;
  }
  return `${value}${DECIMAL_SUFFIX[exponent]}`;
}

const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * Memory as resource.NewQuantity(bytes, BinarySI).String(): the largest power-of-1024 suffix that
 * divides it exactly ("1234Ki", "4Mi"), plain bytes otherwise and below 1024.
 */
export function formatMemoryBytes(bytes: number): string {
  let value = Math.max(0, Math.round(bytes));
  if (value < 1024) return String(value);
  let i = 0;
  while (value % 1024 === 0 && i < BINARY_SUFFIX.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value}${BINARY_SUFFIX[i]}`;
}

/** Go's time.Duration.String() for whole milliseconds: "500ms", "15.012s", "1m0.5s", "1h0m0s" (metav1.Duration). */
export function goDurationString(ms: number): string {
  ms = Math.max(0, Math.round(ms));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const whole = Math.floor(rest / 1000);
  const frac = rest % 1000;
  const s = frac ? `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : String(whole);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

// ---------- host figures ----------

/** The aggregate "cpu" line of /proc/stat: busy ticks (everything but idle and iowait) and all ticks. */
export function parseProcStatCpu(text: string): { busyTicks: number; totalTicks: number } | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busyTicks: total - idle, totalTicks: total };
}

/**
 * The node's working set from /proc/meminfo: MemTotal − MemFree − Inactive(file), what cAdvisor
 * reports for the root cgroup (usage minus inactive file cache).
 */
export function nodeWorkingSetBytes(meminfo: string): number | undefined {
  const kb = new Map<string, number>();
  for (const line of meminfo.split('\n')) {
    const m = /^([A-Za-z_()0-9]+):\s+(\d+)/.exec(line.trim());
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get('MemTotal');
  const free = kb.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  return Math.max(0, total - free - (kb.get('Inactive(file)') ?? 0)) * 1024;
}

// ---------- container figures (Engine API stats) ----------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/** Working set of a container: usage minus inactive file cache (cgroup v1 total_inactive_file, v2 inactive_file). */
export function containerWorkingSetBytes(stats: J): number {
  const m = stats?.memory_stats ?? {};
  const usage = Number(m.usage ?? 0);
  const inactive = Number(m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0);
  return Math.max(0, usage - inactive);
}

/** Parses Docker's RFC 3339 nano timestamps; the zero time ("0001-01-01T00:00:00Z") means "none". */
function readTime(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/** CPU rate from two cumulative usage readings (ns of CPU time) taken `ms` apart. */
function rate(usageNs: number, prevNs: number, ms: number): number {
  if (ms <= 0 || usageNs < prevNs) return 0;
  return ((usageNs - prevNs) / (ms * 1e6)) * 1e9;
}

interface CpuReading {
  usageNs: number;
  at: number;
}

async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

export interface NodeStatsCollectorOptions {
  nodeName: string;
  connection: HostConnection;
  docker: Docker;
  /** Time between samples (metrics-server's --metric-resolution, default 15 s). */
  intervalMs?: number;
  /** Container stats calls in flight (default 4). */
  concurrency?: number;
  callTimeoutMs?: number;
}

interface ListedContainer {
  Id: string;
  Labels: Record<string, string>;
}

/** Samples one node's usage periodically and keeps the last sample; serves it until it goes stale. */
export class NodeStatsCollector {
  private readonly intervalMs: number;
  private readonly concurrency: number;
  private readonly callTimeoutMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private prevHost?: { busyTicks: number; uptimeS: number };
  private readonly prevCpu = new Map<string, CpuReading>();
  private nodeSample?: UsageSample;
  private podSamples = new Map<string, PodUsageSample>();
  /** When the last host and container samples were taken (local clock). */
  private hostAt = 0;
  private podsAt = 0;
  private readonly onReady = () => this.schedule(0);

  constructor(private readonly opts: NodeStatsCollectorOptions) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS;
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // A reconnected host is sampled at once rather than an interval later.
    this.opts.connection.on('ready', this.onReady);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.connection.off('ready', this.onReady);
    clearTimeout(this.timer);
    await this.running;
  }

  /** The node's last usage, unless older than a few intervals (a host that stopped answering has none). */
  node(now = Date.now()): UsageSample | undefined {
    return this.fresh(this.hostAt, now) ? this.nodeSample : undefined;
  }

  pod(namespace: string, name: string, now = Date.now()): PodUsageSample | undefined {
    return this.fresh(this.podsAt, now) ? this.podSamples.get(`${namespace}/${name}`) : undefined;
  }

  /** Judged by our own clock (sample timestamps are the host's, which may be skewed). */
  private fresh(at: number, now: number): boolean {
    return now - at <= 3 * this.intervalMs + this.callTimeoutMs;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.running) return;
      this.running = this.collect()
        .catch((e) => logger.debug('node stats not collected', { node: this.opts.nodeName, error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  private async collect(): Promise<void> {
    if (this.opts.connection.state !== 'ready') return;
    await Promise.all([this.collectHost(), this.collectContainers()]);
  }

  /** /proc/uptime pairs each /proc/stat read with the host's own monotonic clock. */
  private async collectHost(): Promise<void> {
    const first = !this.prevHost;
    const sections = ['cat /proc/uptime /proc/stat', 'cat /proc/meminfo', 'getconf CLK_TCK'];
    // The very first sample takes two readings a second apart, so the node has figures at once.
    if (first) sections.push('sleep 1; cat /proc/uptime /proc/stat');
    const res = await this.opts.connection.exec(sectionedCommand(sections), { timeoutMs: this.callTimeoutMs });
    const s = splitSections(res.stdout);
    const reading = (text: string | undefined) => {
      const uptimeS = Number((text ?? '').split(/\s+/)[0]);
      const cpu = parseProcStatCpu(text ?? '');
      return cpu && Number.isFinite(uptimeS) ? { busyTicks: cpu.busyTicks, uptimeS } : undefined;
    };
    const hz = Number(s[2]) > 0 ? Number(s[2]) : 100;
    const a = first ? reading(s[0]) : this.prevHost;
    const b = reading(first ? s[3] : s[0]);
    const memory = nodeWorkingSetBytes(s[1] ?? '');
    if (!b || memory === undefined) throw new Error('unreadable /proc/stat or /proc/meminfo');
    this.prevHost = b;
    if (!a || b.uptimeS <= a.uptimeS) return;
    this.hostAt = Date.now();
    const windowS = b.uptimeS - a.uptimeS;
    this.nodeSample = {
      timestamp: new Date(),
      windowMs: Math.round(windowS * 1000),
      cpuNanoCores: Math.max(0, ((b.busyTicks - a.busyTicks) / hz / windowS) * 1e9),
      memoryBytes: memory,
    };
  }

  private async collectContainers(): Promise<void> {
    const { docker, nodeName } = this.opts;
    const listed = (await bounded(
      docker.listContainers({ filters: { label: [`${CONTAINER_LABELS.node}=${nodeName}`], status: ['running'] } }),
      this.callTimeoutMs,
      'list containers',
    )) as unknown as ListedContainer[];
    // The sandbox holds namespaces only; metrics-server's pod figures are the sum of its containers.
    const containers = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] !== 'infra' && c.Labels[CONTAINER_LABELS.podUid]);
    const results = await pool(containers, this.concurrency, async (c) => {
      try {
        const stats = await bounded(docker.getContainer(c.Id).stats({ stream: false }), this.callTimeoutMs, 'container stats');
        return { c, stats: stats as J };
      } catch (e) {
        // A container that stopped meanwhile has no figures; the others still count.
        logger.debug('container stats failed', { node: nodeName, container: c.Id.slice(0, 12), error: e instanceof Error ? e.message : String(e) });
        return { c, stats: undefined };
      }
    });
    const pods = new Map<string, PodUsageSample>();
    const seen = new Set<string>();
    const now = new Date();
    for (const { c, stats } of results) {
      if (!stats) continue;
      seen.add(c.Id);
      const at = readTime(stats.read) ?? now.getTime();
      const usageNs = Number(stats.cpu_stats?.cpu_usage?.total_usage ?? 0);
      // The rate over our own interval (as metrics-server's between two scrapes); a container seen
      // for the first time uses the Engine's previous reading of this very call (~1 s earlier).
      const prev = this.prevCpu.get(c.Id) ?? { usageNs: Number(stats.precpu_stats?.cpu_usage?.total_usage ?? 0), at: readTime(stats.preread) ?? 0 };
      this.prevCpu.set(c.Id, { usageNs, at });
      if (!prev.at || !prev.usageNs || at <= prev.at) continue;
      const key = `${c.Labels[CONTAINER_LABELS.podNamespace]}/${c.Labels[CONTAINER_LABELS.podName]}`;
      const pod = pods.get(key) ?? { uid: c.Labels[CONTAINER_LABELS.podUid], timestamp: new Date(at), windowMs: at - prev.at, containers: [] };
      if (pod.uid !== c.Labels[CONTAINER_LABELS.podUid]) continue;
      const name = c.Labels[CONTAINER_LABELS.containerName] ?? '';
      // Two instances of one container (a restart racing the listing): the later run counts.
      const i = pod.containers.findIndex((x) => x.name === name);
      const usage = { name, cpuNanoCores: rate(usageNs, prev.usageNs, at - prev.at), memoryBytes: containerWorkingSetBytes(stats) };
      if (i >= 0) pod.containers[i] = usage;
      else pod.containers.push(usage);
      if (at > pod.timestamp.getTime()) pod.timestamp = new Date(at);
      pod.windowMs = Math.max(pod.windowMs, at - prev.at);
      pods.set(key, pod);
    }
    for (const id of [...this.prevCpu.keys()]) if (!seen.has(id)) this.prevCpu.delete(id);
    for (const p of pods.values()) p.containers.sort((a, b) => a.name.localeCompare(b.name));
    this.podSamples = pods;
    this.podsAt = Date.now();
  }
}
