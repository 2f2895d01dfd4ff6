// PodSpec and PodTemplateSpec: the defaults of pkg/apis/core/v1/defaults.go (+ the generated
// zz_generated.defaults.go walk) and the validation of pkg/apis/core/validation/validation.go
// that users actually hit. Shared by pods, pod templates, replication controllers and every
// workload of apps/batch.
import { field, type FieldError } from '../api/errors.js';
import { validateAnnotations, validateLabels, validateLabelSelector, type LabelSelector } from '../validation/labels.js';
import {
  isValidIP,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  inclusiveRangeError,
} from '../validation/names.js';
import { canonicalResourceQuantity, compareQuantity, parseQuantity, type Quantity } from '../validation/quantity.js';
import { deepEqual } from '../validation/object-meta.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

// ---------------------------------------------------------------- defaults

/** parsers.ParseImageName's tag: "latest" when neither tag nor digest is given. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > slash ? ref.slice(colon + 1) : '';
  if (!tag && at < 0) return 'latest';
  return tag;
}

/**
 * Quantities are stored in canonical form, as resource.Quantity re-serializes them, rounded up
 * to milli precision (SetDefaults_ResourceList).
 */
export function canonicalizeResourceList(list: J): void {
  if (!list || typeof list !== 'object') return;
  for (const k of Object.keys(list)) list[k] = canonicalResourceQuantity(list[k]);
}

function defaultProbe(p: J): void {
  if (!p || typeof p !== 'object') return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultHandler(h: J): void {
  if (!h || typeof h !== 'object') return;
  if (h.httpGet && typeof h.httpGet === 'object') {
    h.httpGet.path ||= '/';
    h.httpGet.scheme ||= 'HTTP';
  }
  // SetDefaults_GRPCAction: service is a pointer to "" upstream.
  if (h.grpc && typeof h.grpc === 'object') h.grpc.service ??= '';
}

function defaultEnv(env: J): void {
  if (!Array.isArray(env)) return;
  for (const e of env) {
    const fr = e?.valueFrom?.fieldRef;
    if (fr && typeof fr === 'object') fr.apiVersion ||= 'v1';
    const rr = e?.valueFrom?.resourceFieldRef;
    if (rr && typeof rr === 'object' && rr.divisor !== undefined) {
      const q = parseQuantity(rr.divisor);
      if (q) rr.divisor = q.canonical;
    }
  }
}

/** SetDefaults_Container plus the generated walk into ports, env, probes and lifecycle. */
export function defaultContainer(c: J): void {
  if (!c || typeof c !== 'object') return;
  // An unparsable (e.g. empty) image yields no tag upstream, hence IfNotPresent.
  if (!c.imagePullPolicy) c.imagePullPolicy = typeof c.image === 'string' && c.image && imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  if (Array.isArray(c.ports)) for (const p of c.ports) if (p && typeof p === 'object') p.protocol ||= 'TCP';
  defaultEnv(c.env);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
  if (c.resources && typeof c.resources === 'object') {
    canonicalizeResourceList(c.resources.limits);
    canonicalizeResourceList(c.resources.requests);
  }
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

function downwardAPIItemsDefaults(items: J): void {
  if (!Array.isArray(items)) return;
  for (const it of items) if (it?.fieldRef && typeof it.fieldRef === 'object') it.fieldRef.apiVersion ||= 'v1';
}

/** SetDefaults_Volume and the per-source defaults (modes 0644, hostPath type ""). */
export function defaultVolume(v: J): void {
  if (!v || typeof v !== 'object') return;
  if (!VOLUME_SOURCES.some((s) => v[s] != null)) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= 0o644;
  if (v.configMap) v.configMap.defaultMode ??= 0o644;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= 0o644;
    downwardAPIItemsDefaults(v.downwardAPI.items);
  }
  if (v.projected) {
    v.projected.defaultMode ??= 0o644;
    for (const src of v.projected.sources ?? []) {
      if (src?.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
      if (src?.downwardAPI) downwardAPIItemsDefaults(src.downwardAPI.items);
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.emptyDir?.sizeLimit !== undefined) {
    const q = parseQuantity(v.emptyDir.sizeLimit);
    if (q) v.emptyDir.sizeLimit = q.canonical;
  }
  if (v.iscsi) v.iscsi.iscsiInterface ||= 'default';
  if (v.rbd) {
    v.rbd.pool ||= 'rbd';
    v.rbd.user ||= 'admin';
    v.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  if (v.scaleIO) {
    v.scaleIO.storageMode ||= 'ThinProvisioned';
    v.scaleIO.fsType ||= 'xfs';
  }
  if (v.ephemeral?.volumeClaimTemplate?.spec) {
    const s = v.ephemeral.volumeClaimTemplate.spec;
    s.volumeMode ??= 'Filesystem';
  }
}

/** SetDefaults_PodSpec and the generated walk into containers and volumes. Idempotent. */
export function defaultPodSpec(spec: J): void {
  if (!spec || typeof spec !== 'object') return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    if (Array.isArray(list)) for (const c of list) defaultContainer(c);
  }
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes) defaultVolume(v);
  if (spec.overhead) canonicalizeResourceList(spec.overhead);
  if (spec.resources) {
    canonicalizeResourceList(spec.resources.limits);
    canonicalizeResourceList(spec.resources.requests);
  }
}

/** PodTemplateSpec defaults: only the PodSpec ones (SetDefaults_Pod is for pods alone). */
export function defaultPodTemplateSpec(tmpl: J): void {
  if (!tmpl || typeof tmpl !== 'object') return;
  defaultPodSpec(tmpl.spec);
}

/**
 * SetDefaults_Pod: requests default to limits, enableServiceLinks true, host ports for
 * hostNetwork pods. Upstream applies these to Pod objects only, never to templates.
 */
export function defaultPod(pod: J): void {
  const spec = pod?.spec;
  if (!spec || typeof spec !== 'object') return;
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const limits = c?.resources?.limits;
      if (!limits || typeof limits !== 'object' || Object.keys(limits).length === 0) continue;
      c.resources.requests ??= {};
      for (const [k, v] of Object.entries(limits)) if (c.resources.requests[k] === undefined) c.resources.requests[k] = v;
    }
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const list of [spec.containers, spec.initContainers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list) for (const p of c?.ports ?? []) if (p && !p.hostPort) p.hostPort = p.containerPort;
    }
  }
  defaultPodSpec(spec);
}

