// What both transports (ssh-connection.ts, local-connection.ts) share: the Error a host fault
// travels as, and how start() settles. Its own module so the two do not import each other.
import type { HostFault } from './types.js';

/** An Error that carries the HostFault it stands for (Node conditions and the CLI read `.fault`). */
export class HostFaultError extends Error {
  readonly fault: HostFault;
  constructor(fault: HostFault) {
    super(fault.message);
    this.name = 'HostFaultError';
    this.fault = fault;
  }
}

/**
 * A connection's start(): one promise for every caller, settled by the first outcome ('ready', a
 * fault, or close), with the first connect attempt begun on the next tick so that listeners
 * attached right after start() see even an immediate 'down'.
 */
export class StartLatch {
  #promise?: Promise<void>;
  #settle?: { resolve(): void; reject(e: Error): void };

  constructor(private readonly node: string) {}

  /** `closed`: the connection was closed, so it will not start again. */
  start(closed: boolean, connect: () => void): Promise<void> {
    if (closed) return Promise.reject(new Error(`connection to node ${this.node} is closed`));
    if (!this.#promise) {
      this.#promise = new Promise<void>((resolve, reject) => {
        this.#settle = { resolve, reject };
      });
      // Callers that only listen to events must not see an unhandled rejection.
      this.#promise.catch(() => undefined);
      process.nextTick(connect);
    }
    return this.#promise;
  }

  resolve(): void {
    this.#settle?.resolve();
    this.#settle = undefined;
  }

  reject(e: Error): void {
    this.#settle?.reject(e);
    this.#settle = undefined;
  }

  /** The connection closed: a start still waiting fails. */
  closed(): void {
    this.reject(new Error(`connection to node ${this.node} was closed before it became ready`));
  }
}

/**
 * The wait before reconnect attempt `attempt` (0-based): exponential up to maxMs, with "equal
 * jitter" (at least half of it), so hosts that failed together do not retry in lockstep.
 */
export function reconnectDelay(attempt: number, backoff: { initialMs: number; maxMs: number }): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return base / 2 + Math.random() * (base / 2);
}
