// How a pod's containers become Docker containers: a pure translation of the pod spec into Engine API
// (1.26) create bodies, as dockershim did it (pkg/kubelet/dockershim/docker_container.go,
// docker_sandbox.go, helpers_linux.go, and kuberuntime_container.go generateContainerConfig): one
// infra ("sandbox") container holds the network, IPC and UTS namespaces; app and init containers join
// it with `container:<infra id>` modes. Environment variables follow kubelet_pods.go
// makeEnvironmentVariables, $(VAR) references the forked expansion package
// (third_party/forked/golang/expansion) used by ExpandContainerCommandAndArgs.
import { createHash } from 'node:crypto';
import { CONTAINER_LABELS } from './types.js';
import { INFRA_IMAGE, PAUSE_PATH, type TarEntry } from './infra-image.js';
import { parseQuantity } from '../validation/quantity.js';
import type { KObject } from '../registry/resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

/** dockershim's container type label, kept so tools that know dockershim's layout recognise ours. */
export const DOCKER_TYPE_LABEL = 'io.kubernetes.docker.type';
export const SANDBOX_ID_LABEL = 'io.kubernetes.sandbox.id';
/** dockershim's label for the container spec hash: a changed spec restarts the container. */
export const CONTAINER_HASH_LABEL = 'io.kubernetes.container.hash';

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * HashContainer: a digest of the container spec (resources left out, as upstream does since
 * in-place resize), so a pod update that changes a container (e.g. `kubectl set image`) restarts it.
 */
export function containerHash(container: J): string {
  const { resources: _r, ...rest } = container ?? {};
  return createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 8);
}
/** Where kubeshim keeps per-pod state on a host (kubelet's is /var/lib/kubelet). */
export const HOST_STATE_DIR = '/var/lib/kubeshim';
/** Where the sandbox container sees the pod's state directory (volumes/, containers/). */
export const SANDBOX_POD_PATH = '/kubeshim-pod';
/** Where the sandbox mounts the pod's Memory emptyDirs, to keep their tmpfs (and files) for the pod's life. */
export const SANDBOX_MEMORY_PATH = '/kubeshim-memory';

/** Why a container's config could not be made: the kubelet's CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

/** A mapping lookup for $(VAR) expansion. */
export type EnvMapping = (name: string) => string | undefined;

/**
 * expansion.Expand: `$(VAR)` is replaced when VAR is defined and left as written otherwise;
 * `$$` escapes a `$`; an unterminated `$(` stays literal.
 */
export function expandVars(input: string, mapping: EnvMapping): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = name ? mapping(name) : undefined;
      out += value ?? `$(${name})`;
      i = close + 1;
    } else {
      out += ch + next;
      i += 2;
    }
  }
  return out;
}

/** ExpandContainerCommandAndArgs: command and args with $(VAR) from the container's environment. */
export function expandCommandAndArgs(container: J, env: Array<{ name: string; value: string }>): { command?: string[]; args?: string[] } {
  const map = new Map(env.map((e) => [e.name, e.value]));
  const mapping: EnvMapping = (n) => map.get(n);
  return {
    command: container.command ? (container.command as string[]).map((s) => expandVars(s, mapping)) : undefined,
    args: container.args ? (container.args as string[]).map((s) => expandVars(s, mapping)) : undefined,
  };
}

/** The objects env/envFrom may read, fetched by the caller (this module does no I/O). */
export interface EnvSources {
  configMaps: Map<string, KObject | undefined>;
  secrets: Map<string, KObject | undefined>;
}

/** Names of the ConfigMaps and Secrets a container's environment reads. */
/** Whether a container's env asks for the pod IP (it must wait for its sandbox's network before it is created). */
export function envUsesPodIP(container: J): boolean {
  return (container.env ?? []).some((e: J) => /^status\.podIPs?$/.test(e.valueFrom?.fieldRef?.fieldPath ?? ''));
}

export function envReferences(container: J): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const f of container.envFrom ?? []) {
    if (f?.configMapRef?.name) configMaps.add(f.configMapRef.name);
    if (f?.secretRef?.name) secrets.add(f.secretRef.name);
  }
  for (const e of container.env ?? []) {
    if (e?.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e?.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps, secrets };
}

function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

