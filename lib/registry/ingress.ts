// networking.k8s.io/v1 Ingress: pkg/registry/networking/ingress/strategy.go,
// ValidateIngress* (pkg/apis/networking/validation) and printIngress.
import { field, type FieldError } from '../api/errors.js';
import { isDNS1123Subdomain, isIPv4, isIPv6, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import { invalidGo } from './workload.js';

type J = Record<string, any>;

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = b.resource != null;
  const hasService = b.service != null;
  if (hasResource && hasService) return [field.invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    if (!b.resource.kind) errs.push(field.required(`${path}.resource.kind`, ''));
    if (!b.resource.name) errs.push(field.required(`${path}.resource.name`, ''));
    return errs;
  }
  if (!hasService) return [field.invalid(path, '', 'resource or service backend is required')];
  const svc = b.service;
  const name = svc.name ?? '';
  if (!name) errs.push(field.required(`${path}.service.name`, ''));
  else for (const m of isDNS1123Subdomain(name)) errs.push(field.invalid(`${path}.service.name`, name, m));
  const port = svc.port;
  const hasName = !!port?.name;
  const hasNumber = port?.number != null && port.number !== 0;
  if (hasName && hasNumber) errs.push(field.invalid(`${path}.service.port`, port, 'cannot set both port name & port number'));
  else if (hasName) for (const m of isValidPortName(port.name)) errs.push(field.invalid(`${path}.service.port.name`, port.name, m));
  else if (hasNumber) for (const m of isValidPortNum(port.number)) errs.push(field.invalid(`${path}.service.port.number`, port.number, m));
  else errs.push(field.required(`${path}.service.port`, 'port name or number is required'));
  return errs;
}

const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/** validateHTTPIngressPath: a path without pathType is reported alone. */
function validatePath(hp: J, pp: string): FieldError[] {
  if (hp.pathType == null) return [field.required(`${pp}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const path: string = hp.path ?? '';
  if (hp.pathType === 'Exact' || hp.pathType === 'Prefix') {
    if (!path.startsWith('/')) errs.push(field.invalid(`${pp}.path`, path, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES) if (path.includes(seq)) errs.push(field.invalid(`${pp}.path`, path, `must not contain '${seq}'`));
    for (const suf of INVALID_PATH_SUFFIXES) if (path.endsWith(suf)) errs.push(field.invalid(`${pp}.path`, path, `cannot end with '${suf}'`));
  } else if (hp.pathType === 'ImplementationSpecific') {
    if (path && !path.startsWith('/')) errs.push(field.invalid(`${pp}.path`, path, 'must be an absolute path'));
  } else {
    errs.push(field.notSupported(`${pp}.pathType`, hp.pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(hp.backend ?? {}, `${pp}.backend`));
  return errs;
}

function validateHost(host: string, path: string): FieldError[] {
  if (isIPv4(host) || isIPv6(host)) return [field.invalid(path, host, 'must be a DNS name, not an IP address')];
  if (host.includes('*')) {
    return host.startsWith('*.') && isDNS1123Subdomain(host.slice(2)).length === 0
      ? []
      : [field.invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
  }
  return isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  const rules: J[] = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(invalidGo('spec', spec.rules, spec.rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    if (rule.host) errs.push(...validateHost(rule.host, `${p}.host`));
    if (!rule.http) return;
    const paths: J[] = rule.http.paths ?? [];
    if (paths.length === 0) errs.push(field.required(`${p}.http.paths`, ''));
    paths.forEach((hp, j) => {
      const pp = `${p}.http.paths[${j}]`;
      errs.push(...validatePath(hp, pp));
    });
  });
  (spec.tls ?? []).forEach((tls: J, i: number) => {
    (tls.hosts ?? []).forEach((h: string, j: number) => errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`)));
  });
  if (spec.ingressClassName != null) {
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) errs.push(field.invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

function formatHosts(rules: J[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const r of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${(rules ?? []).length - max} more...` : list.join(',');
}

function addresses(obj: KObject): string {
  const seen = new Set<string>();
  for (const i of obj.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) seen.add(i.ip);
    else if (i.hostname) seen.add(i.hostname);
  }
  return [...seen].join(',');
}

export const ingresses: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  model: 'V1Ingress',
  statusSubresource: true,
  // IngressStatus.loadBalancer is not omitempty.
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateSpec(obj)],
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)],
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Class', type: 'string', description: 'The name of the IngressClass resource that should be used for additional configuration' },
      { name: 'Hosts', type: 'string', description: 'Hosts that incoming requests are matched against before the ingress rule' },
      { name: 'Address', type: 'string', description: 'Address is a list containing ingress points for the load-balancer' },
      { name: 'Ports', type: 'string', description: 'Ports of TLS configurations that open' },
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name,
      obj.spec?.ingressClassName ?? '<none>',
      formatHosts(obj.spec?.rules),
      addresses(obj),
      (obj.spec?.tls ?? []).length ? '80, 443' : '80',
      age(obj, now),
    ],
  },
};
