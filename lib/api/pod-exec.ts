// `kubectl exec` and `kubectl attach`: the pods/exec and pods/attach subresources, bridged to a
// Docker exec/attach on the pod's host over its SSH connection. Two transports reach the same
// bridge: WebSocket with the channel protocol v5.channel.k8s.io (kubectl 1.31+; v4 accepted: same
// framing without the close channel), and SPDY/3.1 streams (kubectl ≤ 1.30, and kubectl's fallback
// when the WebSocket handshake fails; remote-command-spdy.ts).
// Upstream: kube-apiserver pkg/registry/core/pod/strategy.go (streamLocation: which errors come
// before the upgrade), kubelet pkg/kubelet/cri/streaming/remotecommand (the Status on channel 3).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, isApiError, internalError } from './errors.js';
import { acceptWebSocket, isWebSocketRequest, negotiateProtocol, rejectUpgrade, type WebSocketConnection } from './websocket.js';
import type { GenericStore, UserInfo } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { NodeManager } from '../nodes/node-manager.js';
import type { KObject } from '../registry/resource-type.js';
import { CONTAINER_LABELS, type DockerClient } from '../nodes/types.js';
import { logger } from '../log.js';
import { DockerFrameReader } from '../nodes/docker-stream.js';
import { acceptSpdy, isSpdyUpgradeRequest, negotiateStreamProtocol } from './spdy.js';
import { SPDY_STREAM_PROTOCOLS, acceptSpdyCommandStreams } from './remote-command-spdy.js';

/** apimachinery pkg/util/remotecommand/constants.go */
export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
const SUPPORTED_PROTOCOLS = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4] as const;

export const CHANNEL_STDIN = 0;
export const CHANNEL_STDOUT = 1;
export const CHANNEL_STDERR = 2;
export const CHANNEL_ERROR = 3;
export const CHANNEL_RESIZE = 4;
export const CHANNEL_CLOSE = 255;

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/;

export interface PodUpgradeContext {
  user: UserInfo;
  generic: GenericStore;
  registry: ResourceRegistry;
  nodes: NodeManager;
}

export interface StreamOptions {
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** What to bridge once the client's streams are up; reports the end Status. */
type Session = (ch: CommandStreams) => Promise<ChannelStatus>;

export interface ChannelStatus {
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason: string; message: string }> };
}

/** The client's side of a remote command, whichever transport carries it (WebSocket channels or SPDY streams). */
export interface CommandStreams {
  /** Writes stdout or stderr; false when the client is slow (wait with drained()). */
  write(channel: typeof CHANNEL_STDOUT | typeof CHANNEL_STDERR, data: Buffer): boolean;
  drained(): Promise<void>;
  /** Client stdin; null at its end. Data that came before the handler is delivered to it first. */
  onStdin(fn: (data: Buffer | null) => void): void;
  onResize(fn: (size: TerminalSize) => void): void;
  /** The client went away. */
  onClose(fn: () => void): void;
  /** Stop/resume reading the client's stdin (Docker reads slower than the client sends). */
  pauseStdin(): void;
  resumeStdin(): void;
  /** Sends the one Status and ends the session. */
  finish(status: ChannelStatus): void;
}

export interface TerminalSize {
  Width: number;
  Height: number;
}

/**
 * Terminal sizes from the client's resize channel or stream: JSON objects one per line
 * (`{"Width":100,"Height":30}`, client-go's json.Encoder). The latest size waits for a handler
 * set later (kubectl sends it before Docker's exec has started).
 */
export class ResizeEvents {
  private last?: TerminalSize;
  private handler?: (size: TerminalSize) => void;

  onResize(fn: (size: TerminalSize) => void): void {
    this.handler = fn;
    if (this.last) fn(this.last);
  }

  /** Takes whole lines; an undecodable size is dropped (kubelet logs and drops it). */
  push(text: string): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const size = JSON.parse(line) as { Width?: unknown; Height?: unknown };
        if (typeof size.Width === 'number' && typeof size.Height === 'number') {
          this.last = { Width: size.Width, Height: size.Height };
          this.handler?.(this.last);
        }
      } catch {
        // dropped, see above
      }
    }
  }
}

