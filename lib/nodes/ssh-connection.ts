// One multiplexed SSH connection per host (ssh2), the way kubeshim reaches a remote host: commands,
// the Docker socket (stream-local channels) and pod ports (direct-tcpip) all ride on it. Like
// OpenSSH's ServerAliveInterval/ServerAliveCountMax, keepalives detect a dead peer; unlike ssh, the
// connection heals itself: it reconnects with jittered exponential backoff until close(). This
// machine's own engine (`local: true`) needs no SSH: local-connection.ts.
import { EventEmitter } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { logger } from '../log.js';
import { HostFaultError, reconnectDelay, StartLatch } from './host-fault.js';
import { LocalHostConnection } from './local-connection.js';
import { appendKnownHost, decideHostKey, loadHostTrust, preferredHostKeyAlgorithms, type HostTrust } from './host-key.js';
import type { ConnectionState, ExecResult, HostConnection, HostEndpoint, HostFault } from './types.js';

export interface HostConnectionOptions {
  /** Like ssh's ServerAliveInterval (ms). */
  keepaliveIntervalMs?: number;
  /** Like ssh's ServerAliveCountMax: unanswered keepalives before the connection is declared dead. */
  keepaliveCountMax?: number;
  /** TCP connect + SSH handshake + auth, ms. */
  connectTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Concurrent exec sessions on the connection; more wait for a free one. Default 10, sshd's MaxSessions default. */
  maxSessions?: number;
}

/** The one place that picks a transport: SSH, or none for this machine (`local: true`). */
export function createHostConnection(ep: HostEndpoint, opts: HostConnectionOptions = {}): HostConnection {
  if (ep.local) return new LocalHostConnection(ep, opts);
  return new SshHostConnection(ep, opts);
}

const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
const PGID_MARK = 'kubeshim-pgid:';

/** ssh2 keeps its global-request reply callbacks here; we use them to time our own keepalives. */
interface Ssh2Internals {
  _protocol?: { ping(): void };
  _callbacks?: Array<(reply: unknown) => void>;
  _sock?: { destroy(): void };
}

type SocketLike = Duplex & {
  setKeepAlive?: unknown;
  setNoDelay?: unknown;
  setTimeout?: unknown;
  ref?: unknown;
  unref?: unknown;
};

/**
 * Makes an SSH channel usable where Node's http client expects a net.Socket: its Agent calls
 * setKeepAlive/setNoDelay/ref/unref (meaningless on a channel) and setTimeout, which we implement as
 * an idle timer emitting 'timeout' so request timeouts (docker-modem's `timeout`) still fire.
 */
function socketLike(ch: ClientChannel): Duplex {
  const s = ch as unknown as SocketLike;
  let timer: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = idleMs > 0 ? setTimeout(() => s.emit('timeout'), idleMs) : undefined;
    timer?.unref();
  };
  s.setKeepAlive = () => s;
  s.setNoDelay = () => s;
  s.ref = () => s;
  s.unref = () => s;
  s.setTimeout = (ms: number, cb?: () => void) => {
    idleMs = ms;
    if (cb) {
      if (ms > 0) s.once('timeout', cb);
      else s.removeListener('timeout', cb);
    }
    arm();
    return s;
  };
  // Incoming bytes re-arm the timer. Hooked at push() rather than with a 'data' listener, which
  // would switch the stream to flowing mode and lose bytes that arrive before the caller listens.
  const push = s.push.bind(s);
  s.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (idleMs > 0 && chunk !== null) arm();
    return push(chunk, encoding);
  };
  s.on('close', () => { if (timer) clearTimeout(timer); });
  // ssh2's Channel.destroy() ignores its error argument; Node's http client destroys a request's
  // socket with the reason (a request timeout, say) and expects it back as the socket's 'error'.
  const destroy = s.destroy.bind(s);
  s.destroy = (err?: Error): Duplex => {
    if (err && !s.destroyed && s.listenerCount('error') > 0) s.emit('error', err);
    return destroy();
  };
  return s;
}

function describeCommand(cmd: string): string {
  return cmd.length > 80 ? cmd.slice(0, 77) + '...' : cmd;
}

