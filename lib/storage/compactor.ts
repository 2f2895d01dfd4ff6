// Periodic history compaction, as kube-apiserver runs it against etcd
// (k8s.io/apiserver storage/etcd3/compact.go): every interval, compact to the revision that
// was current one interval earlier. Watchers and paginated lists therefore always have at least
// one interval to catch up before their revision turns into 410 Expired.

import type { Store } from './store.js';

export interface CompactorOptions {
  /** Default 5 minutes, kube-apiserver's --etcd-compaction-interval. */
  intervalMs?: number;
  /** Where a failed round is reported; the next round simply tries again. */
  onError?: (err: unknown) => void;
}

export interface RunningCompactor {
  stop(): void;
}

/** One compactor's memory: the revision seen at the previous round. */
export class Compactor {
  private previous = 0;

  constructor(private readonly store: Store) {}

  /** One round: compact to the revision the previous round saw, then remember the current one. */
  async round(): Promise<void> {
    const current = await this.store.currentRevision();
    const target = this.previous;
    if (target > 0 && target > (await this.store.compactedRevision())) await this.store.compact(target);
    this.previous = current;
  }
}

function logError(err: unknown): void {
  process.stderr.write(
    `${JSON.stringify({ level: 'error', component: 'storage-compactor', msg: 'compaction failed', error: err instanceof Error ? err.message : String(err) })}\n`,
  );
}

export function startCompactor(store: Store, opts: CompactorOptions = {}): RunningCompactor {
  const compactor = new Compactor(store);
  const onError = opts.onError ?? logError;
  let running = false;
  const timer = setInterval(() => {
    // A slow round (a large first compaction) is not overlapped by the next one.
    if (running) return;
    running = true;
    compactor
      .round()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, opts.intervalMs ?? 5 * 60_000);
  // The compactor alone must not keep the process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
