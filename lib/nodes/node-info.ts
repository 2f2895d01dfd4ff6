// What a kubelet would report about its machine, computed from Docker's /info and /images and a
// few host files read over SSH. Pure functions: the node agent gathers the raw text, these turn it
// into Node status pieces (upstream pkg/kubelet/nodestatus/setters.go and kubelet_node_status.go).
import { formatQuantity } from '../validation/quantity.js';
import type { HostEndpoint } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/** The fields of Docker's GET /info (Engine API 1.26) the Node status is made of. */
export interface DockerInfoFacts {
  NCPU?: number;
  MemTotal?: number;
  KernelVersion?: string;
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  ServerVersion?: string;
  DockerRootDir?: string;
}

/** An entry of Docker's GET /images/json. */
export interface DockerImageFacts {
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size?: number;
}

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
  /** Huge page size in bytes and how many are configured (capacity hugepages-<size>). */
  hugePageSizeBytes?: number;
  hugePagesTotal?: number;
}

export interface FsStats {
  capacityBytes: number;
  availableBytes: number;
  /** From `df -P -i`; absent where the filesystem has no inode figures. */
  inodes?: number;
  inodesFree?: number;
}

export interface PidStats {
  max: number;
  running: number;
}

/** The machine's identity files (kubelet reads them through cadvisor). */
export interface MachineIds {
  hostname: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
}

/** Eviction thresholds that turn into the pressure conditions (kubelet's hard-eviction defaults). */
export interface PressureThresholds {
  /** memory.available below this many bytes: MemoryPressure (default 100Mi). */
  memoryAvailableBytes: number;
  /** nodefs.available below this fraction of capacity: DiskPressure (default 10%). */
  nodefsAvailableFraction: number;
  /** nodefs.inodesFree below this fraction of the inodes: DiskPressure (default 5%). */
  nodefsInodesFreeFraction?: number;
  /** pid.available below this fraction of pid_max: PIDPressure (upstream sets no default; neither do we). */
  pidAvailableFraction?: number;
}

export const DEFAULT_THRESHOLDS: PressureThresholds = { memoryAvailableBytes: 100 * 1024 * 1024, nodefsAvailableFraction: 0.1, nodefsInodesFreeFraction: 0.05 };

/** kubelet's --max-pods default. */
export const MAX_PODS = 110;
/** nodeStatusMaxImages default, and MaxNamesPerImageInNodeStatus. */
export const MAX_IMAGES = 50;
export const MAX_NAMES_PER_IMAGE = 5;
/** The kubelet's default port, as daemonEndpoints.kubeletEndpoint reports it. */
export const KUBELET_PORT = 10250;

/** Separator between the outputs of several commands run in one SSH exec. */
export const SECTION_MARKER = '@@kubeshim-section@@';

/** Joins shell commands so that their outputs can be split by splitSections (each may fail alone). */
export function sectionedCommand(commands: string[]): string {
  return commands.map((c) => `{ ${c}; } 2>/dev/null`).join(`; echo ${SECTION_MARKER}; `);
}

export function splitSections(stdout: string): string[] {
  return stdout.split(`${SECTION_MARKER}\n`).map((s) => s.replace(/\n$/, ''));
}

/** Go's GOARCH for the machine names Docker reports (uname -m). */
export function goArch(machine: string | undefined): string {
  const m = (machine ?? '').trim();
  const map: Record<string, string> = {
    x86_64: 'amd64',
    amd64: 'amd64',
    aarch64: 'arm64',
    arm64: 'arm64',
    armv7l: 'arm',
    armv6l: 'arm',
    i386: '386',
    i686: '386',
    ppc64le: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return map[m] ?? m;
}

/** /proc/meminfo (kB values). Kernels before 3.14 have no MemAvailable: estimate it as free + buffers + cache. */
export function parseMeminfo(text: string): MemInfo | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_()0-9]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line.trim());
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (total == null) return undefined;
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  const info: MemInfo = { totalBytes: total * 1024, availableBytes: available * 1024 };
  if (kb.has('Hugepagesize')) {
    info.hugePageSizeBytes = kb.get('Hugepagesize')! * 1024;
    info.hugePagesTotal = kb.get('HugePages_Total') ?? 0;
  }
  return info;
}

