// A kubeshim API server for a suite: in-process, on a free loopback port, with a fresh data dir
// (SQLite by default, or a given cluster config), removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type RunningServer } from '../../lib/api/server.js';
import type { ClusterConfig } from '../../lib/config/cluster-config.js';
import { Kubectl, kubectlPath } from './kubectl.js';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  kubectl(version?: string): Kubectl;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(config: ClusterConfig = {}, opts: { dataDir?: string; nodeHeartbeatMs?: number } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kubeshim-test-'));
  let server = await serve({ dataDir, listen: '127.0.0.1:0', config, nodeHeartbeatMs: opts.nodeHeartbeatMs });
  const cacheDirs: string[] = [];
  const t: TestServer = {
    get server() {
      return server;
    },
    dataDir,
    kubectl(version = '1.32') {
      const cache = mkdtempSync(join(tmpdir(), 'kubeshim-kubectl-'));
      cacheDirs.push(cache);
      return new Kubectl(kubectlPath(version), server.kubeconfigPath, cache);
    },
    async restart() {
      const port = server.port;
      await server.close();
      server = await serve({ dataDir, listen: `127.0.0.1:${port}`, config, nodeHeartbeatMs: opts.nodeHeartbeatMs });
    },
    async stop() {
      await server.close();
      for (const d of cacheDirs) rmSync(d, { recursive: true, force: true });
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
