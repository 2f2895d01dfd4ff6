// The `kubeshim` command line.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadClusterConfig } from './config/cluster-config.js';
import { serve } from './api/server.js';
import { localNodeEndpoint } from './nodes/local-node.js';

const USAGE = `Usage:
  kubeshim serve [--config FILE] [--data-dir DIR] [--listen ADDR:PORT] [--no-local-node]
      Runs the control plane: HTTPS API server with embedded SQLite (or etcd, per the cluster file).
      Writes an admin kubeconfig to DIR/admin.kubeconfig. When a Docker engine answers on this
      machine ($DOCKER_HOST if unix://PATH, else /var/run/docker.sock) and the cluster file does not
      list this machine (local: true, or a node of its host name), it becomes a node named after the
      host; --no-local-node leaves it out.
  kubeshim node add NAME --address ADDR [--port 22] [--user root] --identity-file FILE
      (--host-key 'ssh-ed25519 AAAA…' | --known-hosts FILE | --trust-on-first-use)
      [--docker-socket PATH] [--label k=v]… [--taint k=v:Effect]… [--kubeconfig FILE] [--data-dir DIR]
      Checks the host (SSH login with the pinned host key, Docker Engine API 1.26), stores it in the
      running server's API and waits for its Node to be Ready.
  kubeshim node remove NAME [--force] [--kubeconfig FILE] [--data-dir DIR]
      Cordons and drains the node, then the server removes what kubeshim put on the host and deletes
      the Node. --force: delete pods at once and do not wait for an unreachable host.
      The kubeconfig defaults to $KUBECONFIG, else DIR/admin.kubeconfig (DIR defaults to .data).
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
      options: { config: { type: 'string' }, 'data-dir': { type: 'string' }, listen: { type: 'string' }, 'no-local-node': { type: 'boolean' } },
      strict: true,
    });
    const config = loadClusterConfig(values.config);
    const dataDir = resolve(values['data-dir'] ?? '.data');
    // This machine's Docker engine as a node, unless asked not to or the cluster file lists it.
    let localLine = '';
    if (!values['no-local-node']) {
      const local = await localNodeEndpoint(config);
      if (local.add) {
        config.nodes = [...(config.nodes ?? []), local.endpoint];
        localLine = `Node ${local.endpoint.name}: this machine's Docker engine (unix://${local.socket})\n`;
      } else if (local.reason === 'unavailable') {
        localLine = `${local.message[0].toUpperCase()}${local.message.slice(1)}; add Docker hosts as nodes with "kubeshim node add" or nodes[] in the cluster file (config/README.md)\n`;
      }
    }
    const server = await serve({ dataDir, listen: values.listen, config });
    process.stdout.write(
      `kubeshim is serving the Kubernetes API at ${server.url}\n` +
        `Admin kubeconfig: ${server.kubeconfigPath}\n` +
        localLine +
        `\n  export KUBECONFIG=${server.kubeconfigPath}\n  kubectl get namespaces\n\n`,
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
  if (cmd === 'node') return nodeCommand(rest);
  process.stderr.write(`kubeshim: unknown command "${cmd}"\n${USAGE}`);
  return 2;
}

/** The admin kubeconfig: --kubeconfig, else $KUBECONFIG (its first file), else DATA_DIR/admin.kubeconfig. */
function kubeconfigPath(flag: string | undefined, dataDir: string | undefined): string {
  if (flag) return resolve(flag);
  const env = process.env.KUBECONFIG?.split(':').find(Boolean);
  if (env && !dataDir) return resolve(env);
  return resolve(dataDir ?? '.data', 'admin.kubeconfig');
}

async function nodeCommand(argv: string[]): Promise<number> {
  const { addNode, removeNode, parseLabels, parseTaints, CommandError } = await import('./nodes/node-commands.js');
  const io = { out: (l: string) => void process.stdout.write(l + '\n'), warn: (l: string) => void process.stderr.write(l + '\n') };
  const [sub, ...args] = argv;
  try {
    if (sub === 'add') {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          address: { type: 'string' },
          port: { type: 'string' },
          user: { type: 'string' },
          'identity-file': { type: 'string' },
          'host-key': { type: 'string' },
          'known-hosts': { type: 'string' },
          'trust-on-first-use': { type: 'boolean' },
          'docker-socket': { type: 'string' },
          label: { type: 'string', multiple: true },
          taint: { type: 'string', multiple: true },
          kubeconfig: { type: 'string' },
          'data-dir': { type: 'string' },
        },
      });
      if (positionals.length !== 1) throw new CommandError('kubeshim node add needs exactly one NAME');
      const port = values.port === undefined ? undefined : Number(values.port);
      const labels = parseLabels(values.label ?? []);
      const taints = parseTaints(values.taint ?? []);
      await addNode(
        {
          kubeconfig: kubeconfigPath(values.kubeconfig, values['data-dir']),
          endpoint: {
            name: positionals[0],
            address: values.address ?? '',
            ...(port !== undefined ? { port } : {}),
            ...(values.user ? { user: values.user } : {}),
            ...(values['identity-file'] ? { identityFile: resolve(values['identity-file']) } : {}),
            ...(values['host-key'] ? { hostKey: values['host-key'] } : {}),
            ...(values['known-hosts'] ? { knownHostsFile: resolve(values['known-hosts']) } : {}),
            ...(values['trust-on-first-use'] ? { trustOnFirstUse: true } : {}),
            ...(values['docker-socket'] ? { dockerSocket: values['docker-socket'] } : {}),
            ...(Object.keys(labels).length ? { labels } : {}),
            ...(taints.length ? { taints } : {}),
          },
        },
        io,
      );
      return 0;
    }
    if (sub === 'remove') {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: { force: { type: 'boolean' }, kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' } },
      });
      if (positionals.length !== 1) throw new CommandError('kubeshim node remove needs exactly one NAME');
      await removeNode({ name: positionals[0], force: values.force, kubeconfig: kubeconfigPath(values.kubeconfig, values['data-dir']) }, io);
      return 0;
    }
    process.stderr.write(`kubeshim: unknown command "node ${sub ?? ''}"\n${USAGE}`);
    return 2;
  } catch (e) {
    // One line, naming the cause (parseArgs' own errors included).
    process.stderr.write(`error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
    return 1;
  }
}
