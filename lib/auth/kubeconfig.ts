// Writes kubeconfig files clients use as they use any cluster's.
import { writeFileSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import type { KeyPairPem } from './pki.js';

export function renderKubeconfig(opts: { server: string; caPem: string; client: KeyPairPem; cluster?: string; user?: string }): string {
  const cluster = opts.cluster ?? 'kubeshim';
  const user = opts.user ?? 'kubeshim-admin';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(opts.client.certPem), 'client-key-data': b64(opts.client.keyPem) } }],
    contexts: [{ name: cluster, context: { cluster, user, namespace: 'default' } }],
    'current-context': cluster,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}
