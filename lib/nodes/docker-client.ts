// The Docker Engine API of a host, reached through its SSH connection: HTTP requests ride on a small
// pool of stream-local channels to the docker socket (ssh -L /sock style), so nothing is installed on
// the host — no docker CLI (dockerode's own ssh mode runs `docker system dial-stdio`, which Docker
// 1.13 lacks) and no extra daemon. Every request is pinned to Engine API 1.26 (Docker 1.13, as
// CentOS 7 ships it), so what works in the suites works on the oldest hosts we support.
import http from 'node:http';
import { inspect } from 'node:util';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { logger } from '../log.js';
import { HostFaultError } from './host-fault.js';
import { DOCKER_API_VERSION, type DockerClient, type HostConnection, type HostFault } from './types.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const DEFAULT_TIMEOUT_MS = 60_000;

export interface DockerClientOptions {
  /** Docker socket path on the host; default the endpoint's dockerSocket, else /var/run/docker.sock. */
  socketPath?: string;
  /** Engine API version every request is pinned to, default DOCKER_API_VERSION ('1.26'). */
  version?: string;
  /**
   * How long the Engine may take to start answering a request (first response byte), ms; default
   * 60 s, 0 = unbounded. Streams that stay quiet afterwards (logs -f, attach, exec) are not cut off;
   * bound those with the per-call `abortSignal` dockerode accepts.
   */
  timeoutMs?: number;
}

interface ClientMeta {
  agent: SshDockerAgent;
  conn: HostConnection;
  socketPath: string;
  version: string;
}
const META = new WeakMap<object, ClientMeta>();

/** Idle pooled channels are closed after this long (the pool refills on demand). */
const IDLE_CHANNEL_MS = 30_000;
/**
 * Channels for ordinary calls per host; more calls wait for a free one (the Agent queues them). A
 * burst of parallel calls then reuses a few channels instead of opening (and closing) one each.
 */
const MAX_CALL_CHANNELS = 8;

/**
 * Calls that may last as long as a user wants (hijacked exec/attach, followed logs, events, streamed
 * stats, wait, pulls and loads) get a channel of their own outside the bounded pool: they must never
 * make short calls wait, and their channel closes with them.
 */
export function longLivedDockerCall(method: string | undefined, path: string, headers?: http.OutgoingHttpHeaders): boolean {
  if (headers?.Upgrade || headers?.upgrade) return true;
  const [p, q = ''] = path.split('?');
  const flag = (name: string) => new RegExp(`(^|&)${name}=(1|true)(&|$)`, 'i').test(q);
  // stop and restart wait out a grace period: a bulk delete would hold every pooled channel.
  if (/\/(attach|wait|events|build|stop|restart)$/.test(p) || /\/exec\/[^/]+\/start$/.test(p) || /\/images\/(create|load)$/.test(p)) return true;
  if (/\/logs$/.test(p)) return flag('follow');
  if (/\/stats$/.test(p)) return !new RegExp('(^|&)stream=(0|false)(&|$)', 'i').test(q);
  return method === 'CONNECT';
}

/**
 * An http.Agent whose "sockets" are SSH channels to the docker socket. Node's Agent supports an
 * asynchronous createConnection (callback form), which lets a request wait for the channel to open.
 *
 * Keep-alive: a channel serves request after request (HTTP/1.1 persistent connections, which
 * dockerd keeps open), so a pod start's dozen calls reuse one or two channels instead of opening
 * and closing one each. Measured on the test bed: a burst of 100 one-shot channels was followed by
 * multi-second stalls of the next call, and every call paid a channel open round trip. A stream
 * (logs -f, attach, exec) holds its channel for as long as it lasts; a hijacked one leaves the pool.
 */
const LONG_LIVED = 'kubeshimLongLived';
const isLongLived = (options: http.ClientRequestArgs): boolean => (options as Record<string, unknown>)[LONG_LIVED] === true;

class SshDockerAgent extends http.Agent {
  readonly #conn: HostConnection;
  readonly #socketPath: string;
  readonly #timeoutMs: number;

  constructor(conn: HostConnection, socketPath: string, timeoutMs: number) {
    super({ keepAlive: true, maxFreeSockets: MAX_CALL_CHANNELS, scheduling: 'lifo' });
    this.#conn = conn;
    this.#socketPath = socketPath;
    this.#timeoutMs = timeoutMs;
  }