/** The size, used and free columns of POSIX df output (a long device name may wrap the line). */
function dfColumns(text: string): [number, number, number] | undefined {
  const lines = text.split('\n').filter((l) => l.trim());
  for (const line of lines.slice(1)) {
    const nums = line.trim().split(/\s+/).filter((x) => /^\d+$/.test(x));
    if (nums.length >= 3) return [Number(nums[0]), Number(nums[1]), Number(nums[2])];
  }
  return undefined;
}

/** `df -P -k DIR`: 1024-byte blocks. */
export function parseDf(text: string): FsStats | undefined {
  const c = dfColumns(text);
  return c && { capacityBytes: c[0] * 1024, availableBytes: c[2] * 1024 };
}

/** Adds `df -P -i DIR` (Inodes IUsed IFree) to the space figures; some filesystems (btrfs) report 0 inodes. */
export function withInodes(fs: FsStats | undefined, text: string): FsStats | undefined {
  const c = dfColumns(text);
  if (!fs || !c || c[0] <= 0) return fs;
  return { ...fs, inodes: c[0], inodesFree: c[2] };
}

/** /proc/sys/kernel/pid_max and /proc/loadavg ("0.00 0.01 0.05 1/123 4567": 123 processes). */
export function parsePids(pidMax: string, loadavg: string): PidStats | undefined {
  const max = Number(pidMax.trim());
  const m = /\s\d+\/(\d+)\s/.exec(` ${loadavg.trim()} `);
  if (!Number.isFinite(max) || max <= 0 || !m) return undefined;
  return { max, running: Number(m[1]) };
}

/** hostname, /etc/machine-id, DMI product_uuid (root-only on most hosts: empty then), boot_id. */
export function parseMachineIds(sections: string[]): MachineIds {
  const [hostname = '', machineID = '', systemUUID = '', bootID = ''] = sections.map((s) => s.trim());
  return { hostname, machineID, systemUUID, bootID };
}

/** Capacity as the kubelet reports it: cpu, memory, ephemeral-storage, hugepages-*, pods. */
export function nodeCapacity(info: DockerInfoFacts, rootfs: FsStats | undefined, mem?: MemInfo): Record<string, string> {
  const cap: Record<string, string> = {};
  cap.cpu = String(info.NCPU ?? 0);
  if (rootfs) cap['ephemeral-storage'] = formatQuantity(rootfs.capacityBytes, 'BinarySI');
  if (mem?.hugePageSizeBytes) {
    cap[`hugepages-${formatQuantity(mem.hugePageSizeBytes, 'BinarySI')}`] = formatQuantity(mem.hugePageSizeBytes * (mem.hugePagesTotal ?? 0), 'BinarySI');
  }
  cap.memory = formatQuantity(info.MemTotal ?? mem?.totalBytes ?? 0, 'BinarySI');
  cap.pods = String(MAX_PODS);
  return cap;
}

/**
 * Allocatable = capacity − hard-eviction thresholds (no kube/system reservations configured), and
 * memory also less the huge pages, as the kubelet's MachineInfo setter computes it.
 */
export function nodeAllocatable(capacity: Record<string, string>, info: DockerInfoFacts, rootfs: FsStats | undefined, mem: MemInfo | undefined, t: PressureThresholds = DEFAULT_THRESHOLDS): Record<string, string> {
  const alloc: Record<string, string> = { ...capacity };
  const memBytes = info.MemTotal ?? mem?.totalBytes ?? 0;
  const huge = mem?.hugePageSizeBytes ? mem.hugePageSizeBytes * (mem.hugePagesTotal ?? 0) : 0;
  alloc.memory = formatQuantity(Math.max(0, memBytes - t.memoryAvailableBytes - huge), 'BinarySI');
  if (rootfs) {
    // evictionapi.GetThresholdQuantity: int64(percentage × capacity).
    const reserve = Math.trunc(rootfs.capacityBytes * t.nodefsAvailableFraction);
    alloc['ephemeral-storage'] = formatQuantity(Math.max(0, rootfs.capacityBytes - reserve), 'BinarySI');
  }
  return alloc;
}