/**
 * envvars.FromServices: the Docker-links-style variables of each Service with a cluster IP
 * (<NAME>_SERVICE_HOST, <NAME>_SERVICE_PORT[_<PORT NAME>], <NAME>_PORT[_<port>_<PROTO>[_PROTO|_PORT|_ADDR]]).
 */
export function serviceEnv(services: KObject[]): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const svc of services) {
    const ip: string | undefined = svc.spec?.clusterIP;
    const ports: J[] = svc.spec?.ports ?? [];
    if (!ip || ip === 'None' || !ports.length) continue;
    const prefix = envName(svc.metadata.name!);
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    const host = ip.includes(':') ? `[${ip}]` : ip;
    ports.forEach((p, i) => {
      const proto = String(p.protocol || 'TCP');
      const url = `${proto.toLowerCase()}://${host}:${p.port}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto.toLowerCase() }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/**
 * getServiceEnvVarMap: the Services whose variables a pod gets — its namespace's when
 * enableServiceLinks (default true), and always the master service default/kubernetes.
 */
export function servicesForPod(pod: KObject, services: KObject[]): KObject[] {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, KObject>();
  for (const svc of services) {
    const name = svc.metadata.name!;
    if (svc.metadata.namespace === 'default' && name === 'kubernetes') {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (svc.metadata.namespace === ns && links) byName.set(name, svc);
  }
  return [...byName.values()].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

export interface EnvContext {
  /** Service variables (serviceEnv): the base the container's own variables override and may reference. */
  serviceEnv?: Array<{ name: string; value: string }>;
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  /** Node allocatable, for resourceFieldRef of unset limits (upstream MergeContainerResourceLimits). */
  allocatable?: Record<string, string>;
}

function sourceData(obj: KObject, secret: boolean): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) {
    data[k] = secret ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
  return data;
}

/** Downward API formatting of a map (fieldpath.FormatMap): sorted `key="value"` lines. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** fieldpath.ExtractFieldPathAsString plus the status fields the kubelet fills in (podFieldSelectorRuntimeValue). */
export function fieldRefValue(pod: KObject, fieldPath: string, ctx: EnvContext): string {
  const meta = pod.metadata;
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) return ((sub[1] === 'labels' ? meta.labels : meta.annotations) ?? {})[sub[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.hostIP ?? '';
    case 'status.hostIPs':
      return ctx.hostIP ?? '';
    case 'status.podIP':
      return ctx.podIP ?? '';
    case 'status.podIPs':
      return (ctx.podIPs ?? (ctx.podIP ? [ctx.podIP] : [])).join(',');
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
}

/** resource.ExtractContainerResourceValue: ceil(value / divisor), cpu in millicores. */
export function resourceFieldValue(pod: KObject, container: J, ref: J, ctx: EnvContext): string {
  const target: J = ref.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c: J) => c.name === ref.containerName) : container;
  if (!target) throw new ContainerConfigError(`container ${ref.containerName} not found`);
  const [kind, resource] = String(ref.resource).split(/\.(.*)/s) as [string, string];
  let raw: string | undefined = target.resources?.[kind]?.[resource];
  if (raw === undefined && kind === 'limits') raw = ctx.allocatable?.[resource];
  const value = parseQuantity(raw ?? '0')?.value ?? 0;
  const divisor = parseQuantity(ref.divisor ?? '1')?.value || 1;
  if (resource === 'cpu') {
    // convertResourceCPUToString works in millicores so a 1m divisor is exact.
    return String(Math.ceil(Math.round(value * 1000) / Math.round(divisor * 1000 || 1)));
  }
  return String(Math.ceil(value / divisor));
}

/**
 * makeEnvironmentVariables: envFrom first, then env, each value expanded against the variables
 * defined before it. Missing non-optional sources fail the container (CreateContainerConfigError).
 */
export function resolveEnv(pod: KObject, container: J, sources: EnvSources, ctx: EnvContext = {}): Array<{ name: string; value: string }> {
  const ns = pod.metadata.namespace ?? 'default';
  const vars = new Map<string, string>();
  for (const e of ctx.serviceEnv ?? []) vars.set(e.name, e.value);
  for (const f of container.envFrom ?? []) {
    const ref = f.configMapRef ?? f.secretRef;
    if (!ref) continue;
    const secret = !!f.secretRef;
    const obj = (secret ? sources.secrets : sources.configMaps).get(ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${secret ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(sourceData(obj, secret))) vars.set((f.prefix ?? '') + k, v);
  }
  const mapping: EnvMapping = (n) => vars.get(n);
  for (const e of container.env ?? []) {
    if (!e?.name) continue;
    const from = e.valueFrom;
    if (!from) {
      vars.set(e.name, expandVars(e.value ?? '', mapping));
      continue;
    }
    if (from.fieldRef) {
      vars.set(e.name, fieldRefValue(pod, from.fieldRef.fieldPath, ctx));
    } else if (from.resourceFieldRef) {
      vars.set(e.name, resourceFieldValue(pod, container, from.resourceFieldRef, ctx));
    } else if (from.configMapKeyRef || from.secretKeyRef) {
      const secret = !!from.secretKeyRef;
      const ref = from.configMapKeyRef ?? from.secretKeyRef;
      const obj = (secret ? sources.secrets : sources.configMaps).get(ref.name);
      if (!obj) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`${secret ? 'secret' : 'configmap'} "${ref.name}" not found`);
      }
      const data = sourceData(obj, secret);
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${secret ? 'Secret' : 'ConfigMap'} ${ns}/${ref.name}`);
      }
      vars.set(e.name, data[ref.key]);
    }
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}

