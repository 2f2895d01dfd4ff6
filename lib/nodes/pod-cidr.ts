// Node IPAM as kube-controller-manager's range allocator does it: each Node gets a /24 (by
// default) of the cluster CIDR in spec.podCIDR(s), released when the Node goes. The first subnet
// is never handed out (flannel's SubnetMin default), so 10.244.0.0/24 stays free.
import { intToIP, ipToInt } from '../ipv4.js';

export function parseCIDR(cidr: string): { base: number; bits: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const base = ipToInt(m[1]) - (ipToInt(m[1]) % size);
  return { base, bits };
}

/** Subnet length per node: 24 when the cluster CIDR is /22 or larger, else prefix + 2 (flannel's rule). */
export function nodeMaskSize(clusterCIDR: string): number {
  const { bits } = parseCIDR(clusterCIDR);
  return bits <= 22 ? 24 : Math.min(30, bits + 2);
}

/** The lowest free node subnet of the cluster CIDR, skipping the first; throws when the range is full. */
export function allocatePodCIDR(clusterCIDR: string, used: Iterable<string>): string {
  const { base, bits } = parseCIDR(clusterCIDR);
  const mask = nodeMaskSize(clusterCIDR);
  const count = 2 ** (mask - bits);
  const step = 2 ** (32 - mask);
  const taken = new Set<number>();
  for (const u of used) {
    try {
      taken.add(parseCIDR(u).base);
    } catch {
      // A malformed podCIDR on some Node takes nothing from the range.
    }
  }
  for (let i = 1; i < count; i++) {
    const sub = base + i * step;
    if (!taken.has(sub)) return `${intToIP(sub)}/${mask}`;
  }
  throw new Error(`no free /${mask} left in the cluster CIDR ${clusterCIDR} (${count - 1} node subnets, all in use)`);
}
