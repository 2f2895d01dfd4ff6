// core/v1 Service: SetDefaults_Service, the REST layer's IP/port bookkeeping
// (pkg/registry/core/service/storage: allocation, keeping allocated values on update),
// ValidateService/ValidateServiceUpdate and printService.
import { field, FIELD_IMMUTABLE, invalid, type FieldError } from '../api/errors.js';
import { validateLabels } from '../validation/labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isIPv4, isIPv6, isQualifiedName, isValidIP, isValidPortName, isValidPortNum, nameIsDNS1035Label, nonSpecialIPErrors } from '../validation/names.js';
import { age, AGE_COLUMN, formatLabels, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import { intToIP, ipToInt } from '../ipv4.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** DefaultClientIPServiceAffinitySeconds. */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/**
 * Cluster IP and node port allocation. Upstream does this in the Service REST storage with
 * bitmap allocators; the control plane installs one here with setServiceAllocator (it knows
 * the service CIDR and node port range, and seeds it from the stored services at start).
 * Without one, services are stored without cluster IPs or node ports. Methods throw an
 * Error whose message is upstream's allocation failure text.
 */
export interface ServiceAllocator {
  /** A free cluster IP, or the requested one if it is free and in range. */
  allocateClusterIP(requested?: string): string;
  /** A free node port, or the requested one if it is free and in range. */
  allocateNodePort(requested?: number): number;
}

let allocator: ServiceAllocator | undefined;

export function setServiceAllocator(a: ServiceAllocator | undefined): void {
  allocator = a;
}



export interface ServiceAllocatorOptions {
  /** IPv4 service CIDR, e.g. 10.96.0.0/12 (kube-apiserver's --service-cluster-ip-range). */
  serviceCIDR: string;
  /** Inclusive node port range, default 30000-32767 (--service-node-port-range). */
  nodePortRange?: [number, number];
  /** Source of randomness in [0, 1); upstream picks free values at random. */
  random?: () => number;
}

/**
 * An in-memory allocator with upstream's messages. Call markUsed for every stored service's
 * IPs and node ports at start, and release when a service goes away.
 */
export function createServiceAllocator(opts: ServiceAllocatorOptions): ServiceAllocator & {
  markUsed(ip?: string, nodePorts?: number[]): void;
  release(ip?: string, nodePorts?: number[]): void;
} {
  const [base, bitsStr] = opts.serviceCIDR.split('/');
  const bits = Number(bitsStr);
  const size = 2 ** (32 - bits);
  const network = ipToInt(base) - (ipToInt(base) % size);
  // The network and broadcast addresses are never handed out.
  const first = network + 1;
  const last = network + size - 2;
  const [portLo, portHi] = opts.nodePortRange ?? [30000, 32767];
  const random = opts.random ?? Math.random;
  const ips = new Set<number>();
  const ports = new Set<number>();
  const pick = (lo: number, hi: number, used: Set<number>): number | undefined => {
    const span = hi - lo + 1;
    const start = Math.floor(random() * span);
    for (let i = 0; i < span; i++) {
      const v = lo + ((start + i) % span);
      if (!used.has(v)) return v;
    }
    return undefined;
  };
  return {
    allocateClusterIP(requested) {
      if (requested) {
        if (!isIPv4(requested)) throw new Error(`failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${opts.serviceCIDR}`);
        const n = ipToInt(requested);
        if (n < first || n > last) throw new Error(`failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${opts.serviceCIDR}`);
        if (ips.has(n)) throw new Error(`failed to allocate IP ${requested}: provided IP is already allocated`);
        ips.add(n);
        return requested;
      }
      const n = pick(first, last, ips);
      if (n === undefined) throw new Error('failed to allocate a serviceIP: range is full');
      ips.add(n);
      return intToIP(n);
    },
    allocateNodePort(requested) {
      if (requested) {
        if (requested < portLo || requested > portHi) throw new Error(`provided port is not in the valid range. The range of valid ports is ${portLo}-${portHi}`);
        if (ports.has(requested)) throw new Error('provided port is already allocated');
        ports.add(requested);
        return requested;
      }
      const p = pick(portLo, portHi, ports);
      if (p === undefined) throw new Error('range is full');
      ports.add(p);
      return p;
    },
    markUsed(ip, nodePorts = []) {
      if (ip && isIPv4(ip)) ips.add(ipToInt(ip));
      for (const p of nodePorts) if (p) ports.add(p);
    },
    release(ip, nodePorts = []) {
      if (ip && isIPv4(ip)) ips.delete(ipToInt(ip));
      for (const p of nodePorts) ports.delete(p);
    },
  };
}

/** Runs an allocation; a failure becomes kube-apiserver's 422 on the given field. */
function allocate<T>(svc: KObject, path: string, value: unknown, goValue: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const err: FieldError = goValue ? { type: 'FieldValueInvalid', field: path, value, omitValue: true, detail: `${goValue}: ${msg}` } : field.invalid(path, value, msg);
    throw invalid('Service', '', svc.metadata.name ?? '', [err]);
  }
}

