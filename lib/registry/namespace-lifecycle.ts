// NamespaceLifecycle, as kube-apiserver's admission plugin: no new objects in a namespace that
// does not exist or is being terminated; the system namespaces exist from the start.
import { ApiError, forbidden, notFound } from '../api/errors.js';
import type { AdmissionPlugin, GenericStore } from './generic-store.js';
import type { KObject } from './resource-type.js';
import type { ResourceRegistry } from './resource-registry.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function namespaceLifecycle(generic: GenericStore, registry: ResourceRegistry): AdmissionPlugin {
  return async ({ operation, rt, namespace, name }) => {
    if (rt.group === '' && rt.plural === 'namespaces' && operation === 'DELETE' && SYSTEM_NAMESPACES.slice(0, 3).includes(name)) {
      throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
    }
    if (operation !== 'CREATE' || !rt.namespaced) return;
    const nsType = registry.lookup('', 'v1', 'namespaces');
    if (!nsType) return;
    let ns;
    try {
      ns = await generic.get(nsType, '', namespace);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) throw notFound({ group: '', resource: 'namespaces' }, namespace);
      throw e;
    }
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw forbidden(
        { group: rt.group, resource: rt.plural },
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  };
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
