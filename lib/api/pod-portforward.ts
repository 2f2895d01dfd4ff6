// `kubectl port-forward`: the pods/portforward subresource. kubectl 1.31+ opens a WebSocket with the
// subprotocol "SPDY/3.1+portforward.k8s.io" and tunnels SPDY/3.1 frames in binary messages
// (client-go tools/portforward/tunneling_dialer.go; kube-apiserver util/proxy/streamtunnel.go);
// older kubectl, and 1.31+ when the tunnel fails or KUBECTL_PORT_FORWARD_WEBSOCKETS=false, POSTs an
// `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`. Either way, each local
// connection becomes a pair of streams (error and data, headers streamType/port/requestID), served
// as the kubelet does (pkg/kubelet/cri/streaming/portforward/httpstream.go): the data stream is
// joined to a TCP connection made from the pod's host (SSH direct-tcpip) to the pod IP and port.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, internalError } from './errors.js';
import { acceptWebSocket, isWebSocketRequest } from './websocket.js';
import {
  WEBSOCKET_SPDY_TUNNEL_PREFIX,
  acceptSpdy,
  isSpdyUpgradeRequest,
  negotiateStreamProtocol,
  spdyOverWebSocket,
  type SpdySession,
  type SpdyStream,
} from './spdy.js';
import { PlainError, rejectUpgradeWith, type PodUpgradeContext } from './pod-exec.js';
import type { KObject } from '../registry/resource-type.js';
import { CONTAINER_LABELS, type DockerClient, type HostConnection } from '../nodes/types.js';
import { logger } from '../log.js';

/** apimachinery util/portforward: the one port-forward protocol. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** kubelet's default stream creation timeout: both streams of a pair must arrive within it. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** After one direction of a forwarded connection ends, how long the other may go on (containerd's portForward). */
const HALF_CLOSED_GRACE_MS = 1_000;

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;

/** Where a pod's ports are reached from its host. */
interface ForwardTarget {
  connection: HostConnection;
  /** The pod IP, or 127.0.0.1 for a hostNetwork pod (its ports are the host's). */
  address: string;
  /** The sandbox (infra container) id: the kubelet names the pod by it in its errors. */
  sandboxId: string;
}

