// Contracts of the node side (issue 3): how kubeshim reaches a host (one SSH connection, Docker's
// Engine API through it) and what the per-node "kubelet" pieces exchange. Implementations:
// ssh-connection.ts, docker-client.ts (transport), node-agent.ts (Node + Lease), pod-worker.ts (pods).
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type Docker from 'dockerode';

/** How to reach one host: a `nodes[]` entry of the cluster file (config/README.md). */
export interface HostEndpoint {
  /** Node name. */
  name: string;
  address: string;
  /** SSH port, default 22. */
  port?: number;
  /** SSH user, default root. */
  user?: string;
  /** Private key file (checked: must not be readable by group/others). */
  identityFile?: string;
  /** Private key text, instead of identityFile (tests). */
  privateKey?: string;
  /** Pinned host public key, as in known_hosts: "ssh-ed25519 AAAA…" (comment optional). */
  hostKey?: string;
  /** known_hosts file to find the host's key in (by address or [address]:port). */
  knownHostsFile?: string;
  /** Accept and remember an unknown host key (explicit opt-in only). */
  trustOnFirstUse?: boolean;
  /** Docker socket path on the host, default /var/run/docker.sock. */
  dockerSocket?: string;
  /** This machine: Docker socket, commands and TCP connections are local, no SSH (local-connection.ts). */
  local?: boolean;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: string }>;
}

/**
 * A HostEndpoint as declared in the cluster file: a local one may leave `address` out (it then
 * defaults to this machine's address, local-node.ts resolveEndpoint).
 */
export type DeclaredEndpoint = Omit<HostEndpoint, 'address'> & { address?: string };

/**
 * Why a host is not usable, as Node conditions and the CLI report it (one line, naming the cause).
 * `reason` is a CamelCase word for the Ready condition's reason.
 */
export interface HostFault {
  reason:
    | 'HostUnreachable'
    | 'HostKeyMismatch'
    | 'HostKeyUnknown'
    | 'SSHAuthenticationFailed'
    | 'SSHForwardingRefused'
    | 'DockerSocketUnavailable'
    | 'DockerVersionTooOld'
    | 'DockerUnreachable';
  message: string;
}

export type ConnectionState = 'connecting' | 'ready' | 'down' | 'closed';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One multiplexed SSH connection to a host, kept up with keepalives and reconnected with backoff
 * (or, for this machine, local processes and sockets: local-connection.ts).
 * Events: 'ready' (connected and verified), 'down' (HostFault), 'closed'.
 */
export interface HostConnection extends EventEmitter {
  readonly endpoint: HostEndpoint;
  readonly state: ConnectionState;
  /** The last fault while not ready. */
  readonly fault?: HostFault;
  /** Connects (and keeps reconnecting until close()). Resolves on the first 'ready' or rejects with the first fault as an Error carrying `.fault`. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Runs a command on the host (bounded by timeoutMs, default 30 s). */
  exec(command: string, opts?: { timeoutMs?: number; signal?: AbortSignal; stdin?: string | Buffer }): Promise<ExecResult>;
  /** A stream to a unix socket on the host (ssh2 openssh_forwardOutStreamLocal). */
  openStreamLocal(socketPath: string): Promise<Duplex>;
  /** A stream to a TCP port reachable from the host (direct-tcpip), e.g. a pod IP for port-forward. */
  openTcp(host: string, port: number): Promise<Duplex>;
  /** Round-trip time of the last keepalive, ms. */
  readonly rttMs?: number;
}

/** Docker Engine API client (dockerode) over a HostConnection, pinned to an API version (default 1.26). */
export type DockerClient = Docker;

/** Labels kubeshim puts on every container it creates, so a restarted control plane adopts them. */
export const CONTAINER_LABELS = {
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  restartCount: 'io.kubernetes.container.restartCount',
  /** "infra" for the pod sandbox container, "app" or "init" otherwise. */
  role: 'io.kubeshim.role',
  /** The node (cluster) that owns the container. */
  node: 'io.kubeshim.node',
} as const;

/** Engine API version every call is pinned to: Docker 1.13 (CentOS 7). */
export const DOCKER_API_VERSION = '1.26';

/** Duplex used as the transport for a Docker client (kept for typing helpers). */
export type StreamFactory = () => Promise<Duplex>;
