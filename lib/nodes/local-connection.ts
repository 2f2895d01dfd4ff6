// The HostConnection of this machine (`local: true`): no SSH. Commands run as local processes, the
// Docker socket and pod ports are plain local sockets. It keeps the SSH connection's contract
// (ssh-connection.ts) where the node side relies on it: start() settles on the first outcome, a
// Docker socket that does not answer is a fault ('down', DockerSocketUnavailable) retried with
// backoff until it does ('ready'), and close() ends what the connection still has open.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { constants as osConstants, userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { logger } from '../log.js';
import { DEFAULT_DOCKER_SOCKET } from './docker-client.js';
import { HostFaultError, reconnectDelay, StartLatch } from './host-fault.js';
import type { ConnectionState, ExecResult, HostConnection, HostEndpoint, HostFault } from './types.js';

export interface LocalConnectionOptions {
  /** Bound on opening a socket, ms (default 10 s, as the SSH connection's connect timeout). */
  connectTimeoutMs?: number;
  /** Retry delays while the Docker socket does not answer. */
  backoff?: { initialMs: number; maxMs: number };
}

const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

function describeCommand(cmd: string): string {
  return cmd.length > 80 ? cmd.slice(0, 77) + '...' : cmd;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** "connect ENOENT": the OS error as Node reports it for a socket. */
function osError(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.syscall ?? 'connect'} ${err.code}` : err.message;
}

export class LocalHostConnection extends EventEmitter implements HostConnection {
  readonly endpoint: HostEndpoint;
  readonly #connectTimeoutMs: number;
  readonly #backoff: { initialMs: number; maxMs: number };
  #state: ConnectionState = 'connecting';
  #fault?: HostFault;
  #attempt = 0;
  #generation = 0;
  #closed = false;
  #retryTimer?: NodeJS.Timeout;
  readonly #start: StartLatch;
  /** Commands still running, with how to fail them (close() ends them, as a closed SSH link does). */
  readonly #running = new Map<ChildProcess, (err: Error) => void>();
  /** Sockets handed out and still open (close() ends them, as closing an SSH client ends its channels). */
  readonly #sockets = new Set<Socket>();

  constructor(ep: HostEndpoint, opts: LocalConnectionOptions = {}) {
    super();
    this.endpoint = ep;
    this.#start = new StartLatch(ep.name);
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    // A local check is one connect(2) on a unix socket: retry more often than a remote host
    // (SSH: up to 30 s), so the Node turns Ready within seconds of Docker starting.
    this.#backoff = opts.backoff ?? { initialMs: 500, maxMs: 5_000 };
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get fault(): HostFault | undefined {
    return this.#fault;
  }

  get #dockerSocket(): string {
    return this.endpoint.dockerSocket ?? DEFAULT_DOCKER_SOCKET;
  }

  start(): Promise<void> {
    return this.#start.start(this.#closed, () => this.#connect());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    clearTimeout(this.#retryTimer);
    for (const fail of [...this.#running.values()]) fail(new Error(`command on node ${this.endpoint.name} ended: the connection was closed`));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    this.#state = 'closed';
    this.#start.closed();
    this.emit('closed');
  }

  /** Ready once the Docker socket accepts a connection (the Engine API itself is the agent's check). */
  #connect(): void {
    if (this.#closed) return;
    const gen = ++this.#generation;
    this.#state = 'connecting';
    const path = this.#dockerSocket;
    this.#dial(`docker socket ${path}`, () => connect(path), (err) => this.#socketFault(path, err)).then(
      (sock) => {
        sock.destroy();
        if (gen !== this.#generation || this.#closed) return;
        if (this.#fault) logger.info('docker socket answers again', { node: this.endpoint.name, socket: path });
        this.#attempt = 0;
        this.#state = 'ready';
        this.#fault = undefined;
        this.emit('ready');
        this.#start.resolve();
      },
      (e: Error & { fault?: HostFault }) => this.#down(gen, e.fault ?? { reason: 'DockerSocketUnavailable', message: `cannot open docker socket ${path} on this machine (node ${this.endpoint.name}): ${e.message}` }),
    );
  }

  #down(gen: number, fault: HostFault): void {
    if (gen !== this.#generation || this.#closed) return;
    this.#generation++;
    // Logged when the cause changes, not on every retry.
    if (fault.message !== this.#fault?.message) {
      logger.warn('host connection down', { node: this.endpoint.name, address: 'local', reason: fault.reason, message: fault.message });
    }
    this.#state = 'down';
    this.#fault = fault;
    this.emit('down', fault);
    this.#start.reject(new HostFaultError(fault));
    this.#retryTimer = setTimeout(() => this.#connect(), reconnectDelay(this.#attempt++, this.#backoff));
    this.#retryTimer.unref();
  }

  /** Why a unix socket of this machine cannot be opened, in the words of docker-client.ts's diagnosis. */
  #socketFault(path: string, err: NodeJS.ErrnoException): HostFault {
    const node = this.endpoint.name;
    const why = osError(err);
    switch (err.code) {
      case 'ENOENT':
        return { reason: 'DockerSocketUnavailable', message: `docker socket ${path} does not exist on this machine (node ${node}, ${why}): is Docker running here? (set dockerSocket if it listens elsewhere)` };
      case 'EACCES':
      case 'EPERM': {
        const user = currentUser();
        return {
          reason: 'DockerSocketUnavailable',
          message: `permission denied on docker socket ${path} on this machine (node ${node}, ${why}) for user ${user}: add ${user} to the socket's group (usermod -aG docker ${user}) or run kubeshim as root`,
        };
      }
      case 'ECONNREFUSED':
        return { reason: 'DockerSocketUnavailable', message: `docker socket ${path} on this machine (node ${node}) refuses connections (${why}): is Docker running here?` };
      case 'ENOTSOCK':
        return { reason: 'DockerSocketUnavailable', message: `${path} on this machine (node ${node}) is not a unix socket (${why}): set dockerSocket to the Docker Engine's socket` };
      default:
        return { reason: 'DockerSocketUnavailable', message: `cannot open docker socket ${path} on this machine (node ${node}): ${why}` };
    }
  }

  /** Opens a socket, bounded by the connect timeout; failures become HostFaultErrors. */
  #dial(what: string, open: () => Socket, failed: (err: NodeJS.ErrnoException) => HostFault): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      if (this.#closed) return reject(new Error(`connection to node ${this.endpoint.name} is closed`));
      const sock = open();
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new HostFaultError({ reason: 'HostUnreachable', message: `opening ${what} on node ${this.endpoint.name} timed out after ${this.#connectTimeoutMs} ms` }));
      }, this.#connectTimeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(new HostFaultError(failed(err)));
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.off('error', onError);
        if (this.#closed) {
          sock.destroy();
          return reject(new Error(`connection to node ${this.endpoint.name} is closed`));
        }
        // A reset after the caller is done with the socket must not crash the control plane: an
        // SSH channel seldom emits 'error', a TCP socket may. Callers' own listeners still see it.
        sock.on('error', () => undefined);
        this.#sockets.add(sock);
        sock.once('close', () => this.#sockets.delete(sock));
        resolve(sock);
      });
    });
  }

  openStreamLocal(socketPath: string): Promise<Duplex> {
    return this.#dial(`unix socket ${socketPath}`, () => connect(socketPath), (err) => this.#socketFault(socketPath, err));
  }

  openTcp(host: string, port: number): Promise<Duplex> {
    return this.#dial(
      `a TCP connection to ${host}:${port}`,
      () => connect({ host, port, noDelay: true }),
      (err) => ({ reason: 'HostUnreachable', message: `cannot connect to ${host}:${port} from node ${this.endpoint.name}: ${osError(err)}` }),
    );
  }

  /**
   * `sh -c COMMAND` here, as sshd runs it there. The shell is spawned detached, i.e. as the leader
   * of a new session and process group (sshd's setsid), so a timeout or abort kills everything the
   * command started — that group only, never anything else.
   */
  exec(command: string, opts: { timeoutMs?: number; signal?: AbortSignal; stdin?: string | Buffer } = {}): Promise<ExecResult> {
    const node = this.endpoint.name;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    return new Promise<ExecResult>((resolve, reject) => {
      if (this.#closed) return reject(new Error(`connection to node ${node} is closed`));
      if (opts.signal?.aborted) return reject(new Error(`command on node ${node} aborted before it started: ${describeCommand(command)}`));
      const child = spawn('sh', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code: number | undefined;
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.#running.delete(child);
        if (err) {
          // Before 'close' the group still holds our pipes, so its id is still ours to signal.
          if (child.pid) {
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              // The group is already gone.
            }
          }
          return reject(err);
        }
        resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
      };
      const onAbort = (): void => finish(new Error(`command on node ${node} aborted: ${describeCommand(command)}`));
      const timer = setTimeout(() => finish(new Error(`command on node ${node} timed out after ${timeoutMs} ms: ${describeCommand(command)}`)), timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#running.set(child, finish);
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      child.on('error', (e) => finish(new Error(`cannot run a command on node ${node}: ${e.message}`)));
      child.on('exit', (c, signal) => {
        if (typeof c === 'number') code = c;
        // A shell reports death by signal N as 128+N; so does the SSH connection.
        else if (signal) code = 128 + ((osConstants.signals as Record<string, number>)[signal] ?? 0);
      });
      // 'close': exited and its output read to the end (what the SSH channel's close means).
      child.on('close', () => finish());
      // A command that does not read its stdin closes the pipe: EPIPE is not a failure.
      child.stdin.on('error', () => undefined);
      if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
      else child.stdin.end();
    });
  }
}