// ---------------------------------------------------------------- validation

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
// Upstream lists these unsorted in the NotSupported message.
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TOLERATION_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export interface PodValidationOptions {
  /** The spec belongs to a Pod (not a template): host ports must already be defaulted. */
  resourceIsPod?: boolean;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** helper.IsNativeResource: unprefixed or in the kubernetes.io domain. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** helper.IsOvercommitAllowed: native resources except huge pages. */
function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

/** validateContainerResourceName (validateResourceName + the container-specific rule). */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!['cpu', 'memory', 'ephemeral-storage'].includes(name) && !name.startsWith('hugepages-')) {
      return [field.invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNativeResource(name) && isQualifiedName(`requests.${name}`).length) {
    return [field.invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

const QUANTITY_FORMAT_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** validateResourceRequirements: names, non-negative quantities, requests ≤ limits (= for extended resources). */
export function validateResourceRequirements(res: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!res || typeof res !== 'object') return errs;
  const limits: Record<string, Quantity> = {};
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, raw] of Object.entries((res[kind] ?? {}) as Record<string, unknown>)) {
      const p = `${path}.${kind}[${name}]`;
      errs.push(...validateContainerResourceName(name, p));
      const q = parseQuantity(raw as string);
      if (!q) {
        // Upstream rejects this while decoding; report it on the field instead.
        errs.push(field.invalid(p, raw, QUANTITY_FORMAT_MSG));
        continue;
      }
      if (q.mantissa < 0n) errs.push(field.invalid(p, q.canonical, 'must be greater than or equal to 0'));
      if (kind === 'limits') {
        limits[name] = q;
        continue;
      }
      const lim = limits[name];
      if (lim) {
        if (compareQuantity(q, lim) !== 0 && !isOvercommitAllowed(name)) {
          errs.push(field.invalid(`${path}.requests`, q.canonical, `must be equal to ${name} limit of ${lim.canonical}`));
        } else if (compareQuantity(q, lim) > 0) {
          errs.push(field.invalid(`${path}.requests`, q.canonical, `must be less than or equal to ${name} limit of ${lim.canonical}`));
        }
      } else if (!isOvercommitAllowed(name)) {
        errs.push(field.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
      }
    }
  }
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => field.invalid(path, port, m));
  // A JSON string is an IntOrString of string type: always a port name, even "8080".
  if (typeof port === 'string') return isValidPortName(port).map((m) => field.invalid(path, port, m));
  return [field.invalid(path, port, 'must contain an int or string')];
}

const HANDLER_TYPES = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];

