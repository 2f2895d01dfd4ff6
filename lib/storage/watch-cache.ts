// One storage watch per resource, fanned out in memory, as kube-apiserver's cacher does: the
// first watcher of a resource opens a store watch at the current revision; later watchers whose
// start revision the cache covers are served from a ring buffer of recent events and then live,
// sharing event objects (so decoding and serializing happen once per event, not per watcher).
// Watchers starting before what the cache holds fall back to a direct store watch (which replays
// history, or answers CompactedError).
import type { Store, WatchEvent, WatchHandler, Watcher } from './store.js';

const BUFFER_EVENTS = 2048;

interface Subscriber {
  prefix: string;
  /** Deliver only events after this revision (the subscriber's start, or what it has seen). */
  after: number;
  handler: WatchHandler;
  /** Events waiting behind the initial replay, so delivery stays in revision order. */
  pending?: WatchEvent[];
}

class ResourceWatch {
  private readonly buffer: WatchEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private watcher?: Watcher;
  /** Events after this revision are all in the buffer (or still to come). */
  private coveredFrom: number;
  private failed?: Error;

  constructor(private readonly store: Store, readonly resourcePrefix: string, startRevision: number, private readonly onClosed: () => void) {
    this.coveredFrom = startRevision;
    this.watcher = store.watch(resourcePrefix, startRevision, {
      onEvents: (events) => this.onEvents(events),
      onError: (err) => this.onError(err),
    });
  }

  covers(after: number): boolean {
    return !this.failed && after >= this.coveredFrom;
  }

  subscribe(prefix: string, after: number, handler: WatchHandler): Watcher {
    const sub: Subscriber = { prefix, after, handler };
    // Replay what the buffer holds after the start revision, then follow live. The replay is
    // delivered asynchronously (watch() returns first); live events arriving meanwhile queue
    // behind it.
    const replay = this.buffer.filter((e) => e.kv.modRevision > after && e.kv.key.startsWith(prefix));
    this.subscribers.add(sub);
    if (replay.length) {
      sub.after = replay[replay.length - 1].kv.modRevision;
      sub.pending = replay;
      queueMicrotask(() => {
        const batch = sub.pending!;
        sub.pending = undefined;
        if (this.subscribers.has(sub)) this.deliver(sub, batch);
      });
    }
    return {
      cancel: () => {
        this.subscribers.delete(sub);
      },
    };
  }

  private onEvents(events: WatchEvent[]): void {
    for (const e of events) this.buffer.push(e);
    if (this.buffer.length > BUFFER_EVENTS) {
      const drop = this.buffer.splice(0, this.buffer.length - BUFFER_EVENTS);
      this.coveredFrom = drop[drop.length - 1].kv.modRevision;
    }
    for (const sub of this.subscribers) {
      let batch: WatchEvent[] | undefined;
      for (const e of events) {
        if (e.kv.modRevision <= sub.after || !e.kv.key.startsWith(sub.prefix)) continue;
        (batch ??= []).push(e);
      }
      if (!batch) continue;
      sub.after = batch[batch.length - 1].kv.modRevision;
      if (sub.pending) sub.pending.push(...batch);
      else this.deliver(sub, batch);
    }
  }

  private deliver(sub: Subscriber, batch: WatchEvent[]): void {
    try {
      sub.handler.onEvents(batch);
    } catch (err) {
      // A subscriber that throws is done; others go on.
      this.subscribers.delete(sub);
      sub.handler.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onError(err: Error): void {
    this.failed = err;
    for (const sub of this.subscribers) sub.handler.onError(err);
    this.subscribers.clear();
    this.onClosed();
  }

  close(): void {
    this.watcher?.cancel();
    this.watcher = undefined;
    for (const sub of this.subscribers) sub.handler.onError(new Error('watch cache closed'));
    this.subscribers.clear();
  }
}

export class WatchCache {
  private readonly resources = new Map<string, ResourceWatch>();
  private closed = false;

  constructor(private readonly store: Store) {}

  /**
   * Like Store.watch, for keys under `prefix` (which lies within `resourcePrefix`), after
   * `afterRevision`. `currentRevision` is the store revision the caller just read (the start of a
   * new resource watch when none runs yet).
   */
  watch(resourcePrefix: string, prefix: string, afterRevision: number, currentRevision: number, handler: WatchHandler): Watcher {
    if (this.closed) return this.store.watch(prefix, afterRevision, handler);
    let rw = this.resources.get(resourcePrefix);
    if (!rw) {
      // Started at the current revision (never an old one that may be compacted away, which
      // would fail every subscriber); older starts go to the store directly below.
      const created = new ResourceWatch(this.store, resourcePrefix, currentRevision, () => {
        if (this.resources.get(resourcePrefix) === created) this.resources.delete(resourcePrefix);
      });
      rw = created;
      this.resources.set(resourcePrefix, rw);
    }
    if (rw.covers(afterRevision)) return rw.subscribe(prefix, afterRevision, handler);
    return this.store.watch(prefix, afterRevision, handler);
  }

  close(): void {
    this.closed = true;
    for (const rw of this.resources.values()) rw.close();
    this.resources.clear();
  }
}
