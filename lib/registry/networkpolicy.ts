// networking.k8s.io/v1 NetworkPolicy: pkg/registry/networking/networkpolicy/strategy.go,
// SetDefaults_NetworkPolicy / SetDefaults_NetworkPolicyPort, ValidateNetworkPolicy*
// (pkg/apis/networking/validation) and printNetworkPolicy.
import { field, type FieldError } from '../api/errors.js';
import { validateLabelSelector } from '../validation/labels.js';
import { isIPv4, isIPv6, isValidPortName, isValidPortNum } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age, formatLabelSelector } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

type J = Record<string, any>;

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function isCIDR(v: string): boolean {
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length || bits === undefined || !/^[0-9]{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (isIPv4(ip)) return n <= 32;
  if (isIPv6(ip)) return n <= 128;
  return false;
}

function validatePort(port: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol != null && !PROTOCOLS.includes(port.protocol)) errs.push(field.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  if (port.port != null) {
    if (typeof port.port === 'number') {
      for (const m of isValidPortNum(port.port)) errs.push(field.invalid(`${path}.port`, port.port, m));
      if (port.endPort != null) {
        if (port.endPort < port.port) errs.push(field.invalid(`${path}.endPort`, port.port, 'must be greater than or equal to `port`'));
        for (const m of isValidPortNum(port.endPort)) errs.push(field.invalid(`${path}.endPort`, port.endPort, m));
      }
    } else {
      if (port.endPort != null) errs.push(field.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
      for (const m of isValidPortName(String(port.port))) errs.push(field.invalid(`${path}.port`, port.port, m));
    }
  } else if (port.endPort != null) {
    errs.push(field.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validatePeer(peer: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (peer.podSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (peer.namespaceSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    n++;
    const cidr = peer.ipBlock.cidr ?? '';
    if (!cidr) errs.push(field.required(`${path}.ipBlock.cidr`, ''));
    else if (!isCIDR(cidr)) errs.push(field.invalid(`${path}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    (peer.ipBlock.except ?? []).forEach((e: string, i: number) => {
      if (!isCIDR(e)) errs.push(field.invalid(`${path}.ipBlock.except[${i}]`, e, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    });
  }
  if (n === 0) errs.push(field.required(path, 'must specify a peer'));
  else if (n > 1 && peer.ipBlock) errs.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(spec.podSelector, 'spec.podSelector'));
  (spec.ingress ?? []).forEach((rule: J, i: number) => {
    (rule.ports ?? []).forEach((p: J, j: number) => errs.push(...validatePort(p, `spec.ingress[${i}].ports[${j}]`)));
    (rule.from ?? []).forEach((p: J, j: number) => errs.push(...validatePeer(p, `spec.ingress[${i}].from[${j}]`)));
  });
  (spec.egress ?? []).forEach((rule: J, i: number) => {
    (rule.ports ?? []).forEach((p: J, j: number) => errs.push(...validatePort(p, `spec.egress[${i}].ports[${j}]`)));
    (rule.to ?? []).forEach((p: J, j: number) => errs.push(...validatePeer(p, `spec.egress[${i}].to[${j}]`)));
  });
  const types: string[] = spec.policyTypes ?? [];
  if (types.length > 2) {
    errs.push(field.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return errs;
}

export const networkpolicies: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  model: 'V1NetworkPolicy',
  defaults(obj) {
    const spec = (obj.spec ??= {});
    spec.podSelector ??= {};
    if (!spec.policyTypes || spec.policyTypes.length === 0) {
      // Any policy that does not specify policyTypes implies at least "Ingress".
      spec.policyTypes = (spec.egress ?? []).length ? ['Ingress', 'Egress'] : ['Ingress'];
    }
    for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const p of rule.ports ?? []) p.protocol ??= 'TCP';
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Pod-Selector', type: 'string', description: "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy's namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is optional. If it is not specified, it defaults to an empty selector." },
      AGE_COLUMN,
    ],
    row: (obj, now) => [obj.metadata.name, formatLabelSelector(obj.spec?.podSelector ?? {}), age(obj, now)],
  },
};