/** dockershim's container names: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>. */
export function containerName(pod: KObject, name: string, attempt: number): string {
  return `k8s_${name}_${pod.metadata.name}_${pod.metadata.namespace}_${pod.metadata.uid}_${attempt}`;
}

/** The labels that let a restarted control plane find and adopt what it created. */
export function podLabels(pod: KObject, nodeName: string, role: 'infra' | 'app' | 'init', containerNameValue: string, restartCount: number): Record<string, string> {
  return {
    [CONTAINER_LABELS.podUid]: pod.metadata.uid!,
    [CONTAINER_LABELS.podName]: pod.metadata.name!,
    [CONTAINER_LABELS.podNamespace]: pod.metadata.namespace ?? 'default',
    [CONTAINER_LABELS.containerName]: containerNameValue,
    [CONTAINER_LABELS.restartCount]: String(restartCount),
    [CONTAINER_LABELS.role]: role,
    [CONTAINER_LABELS.node]: nodeName,
    [DOCKER_TYPE_LABEL]: role === 'infra' ? 'podsandbox' : 'container',
  };
}

/** MilliCPUToShares (pkg/kubelet/cm/helpers_linux.go): 2 shares is the floor, also for no request. */
export function milliCPUToShares(milli: number): number {
  if (milli === 0) return 2;
  return Math.max(2, Math.floor((milli * 1024) / 1000));
}

const QUOTA_PERIOD = 100000;
/** MilliCPUToQuota: quota for the default 100 ms period, at least 1 ms. */
export function milliCPUToQuota(milli: number, period = QUOTA_PERIOD): number {
  if (milli === 0) return 0;
  return Math.max(1000, Math.floor((milli * period) / 1000));
}

function milli(raw: string | undefined): number {
  if (raw === undefined) return 0;
  return Math.round((parseQuantity(raw)?.value ?? 0) * 1000);
}

/**
 * A volume as the host sees it: a directory to bind, or a named Docker volume (emptyDir medium
 * Memory: a local-driver tmpfs volume, so all containers of the pod share one tmpfs as with the kubelet).
 */
export type HostVolume = { hostPath: string; readOnly?: boolean } | { volume: string; readOnly?: boolean };

/** The Docker volume of an emptyDir with medium Memory. */
export function memoryVolumeName(pod: KObject, volume: string): string {
  return `kubeshim-${pod.metadata.uid}-${volume}`;
}

/** The pod's emptyDir volumes with medium Memory, with their tmpfs mount options (sizeLimit). */
export function memoryVolumes(pod: KObject): Array<{ name: string; volume: string; options: string }> {
  return (pod.spec?.volumes ?? [])
    .filter((v: J) => v.emptyDir?.medium === 'Memory')
    .map((v: J) => {
      const size = v.emptyDir.sizeLimit ? parseQuantity(v.emptyDir.sizeLimit)?.value : undefined;
      return { name: v.name, volume: memoryVolumeName(pod, v.name), options: size ? `size=${Math.floor(size)}` : '' };
    });
}

