import { strict as assert } from 'node:assert';
import { subresourcesOf } from '../../../lib/api/discovery.js';
import { createServiceAllocator, service, setServiceAllocator } from '../../../lib/registry/service.js';
import type { KObject } from '../../../lib/registry/resource-type.js';
import { columns, create, row, update } from '../strategy.js';

const kubia = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'kubia' },
  spec: {
    sessionAffinity: 'ClientIP',
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 'https' },
    ],
    selector: { app: 'kubia' },
  },
};

describe('Service', () => {
  afterEach(() => setServiceAllocator(undefined));

  it('is served as services/svc in the all category', () => {
    assert.deepEqual([service.plural, service.shortNames, service.categories], ['services', ['svc'], ['all']]);
    assert.deepEqual(subresourcesOf(service).map((s) => s.name), ['proxy', 'status']);
  });

  it('validates a session-affinity service with named ports clean and fills defaults', () => {
    const { obj, errors } = create(service, kubia);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.type, 'ClusterIP');
    assert.deepEqual(obj.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.deepEqual(obj.spec.ports, [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
    assert.equal(obj.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(obj.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(obj.spec.ipFamilies, ['IPv4']);
    assert.deepEqual(obj.status, { loadBalancer: {} });
  });

  it('defaults targetPort to port and affinity to None', () => {
    const { obj } = create(service, { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    assert.equal(obj.spec.ports[0].targetPort, 80);
    assert.equal(obj.spec.sessionAffinity, 'None');
    assert.equal(obj.spec.sessionAffinityConfig, undefined);
  });

  it('uses DNS-1035 names and requires ports and port names', () => {
    const { errors } = create(service, { metadata: { name: '1web' }, spec: {} });
    assert.deepEqual(errors, [
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      'spec.ports: Required value',
    ]);
    assert.deepEqual(create(service, { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }, { port: 81 }] } }).errors, [
      'spec.ports[0].name: Required value',
      'spec.ports[1].name: Required value',
    ]);
  });

  it('treats a quoted targetPort as a port name, and reports duplicate ports', () => {
    const { errors } = create(service, { metadata: { name: 'web' }, spec: { ports: [{ name: 'a', port: 80, targetPort: '8080' }, { name: 'b', port: 80 }] } });
    assert.deepEqual(errors, [
      'spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)',
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]);
  });

  it('forbids node ports on ClusterIP services', () => {
    const { errors } = create(service, { metadata: { name: 'web' }, spec: { ports: [{ port: 80, nodePort: 30080 }] } });
    assert.deepEqual(errors, ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  });

  it('allocates a cluster IP and node ports through the installed allocator', () => {
    let next = 30000;
    setServiceAllocator({ allocateClusterIP: (r) => r ?? '10.96.0.10', allocateNodePort: (r) => r ?? next++ });
    const { obj, errors } = create(service, { metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.clusterIP, '10.96.0.10');
    assert.deepEqual(obj.spec.clusterIPs, ['10.96.0.10']);
    assert.equal(obj.spec.ports[0].nodePort, 30000);
    assert.equal(obj.spec.externalTrafficPolicy, 'Cluster');
  });

  it('keeps the allocated cluster IP and node port when a manifest omits them', () => {
    const old: KObject = create(service, { metadata: { name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] } }).obj;
    const { obj, errors } = update(service, old, { metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.clusterIP, '10.96.0.10');
    assert.equal(obj.spec.ports[0].nodePort, 30080);
  });

  it('refuses to change the cluster IP', () => {
    const old = create(service, { metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 80 }] } }).obj;
    const { errors } = update(service, old, { metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.11', ports: [{ port: 80 }] } });
    assert.deepEqual(errors, ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
  });

  it('prints the upstream columns and a NodePort row', () => {
    assert.deepEqual(columns(service), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
    const svc: KObject = {
      metadata: { name: 'web', creationTimestamp: '2024-05-01T11:55:00Z' },
      spec: { type: 'NodePort', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 443, nodePort: 30443, protocol: 'TCP' }], selector: { tier: 'web', app: 'shop' } },
    };
    assert.deepEqual(row(service, svc), ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,443:30443/TCP', '5m', 'app=shop,tier=web']);
  });

  it('prints <pending> for a LoadBalancer without ingress, and headless services', () => {
    const lb: KObject = { metadata: { name: 'lb', creationTimestamp: '2024-05-01T11:55:00Z' }, spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.2'], ports: [{ port: 80, protocol: 'TCP' }] } };
    assert.equal(row(service, lb)[3], '<pending>');
    lb.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    assert.equal(row(service, lb)[3], '192.0.2.10');
    const headless: KObject = { metadata: { name: 'db' }, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } };
    assert.deepEqual(row(service, headless).slice(1, 5), ['ClusterIP', 'None', '<none>', '<none>']);
  });
});

describe('Service allocator', () => {
  it('hands out free addresses in the CIDR and refuses taken or foreign ones', () => {
    const a = createServiceAllocator({ serviceCIDR: '10.96.0.0/30', random: () => 0 });
    assert.equal(a.allocateClusterIP(), '10.96.0.1');
    assert.equal(a.allocateClusterIP(), '10.96.0.2');
    assert.throws(() => a.allocateClusterIP(), /range is full/);
    assert.throws(() => a.allocateClusterIP('10.96.0.1'), /^Error: failed to allocate IP 10\.96\.0\.1: provided IP is already allocated$/);
    assert.throws(() => a.allocateClusterIP('192.168.0.1'), /the provided IP \(192\.168\.0\.1\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/30/);
    a.release('10.96.0.1');
    assert.equal(a.allocateClusterIP('10.96.0.1'), '10.96.0.1');
    assert.throws(() => a.allocateNodePort(80), /provided port is not in the valid range\. The range of valid ports is 30000-32767/);
  });
});
