// The cluster file: refused at start with one line per problem, naming the field.
import { strict as assert } from 'node:assert';
import { validateClusterConfig } from '../../lib/config/cluster-config.js';

describe('Cluster file validation', () => {
  it('accepts the documented defaults and an etcd storage section', () => {
    assert.deepEqual(validateClusterConfig({}), []);
    assert.deepEqual(validateClusterConfig({ storage: { backend: 'etcd', etcd: { endpoints: ['http://127.0.0.1:2379'] } }, clusterCIDR: '10.244.0.0/16' }), []);
  });

  it('names unknown fields and malformed CIDRs', () => {
    assert.deepEqual(validateClusterConfig({ clustrCIDR: 'x', serviceCIDR: '10.96.0.0' }), [
      'unknown field "clustrCIDR"',
      'serviceCIDR: must be an IPv4 CIDR such as 10.96.0.0/12, got "10.96.0.0"',
    ]);
  });

  it('requires etcd endpoints when the backend is etcd', () => {
    assert.deepEqual(validateClusterConfig({ storage: { backend: 'etcd' } }), ['storage.etcd.endpoints: at least one endpoint is required when storage.backend is etcd']);
  });

  it('refuses a node without a pinned host key unless trust-on-first-use is explicit', () => {
    const node = { name: 'node-1', address: '192.0.2.1', identityFile: '/k' };
    assert.match(validateClusterConfig({ nodes: [node] })[0], /^nodes\[0\]\.hostKey: required/);
    assert.deepEqual(validateClusterConfig({ nodes: [{ ...node, trustOnFirstUse: true }] }), []);
    assert.deepEqual(validateClusterConfig({ nodes: [{ ...node, hostKey: 'ssh-ed25519 AAAA' }] }), []);
  });

  it('checks node names, ports and keys', () => {
    const errs = validateClusterConfig({ nodes: [{ name: 'Node_1', address: '', port: 70000, hostKey: 'x' }] });
    assert.deepEqual(errs, [
      "nodes[0].name: required, a lowercase RFC 1123 subdomain (it becomes the Node's name)",
      'nodes[0].address: required',
      'nodes[0].port: must be a port number',
      'nodes[0].identityFile: required (the SSH private key kubeshim logs in with)',
    ]);
  });
});