/** A pod's state directory on the host, as the kubelet's /var/lib/kubelet/pods/<uid>. */
export function podDir(pod: KObject): string {
  return `${HOST_STATE_DIR}/pods/${pod.metadata.uid}`;
}

/** Where a pod's volumes live on the host (<pod dir>/volumes). */
export function podVolumesDir(pod: KObject): string {
  return `${podDir(pod)}/volumes`;
}

/** The termination message file of one container run, relative to the pod dir (kubelet: containers/<name>/<id>). */
export function terminationFile(name: string, restartCount: number): string {
  return `containers/${name}/${restartCount}`;
}

/** kubelet's layout: <state>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>. */
export function emptyDirPath(pod: KObject, volume: string): string {
  return `${podVolumesDir(pod)}/kubernetes.io~empty-dir/${volume}`;
}

/** The plugin directory name of a volume whose files kubeshim writes (configMap, secret, downwardAPI, projected). */
export function fileVolumeKind(v: J): string | undefined {
  if (v.configMap) return 'kubernetes.io~configmap';
  if (v.secret) return 'kubernetes.io~secret';
  if (v.downwardAPI) return 'kubernetes.io~downward-api';
  if (v.projected) return 'kubernetes.io~projected';
  return undefined;
}

/**
 * Where each pod volume lives on the host: emptyDir, hostPath, the volumes of written files, and
 * persistentVolumeClaims bound to hostPath/local PVs (`claims`: volume name → resolved host path).
 */
export function hostVolumes(pod: KObject, claims: Map<string, string> = new Map()): Map<string, HostVolume> {
  const out = new Map<string, HostVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    const kind = fileVolumeKind(v);
    if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory') out.set(v.name, { volume: memoryVolumeName(pod, v.name) });
      else out.set(v.name, { hostPath: emptyDirPath(pod, v.name) });
    } else if (v.hostPath) {
      out.set(v.name, { hostPath: v.hostPath.path });
    } else if (kind) {
      // API data volumes are mounted read-only, as the kubelet has done since 1.9.4.
      out.set(v.name, { hostPath: `${podVolumesDir(pod)}/${kind}/${v.name}`, readOnly: true });
    } else if (v.persistentVolumeClaim && claims.has(v.name)) {
      out.set(v.name, { hostPath: claims.get(v.name)!, readOnly: !!v.persistentVolumeClaim.readOnly });
    }
  }
  return out;
}

/** The host path of a PersistentVolume kubeshim can mount (hostPath or local), or undefined. */
export function persistentVolumePath(pv: KObject): string | undefined {
  return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
}

/** One file of a configMap/secret/downwardAPI/projected volume. */
export interface VolumeFile {
  path: string;
  data: Buffer;
  mode: number;
}

/** What volume files may read: ConfigMaps, Secrets and projected service account tokens (by volume/path). */
export interface VolumeSources extends EnvSources {
  tokens?: Map<string, string>;
}

/** Names of the ConfigMaps and Secrets a pod's volumes read. */
export function volumeReferences(pod: KObject): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const p of v.projected?.sources ?? []) {
      if (p.configMap?.name) configMaps.add(p.configMap.name);
      if (p.secret?.name) secrets.add(p.secret.name);
    }
  }
  return { configMaps, secrets };
}

function keyedFiles(kind: 'configmap' | 'secret', name: string, obj: KObject | undefined, items: J[] | undefined, optional: boolean | undefined, mode: number): VolumeFile[] {
  if (!obj) {
    if (optional) return [];
    throw new ContainerConfigError(`${kind} "${name}" not found`);
  }
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) data.set(k, kind === 'secret' ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) data.set(k, Buffer.from(v, 'base64'));
  if (!items?.length) return [...data].map(([path, d]) => ({ path, data: d, mode }));
  const out: VolumeFile[] = [];
  for (const it of items) {
    const d = data.get(it.key);
    if (!d) {
      if (optional) continue;
      throw new ContainerConfigError(`${kind} references non-existent ${kind === 'secret' ? 'secret' : 'config'} key: ${it.key}`);
    }
    out.push({ path: it.path, data: d, mode: it.mode ?? mode });
  }
  return out;
}

