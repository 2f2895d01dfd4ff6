// `kubeshim node add` and `kubeshim node remove`: run-time membership, done against a running
// server through its API with an admin kubeconfig (microk8s add-node / remove-node, from the
// control plane). `add` checks the host the way the server will reach it — the same SSH and Docker
// code, so the same one-line causes — and only then stores its endpoint (node-membership.ts);
// `remove` cordons and drains as `kubectl drain` does, then deletes the endpoint, whose finalizer
// lets the server clean the host and delete the Node and Lease before it goes.
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { validateClusterConfig } from '../config/cluster-config.js';
import { RestClient, StatusError } from '../client/rest-client.js';
import { HostFaultError } from './host-fault.js';
import { createHostConnection } from './ssh-connection.js';
import { checkDocker, createDockerClient } from './docker-client.js';
import { decideHostKey, fingerprint, loadHostTrust, preferredHostKeyAlgorithms, blobKeyType } from './host-key.js';
import { ENDPOINT_NAMESPACE, FORCE_REMOVE_ANNOTATION, REMOVAL_ERROR_ANNOTATION, endpointSecret, endpointSecretName } from './node-membership.js';
import { NODE_LEASE_NAMESPACE } from './node-agent.js';
import type { HostEndpoint, HostFault } from './types.js';

/** A failure the CLI prints as one line and exits 1 with. */
export class CommandError extends Error {}

export interface Output {
  out(line: string): void;
  warn(line: string): void;
}

const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
/** Cluster-file field names as the CLI flags that set them. */
const FLAG_OF: Record<string, string> = {
  name: 'NAME',
  address: '--address',
  port: '--port',
  user: '--user',
  identityFile: '--identity-file',
  hostKey: '--host-key',
  knownHostsFile: '--known-hosts',
  trustOnFirstUse: '--trust-on-first-use',
  dockerSocket: '--docker-socket',
};

/** "k=v" labels; "k=v:Effect" or "k:Effect" taints (kubectl taint's syntax). */
export function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new CommandError(`invalid --label ${JSON.stringify(item)}: expected key=value`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

export function parseTaints(items: string[]): NonNullable<HostEndpoint['taints']> {
  return items.map((item) => {
    const m = /^([^=:]+)(?:=([^:]*))?:([A-Za-z]+)$/.exec(item);
    if (!m || !TAINT_EFFECTS.has(m[3])) throw new CommandError(`invalid --taint ${JSON.stringify(item)}: expected key=value:Effect or key:Effect, Effect one of NoSchedule, PreferNoSchedule, NoExecute`);
    return { key: m[1], ...(m[2] ? { value: m[2] } : {}), effect: m[3] };
  });
}

/** The cluster file's rules for a nodes[] entry, with flag names in the messages. */
export function validateEndpoint(ep: HostEndpoint): string[] {
  return validateClusterConfig({ nodes: [ep] }).map((msg) =>
    msg.replace(/^nodes\[0\](?:\.(\w+))?: /, (_, f: string | undefined) => (f ? `${FLAG_OF[f] ?? f}: ` : '')).replace(/\b(hostKey|knownHostsFile|trustOnFirstUse: true|identityFile)\b/g, (w) => FLAG_OF[w.replace(': true', '')] ?? w),
  );
}

function faultLine(node: string, f: HostFault): string {
  return `cannot add node ${node}: ${f.reason}: ${f.message}`;
}

/** The key the host presents (ssh-keyscan's job), negotiated as the real connection will; undefined if unreachable. */
function scanHostKey(ep: HostEndpoint, algorithms: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const client = new Client();
    let key: Buffer | undefined;
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      client.destroy();
      resolve(key);
    };
    client.on('error', done);
    client.on('close', done);
    client.on('ready', done);
    client.connect({
      host: ep.address,
      port: ep.port ?? 22,
      username: ep.user ?? 'root',
      readyTimeout: 10_000,
      algorithms: { serverHostKey: algorithms as never },
      // Refusing here ends the handshake before any authentication is attempted.
      hostVerifier: (k: Buffer) => {
        key = k;
        return false;
      },
    });
  });
}

/** SSH login and Docker check, through the code the server uses; throws a CommandError naming the cause. */
async function preflight(ep: HostEndpoint): Promise<void> {
  const conn = createHostConnection(ep, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
  try {
    await conn.start();
    await checkDocker(createDockerClient(conn, { socketPath: ep.dockerSocket, timeoutMs: 15_000 }));
  } catch (e) {
    const fault = (e as HostFaultError).fault;
    throw new CommandError(fault ? faultLine(ep.name, fault) : `cannot add node ${ep.name}: ${(e as Error).message}`);
  } finally {
    await conn.close();
  }
}

function apiError(e: unknown): never {
  throw new CommandError(e instanceof Error ? e.message : String(e));
}

interface NodeLike {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>; nodeInfo?: { containerRuntimeVersion?: string } };
}