/**
 * Handles an upgrade for pods/{name}/exec or /attach; false when the path is another one.
 * Errors before the upgrade are answered as HTTP Status responses (kubectl prints them).
 */
export async function handlePodUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: PodUpgradeContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'https://kubeshim');
  const m = PATH.exec(url.pathname);
  if (!m) return false;
  let namespace: string, name: string, verb: string;
  try {
    [, namespace, name, verb] = m.map((s) => decodeURIComponent(s ?? ''));
  } catch {
    // A malformed %-escape is not a path this server serves.
    return false;
  }
  // A client that resets the connection is not a server fault; 'close' ends the session.
  socket.on('error', () => undefined);
  const websocket = isWebSocketRequest(req);
  try {
    const protocol = websocket ? negotiateProtocol(req, SUPPORTED_PROTOCOLS) : undefined;
    const opts = streamOptions(url.searchParams);
    const session = await prepare(ctx, namespace, name, verb as 'exec' | 'attach', opts);
    const what = { namespace, name, verb };
    // Only after the pod checks, as upstream: kube-apiserver checks the pod, the kubelet the protocol.
    if (websocket) {
      if (!protocol) {
        throw badRequest(`unable to upgrade connection: no supported subprotocol in "${String(req.headers['sec-websocket-protocol'] ?? '')}"; supported: ${SUPPORTED_PROTOCOLS.join(', ')}`);
      }
      const ws = acceptWebSocket(req, socket, head, protocol);
      void runSession(new ChannelSocket(ws, protocol === STREAM_PROTOCOL_V5), session, what);
      return true;
    }
    // SPDY/3.1 (kubelet remotecommand createHTTPStreamStreams): negotiate, upgrade, wait for the client's streams.
    if (!isSpdyUpgradeRequest(req)) throw new PlainError(400, 'unable to upgrade: missing upgrade headers in request');
    const negotiated = negotiateStreamProtocol(req, SPDY_STREAM_PROTOCOLS);
    if ('code' in negotiated) throw new PlainError(negotiated.code, negotiated.message);
    const spdy = acceptSpdy(socket, head, negotiated.protocol);
    void acceptSpdyCommandStreams(spdy, negotiated.protocol, opts).then(
      (streams) => runSession(streams, session, what),
      (e) => logger.warn('pod stream failed', { ...what, error: e instanceof Error ? e.message : String(e) }),
    );
  } catch (e) {
    rejectUpgradeWith(socket, e);
  }
  return true;
}

/** A kubelet error that reaches kubectl as plain text ("unable to upgrade connection: …"). */
export class PlainError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Answers a failed stream request before the upgrade: the kubelet's plain text, or an apiserver Status. */
export function rejectUpgradeWith(socket: Duplex, e: unknown): void {
  if (e instanceof PlainError) return rejectUpgrade(socket, e.code, e.message, 'text/plain; charset=utf-8');
  const err = isApiError(e) ? e : internalError(e);
  rejectUpgrade(socket, err.status.code, JSON.stringify(err.status));
}

function streamOptions(q: URLSearchParams): StreamOptions {
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const opts: StreamOptions = {
    command: q.getAll('command'),
    container: q.get('container') ?? '',
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
  };
  // kubelet's remotecommand options: a tty merges stderr into stdout.
  if (opts.tty) opts.stderr = false;
  return opts;
}

/** What kubelet refuses (plain text, after the apiserver's pod checks): remotecommand createStreams. */
function checkStreams(opts: StreamOptions, verb: string): void {
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new PlainError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  if (verb === 'exec' && opts.command.length === 0) throw badRequest('you must specify at least one command for the container');
}

