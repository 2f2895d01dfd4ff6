// NamespaceLifecycle, as kube-apiserver's admission plugin: no new objects in a namespace that
// does not exist or is being terminated; the system namespaces exist from the start.
import { ApiError, forbidden, notFound } from '../api/errors.js';
import type { AdmissionPlugin, GenericStore } from './generic-store.js';
import type { KObject } from './resource-type.js';
import type { ResourceRegistry } from './resource-registry.js';
import { Informer } from '../client/informer.js';
import { logger } from '../log.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Upstream's forceLiveLookupTTL: after a namespace delete, creates in it read the store. */
const FORCE_LIVE_LOOKUP_MS = 30_000;

export function namespaceLifecycle(generic: GenericStore, registry: ResourceRegistry): AdmissionPlugin & { stop(): void } {
  let informer: Informer | undefined;
  const recentlyDeleted = new Map<string, number>();
  const plugin = async ({ operation, rt, namespace, name }: Parameters<AdmissionPlugin>[0]) => {
    const nsType = registry.lookup('', 'v1', 'namespaces');
    if (!nsType) return;
    if (rt.group === '' && rt.plural === 'namespaces' && operation === 'DELETE') {
      if (SYSTEM_NAMESPACES.slice(0, 3).includes(name)) throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
      recentlyDeleted.set(name, Date.now() + FORCE_LIVE_LOOKUP_MS);
    }
    if (operation !== 'CREATE' || !rt.namespaced) return;
    // Like upstream's plugin, read a namespace lister and fall back to the store when the
    // namespace is not there yet, or was deleted moments ago.
    if (!informer) {
      informer = new Informer(generic, nsType);
      informer.start().catch((e) => logger.warn('namespace informer failed to start', { error: e instanceof Error ? e.message : String(e) }));
    }
    const until = recentlyDeleted.get(namespace);
    if (until !== undefined && until < Date.now()) recentlyDeleted.delete(namespace);
    let ns = until !== undefined && until >= Date.now() ? undefined : informer.hasSynced ? informer.get(undefined, namespace) : undefined;
    if (!ns) {
      try {
        ns = await generic.get(nsType, '', namespace);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) throw notFound({ group: '', resource: 'namespaces' }, namespace);
        throw e;
      }
    }
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw forbidden(
        { group: rt.group, resource: rt.plural },
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  };
  return Object.assign(plugin, { stop: () => informer?.stop() });
}

/** Creates the system namespaces when missing (idempotent; safe with several servers on one etcd). */
export async function bootstrapNamespaces(generic: GenericStore, registry: ResourceRegistry): Promise<void> {
  const nsType = registry.lookup('', 'v1', 'namespaces');
  if (!nsType) return;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await generic.create(nsType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
    }
  }
}

/**
 * Deleting a namespace with spec.finalizers marks it Terminating instead (upstream namespace
 * REST Delete); the namespace controller empties it and removes the "kubernetes" finalizer.
 */
export function deferNamespaceDelete(ns: KObject): boolean {
  if (!(ns.spec?.finalizers ?? []).length) return false;
  ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
  return true;
}