function downwardFiles(pod: KObject, items: J[] | undefined, mode: number, ctx: EnvContext): VolumeFile[] {
  return (items ?? []).map((it: J) => {
    let value = '';
    if (it.fieldRef) value = fieldRefValue(pod, it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef) {
      const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x: J) => x.name === it.resourceFieldRef.containerName);
      value = resourceFieldValue(pod, c ?? {}, it.resourceFieldRef, ctx);
    }
    return { path: it.path, data: Buffer.from(value, 'utf8'), mode: it.mode ?? mode };
  });
}

/**
 * The files of one configMap/secret/downwardAPI/projected volume (undefined for other kinds), as the
 * kubelet's volume plugins compute them; a missing non-optional source fails like MountVolume.SetUp.
 */
export function volumeFiles(pod: KObject, v: J, sources: VolumeSources, ctx: EnvContext = {}): VolumeFile[] | undefined {
  if (v.configMap) return keyedFiles('configmap', v.configMap.name, sources.configMaps.get(v.configMap.name), v.configMap.items, v.configMap.optional, v.configMap.defaultMode ?? 0o644);
  if (v.secret) return keyedFiles('secret', v.secret.secretName, sources.secrets.get(v.secret.secretName), v.secret.items, v.secret.optional, v.secret.defaultMode ?? 0o644);
  if (v.downwardAPI) return downwardFiles(pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? 0o644, ctx);
  if (!v.projected) return undefined;
  const mode = v.projected.defaultMode ?? 0o644;
  const out: VolumeFile[] = [];
  for (const p of v.projected.sources ?? []) {
    if (p.configMap) out.push(...keyedFiles('configmap', p.configMap.name, sources.configMaps.get(p.configMap.name), p.configMap.items, p.configMap.optional, mode));
    else if (p.secret) out.push(...keyedFiles('secret', p.secret.name, sources.secrets.get(p.secret.name), p.secret.items, p.secret.optional, mode));
    else if (p.downwardAPI) out.push(...downwardFiles(pod, p.downwardAPI.items, mode, ctx));
    else if (p.serviceAccountToken) {
      const token = sources.tokens?.get(`${v.name}/${p.serviceAccountToken.path}`);
      if (token === undefined) throw new ContainerConfigError(`failed to fetch token: no token issuer for service account "${pod.spec?.serviceAccountName ?? 'default'}"`);
      // Tokens are private to the pod's user: upstream writes them 0600 unless a mode is given.
      out.push({ path: p.serviceAccountToken.path, data: Buffer.from(token, 'utf8'), mode: v.projected.defaultMode ?? 0o600 });
    }
  }
  return out;
}

/**
 * The tar that lays a volume's files out as the kubelet's AtomicWriter does: the payload in a
 * `..<version>` directory, a `..data` symlink to it, and one user-visible symlink per top-level
 * name through `..data` — so a running container sees an update switch over in one rename.
 */
export function volumeTarEntries(base: string, files: VolumeFile[], version: string): TarEntry[] {
  const entries: TarEntry[] = [{ name: base, type: 'dir', mode: 0o777 }];
  const payload = `${base}/..${version}`;
  entries.push({ name: payload, type: 'dir', mode: 0o755 });
  const dirs = new Set<string>();
  const tops = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean);
    tops.add(parts[0]);
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: `${payload}/${d}`, type: 'dir', mode: 0o755 });
      }
    }
    entries.push({ name: `${payload}/${parts.join('/')}`, type: 'file', data: f.data, mode: f.mode });
  }
  entries.push({ name: `${base}/..data`, type: 'symlink', linkname: `..${version}` });
  for (const t of [...tops].sort()) entries.push({ name: `${base}/${t}`, type: 'symlink', linkname: `..data/${t}` });
  return entries;
}

