// The `kubeshim` command line.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadClusterConfig } from './config/cluster-config.js';
import { serve } from './api/server.js';

const USAGE = `Usage:
  kubeshim serve [--config FILE] [--data-dir DIR] [--listen ADDR:PORT]
      Runs the control plane: HTTPS API server with embedded SQLite (or etcd, per the cluster file).
      Writes an admin kubeconfig to DIR/admin.kubeconfig.
  kubeshim version
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === 'version') {
    const { KUBERNETES_VERSION } = await import('./api/server.js');
    process.stdout.write(`kubeshim 0.1.0 (Kubernetes API ${KUBERNETES_VERSION.gitVersion})\n`);
    return 0;
  }
  if (cmd === 'serve') {
    const { values } = parseArgs({
      args: rest,
      options: { config: { type: 'string' }, 'data-dir': { type: 'string' }, listen: { type: 'string' } },
      strict: true,
    });
    const config = loadClusterConfig(values.config);
    const dataDir = resolve(values['data-dir'] ?? '.data');
    const server = await serve({ dataDir, listen: values.listen, config });
    process.stdout.write(
      `kubeshim is serving the Kubernetes API at ${server.url}\n` +
        `Admin kubeconfig: ${server.kubeconfigPath}\n\n` +
        `  export KUBECONFIG=${server.kubeconfigPath}\n  kubectl get namespaces\n\n`,
    );
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await server.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    return new Promise<number>(() => {});
  }
  process.stderr.write(`kubeshim: unknown command "${cmd}"\n${USAGE}`);
  return 2;
}
