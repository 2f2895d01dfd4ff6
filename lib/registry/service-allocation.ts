// Wires Service ClusterIP / NodePort allocation into the running server: one allocator over the
// cluster's service CIDR, seeded from the stored Services, releasing what deleted ones held.
// (In-memory: with several kubeshim instances on one etcd, allocation moves to storage with the
// networking issue, as upstream keeps its bitmaps in etcd.)
import type { GenericStore } from './generic-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { KObject } from './resource-type.js';
import { createServiceAllocator, setServiceAllocator } from './service.js';

function held(svc: KObject): { ip?: string; ports: number[] } {
  const ip = svc.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? svc.spec.clusterIP : undefined;
  const ports = ((svc.spec?.ports ?? []) as Array<{ nodePort?: number }>).map((p) => p.nodePort).filter((p): p is number => !!p);
  return { ip, ports };
}

export async function installServiceAllocator(generic: GenericStore, registry: ResourceRegistry, serviceCIDR: string): Promise<void> {
  const svcType = registry.lookup('', 'v1', 'services');
  if (!svcType) return;
  const allocator = createServiceAllocator({ serviceCIDR });
  for (const svc of (await generic.list(svcType, undefined, {})).items) {
    const h = held(svc);
    allocator.markUsed(h.ip, h.ports);
  }
  generic.onDeleted((rt, obj) => {
    if (rt.group !== '' || rt.plural !== 'services') return;
    const h = held(obj);
    allocator.release(h.ip, h.ports);
  });
  setServiceAllocator(allocator);
}