/** Binds (Docker creates missing host directories for them) and tmpfs mounts of a container. */
export function containerMounts(container: J, volumes: Map<string, HostVolume>): { binds: string[] } {
  const binds: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    const ro = m.readOnly || v.readOnly ? ':ro' : '';
    if ('volume' in v) {
      // Engine API 1.26 binds a named volume whole; a subPath inside it needs the newer Mounts API.
      if (m.subPath) throw new ContainerConfigError(`subPath is not supported for volume "${m.name}" (emptyDir medium Memory)`);
      binds.push(`${v.volume}:${m.mountPath}${ro}`);
      continue;
    }
    const src = m.subPath ? `${v.hostPath.replace(/\/$/, '')}/${m.subPath}` : v.hostPath;
    binds.push(`${src}:${m.mountPath}${ro}`);
  }
  return { binds };
}

/** The effective security context: the container's fields over the pod's. */
function securityOf(pod: KObject, container: J): J {
  const p = pod.spec?.securityContext ?? {};
  const c = container.securityContext ?? {};
  return {
    runAsUser: c.runAsUser ?? p.runAsUser,
    runAsGroup: c.runAsGroup ?? p.runAsGroup,
    runAsNonRoot: c.runAsNonRoot ?? p.runAsNonRoot,
    privileged: c.privileged,
    capabilities: c.capabilities,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    allowPrivilegeEscalation: c.allowPrivilegeEscalation,
    supplementalGroups: p.supplementalGroups,
    fsGroup: p.fsGroup,
  };
}

/**
 * verifyRunAsNonRoot (kuberuntime_container_linux.go): with runAsNonRoot, a UID 0 (explicit, or the
 * image's user when none is set) refuses to start; a non-numeric image user cannot be verified.
 */
export function verifyRunAsNonRoot(pod: KObject, container: J, imageUser: string | undefined): void {
  const sc = securityOf(pod, container);
  if (!sc.runAsNonRoot) return;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) {
      throw new ContainerConfigError(`container's runAsUser breaks non-root policy (pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${container.name})`);
    }
    return;
  }
  const user = (imageUser ?? '').split(':')[0];
  if (user === '' || user === '0' || user === 'root') {
    throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${container.name})`);
  }
  if (!/^\d+$/.test(user)) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${container.name})`);
  }
}

export interface ContainerContext {
  nodeName: string;
  /** The sandbox container every app/init container joins. */
  infraId: string;
  role: 'app' | 'init';
  restartCount: number;
  env: Array<{ name: string; value: string }>;
  volumes: Map<string, HostVolume>;
  /** The image reference to create from (the spec's, unless resolved to an id). */
  image?: string;
  /** Host file bound at terminationMessagePath (must exist, or Docker would create a directory). */
  terminationFile?: string;
}

