// This machine as a node (`local: true`, no SSH): the name and address it gets, and whether
// `kubeshim serve` adds it on its own — when a Docker engine answers here and the cluster file does
// not list this machine already.
import { request } from 'node:http';
import { hostname as osHostname, networkInterfaces, userInfo, type NetworkInterfaceInfo } from 'node:os';
import type { ClusterConfig } from '../config/cluster-config.js';
import { DEFAULT_DOCKER_SOCKET } from './docker-client.js';
import type { DeclaredEndpoint, HostEndpoint } from './types.js';

/** Bridges and veths Docker, kubeshim and CNI plugins make: other machines do not reach us there. */
const VIRTUAL_INTERFACE = /^(docker\d|br-|veth|kubeshim|cni|flannel|virbr)/;

/**
 * This machine's address for the Node's InternalIP: the first non-internal IPv4, preferring real
 * interfaces over container bridges; 127.0.0.1 when there is none.
 */
export function localAddress(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  let bridge: string | undefined;
  for (const [name, addrs] of Object.entries(ifaces)) {
    for (const a of addrs ?? []) {
      // Node 18.0–18.3 reported the family as a number.
      if (a.internal || (a.family !== 'IPv4' && (a.family as unknown) !== 4)) continue;
      if (!VIRTUAL_INTERFACE.test(name)) return a.address;
      bridge ??= a.address;
    }
  }
  return bridge ?? '127.0.0.1';
}

/**
 * A host name as a Node name, as the kubelet derives it (lowercased), made a valid RFC 1123
 * subdomain of at most 63 characters: the name is also the kubernetes.io/hostname label's value.
 */
export function localNodeName(host: string = osHostname()): string {
  const labels = host
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .split('.')
    .map((l) => l.replace(/^-+|-+$/g, ''))
    .filter(Boolean);
  const name = labels.join('.').slice(0, 63).replace(/[.-]+$/, '');
  return name || 'localhost';
}

/** A declared endpoint with its address: a local one without address gets this machine's. */
export function resolveEndpoint(ep: DeclaredEndpoint): HostEndpoint {
  if (ep.address) return ep as HostEndpoint;
  if (!ep.local) throw new Error(`node ${ep.name}: address is required`);
  return { ...ep, address: localAddress() };
}

/** The socket the docker CLI would use here: DOCKER_HOST when it is unix://PATH, else the default. */
export function localDockerSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST?.trim();
  if (host?.startsWith('unix://') && host.length > 'unix://'.length) return host.slice('unix://'.length);
  return DEFAULT_DOCKER_SOCKET;
}

/** GET /_ping on a Docker socket: undefined when the Engine answers, else why not (a few words). */
export function pingDocker(socketPath: string, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? undefined : `GET /_ping answered ${res.statusCode}: ${body.trim().slice(0, 100)}`));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to GET /_ping within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EACCES' || e.code === 'EPERM') {
        let user = 'this user';
        try {
          user = userInfo().username;
        } catch {
          // no passwd entry: keep the generic word
        }
        return resolve(`${e.syscall ?? 'connect'} ${e.code}: permission denied (run as root, or add ${user} to the docker group)`);
      }
      resolve(e.code ? `${e.syscall ?? 'connect'} ${e.code}` : e.message);
    });
    req.end();
  });
}

export type LocalNodeDecision =
  | { add: true; endpoint: DeclaredEndpoint; socket: string }
  | { add: false; reason: 'declared' | 'unavailable'; message: string };

export interface LocalNodeProbe {
  /** This machine's host name (default os.hostname()). */
  hostname?: string;
  /** Whether a Docker socket answers (default pingDocker). */
  ping?: (socketPath: string) => Promise<string | undefined>;
}

/**
 * Whether `kubeshim serve` should add this machine's Docker engine as a node: not when the cluster
 * file already lists this machine (a `local: true` node, or a node named like it), nor when no
 * engine answers on the socket.
 */
export async function localNodeEndpoint(config: ClusterConfig, env: NodeJS.ProcessEnv = process.env, probe: LocalNodeProbe = {}): Promise<LocalNodeDecision> {
  const name = localNodeName(probe.hostname ?? osHostname());
  const nodes = config.nodes ?? [];
  const local = nodes.find((n) => n.local === true);
  if (local) return { add: false, reason: 'declared', message: `the cluster file lists node ${local.name} as this machine (local: true)` };
  if (nodes.some((n) => n.name === name)) return { add: false, reason: 'declared', message: `the cluster file lists a node named ${name}` };
  const socket = localDockerSocket(env);
  const why = await (probe.ping ?? pingDocker)(socket);
  if (why !== undefined) return { add: false, reason: 'unavailable', message: `no local Docker engine found (unix://${socket}: ${why})` };
  return { add: true, socket, endpoint: { name, local: true, dockerSocket: socket } };
}
