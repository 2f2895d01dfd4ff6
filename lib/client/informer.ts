// An in-process informer (client-go's SharedInformer, minus the HTTP): lists a resource once,
// keeps the objects in memory and follows a watch from the list's resourceVersion. When the watch
// ends (compaction, store restart) it lists again, reports what changed meanwhile and watches on.
// Admission, controllers and node workers read from it instead of the store on their hot paths.
import type { GenericStore } from '../registry/generic-store.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import { logger } from '../log.js';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type InformerHandler = (type: InformerEventType, obj: KObject) => void;

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Delay before listing again after the watch ended. */
  relistDelayMs?: number;
}

const keyOf = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class Informer {
  private readonly objects = new Map<string, KObject>();
  private readonly handlers: InformerHandler[] = [];
  private watcher?: { cancel(): void };
  private stopped = false;
  private started?: Promise<void>;
  private relistTimer?: NodeJS.Timeout;

  constructor(private readonly generic: GenericStore, private readonly rt: ResourceType, private readonly opts: InformerOptions = {}) {}

  /** Registers a handler for every change (initial objects arrive as ADDED). */
  on(handler: InformerHandler): this {
    this.handlers.push(handler);
    return this;
  }

  /** Starts once; resolves when the first list is in memory. */
  start(): Promise<void> {
    this.started ??= this.sync().catch((e) => {
      this.started = undefined; // the next start() tries again
      throw e;
    });
    return this.started;
  }

  get hasSynced(): boolean {
    return this.started !== undefined && this.watcher !== undefined;
  }

  get(namespace: string | undefined, name: string): KObject | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(): KObject[] {
    return [...this.objects.values()];
  }

  stop(): void {
    this.stopped = true;
    if (this.relistTimer) clearTimeout(this.relistTimer);
    this.watcher?.cancel();
    this.watcher = undefined;
  }

  private emit(type: InformerEventType, obj: KObject): void {
    for (const h of this.handlers) {
      try {
        h(type, obj);
      } catch (e) {
        logger.warn('informer handler failed', { resource: this.rt.plural, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /** List, reconcile memory with it (reporting differences), then watch from its revision. */
  private async sync(): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.opts;
    const listed = await this.generic.list(this.rt, namespace, { labelSelector, fieldSelector });
    const seen = new Set<string>();
    for (const obj of listed.items) {
      const k = keyOf(obj);
      seen.add(k);
      const old = this.objects.get(k);
      this.objects.set(k, obj);
      if (!old) this.emit('ADDED', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('MODIFIED', obj);
    }
    for (const [k, obj] of this.objects) {
      if (seen.has(k)) continue;
      this.objects.delete(k);
      this.emit('DELETED', obj);
    }
    if (this.stopped) return;
    const w = await this.generic.watch(
      this.rt,
      namespace,
      { labelSelector, fieldSelector, resourceVersion: listed.resourceVersion },
      (ev) => {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
        const obj = ev.object as KObject;
        if (ev.type === 'DELETED') this.objects.delete(keyOf(obj));
        else this.objects.set(keyOf(obj), obj);
        this.emit(ev.type, obj);
      },
      () => this.relistLater(),
    );
    if (this.stopped) w.cancel();
    else this.watcher = w;
  }

  private relistLater(): void {
    this.watcher = undefined;
    if (this.stopped) return;
    this.relistTimer = setTimeout(() => {
      this.sync().catch((e) => {
        logger.warn('informer relist failed', { resource: this.rt.plural, error: e instanceof Error ? e.message : String(e) });
        this.relistLater();
      });
    }, this.opts.relistDelayMs ?? 1000);
    this.relistTimer.unref();
  }
}