/** Engine API create body (POST /containers/create, API 1.26) for one app or init container. */
export function containerCreateOptions(pod: KObject, container: J, ctx: ContainerContext): Record<string, J> {
  const { command, args } = expandCommandAndArgs(container, ctx.env);
  const sc = securityOf(pod, container);
  const res = container.resources ?? {};
  const cpuRequest = milli(res.requests?.cpu ?? res.limits?.cpu);
  const cpuLimit = milli(res.limits?.cpu);
  const memLimit = res.limits?.memory ? Math.floor(parseQuantity(res.limits.memory)?.value ?? 0) : 0;
  const { binds } = containerMounts(container, ctx.volumes);
  if (ctx.terminationFile) binds.push(`${ctx.terminationFile}:${container.terminationMessagePath ?? '/dev/termination-log'}`);
  let user: string | undefined = sc.runAsUser !== undefined ? String(sc.runAsUser) : undefined;
  if (sc.runAsGroup !== undefined) user = `${user ?? ''}:${sc.runAsGroup}`;
  const groups = [...(sc.supplementalGroups ?? []), ...(sc.fsGroup !== undefined ? [sc.fsGroup] : [])].map(String);
  const hostConfig: Record<string, J> = {
    NetworkMode: `container:${ctx.infraId}`,
    IpcMode: `container:${ctx.infraId}`,
    // The kubelet restarts containers itself (back-off, restartCount); Docker must not.
    RestartPolicy: { Name: 'no' },
    CpuShares: milliCPUToShares(cpuRequest),
    Binds: binds,
  };
  if (pod.spec?.hostPID) hostConfig.PidMode = 'host';
  else if (pod.spec?.shareProcessNamespace) hostConfig.PidMode = `container:${ctx.infraId}`;
  if (cpuLimit > 0) {
    hostConfig.CpuQuota = milliCPUToQuota(cpuLimit);
    hostConfig.CpuPeriod = QUOTA_PERIOD;
  }
  if (memLimit > 0) hostConfig.Memory = memLimit;
  if (sc.privileged) hostConfig.Privileged = true;
  if (sc.readOnlyRootFilesystem) hostConfig.ReadonlyRootfs = true;
  if (sc.capabilities?.add?.length) hostConfig.CapAdd = sc.capabilities.add;
  if (sc.capabilities?.drop?.length) hostConfig.CapDrop = sc.capabilities.drop;
  if (sc.allowPrivilegeEscalation === false) hostConfig.SecurityOpt = ['no-new-privileges'];
  if (groups.length) hostConfig.GroupAdd = groups;
  const body: Record<string, J> = {
    Image: ctx.image ?? container.image,
    Env: ctx.env.map((e) => `${e.name}=${e.value}`),
    Labels: {
      ...podLabels(pod, ctx.nodeName, ctx.role, container.name, ctx.restartCount),
      [SANDBOX_ID_LABEL]: ctx.infraId,
      [CONTAINER_HASH_LABEL]: containerHash(container),
      'io.kubernetes.container.terminationMessagePath': container.terminationMessagePath ?? '/dev/termination-log',
      'io.kubernetes.container.terminationMessagePolicy': container.terminationMessagePolicy ?? 'File',
    },
    OpenStdin: !!container.stdin,
    StdinOnce: !!container.stdinOnce,
    Tty: !!container.tty,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: hostConfig,
  };
  // command replaces the image's ENTRYPOINT (and so drops its CMD); args replace CMD only.
  if (command) body.Entrypoint = command;
  if (args) body.Cmd = args;
  else if (command) body.Cmd = [];
  if (container.workingDir) body.WorkingDir = container.workingDir;
  if (user !== undefined) body.User = user;
  return body;
}

export interface SandboxContext {
  nodeName: string;
  /** The kubeshim bridge network of the node (ignored for hostNetwork pods). */
  network: string;
  attempt: number;
  /** Cluster DNS servers and domain (kubelet --cluster-dns/--cluster-domain), for dnsPolicy ClusterFirst. */
  clusterDNS?: string[];
  clusterDomain?: string;
}

/**
 * The sandbox's resolver settings (dns.go GetPodDNS): ClusterFirst uses the cluster DNS with the
 * namespace search path and ndots:5 (host network pods only with ClusterFirstWithHostNet); Default
 * and no cluster DNS leave Docker's own; None takes dnsConfig alone; dnsConfig is merged in.
 */
export function sandboxDNS(pod: KObject, ctx: Pick<SandboxContext, 'clusterDNS' | 'clusterDomain'>): { Dns?: string[]; DnsSearch?: string[]; DnsOptions?: string[] } {
  const spec = pod.spec ?? {};
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const domain = ctx.clusterDomain ?? 'cluster.local';
  const ns = pod.metadata.namespace ?? 'default';
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  const cluster = (policy === 'ClusterFirst' && !spec.hostNetwork) || policy === 'ClusterFirstWithHostNet';
  if (cluster && ctx.clusterDNS?.length) {
    servers = [...ctx.clusterDNS];
    searches = [`${ns}.svc.${domain}`, `svc.${domain}`, domain];
    options = ['ndots:5'];
  }
  const cfg = spec.dnsConfig ?? {};
  servers = [...new Set([...servers, ...(cfg.nameservers ?? [])])];
  searches = [...new Set([...searches, ...(cfg.searches ?? [])])];
  for (const o of cfg.options ?? []) {
    const text = o.value !== undefined ? `${o.name}:${o.value}` : o.name;
    options = options.filter((x) => x.split(':')[0] !== o.name).concat(text);
  }
  const out: { Dns?: string[]; DnsSearch?: string[]; DnsOptions?: string[] } = {};
  if (servers.length) out.Dns = servers;
  if (searches.length) out.DnsSearch = searches;
  if (options.length) out.DnsOptions = options;
  return out;
}