export interface NodeVersions {
  kubeletVersion: string;
  kubeProxyVersion: string;
}

/** status.nodeInfo (VersionInfo, MachineInfo and GoRuntime setters). */
export function nodeSystemInfo(info: DockerInfoFacts, ids: MachineIds, versions: NodeVersions): Record<string, string> {
  return {
    machineID: ids.machineID,
    systemUUID: ids.systemUUID,
    bootID: ids.bootID,
    kernelVersion: info.KernelVersion ?? '',
    osImage: info.OperatingSystem ?? '',
    containerRuntimeVersion: `docker://${info.ServerVersion || 'Unknown'}`,
    kubeletVersion: versions.kubeletVersion,
    kubeProxyVersion: versions.kubeProxyVersion,
    operatingSystem: info.OSType || 'linux',
    architecture: goArch(info.Architecture),
  };
}

/** InternalIP from the cluster file, Hostname from the host (NodeAddress setter order). */
export function nodeAddresses(endpoint: HostEndpoint, hostname: string): Array<{ type: string; address: string }> {
  const out = [{ type: 'InternalIP', address: endpoint.address }];
  if (hostname) out.push({ type: 'Hostname', address: hostname });
  return out;
}

/** Images setter: largest first, at most 50, up to 5 names each (digests before tags); <none> tags dropped. */
export function nodeImages(images: DockerImageFacts[]): Array<{ names: string[]; sizeBytes: number }> {
  return [...images]
    .sort((a, b) => (b.Size ?? 0) - (a.Size ?? 0))
    .slice(0, MAX_IMAGES)
    .map((img) => {
      const names = [...(img.RepoDigests ?? []), ...(img.RepoTags ?? [])].filter((n) => !n.startsWith('<none>'));
      return { names: names.slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: img.Size ?? 0 };
    });
}

/** Labels the kubelet puts on its Node (updateDefaultLabels), then the cluster file's own. */
export function nodeLabels(endpoint: HostEndpoint, os: string, arch: string): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': os,
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': endpoint.name,
    'kubernetes.io/os': os,
    ...(endpoint.labels ?? {}),
  };
}

export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

/** The eviction manager's signals against its thresholds. Unknown figures mean no pressure. */
export function pressureOf(mem: MemInfo | undefined, rootfs: FsStats | undefined, pids: PidStats | undefined, t: PressureThresholds = DEFAULT_THRESHOLDS): Pressure {
  return {
    memory: mem ? mem.availableBytes < t.memoryAvailableBytes : false,
    disk:
      (rootfs && rootfs.capacityBytes > 0 ? rootfs.availableBytes < rootfs.capacityBytes * t.nodefsAvailableFraction : false) ||
      (rootfs?.inodes && rootfs.inodesFree != null && t.nodefsInodesFreeFraction != null ? rootfs.inodesFree < rootfs.inodes * t.nodefsInodesFreeFraction : false),
    pid: pids && t.pidAvailableFraction != null ? pids.max - pids.running < pids.max * t.pidAvailableFraction : false,
  };
}

/** What the agent observed in one heartbeat. */
export type Observation =
  | { kind: 'healthy'; pressure: Pressure }
  /** The host answers but its runtime does not: the kubelet's Ready=False, still posting status. */
  | { kind: 'notReady'; reason: string; message: string; pressure?: Pressure }
  /** The host does not answer: what the node lifecycle controller writes when the kubelet goes quiet. */
  | { kind: 'unreachable'; reason: string; message: string };

