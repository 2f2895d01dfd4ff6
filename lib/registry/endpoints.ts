// core/v1 Endpoints: ValidateEndpoints (addresses, ports), SetDefaults_EndpointPort, and
// printEndpoints' "10.0.0.1:80,10.0.0.2:80 + 3 more..." cell.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isIPv6, isValidIP, isValidPortNum, nonSpecialIPErrors } from '../validation/names.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function defaults(ep: KObject): void {
  for (const ss of ep.subsets ?? []) for (const p of ss?.ports ?? []) if (p && typeof p === 'object') p.protocol ||= 'TCP';
}

function validateAddress(a: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ipErrs = isValidIP(a?.ip ?? '');
  for (const m of ipErrs) errs.push(field.invalid(`${path}.ip`, a?.ip ?? '', m));
  if (a?.hostname) for (const m of isDNS1123Label(a.hostname)) errs.push(field.invalid(`${path}.hostname`, a.hostname, m));
  if (a?.nodeName) for (const m of isDNS1123Subdomain(a.nodeName)) errs.push(field.invalid(`${path}.nodeName`, a.nodeName, m));
  // ValidateNonSpecialIP runs on every address; an unparsable one gets its own short message.
  for (const m of nonSpecialIPErrors(a?.ip ?? '')) errs.push(field.invalid(`${path}.ip`, a?.ip ?? '', m));
  return errs;
}

function validateSubsets(ep: KObject): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss: J, i: number) => {
    const p = `subsets[${i}]`;
    if (!(ss?.addresses ?? []).length && !(ss?.notReadyAddresses ?? []).length) {
      errs.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss?.addresses ?? []).forEach((a: J, j: number) => errs.push(...validateAddress(a, `${p}.addresses[${j}]`)));
    (ss?.notReadyAddresses ?? []).forEach((a: J, j: number) => errs.push(...validateAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports: J[] = ss?.ports ?? [];
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port?.name) errs.push(field.required(`${pp}.name`));
      else if (port?.name) for (const m of isDNS1123Label(port.name)) errs.push(field.invalid(`${pp}.name`, port.name, m));
      for (const m of isValidPortNum(port?.port)) errs.push(field.invalid(`${pp}.port`, port?.port, m));
      if (!port?.protocol) errs.push(field.required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(port.protocol)) errs.push(field.notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** formatEndpoints with no port filter: at most 3 host:port pairs, then "+ N more...". */
export function formatEndpoints(ep: KObject): string {
  const subsets: J[] = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const hostPort = (ip: string, port: number) => (isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addrs: J[] = ss?.addresses ?? [];
    const ports: J[] = ss?.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(a.ip, port.port));
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

export const endpoints: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  model: 'V1Endpoints',
  hasGeneration: false,
  defaults,
  validate: (ep) => [...validateObjectMeta(ep.metadata, { namespaced: true }), ...validateSubsets(ep)],
  validateUpdate: (ep, old) => [...validateObjectMetaUpdate(ep.metadata, old.metadata), ...validateSubsets(ep)],
  table: {
    columns: [NAME_COLUMN, { name: 'Endpoints', type: 'string', description: 'Endpoints is the list of addresses and ports that comprise a service.' }, AGE_COLUMN],
    row: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep, now)],
  },
};
