// The cluster file (YAML): storage, network CIDRs, API serving options and, for the nodes issue,
// the hosts. Documented in config/README.md with config/cluster.example.yaml.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { StorageConfig } from '../storage/index.js';
import type { DeclaredEndpoint } from '../nodes/types.js';

/** A host of the cluster: the node side's HostEndpoint (lib/nodes/types.ts), as written in the file. */
export type NodeConfig = DeclaredEndpoint;

/** SSH settings, meaningless for this machine's own engine (`local: true`). */
const SSH_FIELDS = ['port', 'user', 'identityFile', 'privateKey', 'hostKey', 'knownHostsFile', 'trustOnFirstUse'];

export interface ClusterConfig {
  /** Address and port the API server listens on (CLI --listen wins). */
  listen?: string;
  /** Extra names/IPs for the serving certificate. */
  apiServerSANs?: string[];
  /** Static bearer tokens file (kube-apiserver --token-auth-file format). */
  tokenFile?: string;
  storage?: StorageConfig;
  clusterCIDR?: string;
  serviceCIDR?: string;
  nodes?: NodeConfig[];
}

export const DEFAULTS = {
  listen: '127.0.0.1:6443',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
};

function isCidr(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** Checks a parsed cluster file; returns one message per problem, naming the field. */
export function validateClusterConfig(c: unknown): string[] {
  const errs: string[] = [];
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return ['the cluster file must be a YAML mapping'];
  const cfg = c as Record<string, unknown>;
  const known = new Set(['listen', 'apiServerSANs', 'tokenFile', 'storage', 'clusterCIDR', 'serviceCIDR', 'nodes']);
  for (const k of Object.keys(cfg)) if (!known.has(k)) errs.push(`unknown field "${k}"`);
  if (cfg.clusterCIDR !== undefined && !isCidr(cfg.clusterCIDR)) errs.push(`clusterCIDR: must be an IPv4 CIDR such as 10.244.0.0/16, got ${JSON.stringify(cfg.clusterCIDR)}`);
  if (cfg.serviceCIDR !== undefined && !isCidr(cfg.serviceCIDR)) errs.push(`serviceCIDR: must be an IPv4 CIDR such as 10.96.0.0/12, got ${JSON.stringify(cfg.serviceCIDR)}`);
  const st = cfg.storage as Record<string, unknown> | undefined;
  if (st !== undefined) {
    if (typeof st !== 'object' || st === null) errs.push('storage: must be a mapping');
    else {
      if (st.backend !== undefined && st.backend !== 'sqlite' && st.backend !== 'etcd') errs.push(`storage.backend: must be "sqlite" or "etcd", got ${JSON.stringify(st.backend)}`);
      const etcd = st.etcd as Record<string, unknown> | undefined;
      if (st.backend === 'etcd' && (!etcd || !Array.isArray(etcd.endpoints) || etcd.endpoints.length === 0)) errs.push('storage.etcd.endpoints: at least one endpoint is required when storage.backend is etcd');
    }
  }
  if (cfg.nodes !== undefined) {
    if (!Array.isArray(cfg.nodes)) errs.push('nodes: must be a list');
    else
      cfg.nodes.forEach((n: Record<string, unknown>, i) => {
        if (!n || typeof n !== 'object') return errs.push(`nodes[${i}]: must be a mapping`);
        const known = new Set(['name', 'address', 'local', ...SSH_FIELDS, 'dockerSocket', 'labels', 'taints']);
        for (const k of Object.keys(n)) if (!known.has(k)) errs.push(`nodes[${i}]: unknown field "${k}"`);
        if (typeof n.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n.name)) errs.push(`nodes[${i}].name: required, a lowercase RFC 1123 subdomain (it becomes the Node's name)`);
        if (n.local !== undefined && typeof n.local !== 'boolean') errs.push(`nodes[${i}].local: must be true or false`);
        if (n.local === true) {
          // This machine: no SSH, so no SSH settings; the address (InternalIP) defaults to this machine's.
          if (n.address !== undefined && (typeof n.address !== 'string' || !n.address)) errs.push(`nodes[${i}].address: must be an address (or left out: this machine's first IPv4 address)`);
          for (const f of SSH_FIELDS) {
            if (n[f] !== undefined) errs.push(`nodes[${i}].${f}: not used with local: true (this machine's Docker engine is reached without SSH); remove it, or remove local`);
          }
          return;
        }
        if (typeof n.address !== 'string' || !n.address) errs.push(`nodes[${i}].address: required`);
        if (n.port !== undefined && !(Number.isInteger(n.port) && (n.port as number) > 0 && (n.port as number) < 65536)) errs.push(`nodes[${i}].port: must be a port number`);
        if (!n.identityFile && !n.privateKey) errs.push(`nodes[${i}].identityFile: required (the SSH private key kubeshim logs in with)`);
        // Host keys are pinned: an unpinned host is refused unless trust-on-first-use is asked for.
        if (!n.hostKey && !n.knownHostsFile && n.trustOnFirstUse !== true) {
          errs.push(`nodes[${i}].hostKey: required (the host's public key, e.g. from ssh-keyscan), or knownHostsFile, or trustOnFirstUse: true`);
        }
      });
  }
  return errs;
}

export function loadClusterConfig(path?: string): ClusterConfig {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (e) {
    throw new Error(`cluster file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const errs = validateClusterConfig(parsed);
  if (errs.length) throw new Error(`cluster file ${path} is invalid:\n  - ${errs.join('\n  - ')}`);
  return parsed as ClusterConfig;
}
