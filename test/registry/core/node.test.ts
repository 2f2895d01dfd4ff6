import { strict as assert } from 'node:assert';
import { node } from '../../../lib/registry/node.js';
import type { KObject } from '../../../lib/registry/resource-type.js';
import { columns, create, row, update } from '../strategy.js';

const worker: KObject = {
  metadata: { name: 'node-1', creationTimestamp: '2024-04-29T12:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'etcd' } },
  spec: { unschedulable: true, podCIDRs: ['10.244.1.0/24'] },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node-1' }],
    nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'CentOS Linux 7 (Core)', kernelVersion: '3.10.0-1160.el7.x86_64', containerRuntimeVersion: 'docker://20.10.7' },
  },
};

describe('Node', () => {
  it('is cluster-scoped, served as no, and keeps status given on create', () => {
    const { obj, errors } = create(node, worker);
    assert.deepEqual(errors, []);
    assert.deepEqual([node.namespaced, node.shortNames], [false, ['no']]);
    assert.equal(obj.status.conditions[0].type, 'Ready');
  });

  it('prints status, roles and the wide columns', () => {
    assert.deepEqual(columns(node), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']);
    assert.deepEqual(row(node, worker), [
      'node-1',
      'Ready,SchedulingDisabled',
      'control-plane,etcd',
      '2d',
      'v1.32.0',
      '192.168.1.10',
      '<none>',
      'CentOS Linux 7 (Core)',
      '3.10.0-1160.el7.x86_64',
      'docker://20.10.7',
    ]);
    const bare: KObject = { metadata: { name: 'n', creationTimestamp: '2024-05-01T11:59:00Z' } };
    assert.deepEqual(row(node, bare), ['n', 'Unknown', '<none>', '60s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });

  it('does not let podCIDRs change once set', () => {
    const old = create(node, worker).obj;
    const next = structuredClone(old);
    next.spec.podCIDRs = ['10.244.2.0/24'];
    assert.deepEqual(update(node, old, next).errors, ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  });

  it('rejects taints without an effect', () => {
    const { errors } = create(node, { metadata: { name: 'n' }, spec: { taints: [{ key: 'dedicated', value: 'db' }] } });
    assert.deepEqual(errors, ['metadata.taints[0].effect: Required value']);
  });

  it('selects by spec.unschedulable', () => {
    assert.deepEqual(node.selectableFields!(worker), { 'spec.unschedulable': 'true' });
  });
});
