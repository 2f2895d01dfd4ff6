// Bounds a call to a host (SSH exec, Docker Engine API): a host that stops answering must not
// stall the worker, agent or request waiting on it.

export class TimeoutError extends Error {}

/** `p`, or a TimeoutError ("WHAT: no answer within 2s") once `ms` have passed. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer within ${Math.round(ms / 100) / 10}s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