/** Engine API create body of the pod's infra container: namespaces, hostname, host ports. */
export function sandboxCreateOptions(pod: KObject, ctx: SandboxContext): Record<string, J> {
  const spec = pod.spec ?? {};
  const hostNetwork = !!spec.hostNetwork;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostPort: string; HostIp?: string }>> = {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const key = `${p.containerPort}/${String(p.protocol ?? 'TCP').toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostPort: String(p.hostPort), ...(p.hostIP ? { HostIp: p.hostIP } : {}) });
    }
  }
  const hostConfig: Record<string, J> = {
    NetworkMode: hostNetwork ? 'host' : ctx.network,
    RestartPolicy: { Name: 'no' },
    // dockershim's defaultSandboxCPUshares.
    CpuShares: 2,
    // The pod's state directory, so the worker can write volume files and termination-message files
    // through the Engine API's archive upload (as root, no shell or SSH exec needed on the host).
    Binds: [`${podDir(pod)}:${SANDBOX_POD_PATH}`, ...memoryVolumes(pod).map((m) => `${m.volume}:${SANDBOX_MEMORY_PATH}/${m.name}`)],
  };
  if (spec.hostIPC) hostConfig.IpcMode = 'host';
  if (spec.hostPID) hostConfig.PidMode = 'host';
  if (!hostNetwork && Object.keys(bindings).length) hostConfig.PortBindings = bindings;
  const body: Record<string, J> = {
    Image: INFRA_IMAGE,
    Cmd: [PAUSE_PATH],
    Labels: podLabels(pod, ctx.nodeName, 'infra', 'POD', ctx.attempt),
    HostConfig: hostConfig,
  };
  if (!hostNetwork) {
    // Pod hostname: spec.hostname, else the pod name cut to 63 characters (kubelet GeneratePodHostNameAndDomain).
    body.Hostname = String(spec.hostname ?? pod.metadata.name).slice(0, 63).replace(/[-.]+$/, '');
    if (spec.subdomain) body.Domainname = `${spec.subdomain}.${pod.metadata.namespace}.svc.cluster.local`;
  }
  if (Object.keys(exposed).length) body.ExposedPorts = exposed;
  Object.assign(hostConfig, sandboxDNS(pod, ctx));
  // hostAliases become /etc/hosts entries of the sandbox, which every container of the pod shares.
  const aliases = (spec.hostAliases ?? []).flatMap((a: J) => (a.hostnames ?? []).map((h: string) => `${h}:${a.ip}`));
  if (aliases.length) hostConfig.ExtraHosts = aliases;
  return body;
}

/** Image references as the kubelet normalises them for status: no tag means :latest. */
export function normalizeImage(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  if (tail.includes('@') || tail.includes(':')) return image;
  return `${image}:latest`;
}

/** The registry host of an image reference (Docker's rule: a first component with '.', ':' or "localhost"). */
export function imageRegistry(image: string): string {
  const first = image.split('/')[0];
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0];
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** Engine API auth for a pull (the X-Registry-Auth body). */
export interface PullAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress: string;
}

/**
 * The credentials of the pod's imagePullSecrets that match an image's registry (credentialprovider's
 * keyring lookup, simplified to host matching): dockerconfigjson and legacy dockercfg secrets.
 */
export function pullAuth(image: string, secrets: KObject[]): PullAuth | undefined {
  const registry = imageRegistry(image);
  for (const sec of secrets) {
    let auths: Record<string, J> | undefined;
    try {
      if (sec.type === 'kubernetes.io/dockerconfigjson' && sec.data?.['.dockerconfigjson']) {
        auths = JSON.parse(Buffer.from(sec.data['.dockerconfigjson'], 'base64').toString('utf8')).auths;
      } else if (sec.type === 'kubernetes.io/dockercfg' && sec.data?.['.dockercfg']) {
        auths = JSON.parse(Buffer.from(sec.data['.dockercfg'], 'base64').toString('utf8'));
      }
    } catch {
      continue; // a malformed secret is skipped, as the kubelet's keyring does
    }
    for (const [key, entry] of Object.entries(auths ?? {})) {
      if (normalizeRegistryKey(key) !== registry) continue;
      let { username, password } = entry as { username?: string; password?: string };
      if (!username && entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        username = decoded.slice(0, i);
        password = decoded.slice(i + 1);
      }
      return { username, password, serveraddress: key };
    }
  }
  return undefined;
}