/** Handles an upgrade for pods/{name}/portforward; false when the path is another one. */
export async function handlePodPortForward(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: PodUpgradeContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'https://kubeshim');
  const m = PATH.exec(url.pathname);
  if (!m) return false;
  let namespace: string, name: string;
  try {
    [namespace, name] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
  } catch {
    // A malformed %-escape is not a path this server serves.
    return false;
  }
  socket.on('error', () => undefined);
  try {
    const target = await locate(ctx, namespace, name);
    const what = { namespace, name };
    if (isWebSocketRequest(req)) {
      // The tunneling handler: only SPDY/3.1+…k8s.io subprotocols, the prefix stripped for negotiation.
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.startsWith(WEBSOCKET_SPDY_TUNNEL_PREFIX) && p.endsWith('.k8s.io'))
        .map((p) => p.slice(WEBSOCKET_SPDY_TUNNEL_PREFIX.length));
      if (offered.length === 0) throw new PlainError(400, 'unable to upgrade: no tunneling spdy protocols provided');
      if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
        throw new PlainError(403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${PORT_FORWARD_PROTOCOL}]`);
      }
      const ws = acceptWebSocket(req, socket, head, WEBSOCKET_SPDY_TUNNEL_PREFIX + PORT_FORWARD_PROTOCOL);
      serveForwarding(spdyOverWebSocket(ws), target, what);
      return true;
    }
    if (!isSpdyUpgradeRequest(req)) throw new PlainError(400, 'unable to upgrade: missing upgrade headers in request');
    const negotiated = negotiateStreamProtocol(req, [PORT_FORWARD_PROTOCOL]);
    if ('code' in negotiated) throw new PlainError(negotiated.code, negotiated.message);
    serveForwarding(acceptSpdy(socket, head, negotiated.protocol), target, what);
  } catch (e) {
    rejectUpgradeWith(socket, e);
  }
  return true;
}

/** The apiserver's checks (strategy.go PortForwardLocation), then the kubelet's: the pod's sandbox on its host. */
async function locate(ctx: PodUpgradeContext, namespace: string, name: string): Promise<ForwardTarget> {
  const podType = ctx.registry.lookup('', 'v1', 'pods');
  if (!podType) throw internalError(new Error('pods are not served'));
  const pod = await ctx.generic.get(podType, namespace, name);
  const nodeName = pod.spec?.nodeName as string | undefined;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const host = ctx.nodes.host(nodeName);
  if (!host) throw new ApiError({ code: 503, reason: 'ServiceUnavailable', message: `node ${nodeName} is not managed by this server` });
  const sandbox = await runningSandbox(host.docker, pod);
  // kubelet GetPortForward: the runtime has no such pod.
  if (!sandbox) throw new PlainError(404, `pod not found ("${name}_${namespace}")`);
  if (pod.spec?.hostNetwork) return { connection: host.connection, address: '127.0.0.1', sandboxId: sandbox.id };
  if (!sandbox.ip) throw new PlainError(500, `pod ${name} has no IP address on node ${nodeName}`);
  return { connection: host.connection, address: sandbox.ip, sandboxId: sandbox.id };
}

async function runningSandbox(docker: DockerClient, pod: KObject): Promise<{ id: string; ip?: string } | undefined> {
  const list = await docker.listContainers({
    all: false,
    filters: JSON.stringify({ label: [`${CONTAINER_LABELS.podUid}=${pod.metadata.uid}`, `${CONTAINER_LABELS.role}=infra`] }),
  });
  const sandbox = list[0];
  if (!sandbox) return undefined;
  const ip = Object.values(sandbox.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
  return { id: sandbox.Id, ip };
}

interface StreamPair {
  requestId: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** httpStreamHandler.run: pairs the client's streams by requestID and forwards each complete pair. */
function serveForwarding(session: SpdySession, target: ForwardTarget, what: { namespace: string; name: string }): void {
  const pairs = new Map<string, StreamPair>();
  const connections = new Set<Duplex>();
  session.on('stream', (stream: SpdyStream) => {
    const invalid = checkStream(stream);
    if (invalid) {
      // httpStreamReceived refuses the stream: apimachinery resets it instead of replying.
      logger.debug('port-forward stream refused', { ...what, reason: invalid });
      return stream.reset();
    }
    stream.reply();
    const type = stream.header('streamType');
    const requestId = stream.header('requestID') ?? legacyRequestId(stream);
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: StreamPair = {
        requestId,
        timer: setTimeout(() => {
          pairs.delete(requestId);
          printError(created, `(conn=${what.namespace}/${what.name}, request=${requestId}) timed out waiting for streams`);
        }, STREAM_CREATION_TIMEOUT_MS),
      };
      pair = created;
      pairs.set(requestId, pair);
    }
    if ((type === 'error' && pair.error) || (type === 'data' && pair.data)) {
      return printError(pair, `error processing stream for request ${requestId}: ${type} stream already assigned`);
    }
    if (type === 'error') {
      pair.error = stream;
      // The client only reads the error stream (it closes its side at once): drain what it sends.
      stream.resume();
    } else pair.data = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error, target, connections);
    }
  });
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
    for (const c of connections) c.destroy();
  });
}

/** httpStreamReceived's header checks; the reason a stream is refused, if it is. */
function checkStream(stream: SpdyStream): string | undefined {
  const port = stream.header('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535) return `unable to parse "${port}" as a port`;
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = stream.header('streamType');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

/** Clients too old to send requestID: the kubelet pairs consecutive stream ids (error n, data n+2). */
function legacyRequestId(stream: SpdyStream): string {
  return String(stream.header('streamType') === 'data' ? stream.id - 2 : stream.id);
}

function printError(pair: StreamPair, message: string): void {
  if (pair.error && !pair.error.destroyed && pair.error.writable) pair.error.write(message);
}

/**
 * portForward: a TCP connection from the pod's host to the pod's port, joined to the data stream.
 * A failure goes on the error stream, as text; both streams end (FIN) when the connection is over.
 */
async function forward(data: SpdyStream, error: SpdyStream, target: ForwardTarget, connections: Set<Duplex>): Promise<void> {
  const port = Number(data.header('port'));
  const done = () => {
    if (!error.destroyed) error.end();
    if (!data.destroyed) data.end();
  };
  let conn: Duplex;
  try {
    conn = await target.connection.openTcp(target.address, port);
  } catch (e) {
    // Upstream's wording, with the runtime's reason (here: why the host could not connect).
    const why = e instanceof Error ? e.message : String(e);
    if (!error.destroyed) error.write(`error forwarding port ${port} to pod ${target.sandboxId}, uid : ${why}`);
    return done();
  }
  if (data.destroyed) return void conn.destroy();
  connections.add(conn);
  let grace: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(grace);
    connections.delete(conn);
    conn.destroy();
    done();
  };
  // One direction over: the other gets a moment to finish, then both streams end.
  const oneWayDone = () => {
    if (!grace) grace = setTimeout(finish, HALF_CLOSED_GRACE_MS);
  };
  conn.on('error', () => finish());
  conn.on('close', finish);
  // Pod → client. The client's reading is the backpressure.
  conn.on('data', (chunk: Buffer) => {
    if (!data.write(chunk)) {
      conn.pause();
      data.once('drain', () => conn.resume());
    }
  });
  conn.on('end', () => {
    // The pod closed its side: FIN on the data stream, and on the error stream too, since no error
    // can follow (client-go closes the local connection only once the error stream has ended).
    done();
    oneWayDone();
  });
  // Client → pod.
  data.on('data', (chunk: Buffer) => {
    if (!conn.write(chunk)) {
      data.pause();
      conn.once('drain', () => data.resume());
    }
  });
  data.on('end', () => {
    conn.end();
    oneWayDone();
  });
  // The client reset the stream or went away: the connection goes too.
  data.on('close', () => {
    if (data.resetByPeer || !data.writableFinished) finish();
  });
}