  /** Channels waiting in the pool. */
  readonly #idle = new WeakSet<Duplex>();
  /** Channels of long-lived calls: never pooled. */
  readonly #own = new WeakSet<Duplex>();
  #streams = 0;
  /** Channels of long-lived calls now open. */
  openStreams = 0;
  /** Ordinary calls in flight, and those waiting for one to finish (Node's own maxSockets does not
   * count channels still opening, so a burst would open one each). */
  #inFlight = 0;
  readonly #waiting: Array<() => void> = [];

  /**
   * docker-modem formats every request's options with util.inspect (showHidden, unlimited depth)
   * for its debug log, even when that log is off, and the options hold this agent: the whole SSH
   * connection, its channels and their requests. That walk grew with the calls in flight and took
   * seconds of the event loop per call in a bulk delete. One line is all it needs.
   */
  [inspect.custom](): string {
    return `SshDockerAgent { node: ${this.#conn.endpoint.name}, socket: ${this.#socketPath} }`;
  }

  /** The Agent pools (and bounds) sockets per name: every long-lived call gets a name of its own. */
  override getName(options?: http.ClientRequestArgs): string {
    const base = super.getName(options ?? {});
    return options && isLongLived(options) ? `${base}:stream:${++this.#streams}` : base;
  }

  override createConnection(options: http.ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): undefined {
    const own = isLongLived(options);
    this.#conn.openStreamLocal(this.#socketPath).then(
      (ch) => {
        if (own) {
          this.#own.add(ch);
          this.openStreams++;
          ch.once('close', () => this.openStreams--);
        }
        // dockerd (or sshd) ended a pooled channel: drop it rather than hand it to the next request.
        // One in use ends the usual way, and keepSocketAlive then refuses to pool it.
        ch.on('end', () => {
          if (this.#idle.has(ch)) ch.destroy();
        });
        cb?.(null, ch);
      },
      (err: Error) => cb?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  // A pooled channel idles with a timer (the Agent closes a free socket that times out); in use it has none.
  override keepSocketAlive(socket: Duplex): boolean {
    if (socket.readableEnded || socket.destroyed || this.#own.has(socket)) return false;
    // Node's own (sets keep-alive on the "socket", unrefs it) says true unless it refuses; typed void.
    if ((super.keepSocketAlive(socket) as unknown) === false) return false;
    this.#idle.add(socket);
    (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(IDLE_CHANNEL_MS);
    return true;
  }

  override reuseSocket(socket: Duplex, req: http.ClientRequest): void {
    super.reuseSocket(socket, req); // also drops the Agent's error listener for free sockets
    this.#idle.delete(socket);
    (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(0);
  }

  /**
   * Node's per-request hook (undocumented but stable, what agent-base and friends build on): the
   * first-byte timer and the debug timing belong to the request, not to the channel it gets.
   */
  addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
    const started = performance.now();
    const conn = this.#conn;
    let timer: NodeJS.Timeout | undefined;
    if (this.#timeoutMs > 0) {
      timer = setTimeout(() => {
        req.destroy(
          new HostFaultError({
            reason: 'DockerUnreachable',
            message: `Docker Engine at unix://${this.#socketPath} on node ${conn.endpoint.name} sent no response within ${this.#timeoutMs} ms`,
          }),
        );
      }, this.#timeoutMs);
      timer.unref();
    }
    const answered = (status?: number): void => {
      clearTimeout(timer);
      // Per-call timing for pod start analysis (KUBESHIM_LOG_LEVEL=debug): time to response headers.
      logger.debug('docker call', { node: conn.endpoint.name, method: req.method, path: req.path.split('?')[0], status, ms: Math.round((performance.now() - started) * 10) / 10 });
    };
    req.once('response', (res: http.IncomingMessage) => answered(res.statusCode));
    req.once('upgrade', (res: http.IncomingMessage) => answered(res.statusCode));
    req.once('close', () => clearTimeout(timer));
    const add = (): void => (http.Agent.prototype as unknown as { addRequest(r: http.ClientRequest, o: http.RequestOptions): void }).addRequest.call(this, req, options);
    // The Agent hands getName and createConnection its own copy of the options with path nulled
    // (path means a unix socket to it): the request's kind travels in a flag of its own.
    if (longLivedDockerCall(req.method, req.path, options.headers as http.OutgoingHttpHeaders)) {
      (options as Record<string, unknown>)[LONG_LIVED] = true;
      return add();
    }
    const go = (): void => {
      this.#inFlight++;
      req.once('close', () => {
        this.#inFlight--;
        // Next tick: Node frees the channel to the pool right after 'close', and the next call should reuse it.
        process.nextTick(() => this.#waiting.shift()?.());
      });
      add();
    };
    if (this.#inFlight < MAX_CALL_CHANNELS) return go();
    const waiter = (): void => {
      req.removeListener('close', withdraw);
      go();
    };
    // Destroyed while waiting (its timer fired, or the caller aborted): it leaves the queue.
    const withdraw = (): void => {
      const i = this.#waiting.indexOf(waiter);
      if (i >= 0) this.#waiting.splice(i, 1);
    };
    req.once('close', withdraw);
    this.#waiting.push(waiter);
  }
}

export function createDockerClient(conn: HostConnection, opts: DockerClientOptions = {}): DockerClient {
  const socketPath = opts.socketPath ?? conn.endpoint.dockerSocket ?? DEFAULT_DOCKER_SOCKET;
  const version = (opts.version ?? DOCKER_API_VERSION).replace(/^v/, '');
  const agent = new SshDockerAgent(conn, socketPath, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  // host/port only fill the Host header and the agent's pool key; the agent decides where bytes go.
  const docker = new Docker({ protocol: 'http', host: 'docker', port: 80, version: `v${version}`, agent } as Docker.DockerOptions);
  retryResetReads(docker);
  META.set(docker, { conn, socketPath, version, agent });
  return docker;
}

interface DialOptions {
  method?: string;
  isStream?: boolean;
  hijack?: boolean;
}
type DialCallback = (err: (Error & { code?: string }) | null, data: unknown) => void;

/**
 * A pooled channel can end (dockerd restarting, sshd dropping it) just as a request goes out on it;
 * Node then fails the request with ECONNRESET ("socket hang up") before any response. A read has no
 * effect, so it is sent once more, on another channel, instead of failing a pod sync or a heartbeat.
 */
function retryResetReads(docker: Docker): void {
  const modem = docker.modem as unknown as { dial(opts: DialOptions, cb: DialCallback): void };
  const dial = modem.dial.bind(modem);
  modem.dial = (opts, cb) => {
    const again = { ...opts }; // dial() prefixes the path with the API version in place
    dial(opts, (err, data) => {
      const read = again.method === 'GET' && !again.isStream && !again.hijack;
      if (err && read && err.code === 'ECONNRESET') return dial(again, cb);
      cb(err, data);
    });
  };
}

/**
 * Opens (and closes) a channel to the Docker socket. Pooled keep-alive channels outlive a socket
 * that vanished, or a dockerd now listening on a new one: health checks also connect afresh, as
 * any new client would. Fails with the transport's fault (DockerSocketUnavailable …).
 */
export async function probeDockerSocket(docker: DockerClient): Promise<void> {
  const meta = META.get(docker);
  if (meta) (await meta.conn.openStreamLocal(meta.socketPath)).destroy();
}

/** Long-lived calls (followed logs, exec/attach, events…) holding a channel of their own right now. */
export function openDockerStreams(docker: DockerClient): number {
  return META.get(docker)?.agent.openStreams ?? 0;
}

/** The HTTP status of a failed Engine API call (dockerode puts it on the error), if it got one. */
export function dockerStatus(e: unknown): number | undefined {
  return (e as { statusCode?: number } | undefined)?.statusCode;
}

export interface DockerCheck {
  /** Engine version, e.g. "20.10.24+dfsg1" or "1.13.1". */
  version: string;
  /** The Engine's own (highest) API version, e.g. "1.41". */
  apiVersion: string;
  minApiVersion?: string;
  os: string;
  arch: string;
  kernel: string;
  /** "Debian GNU/Linux 12 (bookworm)", "CentOS Linux 7 (Core)" (Node nodeInfo.osImage). */
  operatingSystem: string;
  hostname: string;
  ncpu: number;
  memTotalBytes: number;
  dockerRootDir: string;
  cgroupDriver?: string;
}

function apiNumber(v: string): [number, number] {
  const [maj, min] = v.split('.').map((x) => parseInt(x, 10));
  return [maj || 0, min || 0];
}
function apiLess(a: string, b: string): boolean {
  const [a1, a2] = apiNumber(a);
  const [b1, b2] = apiNumber(b);
  return a1 < b1 || (a1 === b1 && a2 < b2);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Says why the docker socket could not be opened, from the host's side (sshd only says "open failed"). */
async function diagnoseSocket(meta: ClientMeta, fallback: HostFault): Promise<HostFault> {
  const { conn, socketPath } = meta;
  const node = conn.endpoint.name;
  const p = shellQuote(socketPath);
  let out: string;
  try {
    const r = await conn.exec(
      `if [ ! -e ${p} ]; then echo missing; elif [ ! -S ${p} ]; then echo notsocket; elif [ ! -r ${p} ] || [ ! -w ${p} ]; then echo denied; else echo ok; fi; id -un; ls -ld ${p} 2>/dev/null | awk '{print $1, $3 ":" $4}'`,
      { timeoutMs: 10_000 },
    );
    out = r.stdout;
  } catch {
    return fallback;
  }
  const [verdict, user = conn.endpoint.user ?? 'root', perms = ''] = out.trim().split('\n');
  switch (verdict) {
    case 'missing':
      return {
        reason: 'DockerSocketUnavailable',
        message: `docker socket ${socketPath} does not exist on node ${node}: is Docker running there? (set dockerSocket if it listens elsewhere)`,
      };
    case 'notsocket':
      return { reason: 'DockerSocketUnavailable', message: `${socketPath} on node ${node} is not a unix socket (set dockerSocket to the Docker Engine's socket)` };
    case 'denied':
      return {
        reason: 'DockerSocketUnavailable',
        message: `permission denied on docker socket ${socketPath} on node ${node} for user ${user} (${perms}): add ${user} to the socket's group (usermod -aG docker ${user}) or connect as root`,
      };
    case 'ok':
      // OpenSSH answers a forbidden stream-local forward with the same "open failed" as a missing
      // socket (serverloop.c only sets "administratively prohibited" for direct-tcpip), so a socket
      // the user could open is how we tell the two apart.
      return {
        reason: 'SSHForwardingRefused',
        message: `sshd on node ${node} did not forward to the docker socket ${socketPath}, which exists and user ${user} may open: set "AllowStreamLocalForwarding yes" in its sshd_config (and allow forwarding for this key in authorized_keys)`,
      };
    default:
      return fallback;
  }
}

/**
 * Verifies that the host's Docker Engine answers at the pinned API version and reports what the
 * Node object needs (nodeInfo, capacity). Failures become HostFaultErrors naming the cause.
 */
export async function checkDocker(docker: DockerClient): Promise<DockerCheck> {
  const meta = META.get(docker);
  if (!meta) throw new Error('checkDocker needs a client made by createDockerClient');
  const node = meta.conn.endpoint.name;
  const where = `unix://${meta.socketPath} on node ${node}`;
  let v: Docker.DockerVersion & { MinAPIVersion?: string };
  let info: Record<string, unknown>;
  try {
    await probeDockerSocket(docker);
    v = await docker.version();
    info = (await docker.info()) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { fault?: HostFault; statusCode?: number; json?: unknown };
    if (err.fault?.reason === 'DockerSocketUnavailable') throw new HostFaultError(await diagnoseSocket(meta, err.fault));
    if (err.fault) throw new HostFaultError(err.fault);
    const text = String(err.message);
    // An Engine older than the pinned version refuses it: "client is newer than server (client API
    // version: 1.26, server API version: 1.24)" (Docker ≤ 1.12); a very new one may refuse it as
    // "client version 1.26 is too old. Minimum supported API version is 1.44" (Docker 29).
    const older = /client is newer than server.*server API version: ([0-9.]+)/i.exec(text);
    if (older) {
      throw new HostFaultError({
        reason: 'DockerVersionTooOld',
        message: `Docker Engine at ${where} speaks API ${older[1]}; kubeshim needs at least ${meta.version} (Docker 1.13)`,
      });
    }
    const newer = /Minimum supported API version is ([0-9.]+)/i.exec(text);
    if (newer) {
      throw new HostFaultError({
        reason: 'DockerUnreachable',
        message: `Docker Engine at ${where} no longer accepts API ${meta.version} (minimum ${newer[1]}): start dockerd with DOCKER_MIN_API_VERSION=${meta.version}`,
      });
    }
    throw new HostFaultError({ reason: 'DockerUnreachable', message: `Docker Engine at ${where} did not answer: ${text.trim()}` });
  }
  if (apiLess(v.ApiVersion, meta.version)) {
    throw new HostFaultError({
      reason: 'DockerVersionTooOld',
      message: `Docker Engine ${v.Version} at ${where} speaks API ${v.ApiVersion}; kubeshim needs at least ${meta.version} (Docker 1.13)`,
    });
  }
  return {
    version: v.Version,
    apiVersion: v.ApiVersion,
    minApiVersion: v.MinAPIVersion,
    os: v.Os,
    arch: v.Arch,
    kernel: v.KernelVersion,
    operatingSystem: String(info.OperatingSystem ?? ''),
    hostname: String(info.Name ?? ''),
    ncpu: Number(info.NCPU ?? 0),
    memTotalBytes: Number(info.MemTotal ?? 0),
    dockerRootDir: String(info.DockerRootDir ?? ''),
    cgroupDriver: typeof info.CgroupDriver === 'string' ? info.CgroupDriver : undefined,
  };
}