/** validateHandler: exactly one handler type. */
function validateHandler(h: J, path: string, allowed: string[]): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const t of HANDLER_TYPES) {
    if (h[t] == null) continue;
    if (!allowed.includes(t)) continue;
    if (n++ > 0) {
      errs.push(field.forbidden(`${path}.${t}`, 'may not specify more than 1 handler type'));
      continue;
    }
    const p = `${path}.${t}`;
    if (t === 'exec' && !(h.exec.command?.length > 0)) errs.push(field.required(`${p}.command`));
    if (t === 'httpGet') {
      if (!h.httpGet.path) errs.push(field.required(`${p}.path`));
      errs.push(...validatePortNumOrName(h.httpGet.port, `${p}.port`));
      if (!['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) errs.push(field.notSupported(`${p}.scheme`, h.httpGet.scheme ?? '', ['HTTP', 'HTTPS']));
    }
    if (t === 'tcpSocket') errs.push(...validatePortNumOrName(h.tcpSocket.port, `${p}.port`));
    if (t === 'grpc') errs.push(...isValidPortNum(h.grpc.port).map((m) => field.invalid(`${p}.port`, h.grpc.port, m)));
  }
  if (n === 0) errs.push(field.required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(p: J, path: string, liveness: boolean): FieldError[] {
  if (p == null) return [];
  const errs = validateHandler(p, path, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof p[k] === 'number' && p[k] < 0) errs.push(field.invalid(`${path}.${k}`, p[k], 'must be greater than or equal to 0'));
  }
  if (liveness && p.successThreshold !== undefined && p.successThreshold !== 1) errs.push(field.invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  return errs;
}

/** Downward API field paths (validation.go validEnvDownwardAPIFieldPathExpressions / validVolume…). */
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
/** What pods' ConvertDownwardAPIFieldLabel knows at all. */
const DOWNWARD_FIELD_LABELS = new Set([...ENV_FIELD_PATHS, 'metadata.annotations', 'metadata.labels', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase']);

/** validateObjectFieldSelector: apiVersion v1, a known field, subscripts only on labels and annotations. */
function validateObjectFieldSelector(fs: J, allowed: string[], path: string): FieldError[] {
  if (!fs.apiVersion) return [field.required(`${path}.apiVersion`)];
  if (!fs.fieldPath) return [field.required(`${path}.fieldPath`)];
  const fp = String(fs.fieldPath);
  const sub = /^([^[\]]+)\['(.*)'\]$/.exec(fp);
  let why: string | undefined;
  if (fs.apiVersion !== 'v1') why = `unsupported pod version: ${fs.apiVersion}`;
  else if (sub && sub[1] !== 'metadata.annotations' && sub[1] !== 'metadata.labels') why = `field label does not support subscript: ${fp}`;
  else if (!sub && !DOWNWARD_FIELD_LABELS.has(fp)) why = `field label not supported: ${fp}`;
  if (why) return [field.invalid(`${path}.fieldPath`, fp, `error converting fieldPath: ${why}`)];
  if (sub) {
    const key = sub[1] === 'metadata.annotations' ? sub[2]!.toLowerCase() : sub[2]!;
    return isQualifiedName(key).map((m) => field.invalid(path, sub[2], m));
  }
  return allowed.includes(fp) ? [] : [field.notSupported(`${path}.fieldPath`, fp, [...allowed].sort())];
}

/** validateDownwardAPIVolumeFile's field checks: a volume file shows pod metadata only. */
function validateDownwardAPIItems(items: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(items) ? items : []).forEach((it: J, i: number) => {
    const p = `${path}[${i}]`;
    if (!it?.fieldRef) return;
    errs.push(...validateObjectFieldSelector(it.fieldRef, VOLUME_FIELD_PATHS, `${p}.fieldRef`));
    if (it.resourceFieldRef) errs.push(field.invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  });
  return errs;
}

function validateEnv(env: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(env) ? env : []).forEach((e: J, i: number) => {
    const p = `${path}[${i}]`;
    if (!e?.name) errs.push(field.required(`${p}.name`));
    else for (const m of isEnvVarName(e.name)) errs.push(field.invalid(`${p}.name`, e.name, m));
    const vf = e?.valueFrom;
    if (vf) {
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => vf[k] != null);
      if (sources.length === 0) errs.push(field.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (sources.length > 1) errs.push(field.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (e.value) errs.push(field.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      for (const k of ['configMapKeyRef', 'secretKeyRef']) {
        const ref = vf[k];
        if (!ref) continue;
        if (!ref.key) errs.push(field.required(`${p}.valueFrom.${k}.key`));
        else for (const m of isConfigMapKey(ref.key)) errs.push(field.invalid(`${p}.valueFrom.${k}.key`, ref.key, m));
        if (!ref.name) errs.push(field.required(`${p}.valueFrom.${k}.name`));
      }
      if (vf.fieldRef) errs.push(...validateObjectFieldSelector(vf.fieldRef, ENV_FIELD_PATHS, `${p}.valueFrom.fieldRef`));
    }
  });
  return errs;
}

function validateContainerPorts(ports: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (Array.isArray(ports) ? ports : []).forEach((port: J, i: number) => {
    const p = `${path}[${i}]`;
    if (port?.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) for (const m of msgs) errs.push(field.invalid(`${p}.name`, port.name, m));
      else if (names.has(port.name)) errs.push(field.duplicate(`${p}.name`, port.name));
      else names.add(port.name);
    }
    if (!port?.containerPort) errs.push(field.required(`${p}.containerPort`));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(field.invalid(`${p}.containerPort`, port.containerPort, m));
    if (port?.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(field.invalid(`${p}.hostPort`, port.hostPort, m));
    if (!port?.protocol) errs.push(field.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(field.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function validateVolumeMounts(mounts: J, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (Array.isArray(mounts) ? mounts : []).forEach((m: J, i: number) => {
    const p = `${path}[${i}]`;
    if (!m?.name) errs.push(field.required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(field.notFound(`${p}.name`, m.name));
    if (!m?.mountPath) errs.push(field.required(`${p}.mountPath`));
    else if (seen.has(m.mountPath)) errs.push(field.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    else seen.add(m.mountPath);
    if (m?.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${p}.subPath`));
    if (m?.mountPropagation && !['None', 'HostToContainer', 'Bidirectional'].includes(m.mountPropagation)) {
      errs.push(field.notSupported(`${p}.mountPropagation`, m.mountPropagation, ['Bidirectional', 'HostToContainer', 'None']));
    }
  });
  return errs;
}

/** validateLocalDescendingPath: relative, no '..' element. */
function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(field.invalid(path, target, 'must be a relative path'));
  if (target.split('/').includes('..')) errs.push(field.invalid(path, target, "must not contain '..'"));
  return errs;
}

/** validateContainerCommon: what every container kind must satisfy, in upstream's order. */
function validateContainerCommon(c: J, path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(field.required(`${path}.name`));
  else for (const m of isDNS1123Label(c.name)) errs.push(field.invalid(`${path}.name`, c.name, m));
  // Upstream does not check whitespace around images on create (only on pod updates).
  if (!c.image) errs.push(field.required(`${path}.image`));
  if (!c.terminationMessagePolicy) errs.push(field.required(`${path}.terminationMessagePolicy`));
  else if (!['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy)) {
    errs.push(field.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  (Array.isArray(c.envFrom) ? c.envFrom : []).forEach((ef: J, i: number) => {
    const p = `${path}.envFrom[${i}]`;
    const n = ['configMapRef', 'secretRef'].filter((k) => ef?.[k] != null).length;
    if (n === 0) errs.push(field.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(field.invalid(p, '', 'may not have more than one field specified at a time'));
    if (ef?.prefix) for (const m of isEnvVarName(ef.prefix)) errs.push(field.invalid(`${p}.prefix`, ef.prefix, m));
  });
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  if (!c.imagePullPolicy) errs.push(field.required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(field.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  return errs;
}

/** Probes and lifecycle handlers of regular and restartable init containers. */
function validateProbesAndLifecycle(c: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const lifecycleHandlers = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
  if (c.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`, lifecycleHandlers));
  if (c.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`, lifecycleHandlers));
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
  return errs;
}

/** AccumulateUniqueHostPorts: "protocol/hostIP/port" may appear once. */
function hostPortConflicts(containers: J[], path: string, seen = new Set<string>()): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, ci) =>
    (c?.ports ?? []).forEach((p: J, pi: number) => {
      if (!p?.hostPort) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(key)) errs.push(field.duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    }),
  );
  return errs;
}

/** validateContainers: regular containers. */
function validateContainers(list: J[], volumes: Set<string>, path: string): FieldError[] {
  if (list.length === 0) return [field.required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c || typeof c !== 'object') return void errs.push(field.required(p));
    errs.push(...validateContainerCommon(c, p, volumes));
    if (names.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    errs.push(...validateProbesAndLifecycle(c, p));
    if (c.restartPolicy != null) errs.push(field.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(list, path));
  return errs;
}

/** validateInitContainers: names unique with the regular ones; probes only for sidecars. */
function validateInitContainers(list: J[], regular: J[], volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>(regular.map((c) => c?.name));
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c || typeof c !== 'object') return void errs.push(field.required(p));
    errs.push(...validateContainerCommon(c, p, volumes));
    if (c.restartPolicy != null && c.restartPolicy !== 'Always') errs.push(field.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    if (names.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
    else if (c.name) names.add(c.name);
    errs.push(...hostPortConflicts([c], path).map((e) => ({ ...e, field: e.field.replace(`${path}[0]`, p) })));
    if (c.restartPolicy === 'Always') errs.push(...validateProbesAndLifecycle(c, p));
    else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] != null) errs.push(field.forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

/** Fields an ephemeral container may set (allowedEphemeralContainerFields). */
const EPHEMERAL_ALLOWED = new Set([
  'name', 'image', 'command', 'args', 'workingDir', 'envFrom', 'env', 'volumeMounts', 'volumeDevices', 'terminationMessagePath',
  'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty', 'targetContainerName',
]);

/** validateEphemeralContainers: unique names across all kinds, an existing target, the allow-list. */
function validateEphemeralContainers(list: J[], regular: J[], init: J[], volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const others = new Set<string>([...regular, ...init].map((c) => c?.name));
  const names = new Set<string>(others);
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c || typeof c !== 'object') return void errs.push(field.required(p));
    errs.push(...validateContainerCommon(c, p, volumes));
    if (names.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    if (c.targetContainerName && !others.has(c.targetContainerName)) errs.push(field.notFound(`${p}.targetContainerName`, c.targetContainerName));
    for (const k of Object.keys(c)) {
      if (!EPHEMERAL_ALLOWED.has(k) && c[k] != null && !(Array.isArray(c[k]) && c[k].length === 0)) errs.push(field.forbidden(`${p}.${k}`, 'cannot be set for an Ephemeral Container'));
    }
    (c.volumeMounts ?? []).forEach((vm: J, j: number) => {
      if (vm?.subPath) errs.push(field.forbidden(`${p}.volumeMounts[${j}].subPath`, 'cannot be set for an Ephemeral Container'));
      if (vm?.subPathExpr) errs.push(field.forbidden(`${p}.volumeMounts[${j}].subPathExpr`, 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}

function validateKeyToPaths(items: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(items) ? items : []).forEach((it: J, i: number) => {
    const p = `${path}[${i}]`;
    if (!it?.key) errs.push(field.required(`${p}.key`));
    if (!it?.path) errs.push(field.required(`${p}.path`));
    else errs.push(...validateLocalDescendingPath(it.path, `${p}.path`));
    if (it?.mode !== undefined) errs.push(...validateMode(it.mode, `${p}.mode`));
  });
  return errs;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  if (isInt(mode) && mode >= 0 && mode <= 0o777) return [];
  return [field.invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

/** ValidateVolumes: names are unique DNS labels, each with exactly one source. */
export function validateVolumes(volumes: J, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (Array.isArray(volumes) ? volumes : []).forEach((v: J, i: number) => {
    const p = `${path}[${i}]`;
    if (!v?.name) errs.push(field.required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(field.invalid(`${p}.name`, v.name, m));
      if (names.has(v.name)) errs.push(field.duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v?.[s] != null);
    if (sources.length === 0) errs.push(field.required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(field.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    const s = sources[0];
    if (!s) return;
    const src = v[s];
    const sp = `${p}.${s}`;
    switch (s) {
      case 'configMap':
        if (!src.name) errs.push(field.required(`${sp}.name`));
        errs.push(...validateKeyToPaths(src.items, `${sp}.items`));
        if (src.defaultMode !== undefined) errs.push(...validateMode(src.defaultMode, `${sp}.defaultMode`));
        break;
      case 'secret':
        if (!src.secretName) errs.push(field.required(`${sp}.secretName`));
        errs.push(...validateKeyToPaths(src.items, `${sp}.items`));
        if (src.defaultMode !== undefined) errs.push(...validateMode(src.defaultMode, `${sp}.defaultMode`));
        break;
      case 'hostPath':
        if (!src.path) errs.push(field.required(`${sp}.path`));
        if (src.type && !['DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'].includes(src.type)) {
          errs.push(field.notSupported(`${sp}.type`, src.type, ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket']));
        }
        break;
      case 'persistentVolumeClaim':
        if (!src.claimName) errs.push(field.required(`${sp}.claimName`));
        break;
      case 'nfs':
        if (!src.server) errs.push(field.required(`${sp}.server`));
        if (!src.path) errs.push(field.required(`${sp}.path`));
        else if (!src.path.startsWith('/')) errs.push(field.invalid(`${sp}.path`, src.path, 'must be an absolute path'));
        break;
      case 'emptyDir':
        if (src.medium && !['Memory', 'HugePages'].includes(src.medium) && !String(src.medium).startsWith('HugePages-')) {
          errs.push(field.notSupported(`${sp}.medium`, src.medium, ['', 'Memory', 'HugePages']));
        }
        if (src.sizeLimit !== undefined && !parseQuantity(src.sizeLimit)) errs.push(field.invalid(`${sp}.sizeLimit`, src.sizeLimit, QUANTITY_FORMAT_MSG));
        break;
      case 'downwardAPI':
        if (src.defaultMode !== undefined) errs.push(...validateMode(src.defaultMode, `${sp}.defaultMode`));
        errs.push(...validateDownwardAPIItems(src.items, `${sp}.items`));
        break;
      case 'projected':
        if (src.defaultMode !== undefined) errs.push(...validateMode(src.defaultMode, `${sp}.defaultMode`));
        (Array.isArray(src.sources) ? src.sources : []).forEach((ps: J, j: number) => {
          if (ps?.downwardAPI) errs.push(...validateDownwardAPIItems(ps.downwardAPI.items, `${sp}.sources[${j}].downwardAPI.items`));
        });
        break;
    }
  });
  return { errs, names };
}

function validateTolerations(tols: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(tols) ? tols : []).forEach((t: J, i: number) => {
    const p = `${path}[${i}]`;
    if (t?.key) for (const m of isQualifiedName(t.key)) errs.push(field.invalid(`${p}.key`, t.key, m));
    if (!t?.key && t?.operator !== 'Exists') errs.push(field.invalid(`${p}.operator`, t?.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t?.tolerationSeconds != null && t.effect !== 'NoExecute') errs.push(field.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (t?.operator) {
      case undefined:
      case '':
      case 'Equal':
        if (t?.value) for (const m of isValidLabelValueMsgs(t.value)) errs.push(field.invalid(`${p}.operator`, t.value, m));
        break;
      case 'Exists':
        if (t.value) errs.push(field.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(field.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t?.effect && !TOLERATION_EFFECTS.includes(t.effect)) errs.push(field.notSupported(`${p}.effect`, t.effect, TOLERATION_EFFECTS));
  });
  return errs;
}

function isValidLabelValueMsgs(v: string): string[] {
  return validateLabels({ k: v }, '').map((e) => e.detail ?? '');
}

function validateNodeSelectorTerms(terms: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(terms) ? terms : []).forEach((t: J, i: number) => {
    for (const key of ['matchExpressions', 'matchFields']) {
      (t?.[key] ?? []).forEach((r: J, j: number) => {
        const p = `${path}[${i}].${key}[${j}]`;
        switch (r?.operator) {
          case 'In':
          case 'NotIn':
            if (!r.values?.length) errs.push(field.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
            break;
          case 'Exists':
          case 'DoesNotExist':
            if (r.values?.length) errs.push(field.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
            break;
          case 'Gt':
          case 'Lt':
            if (r.values?.length !== 1) errs.push(field.required(`${p}.values`, 'must be specified single value when `operator` is \'Lt\' or \'Gt\''));
            break;
          default:
            errs.push(field.invalid(`${p}.operator`, r?.operator, 'not a valid selector operator'));
        }
        if (key === 'matchExpressions') for (const m of isQualifiedName(r?.key ?? '')) errs.push(field.invalid(`${p}.key`, r?.key, m));
      });
    }
  });
  return errs;
}

function validatePodAffinityTerm(term: J, path: string): FieldError[] {
  const errs = validateLabelSelector(term?.labelSelector as LabelSelector, `${path}.labelSelector`);
  errs.push(...validateLabelSelector(term?.namespaceSelector as LabelSelector, `${path}.namespaceSelector`));
  for (const ns of term?.namespaces ?? []) for (const m of isDNS1123Label(ns)) errs.push(field.invalid(`${path}.namespace`, ns, m));
  if (!term?.topologyKey) errs.push(field.required(`${path}.topologyKey`, 'can not be empty'));
  else for (const m of isQualifiedName(term.topologyKey)) errs.push(field.invalid(`${path}.topologyKey`, term.topologyKey, m));
  return errs;
}

function validateAffinity(aff: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!aff) return errs;
  const na = aff.nodeAffinity;
  if (na) {
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (req) {
      const rp = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
      if (!req.nodeSelectorTerms?.length) errs.push(field.required(`${rp}.nodeSelectorTerms`, 'must have at least one node selector term'));
      errs.push(...validateNodeSelectorTerms(req.nodeSelectorTerms, `${rp}.nodeSelectorTerms`));
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t: J, i: number) => {
      const p = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!(isInt(t?.weight) && t.weight >= 1 && t.weight <= 100)) errs.push(field.invalid(`${p}.weight`, t?.weight, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerms([t?.preference ?? {}], `${p}.preference`).map((e) => ({ ...e, field: e.field.replace(`${p}.preference[0]`, `${p}.preference`) })));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = aff[kind];
    if (!a) continue;
    (a.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t: J, i: number) =>
      errs.push(...validatePodAffinityTerm(t, `${path}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`)),
    );
    (a.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t: J, i: number) => {
      const p = `${path}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!(isInt(t?.weight) && t.weight >= 1 && t.weight <= 100)) errs.push(field.invalid(`${p}.weight`, t?.weight, 'must be in the range 1-100'));
      errs.push(...validatePodAffinityTerm(t?.podAffinityTerm, `${p}.podAffinityTerm`));
    });
  }
  return errs;
}

function validateTopologySpreadConstraints(list: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(list) ? list : []).forEach((c: J, i: number) => {
    const p = `${path}[${i}]`;
    if (!(isInt(c?.maxSkew) && c.maxSkew > 0)) errs.push(field.invalid(`${p}.maxSkew`, c?.maxSkew, 'must be greater than zero'));
    if (!c?.topologyKey) errs.push(field.required(`${p}.topologyKey`, 'can not be empty'));
    else for (const m of isQualifiedName(c.topologyKey)) errs.push(field.invalid(`${p}.topologyKey`, c.topologyKey, m));
    if (!c?.whenUnsatisfiable) errs.push(field.required(`${p}.whenUnsatisfiable`));
    else if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable)) {
      errs.push(field.notSupported(`${p}.whenUnsatisfiable`, c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    errs.push(...validateLabelSelector(c?.labelSelector, `${p}.labelSelector`));
  });
  return errs;
}

/** ValidatePodSpec: what users hit, with upstream's paths and messages. */
export function validatePodSpec(spec: J, path = 'spec', opts: PodValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec || typeof spec !== 'object') return [field.required(path)];
  const { errs: volErrs, names: volumes } = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...volErrs);
  const containers: J[] = Array.isArray(spec.containers) ? spec.containers : [];
  const inits: J[] = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  const ephemeral: J[] = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : [];
  errs.push(...validateContainers(containers, volumes, `${path}.containers`));
  errs.push(...validateInitContainers(inits, containers, volumes, `${path}.initContainers`));
  errs.push(...validateEphemeralContainers(ephemeral, containers, inits, volumes, `${path}.ephemeralContainers`));
  // validatePodHostNetworkDeps: in a Pod hostPort must equal containerPort; templates may leave it 0.
  if (spec.hostNetwork) {
    containers.forEach((c, i) =>
      (c?.ports ?? []).forEach((p: J, j: number) => {
        const hp = p?.hostPort ?? 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== p?.containerPort) {
          errs.push(field.invalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      }),
    );
  }
  if (!spec.restartPolicy) errs.push(field.required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errs.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (!spec.dnsPolicy) errs.push(field.required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(field.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  const sc = spec.securityContext;
  if (sc) {
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup']) {
      if (sc[k] != null && !(isInt(sc[k]) && sc[k] >= 0 && sc[k] <= 2147483647)) errs.push(field.invalid(`${path}.securityContext.${k}`, sc[k], inclusiveRangeError(0, 2147483647)));
    }
  }
  (Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []).forEach((s: J, i: number) => {
    if (s && Object.keys(s).some((k) => k !== 'name')) errs.push(field.invalid(`${path}.imagePullSecrets[${i}]`, s, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, `${path}.affinity`));
  // validatePodDNSConfig.
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) errs.push(field.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  else if (spec.dnsPolicy === 'None' && !(spec.dnsConfig.nameservers ?? []).length) {
    errs.push(field.required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  } else if (spec.dnsConfig) {
    const ns: string[] = spec.dnsConfig.nameservers ?? [];
    if (ns.length > 3) errs.push(field.invalid(`${path}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers'));
    ns.forEach((ip, i) => {
      for (const m of isValidIP(ip)) errs.push(field.invalid(`${path}.dnsConfig.nameservers[${i}]`, ip, m));
    });
    (spec.dnsConfig.options ?? []).forEach((o: J, i: number) => {
      if (!o?.name) errs.push(field.required(`${path}.dnsConfig.options[${i}]`, 'must not be empty'));
    });
  }
  (spec.readinessGates ?? []).forEach((g: J, i: number) => {
    for (const m of isQualifiedName(g?.conditionType ?? '')) errs.push(field.invalid(`${path}.readinessGates[${i}].conditionType`, g?.conditionType ?? '', m));
  });
  const gates = new Set<string>();
  (spec.schedulingGates ?? []).forEach((g: J, i: number) => {
    for (const m of isQualifiedName(g?.name ?? '')) errs.push(field.invalid(`${path}.schedulingGates[${i}]`, g?.name ?? '', m));
    if (gates.has(g?.name)) errs.push(field.duplicate(`${path}.schedulingGates[${i}]`, g?.name));
    gates.add(g?.name);
  });
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, `${path}.topologySpreadConstraints`));
  if (spec.serviceAccountName) for (const m of isDNS1123Subdomain(spec.serviceAccountName)) errs.push(field.invalid(`${path}.serviceAccountName`, spec.serviceAccountName, m));
  if (spec.nodeName) for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(field.invalid(`${path}.nodeName`, spec.nodeName, m));
  if (spec.activeDeadlineSeconds != null) {
    const v = spec.activeDeadlineSeconds;
    if (!(isInt(v) && v >= 1 && v <= 2147483647)) errs.push(field.invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, 2147483647)));
  }
  if (spec.hostname) for (const m of isDNS1123Label(spec.hostname)) errs.push(field.invalid(`${path}.hostname`, spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(spec.subdomain)) errs.push(field.invalid(`${path}.subdomain`, spec.subdomain, m));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  if (spec.priorityClassName) for (const m of isDNS1123Subdomain(spec.priorityClassName)) errs.push(field.invalid(`${path}.priorityClassName`, spec.priorityClassName, m));
  if (spec.overhead) errs.push(...validateResourceRequirements({ limits: spec.overhead }, `${path}.overhead`).map((e) => ({ ...e, field: e.field.replace(`${path}.overhead.limits`, `${path}.overhead`) })));
  return errs;
}

/** ValidatePodTemplateSpec (labels/annotations of the template, its spec, no ephemeral containers). */
export function validatePodTemplateSpec(tmpl: J, path: string, opts: PodValidationOptions = {}): FieldError[] {
  if (!tmpl || typeof tmpl !== 'object') return [field.required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(tmpl.metadata?.labels, `${path}.labels`));
  errs.push(...validateAnnotations(tmpl.metadata?.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(tmpl.spec, `${path}.spec`, opts));
  if (tmpl.spec?.ephemeralContainers?.length) errs.push(field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return errs;
}

/**
 * ValidatePodTemplateSpecForRC / ForReplicaSet: the selector must match the template labels,
 * restartPolicy must be Always and activeDeadlineSeconds is not allowed. `owner` names the
 * workload kind in the activeDeadlineSeconds message ("ReplicaSet", "ReplicationController").
 */
export function validatePodTemplateSpecForController(
  tmpl: J,
  selectorMatches: (labels: Record<string, string>) => boolean,
  selectorEmpty: boolean,
  path: string,
  owner: string,
): FieldError[] {
  if (!tmpl) return [field.required(path)];
  const errs: FieldError[] = [];
  const labels = tmpl.metadata?.labels ?? {};
  if (!selectorEmpty && !selectorMatches(labels)) {
    errs.push(field.invalid(`${path}.metadata.labels`, labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(tmpl, path));
  if (tmpl.spec && tmpl.spec.restartPolicy !== 'Always') errs.push(field.notSupported(`${path}.spec.restartPolicy`, tmpl.spec.restartPolicy, ['Always']));
  if (tmpl.spec?.activeDeadlineSeconds != null) errs.push(field.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${owner} is not Supported`));
  return errs;
}

const UPDATABLE_POD_FIELDS =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A short, readable diff of two specs (upstream prints a go-cmp diff; we list changed paths). */
export function specDiff(oldSpec: J, newSpec: J, path = 'spec'): string[] {
  const o: Record<string, J> = oldSpec;
  const n: Record<string, J> = newSpec;
  if (deepEqual(oldSpec, newSpec)) return [];
  const isObj = (v: unknown) => v != null && typeof v === 'object';
  if (isObj(oldSpec) && isObj(newSpec) && Array.isArray(oldSpec) === Array.isArray(newSpec)) {
    const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])];
    return keys.flatMap((k) => specDiff(o[k], n[k], Array.isArray(oldSpec) ? `${path}[${k}]` : `${path}.${k}`));
  }
  return [`- ${path}: ${JSON.stringify(oldSpec ?? null)}`, `+ ${path}: ${JSON.stringify(newSpec ?? null)}`];
}

/** ValidateContainerUpdates: same number of containers, each with an image. Returns [errors, stop]. */
function validateContainerUpdates(newList: J[], oldList: J[], path: string): [FieldError[], boolean] {
  if (newList.length !== oldList.length) return [[field.forbidden(path, 'pod updates may not add or remove containers')], true];
  const errs: FieldError[] = [];
  newList.forEach((c, i) => {
    if (!c?.image) errs.push(field.required(`${path}[${i}].image`));
    else if (c.image.trim() !== c.image) errs.push(field.invalid(`${path}[${i}].image`, c.image, 'must not have leading or trailing whitespace'));
  });
  return [errs, false];
}

/**
 * The spec part of ValidatePodUpdate: only images, activeDeadlineSeconds (set or lowered),
 * added tolerations, removed scheduling gates and a negative grace period raised to 1 may
 * change. Upstream appends a go-cmp diff to the message; we append a list of changed paths.
 */
export function validatePodSpecUpdate(newSpec: J, oldSpec: J, path = 'spec'): FieldError[] {
  const n = newSpec ?? {};
  const o = oldSpec ?? {};
  const errs: FieldError[] = [];
  for (const list of ['containers', 'initContainers']) {
    const [cerrs, stop] = validateContainerUpdates(n[list] ?? [], o[list] ?? [], `${path}.${list}`);
    errs.push(...cerrs);
    if (stop) return errs;
  }
  const ads = n.activeDeadlineSeconds;
  if (ads != null) {
    if (!(isInt(ads) && ads >= 0 && ads <= 2147483647)) return [...errs, field.invalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(0, 2147483647))];
    if (o.activeDeadlineSeconds != null && o.activeDeadlineSeconds < ads) {
      return [...errs, field.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be less than or equal to previous value')];
    }
  } else if (o.activeDeadlineSeconds != null) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, null, 'must not update from a positive integer to nil value'));
  }
  // validateOnlyAddedTolerations: an existing toleration may only change its tolerationSeconds.
  for (const old of (o.tolerations ?? []) as J[]) {
    const kept = ((n.tolerations ?? []) as J[]).some((t) => deepEqual({ ...t, tolerationSeconds: undefined }, { ...old, tolerationSeconds: undefined }));
    if (!kept) errs.push(field.forbidden(`${path}.tolerations`, 'existing toleration can not be modified except its tolerationSeconds'));
  }
  // validateOnlyDeletedSchedulingGates.
  const oldGates = new Set(((o.schedulingGates ?? []) as J[]).map((g) => g?.name));
  for (const g of (n.schedulingGates ?? []) as J[]) {
    if (!oldGates.has(g?.name)) errs.push(field.forbidden(`${path}.schedulingGates`, `only deletion is allowed, but found new scheduling gate '${g?.name}'`));
  }
  if (deepEqual(n, o)) return errs;
  const munged = JSON.parse(JSON.stringify(n));
  for (const list of ['containers', 'initContainers']) {
    (munged[list] ?? []).forEach((c: J, i: number) => {
      c.image = o[list][i].image;
    });
  }
  munged.activeDeadlineSeconds = o.activeDeadlineSeconds;
  munged.schedulingGates = o.schedulingGates;
  munged.tolerations = o.tolerations;
  if ((o.terminationGracePeriodSeconds ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds;
  // Gated pods may gain nodeSelector entries and node affinity before they schedule.
  if ((o.schedulingGates ?? []).length > 0) {
    munged.nodeSelector = o.nodeSelector;
    if (munged.affinity || o.affinity) munged.affinity = { ...(munged.affinity ?? {}), nodeAffinity: o.affinity?.nodeAffinity };
    if (munged.affinity && Object.values(munged.affinity).every((v) => v == null) && !o.affinity) munged.affinity = o.affinity;
  }
  if (!deepEqual(munged, o)) {
    const diff = specDiff(o, munged, path);
    errs.push(field.forbidden(path, `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS}\n${diff.join('\n')}`));
  }
  return errs;
}

/** Container names of a pod spec, in order (for tables). */
export function containerNames(spec: J): string {
  return (spec?.containers ?? []).map((c: J) => c?.name ?? '').join(',');
}

/** Container images of a pod spec, in order (for tables). */
export function containerImages(spec: J): string {
  return (spec?.containers ?? []).map((c: J) => c?.image ?? '').join(',');
}
