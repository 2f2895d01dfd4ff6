// Nodes added at run time (`kubeshim node add`) live in the API, so every server instance sees
// them and they survive restarts: one Secret per host in kube-system, of the standard type
// kubernetes.io/ssh-auth (the private key under `ssh-privatekey`), with the rest of the host's
// endpoint as JSON beside it. The host key is always pinned there: the CLI verified it (or learnt it
// on first use) before storing anything.
//
// Removal is a deletion of that Secret: its finalizer keeps it until the server that manages the
// host has stopped the node's workers, cleaned the host and deleted the Node and Lease — the same
// pattern upstream uses for cleanup that must outlive the request (namespace finalizers).
import type { KObject } from '../registry/resource-type.js';
import type { HostEndpoint } from './types.js';
import { validateClusterConfig } from '../config/cluster-config.js';

export const ENDPOINT_NAMESPACE = 'kube-system';
/** Label on endpoint Secrets; its value is the node name. */
export const ENDPOINT_LABEL = 'kubeshim.io/node-endpoint';
export const HOST_CLEANUP_FINALIZER = 'kubeshim.io/host-cleanup';
/** Set by `node remove --force`: an unreachable host does not hold the removal up. */
export const FORCE_REMOVE_ANNOTATION = 'kubeshim.io/force-remove';
/** What stopped the last cleanup attempt, for the CLI to report while it waits. */
export const REMOVAL_ERROR_ANNOTATION = 'kubeshim.io/removal-error';
export const ENDPOINT_KEY = 'endpoint.json';
export const PRIVATE_KEY_KEY = 'ssh-privatekey';

export function endpointSecretName(node: string): string {
  return `kubeshim-node-${node}`;
}

/** The fields of a HostEndpoint that are stored as JSON (secrets and local paths are not). */
type StoredEndpoint = Omit<HostEndpoint, 'privateKey' | 'identityFile' | 'knownHostsFile' | 'trustOnFirstUse'>;

export function endpointSecret(ep: HostEndpoint, privateKey: string | Buffer): KObject {
  const stored: StoredEndpoint = {
    name: ep.name,
    address: ep.address,
    ...(ep.port !== undefined ? { port: ep.port } : {}),
    ...(ep.user !== undefined ? { user: ep.user } : {}),
    hostKey: ep.hostKey,
    ...(ep.dockerSocket !== undefined ? { dockerSocket: ep.dockerSocket } : {}),
    ...(ep.labels && Object.keys(ep.labels).length ? { labels: ep.labels } : {}),
    ...(ep.taints?.length ? { taints: ep.taints } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: endpointSecretName(ep.name),
      namespace: ENDPOINT_NAMESPACE,
      labels: { [ENDPOINT_LABEL]: ep.name, 'app.kubernetes.io/managed-by': 'kubeshim' },
      finalizers: [HOST_CLEANUP_FINALIZER],
    },
    type: 'kubernetes.io/ssh-auth',
    data: {
      [PRIVATE_KEY_KEY]: Buffer.from(privateKey).toString('base64'),
      [ENDPOINT_KEY]: Buffer.from(JSON.stringify(stored)).toString('base64'),
    },
  };
}

/** The endpoint a Secret describes, checked with the cluster file's rules; throws naming the problem. */
export function endpointFromSecret(secret: KObject): HostEndpoint {
  const where = `secret ${secret.metadata.namespace}/${secret.metadata.name}`;
  const raw = secret.data?.[ENDPOINT_KEY];
  const key = secret.data?.[PRIVATE_KEY_KEY];
  if (typeof raw !== 'string' || typeof key !== 'string') throw new Error(`${where}: needs data keys ${ENDPOINT_KEY} and ${PRIVATE_KEY_KEY}`);
  let stored: StoredEndpoint;
  try {
    stored = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch (e) {
    throw new Error(`${where}: ${ENDPOINT_KEY} is not JSON: ${(e as Error).message}`);
  }
  const ep: HostEndpoint = { ...stored, privateKey: Buffer.from(key, 'base64').toString('utf8') };
  // Whoever may write Secrets must not get commands run on the server's own machine this way.
  if (ep.local !== undefined) throw new Error(`${where}: local: a node added at run time is reached over SSH; this machine is declared in the cluster file (local: true)`);
  const errs = validateClusterConfig({ nodes: [ep] }).map((m) => m.replace(/^nodes\[0\]\.?/, ''));
  if (!errs.length && !ep.hostKey) errs.push('hostKey: required');
  if (!errs.length && secret.metadata.name !== endpointSecretName(ep.name)) errs.push(`the secret must be named ${endpointSecretName(ep.name)}`);
  if (errs.length) throw new Error(`${where}: ${errs.join('; ')}`);
  return ep;
}

/** Whether two endpoints reach the same host the same way (a changed Secret restarts the node's pieces). */
export function sameEndpoint(a: HostEndpoint, b: HostEndpoint): boolean {
  const norm = (e: HostEndpoint) => JSON.stringify([e.address, e.port ?? 22, e.user ?? 'root', e.hostKey, e.dockerSocket, e.privateKey, e.labels ?? {}, e.taints ?? []]);
  return norm(a) === norm(b);
}
