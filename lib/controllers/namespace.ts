// Namespace controller (kube-controller-manager's namespace deleter): a namespace marked for
// deletion is emptied of every namespaced resource, then its "kubernetes" finalizer is removed
// and it goes. Level-triggered: a resync re-reads every terminating namespace.
import { ApiError } from '../api/errors.js';
import type { GenericStore } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import { storageKeyOf, type KObject, type ResourceType } from '../registry/resource-type.js';
import { logger } from '../log.js';

const RESYNC_MS = 2_000;

export class NamespaceController {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private watcher?: { cancel(): void };

  constructor(private readonly generic: GenericStore, private readonly registry: ResourceRegistry) {}

  start(): void {
    const nsType = this.registry.lookup('', 'v1', 'namespaces');
    if (!nsType) return;
    this.timer = setInterval(() => void this.sync(), RESYNC_MS);
    this.timer.unref();
    void this.generic
      .watch(nsType, undefined, {}, (ev) => {
        if (ev.type !== 'DELETED' && (ev.object as KObject).metadata?.deletionTimestamp) void this.sync();
      }, () => {})
      .then((w) => {
        if (this.stopped) w.cancel();
        else this.watcher = w;
      })
      .catch((e) => logger.warn('namespace controller watch failed', { error: String(e) }));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.cancel();
  }

  /** One pass over every terminating namespace. */
  async sync(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      const nsType = this.registry.lookup('', 'v1', 'namespaces')!;
      const { items } = await this.generic.list(nsType, undefined, {});
      for (const ns of items) if (ns.metadata.deletionTimestamp) await this.finalize(nsType, ns);
    } catch (e) {
      logger.warn('namespace controller sync failed', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.running = false;
    }
  }

  /** Namespaced resources, one per storage location (versions share storage). */
  private namespacedTypes(): ResourceType[] {
    const seen = new Set<string>();
    const out: ResourceType[] = [];
    for (const rt of this.registry.all()) {
      if (!rt.namespaced || rt.virtualCreate) continue;
      const s = storageKeyOf(rt);
      const k = `${s.group}/${s.plural}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(rt);
    }
    return out;
  }

  private async finalize(nsType: ResourceType, ns: KObject): Promise<void> {
    const name = ns.metadata.name!;
    let remaining = 0;
    for (const rt of this.namespacedTypes()) {
      const left = await this.generic.deleteCollection(rt, name, {}, {}, {});
      remaining += left.filter((o) => o.metadata.deletionTimestamp).length;
      const { items } = await this.generic.list(rt, name, { limit: 1 });
      remaining += items.length;
    }
    if (remaining > 0) return;
    try {
      await this.generic.guaranteedUpdate(nsType, '', name, (live) => {
        if (!live) throw new ApiError({ code: 404, reason: 'NotFound', message: 'gone' });
        live.spec = { ...(live.spec ?? {}), finalizers: (live.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes') };
        return live;
      }, {}, { subresource: 'finalize' });
      await this.generic.delete(nsType, '', name, {});
      logger.info('namespace deleted', { namespace: name });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