function isHeadless(svc: KObject): boolean {
  return svc.spec?.clusterIP === 'None';
}

function needsClusterIP(svc: KObject): boolean {
  return svc.spec?.type !== 'ExternalName';
}

function needsNodePort(svc: KObject): boolean {
  const t = svc.spec?.type;
  if (t === 'NodePort') return true;
  return t === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false;
}

/** ExternallyAccessible: NodePort, LoadBalancer, or ClusterIP with external IPs. */
function externallyAccessible(svc: KObject): boolean {
  const t = svc.spec?.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec?.externalIPs ?? []).length > 0);
}

/** SetDefaults_Service. Idempotent. */
function defaults(svc: KObject): void {
  const spec = (svc.spec ??= {});
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  spec.type ||= 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p || typeof p !== 'object') continue;
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy == null && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts ??= true;
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing?.ip && !ing.ipMode) ing.ipMode = 'VIP';
  }
  // clusterIPs mirrors clusterIP (upstream: the REST layer normalizes the pair).
  if (spec.clusterIP && !(spec.clusterIPs ?? []).length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && (spec.clusterIPs ?? []).length) spec.clusterIP = spec.clusterIPs[0];
}

function ipFamilyOf(ip: string): 'IPv4' | 'IPv6' | undefined {
  return isIPv4(ip) ? 'IPv4' : isIPv6(ip) ? 'IPv6' : undefined;
}

/**
 * Service REST create: status reset, cluster IP and node ports allocated, IP families set.
 * An invalid service allocates nothing (validation then reports it), so nothing leaks.
 */
function prepareForCreate(svc: KObject): void {
  svc.status = { loadBalancer: {} };
  const spec = svc.spec;
  const canAllocate = allocator !== undefined && validate(svc).length === 0;
  if (!needsClusterIP(svc)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
  } else {
    if (!isHeadless(svc) && canAllocate) {
      const requested: string | undefined = spec.clusterIP || undefined;
      spec.clusterIP = allocate(svc, 'spec.clusterIPs', [requested], requested ? goStrings([requested]) : undefined, () => allocator!.allocateClusterIP(requested));
      spec.clusterIPs = [spec.clusterIP];
    }
    spec.ipFamilyPolicy ||= 'SingleStack';
    if (!(spec.ipFamilies ?? []).length) {
      const fam = spec.clusterIP && spec.clusterIP !== 'None' ? ipFamilyOf(spec.clusterIP) : 'IPv4';
      spec.ipFamilies = [fam ?? 'IPv4'];
    }
  }
  if (needsNodePort(svc) && canAllocate) {
    (spec.ports ?? []).forEach((p: J, i: number) => {
      p.nodePort = allocate(svc, `spec.ports[${i}].nodePort`, p.nodePort, undefined, () => allocator!.allocateNodePort(p.nodePort || undefined));
    });
  }
}

/**
 * Service REST update: values the server allocated stay when a client leaves them out
 * (kubectl apply/replace of a manifest without clusterIP or nodePort), status is kept.
 */
function prepareForUpdate(svc: KObject, old: KObject): void {
  const spec = (svc.spec ??= {});
  const oldSpec = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!(spec.clusterIPs ?? []).length && (oldSpec.clusterIPs ?? []).length) spec.clusterIPs = oldSpec.clusterIPs;
    spec.ipFamilyPolicy ||= oldSpec.ipFamilyPolicy;
    if (!(spec.ipFamilies ?? []).length && oldSpec.ipFamilies) spec.ipFamilies = oldSpec.ipFamilies;
  } else if (!needsClusterIP(svc)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
  } else if (allocator && !spec.clusterIP) {
    spec.clusterIP = allocate(svc, 'spec.clusterIPs', [], undefined, () => allocator!.allocateClusterIP());
    spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilyPolicy ||= 'SingleStack';
    spec.ipFamilies ??= [ipFamilyOf(spec.clusterIP) ?? 'IPv4'];
  }
  if (needsNodePort(svc)) {
    const oldPorts: J[] = needsNodePort(old) ? oldSpec.ports ?? [] : [];
    const oldNodePorts = new Set(oldPorts.map((o) => o.nodePort).filter(Boolean));
    for (const p of spec.ports ?? []) {
      // A node port the service did not hold before must be reserved like on create.
      if (p.nodePort && !oldNodePorts.has(p.nodePort) && allocator) {
        const requested = p.nodePort;
        p.nodePort = allocate(svc, 'spec.ports', requested, undefined, () => allocator!.allocateNodePort(requested));
      }
      if (p.nodePort) continue;
      const prev = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP')) ?? (p.name ? oldPorts.find((o) => o.name === p.name) : undefined);
      if (prev?.nodePort) p.nodePort = prev.nodePort;
      else if (allocator) p.nodePort = allocate(svc, 'spec.ports', p.port, undefined, () => allocator!.allocateNodePort());
    }
  } else {
    for (const p of spec.ports ?? []) if (p && spec.type === 'ClusterIP' && oldSpec.type !== 'ClusterIP') delete p.nodePort;
  }
  if (spec.healthCheckNodePort == null && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  if (old.status === undefined) delete svc.status;
  else svc.status = structuredClone(old.status);
}

