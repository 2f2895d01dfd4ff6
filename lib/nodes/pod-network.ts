// The node's pod network: a Docker bridge network kubeshim owns (created through the Engine API, so
// the daemon's own configuration and docker0 stay untouched). Its subnet is the node's podCIDR, so
// pod IPs come from the node's range as with a CNI bridge plugin; the infra container of every
// non-hostNetwork pod attaches to it and its address becomes status.podIP.
import type Docker from 'dockerode';
import { dockerStatus } from './docker-client.js';
import { CONTAINER_LABELS } from './types.js';
import { logger } from '../log.js';
import { ipToInt } from '../ipv4.js';

export const POD_NETWORK = 'kubeshim';
/** The bridge device on the host (kept short: IFNAMSIZ is 16). */
export const POD_BRIDGE = 'kubeshim0';

export interface PodNetwork {
  name: string;
  id: string;
  subnet: string;
  gateway?: string;
}

interface NetworkInfo {
  Name: string;
  Id: string;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
  Containers?: Record<string, unknown>;
}


/** Whether two IPv4 CIDRs overlap. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [ai, al] = a.split('/');
  const [bi, bl] = b.split('/');
  const len = Math.min(Number(al), Number(bl));
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((ipToInt(ai) & mask) >>> 0) === ((ipToInt(bi) & mask) >>> 0);
}

/** A /24 for nodes without a podCIDR: the CNI bridge plugin's 10.88.0.0/16 space, first free one. */
export function defaultPodSubnet(taken: string[]): string {
  for (let i = 0; i < 256; i++) {
    const cand = `10.88.${i}.0/24`;
    if (!taken.some((t) => cidrsOverlap(t, cand))) return cand;
  }
  throw new Error('no free /24 in 10.88.0.0/16 for the pod network');
}

function subnetsOf(n: NetworkInfo): string[] {
  return (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s && !s.includes(':'));
}

/**
 * Creates the pod network when missing (idempotent, safe under concurrent callers). An existing one
 * with another subnet is recreated only when no container uses it; otherwise it is kept as is.
 */
export async function ensurePodNetwork(docker: Docker, opts: { nodeName: string; podCIDR?: string; name?: string }): Promise<PodNetwork> {
  const name = opts.name ?? POD_NETWORK;
  const all = (await docker.listNetworks()) as NetworkInfo[];
  const existing = all.find((n) => n.Name === name);
  if (existing) {
    const info = (await docker.getNetwork(existing.Id).inspect()) as NetworkInfo;
    const subnets = subnetsOf(info);
    const inUse = Object.keys(info.Containers ?? {}).length > 0;
    if (!opts.podCIDR || subnets.includes(opts.podCIDR) || inUse) {
      if (opts.podCIDR && !subnets.includes(opts.podCIDR)) {
        // Pods still attached: recreating would cut them off. New pods get the old range until they are gone.
        logger.warn('pod network subnet differs from the node podCIDR; kept while pods use it', { node: opts.nodeName, network: name, subnet: subnets[0], podCIDR: opts.podCIDR });
      }
      const cfg = info.IPAM?.Config?.find((c) => c.Subnet === subnets[0]);
      return { name, id: info.Id, subnet: subnets[0] ?? '', gateway: cfg?.Gateway };
    }
    await docker.getNetwork(existing.Id).remove();
  }
  const others = all.filter((n) => n.Name !== name).flatMap(subnetsOf);
  const subnet = opts.podCIDR ?? defaultPodSubnet(others);
  try {
    const created = await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
      Options: { 'com.docker.network.bridge.name': name === POD_NETWORK ? POD_BRIDGE : name.slice(0, 15) },
      Labels: { [CONTAINER_LABELS.node]: opts.nodeName },
    } as never);
    const info = (await created.inspect()) as NetworkInfo;
    return { name, id: info.Id, subnet, gateway: info.IPAM?.Config?.[0]?.Gateway };
  } catch (e) {
    // Another worker created it first (409): use theirs.
    if (dockerStatus(e) === 409) return ensurePodNetwork(docker, { ...opts, podCIDR: undefined });
    throw e;
  }
}