function readyOf(node: NodeLike | undefined) {
  return node?.status?.conditions?.find((c) => c.type === 'Ready');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AddNodeOptions {
  endpoint: HostEndpoint;
  kubeconfig: string;
  /** How long to wait for the Node to turn Ready (default 60 s). */
  waitMs?: number;
}

export async function addNode(opts: AddNodeOptions, io: Output): Promise<void> {
  const ep = opts.endpoint;
  const errs = validateEndpoint(ep);
  if (errs.length) throw new CommandError(errs.join('; '));
  const api = new RestClient(opts.kubeconfig);
  try {
    const secretPath = `/api/v1/namespaces/${ENDPOINT_NAMESPACE}/secrets/${endpointSecretName(ep.name)}`;
    if (await api.find(secretPath).catch(apiError)) throw new CommandError(`node ${ep.name} was already added (secret ${ENDPOINT_NAMESPACE}/${endpointSecretName(ep.name)}); remove it first`);
    if (await api.find(`/api/v1/nodes/${ep.name}`).catch(apiError)) throw new CommandError(`node ${ep.name} already exists`);

    let trust;
    try {
      trust = loadHostTrust(ep);
    } catch (e) {
      throw new CommandError(`${FLAG_OF.hostKey}: ${(e as Error).message}`);
    }
    if (ep.knownHostsFile && !trust.keys.length && !ep.trustOnFirstUse) {
      throw new CommandError(`cannot add node ${ep.name}: HostKeyUnknown: ${ep.knownHostsFile} has no key for ${ep.address}:${ep.port ?? 22}`);
    }
    const presented = await scanHostKey(ep, preferredHostKeyAlgorithms(trust.keys));
    let pinned = ep.hostKey;
    if (presented) {
      const d = decideHostKey(ep, trust, presented);
      if (!d.accept) throw new CommandError(faultLine(ep.name, d.fault));
      pinned = `${blobKeyType(presented)} ${presented.toString('base64')}`;
      if (d.learned) io.warn(`accepted host key ${d.learned.type} ${fingerprint(presented)} of ${ep.address}:${ep.port ?? 22} on first use; it is pinned from now on`);
    }
    // The stored endpoint pins the key verified here, whichever way it was trusted.
    const stored: HostEndpoint = { ...ep, hostKey: pinned, knownHostsFile: undefined, trustOnFirstUse: undefined };
    await preflight(presented ? stored : ep);

    let privateKey: Buffer;
    try {
      privateKey = readFileSync(ep.identityFile!);
    } catch (e) {
      throw new CommandError(`${FLAG_OF.identityFile}: cannot read ${ep.identityFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    await api.request('POST', `/api/v1/namespaces/${ENDPOINT_NAMESPACE}/secrets`, endpointSecret(stored, privateKey)).catch(apiError);

    const deadline = Date.now() + (opts.waitMs ?? 60_000);
    let node: NodeLike | undefined;
    while (Date.now() < deadline) {
      node = await api.find(`/api/v1/nodes/${ep.name}`).catch(() => undefined);
      if (readyOf(node)?.status === 'True') break;
      await sleep(500);
    }
    const ready = readyOf(node);
    if (ready?.status !== 'True') {
      const why = ready ? `${ready.reason ?? 'NotReady'}: ${ready.message ?? ''}` : 'no server registered it (is `kubeshim serve` running with this data?)';
      throw new CommandError(`node ${ep.name} was added but is not Ready after ${Math.round((opts.waitMs ?? 60_000) / 1000)}s: ${why}`);
    }
    io.out(`node/${ep.name} added (${ep.address}, ${node?.status?.nodeInfo?.containerRuntimeVersion ?? 'docker'}): Ready`);
  } finally {
    api.close();
  }
}

export interface RemoveNodeOptions {
  name: string;
  kubeconfig: string;
  force?: boolean;
  /** Bound on the drain and on the server's cleanup (default 180 s). */
  timeoutMs?: number;
}

interface PodLike {
  metadata: { name: string; namespace: string; uid: string };
  spec?: { terminationGracePeriodSeconds?: number };
}

export async function removeNode(opts: RemoveNodeOptions, io: Output): Promise<void> {
  const { name, force } = opts;
  const api = new RestClient(opts.kubeconfig);
  const timeoutMs = opts.timeoutMs ?? 180_000;
  try {
    const secretPath = `/api/v1/namespaces/${ENDPOINT_NAMESPACE}/secrets/${endpointSecretName(name)}`;
    const secret = await api.find(secretPath).catch(apiError);
    const node = await api.find(`/api/v1/nodes/${name}`).catch(apiError);
    if (!secret) {
      if (!node) throw new CommandError(`node ${name} not found`);
      const lease = await api.find(`/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases/${name}`).catch(() => undefined);
      const renewed = Date.parse(lease?.spec?.renewTime ?? '');
      const live = Number.isFinite(renewed) && Date.now() - renewed < (lease?.spec?.leaseDurationSeconds ?? 40) * 1000;
      if (live) {
        throw new CommandError(
          `node ${name} was not added with "kubeshim node add": a running server manages it from its cluster file (nodes[]); remove it from the file and restart the server, then "kubeshim node remove ${name} --force" deletes the leftover Node`,
        );
      }
      if (!force) throw new CommandError(`node ${name} was not added with "kubeshim node add" and no server manages it (its Lease is not renewed); use --force to delete the Node and its pods (the host is not cleaned)`);
    }

    if (node) {
      await api.request('PATCH', `/api/v1/nodes/${name}`, { spec: { unschedulable: true } }, 'application/merge-patch+json').catch(apiError);
      io.out(`node/${name} cordoned`);
    }
    await drain(api, name, !!force || !secret, timeoutMs, io);
    if (node) io.out(`node/${name} drained`);

    if (!secret) {
      // A leftover Node nobody manages: what the server would do after cleaning, minus the host.
      for (const path of [`/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases/${name}`, `/api/v1/nodes/${name}`]) {
        await api.request('DELETE', path).catch((e) => (e instanceof StatusError && e.code === 404 ? undefined : apiError(e)));
      }
      io.out(`node/${name} removed (the host was not cleaned: no server manages it)`);
      return;
    }
    if (force) await api.request('PATCH', secretPath, { metadata: { annotations: { [FORCE_REMOVE_ANNOTATION]: 'true' } } }, 'application/merge-patch+json').catch(apiError);
    await api.request('DELETE', secretPath).catch((e) => (e instanceof StatusError && e.code === 404 ? undefined : apiError(e)));
    const deadline = Date.now() + timeoutMs;
    let reported = '';
    for (;;) {
      const s = await api.find(secretPath).catch(apiError);
      if (!s) break;
      const problem = s.metadata?.annotations?.[REMOVAL_ERROR_ANNOTATION] ?? '';
      if (problem && problem !== reported) io.warn(`warning: the server could not clean the host yet: ${problem} (retrying; --force removes the node without cleaning it)`);
      reported = problem;
      if (Date.now() > deadline) {
        throw new CommandError(`the server has not finished removing node ${name} within ${Math.round(timeoutMs / 1000)}s${reported ? `: ${reported}` : ' (is `kubeshim serve` running?)'}`);
      }
      await sleep(500);
    }
    io.out(`node/${name} removed`);
  } finally {
    api.close();
  }
}

/**
 * kubectl drain for a node that is going away: every pod bound to it goes (DaemonSet pods too, as
 * the pod GC would delete them with the Node; emptyDir data lives on the host being wiped), by
 * eviction (PodDisruptionBudgets apply; a 429 is retried, as kubectl drain does), then wait until
 * they are gone. `immediate` deletes with grace 0 instead, budgets or not.
 */
async function drain(api: RestClient, name: string, immediate: boolean, timeoutMs: number, io: Output): Promise<void> {
  const list = async (): Promise<PodLike[]> => (await api.get(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`).catch(apiError)).items ?? [];
  const deadline = Date.now() + timeoutMs;
  const asked = new Set<string>();
  /** Pods a PodDisruptionBudget holds back, by uid: when to ask again (kubectl drain waits 5 s). */
  const retryAt = new Map<string, number>();
  for (;;) {
    const pods = await list();
    if (!pods.length) return;
    if (Date.now() > deadline) throw new CommandError(`node ${name}: pods did not stop within ${Math.round(timeoutMs / 1000)}s: ${pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')} (--force deletes them at once)`);
    for (const pod of pods) {
      const { namespace, name: podName, uid } = pod.metadata;
      if (asked.has(uid) || (retryAt.get(uid) ?? 0) > Date.now()) continue;
      const path = `/api/v1/namespaces/${namespace}/pods/${podName}`;
      try {
        if (!immediate) {
          if (!retryAt.has(uid)) io.out(`evicting pod ${namespace}/${podName}`);
          await api.request('POST', `${path}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName, namespace }, deleteOptions: { preconditions: { uid } } });
          io.out(`pod/${podName} evicted`);
        } else {
          await api.request('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } });
          io.out(`pod/${podName} deleted`);
        }
        asked.add(uid);
      } catch (e) {
        // 429: a PodDisruptionBudget forbids it for now; said as kubectl drain says it, retried in 5 s.
        if (e instanceof StatusError && e.code === 429) {
          io.warn(`error when evicting pods/"${podName}" -n "${namespace}" (will retry after 5s): ${e.message}`);
          retryAt.set(uid, Date.now() + 5000);
          continue;
        }
        if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) apiError(e);
        asked.add(uid);
      }
    }
    await sleep(immediate ? 500 : 1000);
  }
}
