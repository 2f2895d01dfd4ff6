import { strict as assert } from 'node:assert';
import { endpointslices } from '../../../lib/registry/endpointslice.js';
import { ingressclasses } from '../../../lib/registry/ingressclass.js';
import { ingresses } from '../../../lib/registry/ingress.js';
import { leases } from '../../../lib/registry/lease.js';
import { networkpolicies } from '../../../lib/registry/networkpolicy.js';
import { runtimeclasses } from '../../../lib/registry/runtimeclass.js';
import { storageclasses } from '../../../lib/registry/storageclass.js';
import { columns, create, row, update } from '../strategy.js';

const minimalIngress = {
  metadata: { name: 'minimal-ingress' },
  spec: {
    ingressClassName: 'nginx-example',
    rules: [{ http: { paths: [{ path: '/testpath', pathType: 'Prefix', backend: { service: { name: 'test', port: { number: 80 } } } }] } }],
  },
};

describe('Ingress', () => {
  it('is served as ing with status', () => {
    assert.deepEqual([ingresses.group, ingresses.shortNames], ['networking.k8s.io', ['ing']]);
  });

  it('validates the minimal example clean and prints class, hosts, address and ports', () => {
    const { obj, errors } = create(ingresses, minimalIngress);
    assert.deepEqual(errors, []);
    assert.deepEqual(columns(ingresses), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(row(ingresses, obj), ['minimal-ingress', 'nginx-example', '*', '', '80', '60m']);
    obj.spec.rules[0].host = 'foo.example.com';
    obj.spec.tls = [{ hosts: ['foo.example.com'], secretName: 's' }];
    obj.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    assert.deepEqual(row(ingresses, obj).slice(2, 5), ['foo.example.com', '192.0.2.10', '80, 443']);
  });

  it('needs rules or a default backend, and a pathType on every path', () => {
    assert.deepEqual(create(ingresses, { metadata: { name: 'i' }, spec: {} }).errors, ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
    const noType = structuredClone(minimalIngress) as any;
    delete noType.spec.rules[0].http.paths[0].pathType;
    assert.deepEqual(create(ingresses, noType).errors, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
  });

  it('rejects an IP as host and a relative path', () => {
    const bad = structuredClone(minimalIngress) as any;
    bad.spec.rules[0].host = '10.0.0.1';
    bad.spec.rules[0].http.paths[0].path = 'testpath';
    assert.deepEqual(create(ingresses, bad).errors, [
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "testpath": must be an absolute path',
    ]);
  });
});

describe('IngressClass', () => {
  it('defaults the parameters scope to Cluster and prints controller and parameters', () => {
    const { obj, errors } = create(ingressclasses, {
      metadata: { name: 'external-lb' },
      spec: { controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } },
    });
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.parameters.scope, 'Cluster');
    assert.deepEqual(row(ingressclasses, obj), ['external-lb', 'example.com/ingress-controller', 'IngressParameters.k8s.example.com/external-lb', '60m']);
  });

  it('wants a domain-prefixed controller that never changes', () => {
    assert.deepEqual(create(ingressclasses, { metadata: { name: 'c' }, spec: { controller: 'nginx' } }).errors, ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
    const { obj: old } = create(ingressclasses, { metadata: { name: 'c' }, spec: { controller: 'k8s.io/ingress-nginx' } });
    assert.deepEqual(update(ingressclasses, old, { metadata: { name: 'c' }, spec: { controller: 'k8s.io/other' } }).errors, ['spec.controller: Invalid value: "k8s.io/other": field is immutable']);
  });
});

describe('NetworkPolicy', () => {
  it('defaults policyTypes from the rules present and port protocols to TCP', () => {
    const { obj, errors } = create(networkpolicies, {
      metadata: { name: 'test-network-policy' },
      spec: {
        podSelector: { matchLabels: { role: 'db' } },
        ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }], ports: [{ port: 6379 }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
      },
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.policyTypes, ['Ingress', 'Egress']);
    assert.equal(obj.spec.ingress[0].ports[0].protocol, 'TCP');
    assert.deepEqual(columns(networkpolicies), ['Name', 'Pod-Selector', 'Age']);
    assert.deepEqual(row(networkpolicies, obj), ['test-network-policy', 'role=db', '60m']);
  });

  it('prints <none> for the select-all pod selector and wants a peer in each rule', () => {
    const { obj } = create(networkpolicies, { metadata: { name: 'deny-all' }, spec: { podSelector: {} } });
    assert.deepEqual(obj.spec.policyTypes, ['Ingress']);
    assert.equal(row(networkpolicies, obj)[1], '<none>');
    const { errors } = create(networkpolicies, { metadata: { name: 'x' }, spec: { podSelector: {}, ingress: [{ from: [{}] }] } });
    assert.deepEqual(errors, ['spec.ingress[0].from[0]: Required value: must specify a peer']);
  });
});

describe('StorageClass', () => {
  it('is served as sc; defaults reclaim Delete and binding Immediate; marks the default class', () => {
    const { obj, errors } = create(storageclasses, {
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'rancher.io/local-path',
    });
    assert.deepEqual(errors, []);
    assert.deepEqual([storageclasses.shortNames, obj.reclaimPolicy, obj.volumeBindingMode], [['sc'], 'Delete', 'Immediate']);
    assert.deepEqual(columns(storageclasses), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    assert.deepEqual(row(storageclasses, obj), ['standard (default)', 'rancher.io/local-path', 'Delete', 'Immediate', false, '60m']);
  });

  it('forbids changing provisioner and parameters', () => {
    const { obj: old } = create(storageclasses, { metadata: { name: 'fast' }, provisioner: 'a.io/x', parameters: { type: 'ssd' } });
    const { errors } = update(storageclasses, old, { ...old, provisioner: 'b.io/y', parameters: { type: 'hdd' } });
    assert.deepEqual(errors, ['parameters: Forbidden: updates to parameters are forbidden.', 'provisioner: Forbidden: updates to provisioner are forbidden.']);
  });

  it('validates reclaim policy and binding mode', () => {
    const { errors } = create(storageclasses, { metadata: { name: 's' }, provisioner: 'a.io/x', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' });
    assert.deepEqual(errors, ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"', 'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']);
  });
});

describe('RuntimeClass, Lease and EndpointSlice', () => {
  it('RuntimeClass needs a DNS-label handler and prints it', () => {
    const { obj, errors } = create(runtimeclasses, { metadata: { name: 'gvisor' }, handler: 'runsc' });
    assert.deepEqual(errors, []);
    assert.deepEqual(row(runtimeclasses, obj), ['gvisor', 'runsc', '60m']);
    assert.equal(create(runtimeclasses, { metadata: { name: 'x' }, handler: 'Bad_Handler' }).errors.length, 1);
  });

  it('Lease prints its holder and rejects a non-positive duration', () => {
    const { obj } = create(leases, { metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec: { holderIdentity: 'node-a_1234', leaseDurationSeconds: 15 } });
    assert.deepEqual(row(leases, obj), ['kube-scheduler', 'node-a_1234', '60m']);
    assert.deepEqual(create(leases, { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 0 } }).errors, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  });

  it('EndpointSlice defaults port protocol and name, and prints ports and endpoints', () => {
    const { obj, errors } = create(endpointslices, {
      metadata: { name: 'example-abc', labels: { 'kubernetes.io/service-name': 'example' } },
      addressType: 'IPv4',
      ports: [{ port: 80 }],
      endpoints: [{ addresses: ['10.1.2.3'] }, { addresses: ['10.1.2.4'] }, { addresses: ['10.1.2.5'] }, { addresses: ['10.1.2.6'] }],
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
    assert.deepEqual(columns(endpointslices), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    assert.deepEqual(row(endpointslices, obj), ['example-abc', 'IPv4', '80', '10.1.2.3,10.1.2.4,10.1.2.5 + 1 more...', '60m']);
  });

  it('EndpointSlice checks addresses against its type and keeps the type immutable', () => {
    const { errors } = create(endpointslices, { metadata: { name: 's' }, addressType: 'IPv4', endpoints: [{ addresses: ['fe80::1'] }] });
    assert.deepEqual(errors, ['endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address']);
    const { obj: old } = create(endpointslices, { metadata: { name: 's' }, addressType: 'IPv4' });
    assert.deepEqual(update(endpointslices, old, { metadata: { name: 's' }, addressType: 'IPv6' }).errors, ['addressType: Invalid value: "IPv6": field is immutable']);
  });
});
