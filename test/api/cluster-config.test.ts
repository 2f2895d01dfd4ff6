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

  it("accepts this machine's engine as a node (local: true) without SSH settings or address", () => {
    assert.deepEqual(validateClusterConfig({ nodes: [{ name: 'this-machine', local: true }] }), []);
    assert.deepEqual(validateClusterConfig({ nodes: [{ name: 'this-machine', local: true, address: '192.0.2.5', dockerSocket: '/run/docker.sock', labels: { a: 'b' } }] }), []);
    // local: false is an SSH host like any other.
    assert.match(validateClusterConfig({ nodes: [{ name: 'n', local: false }] })[0], /^nodes\[0\]\.address: required/);
  });

  it('refuses SSH settings on a local node, naming each, and a local that is not a boolean', () => {
    assert.deepEqual(validateClusterConfig({ nodes: [{ name: 'me', local: true, user: 'root', port: 22, identityFile: '/k', hostKey: 'ssh-ed25519 AAAA' }] }), [
      "nodes[0].port: not used with local: true (this machine's Docker engine is reached without SSH); remove it, or remove local",
      "nodes[0].user: not used with local: true (this machine's Docker engine is reached without SSH); remove it, or remove local",
      "nodes[0].identityFile: not used with local: true (this machine's Docker engine is reached without SSH); remove it, or remove local",
      "nodes[0].hostKey: not used with local: true (this machine's Docker engine is reached without SSH); remove it, or remove local",
    ]);
    assert.deepEqual(validateClusterConfig({ nodes: [{ name: 'me', local: true, address: '' }] }), ["nodes[0].address: must be an address (or left out: this machine's first IPv4 address)"]);
    assert.deepEqual(validateClusterConfig({ nodes: [{ name: 'me', local: 'yes', address: '192.0.2.1', identityFile: '/k', hostKey: 'x' }] }), ['nodes[0].local: must be true or false']);
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
