import { strict as assert } from 'node:assert';
import { allocatePodCIDR, nodeMaskSize } from '../../lib/nodes/pod-cidr.js';

describe('Node pod CIDR allocation', () => {
  it('hands out /24s of a /16, skipping the first subnet', () => {
    assert.equal(allocatePodCIDR('10.244.0.0/16', []), '10.244.1.0/24');
    assert.equal(allocatePodCIDR('10.244.0.0/16', ['10.244.1.0/24', '10.244.3.0/24']), '10.244.2.0/24');
  });

  it('uses prefix + 2 for cluster CIDRs smaller than /22, as flannel', () => {
    assert.equal(nodeMaskSize('10.10.0.0/24'), 26);
    assert.equal(allocatePodCIDR('10.10.0.0/24', []), '10.10.0.64/26');
  });

  it('says clearly when the range is full', () => {
    assert.throws(() => allocatePodCIDR('10.10.0.0/24', ['10.10.0.64/26', '10.10.0.128/26', '10.10.0.192/26']), /no free \/26 left in the cluster CIDR 10\.10\.0\.0\/24/);
  });
});