async function prepare(ctx: PodUpgradeContext, namespace: string, name: string, verb: 'exec' | 'attach', opts: StreamOptions): Promise<Session> {
  const podType = ctx.registry.lookup('', 'v1', 'pods');
  if (!podType) throw internalError(new Error('pods are not served'));
  const pod = await ctx.generic.get(podType, namespace, name);
  opts.container = containerFor(pod, name, opts.container);
  const nodeName = pod.spec?.nodeName as string | undefined;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  checkStreams(opts, verb);
  const host = ctx.nodes.host(nodeName);
  if (!host) throw new ApiError({ code: 503, reason: 'ServiceUnavailable', message: `node ${nodeName} is not managed by this server` });
  const id = await runningContainer(host.docker, pod, opts.container);
  // kubelet answers with plain text when the runtime has no such running container.
  if (!id) throw new PlainError(404, `container not found ("${opts.container}")`);
  const container = host.docker.getContainer(id);
  if (verb === 'exec') return (ws) => runExec(container, opts, ws);
  return (ws) => runAttach(container, opts, ws);
}

/** strategy.go streamLocation: the container must be named unless the pod has exactly one. */
function containerFor(pod: KObject, name: string, container: string): string {
  const containers = (pod.spec?.containers ?? []) as Array<{ name: string }>;
  const inits = (pod.spec?.initContainers ?? []) as Array<{ name: string }>;
  const ephemeral = (pod.spec?.ephemeralContainers ?? []) as Array<{ name: string }>;
  if (!container) {
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.map((c) => c.name).join(' ')}]`;
    throw badRequest(msg);
  }
  if (![...containers, ...inits, ...ephemeral].some((c) => c.name === container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** The running Docker container of a pod's container (the latest restart when several run). */
async function runningContainer(docker: DockerClient, pod: KObject, container: string): Promise<string | undefined> {
  const list = await docker.listContainers({
    all: false,
    filters: JSON.stringify({ label: [`${CONTAINER_LABELS.podUid}=${pod.metadata.uid}`, `${CONTAINER_LABELS.containerName}=${container}`] }),
  });
  const running = list
    .filter((c) => c.Labels?.[CONTAINER_LABELS.role] !== 'infra')
    .sort((a, b) => Number(b.Labels?.[CONTAINER_LABELS.restartCount] ?? 0) - Number(a.Labels?.[CONTAINER_LABELS.restartCount] ?? 0));
  return running[0]?.Id;
}

/** The channel protocol on top of one WebSocket. */
export class ChannelSocket implements CommandStreams {
  private stdinHandler?: (data: Buffer | null) => void;
  private ended = false;
  // kubectl sends stdin and the first resize right after the handshake, before Docker's exec has
  // started: they wait here until the bridge takes them.
  private stdinQueue: Array<Buffer | null> = [];
  private readonly resizes = new ResizeEvents();

  constructor(readonly ws: WebSocketConnection, readonly v5: boolean) {
    ws.on('message', (data: Buffer) => this.onMessage(data));
  }

  onStdin(fn: (data: Buffer | null) => void): void {
    this.stdinHandler = fn;
    for (const d of this.stdinQueue.splice(0)) fn(d);
  }

  onResize(fn: (size: TerminalSize) => void): void {
    this.resizes.onResize(fn);
  }

  private stdin(data: Buffer | null): void {
    if (this.stdinHandler) this.stdinHandler(data);
    else this.stdinQueue.push(data);
  }

  onClose(fn: () => void): void {
    this.ws.on('close', fn);
  }

  get open(): boolean {
    return this.ws.isOpen;
  }

  /** Writes to a channel; false when the client is slow (wait with drained()). */
  write(channel: number, data: Buffer): boolean {
    return this.ws.send(Buffer.concat([Buffer.from([channel]), data]));
  }

  pauseStdin(): void {
    this.ws.socket.pause();
  }

  resumeStdin(): void {
    this.ws.socket.resume();
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.ws.off('drain', done);
        this.ws.off('close', done);
        resolve();
      };
      this.ws.on('drain', done);
      this.ws.on('close', done);
    });
  }

  /** Sends the one Status on the error channel and closes (kubectl rejects a second Status). */
  finish(status: ChannelStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.write(CHANNEL_ERROR, Buffer.from(JSON.stringify({ metadata: {}, ...status })));
    this.ws.close(1000);
  }

  private onMessage(data: Buffer): void {
    if (data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    switch (channel) {
      case CHANNEL_STDIN:
        if (payload.length) this.stdin(Buffer.from(payload));
        return;
      case CHANNEL_RESIZE:
        // One JSON object per message (client-go sends a trailing newline).
        this.resizes.push(payload.toString('utf8'));
        return;
      case CHANNEL_CLOSE:
        // v5: [255, n] closes the client's stream n; only stdin is the client's to close.
        if (this.v5 && payload[0] === CHANNEL_STDIN) this.stdin(null);
        return;
      default:
        return;
    }
  }
}

async function runSession(ch: CommandStreams, session: Session, what: { namespace: string; name: string; verb: string }): Promise<void> {
  try {
    const status = await session(ch);
    ch.finish(status);
  } catch (e) {
    logger.warn('pod stream failed', { ...what, error: e instanceof Error ? e.message : String(e) });
    ch.finish({ status: 'Failure', reason: 'InternalError', message: e instanceof Error ? e.message : String(e) });
  }
}

type DockerContainer = ReturnType<DockerClient['getContainer']>;

async function runExec(container: DockerContainer, opts: StreamOptions, ch: CommandStreams): Promise<ChannelStatus> {
  const exec = await container.exec({
    Cmd: opts.command,
    AttachStdin: opts.stdin,
    AttachStdout: opts.stdout,
    AttachStderr: opts.stderr,
    Tty: opts.tty,
  });
  const stream = await exec.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty });
  await bridge(stream, opts, ch, (size) => exec.resize({ h: size.Height, w: size.Width }));
  const info = await exec.inspect();
  const code = info.ExitCode ?? 0;
  if (code === 0) return { status: 'Success' };
  // kubelet's remotecommand: exec.CodeExitError → NonZeroExitCode with the code as a cause.
  return {
    status: 'Failure',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
    message: `command terminated with non-zero exit code: error executing command [${opts.command.join(' ')}], exit code ${code}`,
  };
}

async function runAttach(container: DockerContainer, opts: StreamOptions, ch: CommandStreams): Promise<ChannelStatus> {
  // The stream is multiplexed unless the container itself has a tty (its spec.tty).
  const info = await container.inspect();
  const tty = Boolean(info.Config?.Tty);
  const stream = (await container.attach({ stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, hijack: true })) as unknown as Duplex;
  await bridge(stream, { ...opts, tty }, ch, (size) => container.resize({ h: size.Height, w: size.Width }));
  return { status: 'Success' };
}

/**
 * Pipes Docker's hijacked stream and the channels both ways until Docker ends the stream (the
 * process exited) or the client goes away. Docker's stream is multiplexed unless it is a tty.
 */
function bridge(stream: Duplex, opts: StreamOptions, ch: CommandStreams, resize: (size: TerminalSize) => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const frames = new DockerFrameReader();
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    const forward = (channel: typeof CHANNEL_STDOUT | typeof CHANNEL_STDERR, data: Buffer) => {
      if (channel === CHANNEL_STDERR && !opts.stderr) return;
      if (channel === CHANNEL_STDOUT && !opts.stdout) return;
      if (!ch.write(channel, data)) {
        stream.pause();
        void ch.drained().then(() => stream.resume());
      }
    };
    stream.on('data', (chunk: Buffer) => {
      if (opts.tty) return forward(CHANNEL_STDOUT, chunk);
      // 0 stdin (written back by a tty-less exec never happens), 1 stdout, 2 stderr.
      frames.push(chunk, (type, payload) => forward(type === 2 ? CHANNEL_STDERR : CHANNEL_STDOUT, payload));
    });
    stream.on('end', () => done());
    stream.on('close', () => done());
    stream.on('error', (e: Error) => done(e));
    ch.onStdin((data) => {
      if (!opts.stdin) return;
      if (data === null) stream.end();
      else if (!stream.write(data)) {
        // Docker reads slower than the client sends (kubectl cp): stop reading the client.
        ch.pauseStdin();
        stream.once('drain', () => ch.resumeStdin());
      }
    });
    ch.onResize((size) => {
      // Docker refuses a resize once the process has exited; the stream's end reports that.
      resize(size).catch(() => undefined);
    });
    ch.onClose(() => {
      // The client is gone: nobody reads the rest, and a Status has nowhere to go.
      stream.destroy();
      done();
    });
  });
}