/** Go's %#v of a []string, as upstream renders slice values in field errors. */
function goStrings(v: string[] | undefined): string {
  return v ? `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}` : '[]string(nil)';
}

/** field.Invalid/Duplicate whose value upstream prints with %#v. */
function withGoValue(e: FieldError, goText: string): FieldError {
  return { ...e, omitValue: true, detail: e.detail ? `${goText}: ${e.detail}` : goText };
}

/** ValidatePortNumOrName: a JSON string is always a port name, even "8080". */
function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => field.invalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => field.invalid(path, port, m));
  return [];
}

/** validateServicePort. */
function validatePort(p: J, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p?.name) errs.push(field.required(`${path}.name`));
  else if (p?.name) {
    for (const m of isDNS1123Label(p.name)) errs.push(field.invalid(`${path}.name`, p.name, m));
    if (names.has(p.name)) errs.push(field.duplicate(`${path}.name`, p.name));
    else names.add(p.name);
  }
  for (const m of isValidPortNum(p?.port)) errs.push(field.invalid(`${path}.port`, p?.port ?? 0, m));
  if (!p?.protocol) errs.push(field.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(p.protocol)) errs.push(field.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(p?.targetPort, `${path}.targetPort`));
  if (p?.appProtocol) for (const m of isQualifiedName(p.appProtocol)) errs.push(field.invalid(`${path}.appProtocol`, p.appProtocol, m));
  return errs;
}

/** Go's %#v of the core.ServicePort key upstream reports for duplicate ports. */
function goServicePortKey(p: J): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(p?.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p?.port ?? 0}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

