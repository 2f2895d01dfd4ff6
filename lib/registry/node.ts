// core/v1 Node: pkg/registry/core/node/strategy.go (status may be set on create, kept on
// update), ValidateNode(Update) for what users touch (taints, podCIDRs, providerID), printNode.
import { field, type FieldError } from '../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { isQualifiedName, isValidIP, isValidLabelValue } from '../validation/names.js';
import { parseQuantity } from '../validation/quantity.js';
import { canonicalizeResources } from './persistentvolume.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;



/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
function defaults(node: KObject): void {
  const st = node.status;
  if (!st || typeof st !== 'object') return;
  canonicalizeResources(st.capacity);
  if (st.allocatable == null && st.capacity) st.allocatable = { ...st.capacity };
  canonicalizeResources(st.allocatable);
}

function isCIDR(s: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m || isValidIP(m[1]).length) return false;
  const bits = Number(m[2]);
  return m[1].includes(':') ? bits <= 128 : bits <= 32;
}

/** validateNodeTaints; upstream reports taints under metadata.taints (its field path says so). */
function validateTaints(taints: J[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  (taints ?? []).forEach((t, i) => {
    const p = `metadata.taints[${i}]`;
    for (const m of isQualifiedName(t?.key ?? '')) errs.push(field.invalid(`${p}.key`, t?.key ?? '', m));
    const valueErrs = isValidLabelValue(t?.value ?? '');
    if (valueErrs.length) errs.push(field.invalid(`${p}.value`, t?.value ?? '', valueErrs.join(';')));
    if (!t?.effect) errs.push(field.required(`${p}.effect`));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) errs.push(field.notSupported(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    const keys = unique.get(t?.effect ?? '') ?? new Set<string>();
    if (keys.has(t?.key ?? '')) {
      errs.push({ type: 'FieldValueDuplicate', field: p, value: t, detail: 'taints must be unique by key and effect pair' });
      return;
    }
    keys.add(t?.key ?? '');
    unique.set(t?.effect ?? '', keys);
  });
  return errs;
}

/** ValidateNodeResources: capacity and allocatable quantities are non-negative. */
function validateResources(node: KObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const kind of ['capacity', 'allocatable']) {
    for (const [k, v] of Object.entries((node.status?.[kind] ?? {}) as Record<string, string>)) {
      const q = parseQuantity(v);
      if (q && q.mantissa < 0n) errs.push(field.invalid(`status.${kind}.${k}`, q.canonical, 'must be greater than or equal to 0'));
    }
  }
  return errs;
}

/** ValidateNode: taints, resources and podCIDRs (status is otherwise free-form). */
function validateSpec(node: KObject): FieldError[] {
  const errs: FieldError[] = [...validateTaints(node.spec?.taints), ...validateResources(node)];
  const cidrs: string[] = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(field.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if (cidrs.length > 1) {
    const families = new Set(cidrs.map((c) => (c.includes(':') ? 6 : 4)));
    if (families.size !== cidrs.length || cidrs.length > 2) errs.push(field.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  }
  return errs;
}

/** ValidateNodeUpdate: podCIDRs and providerID may only go from unset to set. */
function validateUpdate(node: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(node.metadata, old.metadata), ...validateResources(node), ...validateTaints(node.spec?.taints)];
  const oldCIDRs: string[] = old.spec?.podCIDRs ?? [];
  const newCIDRs: string[] = node.spec?.podCIDRs ?? [];
  if (oldCIDRs.length && JSON.stringify(oldCIDRs) !== JSON.stringify(newCIDRs)) {
    errs.push(field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

/** findNodeRoles: node-role.kubernetes.io/<role> keys and the kubernetes.io/role value. */
export function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  const list = [...roles].sort();
  return list.length ? list.join(',') : '<none>';
}

/** The Status cell: Ready / NotReady / Unknown, plus SchedulingDisabled. */
export function nodeStatus(node: KObject): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).find((c: J) => c?.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: KObject, type: string): string {
  return (node.status?.addresses ?? []).find((a: J) => a?.type === type)?.address ?? '<none>';
}

export const node: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  model: 'V1Node',
  statusSubresource: true,
  hasGeneration: false,
  subresources: [
    { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
  defaults,
  // Nodes allow all fields, status included, to be set on create (upstream nodeStrategy).
  prepareForCreate: () => undefined,
  validate: (n) => [...validateObjectMeta(n.metadata, { namespaced: false }), ...validateSpec(n)],
  validateUpdate,
  validateStatusUpdate: (n, old) => validateObjectMetaUpdate(n.metadata, old.metadata),
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE_COLUMN,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      { name: 'Internal-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' },
      { name: 'External-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' },
      { name: 'OS-Image', type: 'string', priority: 1, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).' },
      { name: 'Kernel-Version', type: 'string', priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
      { name: 'Container-Runtime', type: 'string', priority: 1, description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).' },
    ],
    row(n, now) {
      const info = n.status?.nodeInfo ?? {};
      return [
        n.metadata.name,
        nodeStatus(n),
        nodeRoles(n),
        age(n, now),
        info.kubeletVersion ?? '',
        address(n, 'InternalIP'),
        address(n, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
  selectableFields: (n) => ({ 'spec.unschedulable': String(n.spec?.unschedulable === true) }),
};