export interface NodeEventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const PRESSURE_CONDITIONS = [
  { type: 'MemoryPressure', key: 'memory', t: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', 'NodeHasInsufficientMemory'], f: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available', 'NodeHasSufficientMemory'] },
  { type: 'DiskPressure', key: 'disk', t: ['KubeletHasDiskPressure', 'kubelet has disk pressure', 'NodeHasDiskPressure'], f: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure', 'NodeHasNoDiskPressure'] },
  { type: 'PIDPressure', key: 'pid', t: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available', 'NodeHasInsufficientPID'], f: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available', 'NodeHasSufficientPID'] },
] as const;

/** nodelifecyclecontroller's text for conditions nobody posts any more. */
export const NODE_STATUS_UNKNOWN = { reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };

/**
 * The four conditions after one observation, in the kubelet's order (Ready last), with the
 * heartbeat/transition semantics of its setters: lastTransitionTime changes only with status; when
 * the host is unreachable the heartbeat is left where it was (nobody posted), as the node
 * lifecycle controller does. Also returns the events the kubelet would record for the changes.
 */
export function nextConditions(nodeName: string, previous: J[] | undefined, obs: Observation, now: string): { conditions: J[]; events: NodeEventSpec[] } {
  const prev = new Map<string, J>((previous ?? []).filter((c) => c?.type).map((c) => [c.type, c]));
  const events: NodeEventSpec[] = [];
  const statusEvent = (type: 'Normal' | 'Warning', reason: string) => events.push({ type, reason, message: `Node ${nodeName} status is now: ${reason}` });
  const conditions: J[] = [];
  const pressure = obs.kind === 'unreachable' ? undefined : obs.pressure;

  for (const pc of PRESSURE_CONDITIONS) {
    const old = prev.get(pc.type);
    let next: J;
    if (!pressure) {
      // Unreachable (or no figures): Unknown, heartbeat untouched.
      next = old?.status === 'Unknown'
        ? { ...old }
        : { type: pc.type, status: 'Unknown', lastHeartbeatTime: old?.lastHeartbeatTime ?? now, lastTransitionTime: now, ...NODE_STATUS_UNKNOWN };
    } else {
      const on = pressure[pc.key];
      const [reason, message, event] = on ? pc.t : pc.f;
      const status = on ? 'True' : 'False';
      if (old?.status === status) next = { ...old, lastHeartbeatTime: now };
      else {
        next = { type: pc.type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message };
        statusEvent('Normal', event);
      }
    }
    conditions.push(next);
  }

  const oldReady = prev.get('Ready');
  let ready: J;
  if (obs.kind === 'healthy') ready = { type: 'Ready', status: 'True', lastHeartbeatTime: now, reason: 'KubeletReady', message: 'kubelet is posting ready status' };
  else if (obs.kind === 'notReady') ready = { type: 'Ready', status: 'False', lastHeartbeatTime: now, reason: obs.reason, message: obs.message };
  else ready = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: oldReady?.lastHeartbeatTime ?? now, reason: obs.reason, message: obs.message };
  const changed = !oldReady || oldReady.status !== ready.status;
  ready.lastTransitionTime = changed ? now : oldReady.lastTransitionTime;
  conditions.push({ type: ready.type, status: ready.status, lastHeartbeatTime: ready.lastHeartbeatTime, lastTransitionTime: ready.lastTransitionTime, reason: ready.reason, message: ready.message });

  // The kubelet records NodeReady/NodeNotReady on a Ready transition (not on registration as
  // NotReady); a fault additionally gets a Warning naming its cause, once per distinct cause.
  if (oldReady && changed) statusEvent('Normal', ready.status === 'True' ? 'NodeReady' : 'NodeNotReady');
  else if (!oldReady && ready.status === 'True') statusEvent('Normal', 'NodeReady');
  if (obs.kind !== 'healthy' && (changed || oldReady?.reason !== obs.reason)) {
    events.push({ type: 'Warning', reason: obs.reason, message: obs.message });
  }
  return { conditions, events };
}
