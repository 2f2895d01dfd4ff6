// Resource usage of a node and its pods, as metrics-server gathers it from each kubelet's summary
// API: cumulative CPU counters turned into a rate over a window, and memory as the working set
// (usage minus inactive page cache, cAdvisor's figure, which is what the kubelet evicts on). A
// collector per node samples the host every interval and keeps only the last result, from which
// lib/api/metrics.ts answers metrics.k8s.io requests.
//
// Everything comes from one exec over the node's SSH connection a cycle: host figures from /proc,
// container figures from each container's cgroup files (as cAdvisor reads them; found through the
// container's main pid, which one inspect per new container gives). The Engine's stats endpoint
// is not used: at API 1.26 each call samples for a second or two inside dockerd, and a node
// with 30 containers kept dockerd so busy that pod starts on it slowed down several-fold.
import type Docker from 'dockerode';
import { logger } from '../log.js';
import { sectionedCommand, splitSections } from './node-info.js';
import { CONTAINER_LABELS, type HostConnection } from './types.js';
import { withTimeout } from './timeout.js';

/** metrics-server's default --metric-resolution. */
export const DEFAULT_METRICS_INTERVAL_MS = 15_000;
/** Inspects in flight per node (one per new container, for its pid). */
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

// ---------- container figures (cgroup files) ----------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/**
 * A shell script printing `ID CPU_NS MEMORY_USAGE INACTIVE_FILE` for each `id:pid`, from the
 * cgroup of the pid: cgroup v2 (cpu.stat usage_usec, memory.current, memory.stat inactive_file) or
 * v1 (cpuacct.usage, memory.usage_in_bytes, memory.stat total_inactive_file, CentOS 7's kind).
 * Builtins only, so a node with many containers costs no forks.
 */
export function cgroupReadingScript(pairs: Array<{ id: string; pid: number }>): string {
  const list = pairs.filter((p) => /^[0-9a-f]+$/.test(p.id) && Number.isInteger(p.pid) && p.pid > 0).map((p) => `${p.id}:${p.pid}`).join(' ');
  return [
    // No command substitution: every figure is read by builtins into $r, so the script forks nothing.
    'kv() { r=0; [ -r "$1" ] || return 0; while read -r k v; do if [ "$k" = "$2" ]; then r=$v; return 0; fi; done < "$1"; }',
    'one() { r=0; [ -r "$1" ] && read -r r < "$1"; [ -n "$r" ] || r=0; }',
    `for e in ${list}; do`,
    '  id=${e%%:*}; pid=${e#*:}; [ -r /proc/$pid/cgroup ] || continue',
    '  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then',
    '    p=; while IFS=: read -r n c q; do [ "$n" = 0 ] && p=$q; done < /proc/$pid/cgroup',
    '    d=/sys/fs/cgroup$p; kv $d/cpu.stat usage_usec; u=${r}000; one $d/memory.current; m=$r; kv $d/memory.stat inactive_file; i=$r',
    '  else',
    '    cp=; mp=; while IFS=: read -r n c q; do case ",$c," in *,cpuacct,*) cp=$q;; esac; case ",$c," in *,memory,*) mp=$q;; esac; done < /proc/$pid/cgroup',
    '    one /sys/fs/cgroup/cpuacct$cp/cpuacct.usage; u=$r; one /sys/fs/cgroup/memory$mp/memory.usage_in_bytes; m=$r; kv /sys/fs/cgroup/memory$mp/memory.stat total_inactive_file; i=$r',
    '  fi',
    '  echo "$id $u $m $i"',
    'done',
  ].join('\n');
}

interface CgroupReading {
  cpuNs: number;
  /** Working set: usage minus inactive file cache. */
  memoryBytes: number;
}

/** Parses cgroupReadingScript's output. */
export function parseCgroupReadings(text: string): Map<string, CgroupReading> {
  const out = new Map<string, CgroupReading>();
  for (const line of text.split('\n')) {
    const [id, cpu, usage, inactive] = line.trim().split(/\s+/);
    if (!id || cpu === undefined) continue;
    const n = [cpu, usage, inactive].map((x) => Number(x ?? 0));
    if (n.some((x) => !Number.isFinite(x))) continue;
    out.set(id, { cpuNs: n[0], memoryBytes: Math.max(0, n[1] - n[2]) });
  }
  return out;
}

/** CPU rate from two cumulative usage readings (ns of CPU time) taken `ms` apart. */
function rate(usageNs: number, prevNs: number, ms: number): number {
  if (ms <= 0 || usageNs < prevNs) return 0;
  return ((usageNs - prevNs) / (ms * 1e6)) * 1e9;
}

interface CpuReading {
  usageNs: number;
  /** Host uptime (s) at the reading: the host's monotonic clock. */
  atS: number;
}

const bounded = withTimeout;

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
  /** Container inspects (for the pid of a new container) in flight (default 4). */
  concurrency?: number;
  /**
   * True while the node's pod worker has syncs queued or running: a sample then waits (up to two
   * intervals, so figures never go stale), as the kubelet's housekeeping yields to pod work.
   */
  busy?: () => boolean;
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
  /** Main pid of each running container seen (stable for the container's life). */
  private readonly pids = new Map<string, number>();
  private nodeSample?: UsageSample;
  private podSamples = new Map<string, PodUsageSample>();
  /** When the last host and container samples were taken (local clock). */
  private hostAt = 0;
  private podsAt = 0;
  private readonly onReady = () => this.schedule(0);
  private lastRunAt = 0;

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
      if (this.opts.busy?.() && Date.now() - this.lastRunAt < 2 * this.intervalMs) return this.schedule(1000);
      this.lastRunAt = Date.now();
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
    const { docker, nodeName } = this.opts;
    const listed = (await bounded(
      docker.listContainers({ filters: { label: [`${CONTAINER_LABELS.node}=${nodeName}`], status: ['running'] } }),
      this.callTimeoutMs,
      'list containers',
    )) as unknown as ListedContainer[];
    // The sandbox holds namespaces only; metrics-server's pod figures are the sum of its containers.
    const containers = listed.filter((c) => c.Labels[CONTAINER_LABELS.role] !== 'infra' && c.Labels[CONTAINER_LABELS.podUid]);
    await pool(containers.filter((c) => !this.pids.has(c.Id)), this.concurrency, async (c) => {
      try {
        const info = (await bounded(docker.getContainer(c.Id).inspect(), this.callTimeoutMs, 'inspect container')) as J;
        if (info?.State?.Pid > 0) this.pids.set(c.Id, info.State.Pid);
      } catch (e) {
        // Gone meanwhile: no figures for it this time.
        logger.debug('container not inspected for stats', { node: nodeName, container: c.Id.slice(0, 12), error: e instanceof Error ? e.message : String(e) });
      }
    });
    const running = new Set(containers.map((c) => c.Id));
    for (const id of [...this.pids.keys()]) if (!running.has(id)) this.pids.delete(id);
    const pairs = containers.filter((c) => this.pids.has(c.Id)).map((c) => ({ id: c.Id, pid: this.pids.get(c.Id)! }));

    // One exec: /proc/uptime pairs each reading with the host's monotonic clock. The first sample,
    // or one with containers never read before, reads twice a second apart so that every figure
    // has a window at once.
    const reading = ['cat /proc/uptime /proc/stat', cgroupReadingScript(pairs)];
    const twice = !this.prevHost || pairs.some((p) => !this.prevCpu.has(p.id));
    const sections = [...reading, 'cat /proc/meminfo', 'getconf CLK_TCK'];
    if (twice) sections.push('sleep 1', ...reading);
    const res = await this.opts.connection.exec(sectionedCommand(sections), { timeoutMs: this.callTimeoutMs });
    const s = splitSections(res.stdout);
    const hz = Number(s[3]) > 0 ? Number(s[3]) : 100;
    const hostReading = (text: string | undefined) => {
      const uptimeS = Number((text ?? '').split(/\s+/)[0]);
      const cpu = parseProcStatCpu(text ?? '');
      return cpu && Number.isFinite(uptimeS) ? { busyTicks: cpu.busyTicks, uptimeS } : undefined;
    };
    const first = { host: hostReading(s[0]), cgroups: parseCgroupReadings(s[1] ?? '') };
    const last = twice ? { host: hostReading(s[5]), cgroups: parseCgroupReadings(s[6] ?? '') } : first;
    this.sampleHost(twice ? first.host : this.prevHost, last.host, hz, s[2] ?? '');
    if (!last.host) return;
    // Readings from the first half stand in as the previous ones of containers seen for the first time.
    if (twice && first.host) for (const [id, r] of first.cgroups) if (!this.prevCpu.has(id)) this.prevCpu.set(id, { usageNs: r.cpuNs, atS: first.host.uptimeS });
    this.samplePods(containers, last.cgroups, last.host.uptimeS);
  }

  private sampleHost(a: { busyTicks: number; uptimeS: number } | undefined, b: { busyTicks: number; uptimeS: number } | undefined, hz: number, meminfo: string): void {
    const memory = nodeWorkingSetBytes(meminfo);
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

  private samplePods(containers: ListedContainer[], readings: Map<string, CgroupReading>, atS: number): void {
    const pods = new Map<string, PodUsageSample>();
    const now = new Date();
    for (const c of containers) {
      const r = readings.get(c.Id);
      if (!r) continue;
      // The rate over our own interval, as metrics-server's between two scrapes.
      const prev = this.prevCpu.get(c.Id);
      this.prevCpu.set(c.Id, { usageNs: r.cpuNs, atS });
      if (!prev || atS <= prev.atS) continue;
      const windowMs = Math.round((atS - prev.atS) * 1000);
      const key = `${c.Labels[CONTAINER_LABELS.podNamespace]}/${c.Labels[CONTAINER_LABELS.podName]}`;
      const pod = pods.get(key) ?? { uid: c.Labels[CONTAINER_LABELS.podUid], timestamp: now, windowMs, containers: [] };
      if (pod.uid !== c.Labels[CONTAINER_LABELS.podUid]) continue;
      const name = c.Labels[CONTAINER_LABELS.containerName] ?? '';
      // Two instances of one container (a restart racing the listing): the later run counts.
      const i = pod.containers.findIndex((x) => x.name === name);
      const usage = { name, cpuNanoCores: rate(r.cpuNs, prev.usageNs, windowMs), memoryBytes: r.memoryBytes };
      if (i >= 0) pod.containers[i] = usage;
      else pod.containers.push(usage);
      pod.windowMs = Math.max(pod.windowMs, windowMs);
      pods.set(key, pod);
    }
    const live = new Set(containers.map((c) => c.Id));
    for (const id of [...this.prevCpu.keys()]) if (!live.has(id)) this.prevCpu.delete(id);
    for (const p of pods.values()) p.containers.sort((a, b) => a.name.localeCompare(b.name));
    this.podSamples = pods;
    this.podsAt = Date.now();
  }
}