/** ValidateService, in upstream's order, for what kubectl users hit. */
function validateSpec(svc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec ?? {};
  const ports: J[] = spec.ports ?? [];
  const headless = isHeadless(svc);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(field.required('spec.ports'));
  switch (spec.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs ?? []).length || spec.clusterIP) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if ((spec.ipFamilies ?? []).length) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy) errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // A trailing dot marks the CNAME as fully qualified.
      const cname = String(spec.externalName ?? '').replace(/\.$/, '');
      if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(field.invalid('spec.externalName', cname, m));
      else errs.push(field.required('spec.externalName'));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validatePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (!spec.sessionAffinity) errs.push(field.required('spec.sessionAffinity'));
  else if (!['ClientIP', 'None'].includes(spec.sessionAffinity)) errs.push(field.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const when = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(field.required('spec.sessionAffinityConfig', when));
    else if (!cfg.clientIP) errs.push(field.required('spec.sessionAffinityConfig.clientIP', when));
    else if (cfg.clientIP.timeoutSeconds == null) errs.push(field.required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', when));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (!(typeof t === 'number' && t > 0 && t <= MAX_CLIENT_IP_AFFINITY_SECONDS)) {
        errs.push(field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
      }
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  // ValidateServiceClusterIPsRelatedFields (the single-stack part).
  const ips: string[] = spec.clusterIPs ?? [];
  if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP) {
    errs.push(field.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`'));
  }
  ips.forEach((ip, i) => {
    if (ip === 'None') {
      if (i > 0 || ips.length > 1) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
      return;
    }
    for (const m of isValidIP(ip)) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, m));
  });
  (spec.externalIPs ?? []).forEach((ip: string, i: number) => {
    const bad = isValidIP(ip);
    for (const m of bad.length ? bad : nonSpecialIPErrors(ip)) errs.push(field.invalid(`spec.externalIPs[${i}]`, ip, m));
  });
  if (!spec.type) errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(field.notSupported('spec.type', spec.type, SERVICE_TYPES));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p?.nodePort) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p?.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p?.protocol}/${p?.port}`;
    if (seen.has(key)) errs.push(withGoValue(field.duplicate(`spec.ports[${i}]`, undefined), goServicePortKey(p)));
    seen.add(key);
  });
  if ((spec.loadBalancerSourceRanges ?? []).length && spec.type !== 'LoadBalancer') {
    // Upstream's path really is capitalised here.
    errs.push(field.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.allocateLoadBalancerNodePorts != null && spec.type !== 'LoadBalancer') {
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (!externallyAccessible(svc)) {
    if (spec.externalTrafficPolicy) errs.push(field.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!spec.externalTrafficPolicy) {
    errs.push(field.required('spec.externalTrafficPolicy'));
  } else if (!['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) {
    errs.push(field.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']));
  }
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (!needsHealthCheck && spec.healthCheckNodePort) {
    errs.push(field.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  if (spec.internalTrafficPolicy == null) {
    if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (!['Cluster', 'Local'].includes(spec.internalTrafficPolicy)) {
    errs.push(field.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (spec.ipFamilyPolicy && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(spec.ipFamilyPolicy)) {
    errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  if (spec.trafficDistribution != null && spec.trafficDistribution !== 'PreferClose') {
    errs.push(field.notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function validate(svc: KObject): FieldError[] {
  return [...validateObjectMeta(svc.metadata, { namespaced: true, nameValidator: nameIsDNS1035Label }), ...validateSpec(svc)];
}

/** ValidateServiceUpdate: cluster IPs may not change once set (except to/from ExternalName). */
function validateUpdate(svc: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(svc.metadata, old.metadata), ...validateSpec(svc)];
  const spec = svc.spec ?? {};
  const oldSpec = old.spec ?? {};
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && !(isHeadless(svc) && isHeadless(old))) {
    const oldIPs: string[] = oldSpec.clusterIPs ?? (oldSpec.clusterIP ? [oldSpec.clusterIP] : []);
    const newIPs: string[] = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
    oldIPs.forEach((ip, i) => {
      if (i < newIPs.length && ip !== newIPs[i]) errs.push(withGoValue(field.invalid(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'), goStrings(newIPs)));
    });
    if (oldIPs.length && newIPs.length === 0) errs.push(withGoValue(field.invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset'), goStrings(newIPs)));
  }
  if (oldSpec.ipFamilies?.length && spec.ipFamilies?.length && oldSpec.ipFamilies[0] !== spec.ipFamilies[0] && spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
    errs.push(field.invalid('spec.ipFamilies[0]', spec.ipFamilies[0], FIELD_IMMUTABLE));
  }
  return errs;
}

function validateStatusUpdate(svc: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  (svc.status?.loadBalancer?.ingress ?? []).forEach((ing: J, i: number) => {
    if (ing?.ip) for (const m of isValidIP(ing.ip)) errs.push(field.invalid(`status.loadBalancer.ingress[${i}].ip`, ing.ip, m));
    if (ing?.hostname) for (const m of isDNS1123Subdomain(ing.hostname)) errs.push(field.invalid(`status.loadBalancer.ingress[${i}].hostname`, ing.hostname, m));
  });
  return errs;
}

// ---------------------------------------------------------------- table (printService)

/** loadBalancerStatusStringer (server tables are wide, so never truncated). */
function loadBalancerIPs(svc: KObject): string {
  const set = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing?.ip) set.add(ing.ip);
    else if (ing?.hostname) set.add(ing.hostname);
  }
  return [...set].sort().join(',');
}

/** getServiceExternalIP. */
export function serviceExternalIP(svc: KObject): string {
  const ext: string[] = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc);
      if (ext.length) return [...(lb ? lb.split(',') : []), ...ext].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** makePortString: "80/TCP,443:30443/TCP". */
export function servicePorts(svc: KObject): string {
  return (svc.spec?.ports ?? []).map((p: J) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

export const service: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  model: 'V1Service',
  statusSubresource: true,
  hasGeneration: false,
  subresources: [
    { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
  defaults,
  prepareForCreate,
  prepareForUpdate,
  validate,
  validateUpdate,
  validateStatusUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Type', type: 'string', description: 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.' },
      { name: 'Cluster-IP', type: 'string', description: 'clusterIP is the IP address of the service and is usually assigned randomly.' },
      { name: 'External-IP', type: 'string', description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.' },
      { name: 'Port(s)', type: 'string', description: 'The list of ports that are exposed by this service.' },
      AGE_COLUMN,
      { name: 'Selector', type: 'string', priority: 1, description: 'Route service traffic to pods with label keys and values matching this selector.' },
    ],
    row(svc, now) {
      const ports = servicePorts(svc);
      return [
        svc.metadata.name,
        svc.spec?.type ?? '',
        svc.spec?.clusterIPs?.[0] ?? '<none>',
        serviceExternalIP(svc),
        ports || '<none>',
        age(svc, now),
        formatLabels(svc.spec?.selector),
      ];
    },
  },
  selectableFields(svc) {
    return { 'spec.clusterIP': svc.spec?.clusterIP ?? '', 'spec.type': svc.spec?.type ?? '' };
  },
};
