// Serves what CustomResourceDefinitions declare: on every CRD change the registry gets the
// CRD's resource types (discovery and OpenAPI follow), and the CRD's status gets the
// NamesAccepted and Established conditions, acceptedNames and storedVersions, as
// apiextensions-apiserver's naming and establishing controllers write them. A deleted CRD
// loses its custom objects first (the customresourcecleanup finalizer).
import { ApiError } from '../api/errors.js';
import type { GenericStore } from '../registry/generic-store.js';
import { nowTimestamp } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import { customResourceTypes, type Crd } from '../registry/custom-resource.js';
import { logger } from '../log.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const RESYNC_MS = 5_000;

export class CustomResourceDefinitionController {
  private watcher?: { cancel(): void };
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private queue = Promise.resolve();
  /** Which CRD each served group/plural came from, to drop types of deleted CRDs. */
  private served = new Map<string, string>();
  /** The CRD spec each served group/plural was built from, to rebuild only on change. */
  private specs = new Map<string, string>();

  constructor(private readonly generic: GenericStore, private readonly registry: ResourceRegistry, private readonly crdType: ResourceType) {}

  /** Loads every CRD once (so custom resources are served before the API opens), then follows changes. */
  async start(): Promise<void> {
    await this.resync();
    this.watcher = await this.generic.watch(this.crdType, undefined, { resourceVersion: undefined }, (ev) => {
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') this.enqueue(ev.object as Crd, ev.type === 'DELETED');
    }, () => {});
    this.timer = setInterval(() => void this.resync(), RESYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.cancel();
    if (this.timer) clearInterval(this.timer);
  }

  private enqueue(crd: Crd, deleted: boolean): void {
    this.queue = this.queue.then(() => this.reconcile(crd, deleted)).catch((e) => logger.warn('crd reconcile failed', { crd: crd.metadata.name, error: e instanceof Error ? e.message : String(e) }));
  }

  private async resync(): Promise<void> {
    if (this.stopped) return;
    try {
      const { items } = await this.generic.list(this.crdType, undefined, {});
      const live = new Set(items.map((c) => c.metadata.name!));
      for (const [key, name] of this.served) if (!live.has(name)) this.unserve(key);
      for (const crd of items) this.enqueue(crd as Crd, false);
      await this.queue;
    } catch (e) {
      logger.warn('crd resync failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private unserve(key: string): void {
    const [group, plural] = key.split('/');
    this.registry.replaceGroupResources((rt) => rt.group === group && rt.plural === plural && this.isCustom(rt), []);
    this.served.delete(key);
    this.specs.delete(key);
  }

  private isCustom(rt: ResourceType): boolean {
    return rt.storage?.group === rt.group && !rt.model;
  }

  private async reconcile(crd: Crd, deleted: boolean): Promise<void> {
    const key = `${crd.spec.group}/${crd.spec.names.plural}`;
    if (deleted) {
      this.unserve(key);
      return;
    }
    const types = customResourceTypes(crd);
    const spec = JSON.stringify(crd.spec);
    if (this.specs.get(key) !== spec) {
      this.registry.replaceGroupResources((rt) => rt.group === crd.spec.group && rt.plural === crd.spec.names.plural && this.isCustom(rt), types);
      this.served.set(key, crd.metadata.name!);
      this.specs.set(key, spec);
    }
    if (crd.metadata.deletionTimestamp) {
      await this.cleanup(crd, types[0]);
      return;
    }
    await this.establish(crd);
  }

  /** Deletes every custom object, then lets the CRD go. */
  private async cleanup(crd: Crd, rt: ResourceType | undefined): Promise<void> {
    if (rt) {
      await this.generic.deleteCollection(rt, undefined, {}, {}, {});
      const { items } = await this.generic.list(rt, undefined, { limit: 1 });
      if (items.length) return;
    }
    try {
      await this.generic.guaranteedUpdate(this.crdType, '', crd.metadata.name!, (live) => {
        if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: 'gone' });
        live.metadata.finalizers = (live.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
        return live;
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  private async establish(crd: Crd): Promise<void> {
    const names = crd.spec.names;
    const accepted = {
      plural: names.plural,
      singular: names.singular || names.kind.toLowerCase(),
      kind: names.kind,
      listKind: names.listKind || `${names.kind}List`,
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
    };
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    const status = (crd.status ?? {}) as Record<string, unknown>;
    const conds = (status.conditions as Array<Record<string, string>> | undefined) ?? [];
    const want = (type: string, reason: string, message: string) => {
      const old = conds.find((c) => c.type === type);
      if (old && old.status === 'True' && old.reason === reason) return old;
      return { type, status: 'True', lastTransitionTime: nowTimestamp(), reason, message };
    };
    const nextConds = [
      want('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      want('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ];
    const stored = new Set((status.storedVersions as string[] | undefined) ?? []);
    if (storage) stored.add(storage);
    const next = { ...status, conditions: nextConds, acceptedNames: accepted, storedVersions: [...stored] };
    if (JSON.stringify(next) === JSON.stringify(status)) return;
    try {
      await this.generic.guaranteedUpdate(this.crdType, '', crd.metadata.name!, (live) => {
        if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: 'gone' });
        live.status = next;
        return live;
      }, {}, { subresource: 'status' });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}

export type { KObject };

/**
 * The first delete of a CRD adds the cleanup finalizer and the Terminating condition, as
 * apiextensions-apiserver's CRD REST Delete does; the controller then removes its objects.
 */
export function deferCrdDelete(obj: KObject): boolean {
  if (obj.metadata.deletionTimestamp) return false;
  const fin = obj.metadata.finalizers ?? [];
  if (!fin.includes(CLEANUP_FINALIZER)) obj.metadata.finalizers = [...fin, CLEANUP_FINALIZER];
  const status = (obj.status ??= {});
  const conds = ((status.conditions as Array<Record<string, string>>) ?? []).filter((c) => c.type !== 'Terminating');
  conds.push({ type: 'Terminating', status: 'True', lastTransitionTime: nowTimestamp(), reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' });
  status.conditions = conds;
  return true;
}
