// The pod worker's work queue: one sync at a time per pod (like the kubelet's per-pod workers), at
// most `limit` pods syncing at once per node. The kubelet runs every pod worker at once against a
// local runtime; here every Docker call crosses one SSH connection to one dockerd, which serialises
// container starts anyway (measured: 30 create+start at once on one test-bed host take as long as 30
// in a row, and bursts of channels stall the link), so a bounded queue keeps each call fast and
// fair instead of making every pod wait on every other. Pods being deleted skip the bound: their
// syncs mostly wait out grace periods, and a user is waiting on them.

export interface PodSyncQueueOptions {
  /** Pods syncing at once (not counting urgent ones). */
  limit: number;
  sync(uid: string): Promise<void>;
  /** A sync threw: the queue goes on (the next event or pass retries the pod). */
  onError(uid: string, err: unknown): void;
}

interface Entry {
  /** Another sync is due once the running one ends (an event arrived meanwhile). */
  again: boolean;
  running: boolean;
  urgent: boolean;
  done: Promise<void>;
  settle(): void;
}

export class PodSyncQueue {
  private readonly entries = new Map<string, Entry>();
  /** Waiting uids, oldest first. */
  private readonly waiting: string[] = [];
  private active = 0;
  private stopped = false;

  constructor(private readonly opts: PodSyncQueueOptions) {}

  /**
   * Asks for a sync of `uid`; resolves once the pod has been synced after this call (a sync already
   * running counts only if it started after the call, so one more is queued behind it).
   */
  enqueue(uid: string, urgent = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const e = this.entries.get(uid);
    if (e) {
      if (e.running) e.again = true;
      if (urgent && !e.urgent) {
        e.urgent = true;
        if (!e.running) this.pump();
      }
      return e.done;
    }
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    this.entries.set(uid, { again: false, running: false, urgent, done, settle });
    this.waiting.push(uid);
    this.pump();
    return done;
  }

  /** Pods waiting for a sync slot, and pods syncing. */
  get size(): { waiting: number; active: number } {
    return { waiting: this.waiting.length, active: this.active };
  }

  /** Stops starting syncs; resolves when the running ones have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.entries.values()].filter((e) => e.running).map((e) => e.done);
    for (const uid of this.waiting.splice(0)) {
      this.entries.get(uid)?.settle();
      this.entries.delete(uid);
    }
    await Promise.all(running);
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const uid = this.waiting[i]!;
      const e = this.entries.get(uid)!;
      if (!e.urgent && this.active >= this.opts.limit) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      void this.run(uid, e);
    }
  }

  private async run(uid: string, e: Entry): Promise<void> {
    e.running = true;
    const counted = !e.urgent;
    if (counted) this.active++;
    try {
      do {
        e.again = false;
        try {
          await this.opts.sync(uid);
        } catch (err) {
          this.opts.onError(uid, err);
        }
      } while (e.again && !this.stopped);
    } finally {
      if (counted) this.active--;
      this.entries.delete(uid);
      e.settle();
      if (!this.stopped) this.pump();
    }
  }
}