class SshHostConnection extends EventEmitter implements HostConnection {
  readonly endpoint: HostEndpoint;
  #opts: Required<HostConnectionOptions>;
  #state: ConnectionState = 'connecting';
  #fault?: HostFault;
  #rtt?: number;
  #client?: Client;
  #attempt = 0;
  #generation = 0;
  #closed = false;
  #retryTimer?: NodeJS.Timeout;
  #keepaliveTimer?: NodeJS.Timeout;
  #pings: number[] = [];
  #sessions = 0;
  #waiters: Array<() => void> = [];
  readonly #start: StartLatch;
  /** A key learned by trust-on-first-use stays pinned for later reconnects even without a known_hosts file. */
  #learned?: HostTrust;

  constructor(ep: HostEndpoint, opts: HostConnectionOptions) {
    super();
    this.endpoint = ep;
    this.#start = new StartLatch(ep.name);
    this.#opts = {
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 5000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000 },
      maxSessions: opts.maxSessions ?? 10,
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get fault(): HostFault | undefined {
    return this.#fault;
  }
  get rttMs(): number | undefined {
    return this.#rtt;
  }

  get #where(): string {
    return `${this.endpoint.address}:${this.endpoint.port ?? 22}`;
  }
  get #user(): string {
    return this.endpoint.user ?? 'root';
  }

  start(): Promise<void> {
    return this.#start.start(this.#closed, () => this.#connect());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    clearTimeout(this.#retryTimer);
    this.#stopKeepalive();
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          client.destroy();
          resolve();
        }, 2000);
        client.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        client.end();
      });
    }
    this.#state = 'closed';
    this.#start.closed();
    this.emit('closed');
  }

  #credentials(): { privateKey?: Buffer | string } | HostFault {
    const ep = this.endpoint;
    if (ep.privateKey) return { privateKey: ep.privateKey };
    if (!ep.identityFile) return {};
    try {
      const st = statSync(ep.identityFile);
      // ssh refuses a private key others can read ("UNPROTECTED PRIVATE KEY FILE!"); so do we.
      if ((st.mode & 0o077) !== 0) {
        const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
        return {
          reason: 'SSHAuthenticationFailed',
          message: `permissions ${mode} for '${ep.identityFile}' are too open: a private key must not be accessible by group or others (chmod 600 '${ep.identityFile}')`,
        };
      }
      return { privateKey: readFileSync(ep.identityFile) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { reason: 'SSHAuthenticationFailed', message: `cannot read identity file '${ep.identityFile}': ${err.code ?? err.message}` };
    }
  }

  #connect(): void {
    if (this.#closed) return;
    const gen = ++this.#generation;
    this.#state = 'connecting';
    const ep = this.endpoint;
    const creds = this.#credentials();
    if ('reason' in creds) return this.#down(gen, creds);
    let trust: HostTrust;
    try {
      trust = this.#learned ?? loadHostTrust(ep);
    } catch (e) {
      return this.#down(gen, { reason: 'HostKeyUnknown', message: `cannot use the pinned host key of node ${ep.name}: ${(e as Error).message}` });
    }

    const client = new Client();
    this.#client = client;
    let fault: HostFault | undefined;
    const config: ConnectConfig = {
      host: ep.address,
      port: ep.port ?? 22,
      username: this.#user,
      ...creds,
      readyTimeout: this.#opts.connectTimeoutMs,
      // Our own keepalive (below) also measures the round-trip time.
      keepaliveInterval: 0,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(trust.keys) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      hostVerifier: (key: Buffer): boolean => {
        const d = decideHostKey(ep, trust, key);
        if (!d.accept) {
          fault = d.fault;
          return false;
        }
        if (d.learned) {
          this.#learned = { keys: [d.learned], revoked: [], source: ep.knownHostsFile ?? 'the key accepted on first use' };
          if (ep.knownHostsFile) {
            try {
              appendKnownHost(ep.knownHostsFile, ep.address, ep.port ?? 22, d.learned);
            } catch (e) {
              logger.warn('cannot record host key', { node: ep.name, file: ep.knownHostsFile, error: (e as Error).message });
            }
          }
          logger.info('host key accepted on first use', { node: ep.name, address: this.#where, key: d.learned.type });
        }
        return true;
      },
    };

    client.on('ready', () => {
      if (gen !== this.#generation) return;
      this.#attempt = 0;
      // Small request/response exchanges (Docker API calls, keepalives) must not wait on Nagle's
      // algorithm against the peer's delayed ACKs (~40 ms a call otherwise).
      client.setNoDelay(true);
      this.#state = 'ready';
      this.#fault = undefined;
      this.#startKeepalive(gen, client);
      this.emit('ready');
      this.#start.resolve();
    });
    client.on('error', (err: Error & { level?: string; code?: string; syscall?: string }) => {
      if (gen !== this.#generation) return;
      fault ??= this.#classify(err);
      client.destroy();
    });
    client.on('close', () => {
      if (gen !== this.#generation) return;
      const wasReady = this.#state === 'ready';
      this.#down(gen, fault ?? {
        reason: 'HostUnreachable',
        message: wasReady ? `SSH connection to ${this.#where} was closed by the host` : `SSH connection to ${this.#where} closed during the handshake`,
      });
    });
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously for a private key it cannot parse.
      this.#down(gen, { reason: 'SSHAuthenticationFailed', message: `cannot use the private key for node ${ep.name}: ${(e as Error).message}` });
    }
  }

  #classify(err: Error & { level?: string; code?: string; syscall?: string }): HostFault {
    const where = this.#where;
    switch (err.level) {
      case 'client-authentication':
        return {
          reason: 'SSHAuthenticationFailed',
          message: `SSH authentication as ${this.#user} to ${where} failed: the host refused the key${this.endpoint.identityFile ? ` in ${this.endpoint.identityFile}` : ''} (publickey); is its public key in ~${this.#user}/.ssh/authorized_keys?`,
        };
      case 'client-timeout':
        return err.message === 'Keepalive timeout' || this.#state === 'ready'
          ? { reason: 'HostUnreachable', message: `SSH connection to ${where} lost: no keepalive reply` }
          : { reason: 'HostUnreachable', message: `cannot reach ${where}: no SSH handshake within ${this.#opts.connectTimeoutMs} ms (ETIMEDOUT)` };
      case 'client-dns':
        return { reason: 'HostUnreachable', message: `cannot resolve ${this.endpoint.address}: ${err.code ?? err.message}` };
      case 'client-socket':
        return this.#state === 'ready'
          ? { reason: 'HostUnreachable', message: `SSH connection to ${where} lost: ${err.code ?? err.message}` }
          : { reason: 'HostUnreachable', message: `cannot reach ${where}: ${err.syscall ?? 'connect'} ${err.code ?? err.message}` };
      default:
        return { reason: 'HostUnreachable', message: `SSH connection to ${where} failed: ${err.message}` };
    }
  }

  #down(gen: number, fault: HostFault): void {
    if (gen !== this.#generation || this.#closed) return;
    // Later events of this attempt's client (its 'close' after our destroy) must not count again.
    this.#generation++;
    this.#stopKeepalive();
    const client = this.#client;
    this.#client = undefined;
    client?.destroy();
    // Logged when the cause changes, not on every retry: a host down for a day retries ~3000 times.
    if (fault.message !== this.#fault?.message) {
      logger.warn('host connection down', { node: this.endpoint.name, address: this.#where, reason: fault.reason, message: fault.message });
    }
    this.#state = 'down';
    this.#fault = fault;
    this.emit('down', fault);
    this.#start.reject(new HostFaultError(fault));
    this.#retryTimer = setTimeout(() => this.#connect(), reconnectDelay(this.#attempt++, this.#opts.backoff));
    this.#retryTimer.unref();
  }

  #startKeepalive(gen: number, client: Client): void {
    const internals = client as unknown as Ssh2Internals;
    this.#pings = [];
    const ping = (): void => {
      if (gen !== this.#generation) return;
      if (this.#pings.length >= this.#opts.keepaliveCountMax) {
        this.#down(gen, {
          reason: 'HostUnreachable',
          message: `SSH connection to ${this.#where} lost: ${this.#pings.length} keepalives unanswered for ${Math.round(performance.now() - this.#pings[0]!)} ms`,
        });
        return;
      }
      if (!internals._protocol || !internals._callbacks) return;
      const sent = performance.now();
      this.#pings.push(sent);
      // A keepalive@openssh.com global request: sshd answers (with a failure) in order with other
      // global requests, which is exactly ssh2's callback queue.
      internals._callbacks.push((reply: unknown) => {
        // ssh2 fails pending callbacks with an Error when the connection closes: no round trip.
        if (reply instanceof Error) return;
        this.#pings.shift();
        this.#rtt = Math.round((performance.now() - sent) * 100) / 100;
      });
      internals._protocol.ping();
    };
    ping();
    this.#keepaliveTimer = setInterval(ping, this.#opts.keepaliveIntervalMs);
    this.#keepaliveTimer.unref();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
    this.#pings = [];
  }

  #readyClient(): Client {
    if (this.#state === 'ready' && this.#client) return this.#client;
    const fault = this.#fault ?? { reason: 'HostUnreachable' as const, message: `SSH connection to ${this.#where} is ${this.#state}` };
    throw new HostFaultError({ reason: fault.reason, message: `node ${this.endpoint.name} is not connected: ${fault.message}` });
  }

  exec(command: string, opts: { timeoutMs?: number; signal?: AbortSignal; stdin?: string | Buffer } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    return new Promise<ExecResult>((resolve, reject) => {
      try {
        this.#readyClient();
      } catch (e) {
        return reject(e);
      }
      if (opts.signal?.aborted) return reject(new Error(`command on node ${this.endpoint.name} aborted before it started: ${describeCommand(command)}`));
      let client: Client | undefined;
      let channel: ClientChannel | undefined;
      let done = false;
      let holding = false;
      let cancelWait: (() => void) | undefined;
      let pgid: number | undefined;
      let stderrHead = '';
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code: number | undefined;
      const release = (): void => {
        if (!holding) return;
        holding = false;
        this.#releaseSession();
      };
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        cancelWait?.();
        if (err) {
          if (client) this.#kill(client, channel, pgid);
          if (!channel) release();
          return reject(err);
        }
        resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderrHead + Buffer.concat(stderr).toString('utf8') });
      };
      const onAbort = (): void => finish(new Error(`command on node ${this.endpoint.name} aborted: ${describeCommand(command)}`));
      const timer = setTimeout(
        () => finish(new Error(`command on node ${this.endpoint.name} timed out after ${timeoutMs} ms: ${describeCommand(command)}`)),
        timeoutMs,
      );
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      cancelWait = this.#acquireSession(() => {
        holding = true;
        if (done) return release();
        try {
          client = this.#readyClient();
        } catch (e) {
          return finish(e as Error);
        }
        // sshd makes the command's shell a session and process group leader (setsid), so $$ names
        // the group of everything the command starts; announcing it first lets a timeout kill the
        // whole group. Closing the channel alone does not (no pty, no SIGHUP), and the SSH "signal"
        // request is ignored by many sshd versions (CentOS 7's OpenSSH 7.4 among them).
        let attempts = 0;
        const open = (c: Client): void => {
          try {
            c.exec(`printf '${PGID_MARK}%s\\n' "$$" >&2; ${command}`, (err, ch) => onOpen(c, err, ch));
          } catch (e) {
            // ssh2 throws "Not connected" synchronously once the connection is gone.
            onOpen(c, e as Error, undefined as unknown as ClientChannel);
          }
        };
        const onOpen = (c: Client, err: Error | undefined, ch: ClientChannel): void => {
          if (err) {
            // sshd frees a session slot only once it has our CHANNEL_CLOSE, so a slot we just
            // released may still be taken for a moment: retry briefly before giving up.
            if (!done && attempts < 5 && this.#client === c) {
              setTimeout(() => (done ? release() : open(c)), 10 * 2 ** attempts++);
              return;
            }
            release();
            return finish(new Error(`cannot run a command on node ${this.endpoint.name}: ${err.message.replace(/^\(SSH\) /, '')} (sshd's MaxSessions reached?)`));
          }
          if (done) {
            ch.on('close', release);
            ch.close();
            return;
          }
          channel = ch;
          let head: Buffer | undefined = Buffer.alloc(0);
          ch.on('data', (d: Buffer) => stdout.push(d));
          ch.stderr.on('data', (d: Buffer) => {
            if (!head) return void stderr.push(d);
            head = Buffer.concat([head, d]);
            const nl = head.indexOf(10);
            if (nl < 0 && head.length < 64) return;
            const line = head.subarray(0, nl < 0 ? head.length : nl).toString('latin1');
            if (line.startsWith(PGID_MARK)) {
              pgid = Number(line.slice(PGID_MARK.length)) || undefined;
              stderr.push(head.subarray(nl + 1));
            } else {
              stderr.push(head);
            }
            head = undefined;
          });
          ch.on('exit', (c: number | null, signal?: string) => {
            if (typeof c === 'number') code = c;
            // A shell reports death by signal N as 128+N; do the same so callers see one number.
            else if (signal) code = 128 + ((osConstants.signals as Record<string, number>)[`SIG${signal}`] ?? 0);
          });
          ch.on('close', () => {
            release();
            if (head && head.length) stderrHead = head.toString('utf8');
            if (code === undefined) return finish(new Error(`command on node ${this.endpoint.name} ended without an exit status (connection lost?): ${describeCommand(command)}`));
            finish();
          });
          if (opts.stdin !== undefined) ch.end(opts.stdin);
          else ch.end();
        };
        open(client);
      });
    });
  }

  /**
   * Runs `start` once a session slot is free; returns a function that withdraws a waiting request.
   * sshd refuses sessions beyond its MaxSessions (default 10) per connection with a bare "open
   * failed", so bursts of commands queue here instead of failing.
   */
  #acquireSession(start: () => void): () => void {
    if (this.#sessions < this.#opts.maxSessions) {
      this.#sessions++;
      start();
      return () => undefined;
    }
    const waiter = (): void => {
      this.#sessions++;
      start();
    };
    this.#waiters.push(waiter);
    return () => {
      const i = this.#waiters.indexOf(waiter);
      if (i >= 0) this.#waiters.splice(i, 1);
    };
  }

  #releaseSession(): void {
    this.#sessions--;
    this.#waiters.shift()?.();
  }

  /** Ends a command we gave up on: its whole process group, then the channel. */
  #kill(client: Client, channel: ClientChannel | undefined, pgid: number | undefined): void {
    if (channel) {
      try {
        channel.signal('KILL');
      } catch {
        // The channel is already gone; the process-group kill below still applies.
      }
      channel.close();
    }
    if (pgid && pgid > 1 && this.#client === client && this.#state === 'ready') {
      this.exec(`kill -KILL -- -${pgid} 2>/dev/null`, { timeoutMs: 10_000 }).catch((e: Error) => {
        logger.warn('cannot kill a timed-out command', { node: this.endpoint.name, pgid, error: e.message });
      });
    }
  }

  #openChannel(what: string, open: (client: Client, cb: (err: (Error & { reason?: number }) | undefined, ch: ClientChannel) => void) => void, refused: (err: Error) => HostFault, failed: (err: Error) => HostFault): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      let client: Client;
      try {
        client = this.#readyClient();
      } catch (e) {
        return reject(e);
      }
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new HostFaultError({ reason: 'HostUnreachable', message: `opening ${what} on node ${this.endpoint.name} timed out after ${this.#opts.connectTimeoutMs} ms` }));
      }, this.#opts.connectTimeoutMs);
      open(client, (err, ch) => {
        clearTimeout(timer);
        if (done) {
          ch?.close();
          return;
        }
        done = true;
        if (err) {
          // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1): sshd_config forbids this forwarding.
          const prohibited = err.reason === 1 || /administratively prohibited/i.test(err.message);
          return reject(new HostFaultError(prohibited ? refused(err) : failed(err)));
        }
        resolve(socketLike(ch));
      });
    });
  }

  openStreamLocal(socketPath: string): Promise<Duplex> {
    const ep = this.endpoint;
    return this.#openChannel(
      `unix socket ${socketPath}`,
      (c, cb) => c.openssh_forwardOutStreamLocal(socketPath, cb as never),
      () => ({
        reason: 'SSHForwardingRefused',
        message: `sshd on ${this.#where} refused to forward to unix socket ${socketPath} (administratively prohibited): set "AllowStreamLocalForwarding yes" in its sshd_config`,
      }),
      (err) => ({
        reason: 'DockerSocketUnavailable',
        message: `cannot open unix socket ${socketPath} on node ${ep.name} as user ${this.#user}: ${err.message.replace(/^\(SSH\) /, '')} (no such socket, or permission denied)`,
      }),
    );
  }

  openTcp(host: string, port: number): Promise<Duplex> {
    return this.#openChannel(
      `a TCP connection to ${host}:${port}`,
      (c, cb) => c.forwardOut('127.0.0.1', 0, host, port, cb as never),
      () => ({
        reason: 'SSHForwardingRefused',
        message: `sshd on ${this.#where} refused to forward to ${host}:${port} (administratively prohibited): set "AllowTcpForwarding yes" in its sshd_config`,
      }),
      (err) => ({
        reason: 'HostUnreachable',
        message: `cannot connect to ${host}:${port} from node ${this.endpoint.name}: ${err.message.replace(/^\(SSH\) /, '')}`,
      }),
    );
  }
}
