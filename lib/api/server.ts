// `kubeshim serve`: the HTTPS API server. Assembles storage, the resource registry, the generic
// store, authentication and the REST surface, and serves discovery, OpenAPI, health and /version.
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { ApiError, unauthorized } from './errors.js';
import { aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery.js';
import { parseResourcePath, RestHandler, notFoundPath, type SubresourceHandler } from './rest-handler.js';
import { sendObject, sendStatus } from './respond.js';
import { Authenticator, isPublicPath } from '../auth/authenticator.js';
import { loadOrCreatePki, issueClientCert } from '../auth/pki.js';
import { ServiceAccountTokens } from '../auth/service-account-token.js';
import { tokenRequestHandler } from './token-request.js';
import { podEvictionHandler } from './pod-eviction.js';
import { renderKubeconfig, writeKubeconfig } from '../auth/kubeconfig.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import { DEFAULTS } from '../config/cluster-config.js';
import { GenericStore, type UserInfo } from '../registry/generic-store.js';
import { ResourceRegistry } from '../registry/resource-registry.js';
import { builtinResources } from '../registry/builtin.js';
import { reviewResources } from './reviews.js';
import { metricsResources, serveMetrics, METRICS_GROUP } from './metrics.js';
import { createStore } from '../storage/index.js';
import { startCompactor } from '../storage/compactor.js';
import type { Store } from '../storage/store.js';
import { logger } from '../log.js';
import { buildDeps } from './wiring.js';
import { namespaceLifecycle, bootstrapNamespaces, deferNamespaceDelete } from '../registry/namespace-lifecycle.js';
import { installServiceAllocator } from '../registry/service-allocation.js';
import { NamespaceController } from '../controllers/namespace.js';
import { CustomResourceDefinitionController, deferCrdDelete } from '../controllers/customresourcedefinition.js';
import { NodeManager } from '../nodes/node-manager.js';
import { podLogHandler } from './pod-log.js';
import { handlePodUpgrade } from './pod-exec.js';
import { handlePodPortForward } from './pod-portforward.js';
import type { Duplex } from 'node:stream';

import { KUBERNETES_VERSION } from './version.js';
export { KUBERNETES_VERSION };

export interface ServeOptions {
  dataDir: string;
  listen?: string;
  config?: ClusterConfig;
  /** Node status/Lease interval (tests shorten it). */
  nodeHeartbeatMs?: number;
  /** Usage sampling interval for metrics.k8s.io (tests shorten it). */
  metricsIntervalMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  store: Store;
  generic: GenericStore;
  registry: ResourceRegistry;
  nodes: NodeManager;
  close(): Promise<void>;
}

function splitHostPort(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen must be ADDR:PORT, got ${JSON.stringify(listen)}`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const config = opts.config ?? {};
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const { host, port } = splitHostPort(opts.listen ?? config.listen ?? DEFAULTS.listen);
  const pki = await loadOrCreatePki(opts.dataDir, [host, ...(config.apiServerSANs ?? [])]);

  const store = createStore(config.storage, opts.dataDir);
  await store.start();
  const registry = new ResourceRegistry([...builtinResources(), ...reviewResources(), ...metricsResources()]);
  const generic = new GenericStore(store);
  const lifecycle = namespaceLifecycle(generic, registry);
  generic.addAdmission(lifecycle);
  const nsType = registry.lookup('', 'v1', 'namespaces');
  if (nsType) nsType.deferDelete = deferNamespaceDelete;
  await bootstrapNamespaces(generic, registry);
  await installServiceAllocator(generic, registry, config.serviceCIDR ?? DEFAULTS.serviceCIDR);
  const compactor = startCompactor(store, {});

  const saTokens = ServiceAccountTokens.load(opts.dataDir);
  const subresourceHandlers = new Map<string, SubresourceHandler>([
    ['/serviceaccounts/token', tokenRequestHandler(saTokens)],
    ['/pods/eviction', podEvictionHandler()],
  ]);
  const deps = buildDeps(registry, generic, subresourceHandlers);
  const rest = new RestHandler(deps);
  const openapi = deps.openapi;
  const saType = registry.lookup('', 'v1', 'serviceaccounts');
  const authn = new Authenticator(config.tokenFile, saTokens, async (ns, name) => {
    if (!saType) return undefined;
    try {
      return { uid: (await generic.get(saType, ns, name)).metadata.uid };
    } catch {
      return undefined; // deleted (or never existed): the token no longer authenticates
    }
  });
  const namespaceController = new NamespaceController(generic, registry);
  namespaceController.start();
  const crdType = registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  let crdController: CustomResourceDefinitionController | undefined;
  if (crdType) {
    crdType.deferDelete = deferCrdDelete;
    crdController = new CustomResourceDefinitionController(generic, registry, crdType);
    await crdController.start();
  }
  registry.onChange(() => openapi.invalidate());

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res) => handle(req, res));
  const handle = (req: IncomingMessage, res: ServerResponse) => void dispatch(req, res).catch((e) => sendStatus(req, res, e));
  // Resource requests (the write and read hot paths) skip Express's per-request router setup
  // and prototype swaps, about 7 % of a create's CPU; everything else goes through the app.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const u = req.url ?? '';
    if (u.startsWith('/api/') || u.startsWith('/apis/')) handle(req, res);
    else app(req, res);
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname;
    const user = await authn.authenticate(req);
    if (!user && !isPublicPath(path)) throw unauthorized();
    if (path === '/version' || path === '/version/') {
      return sendObject(req, res, 200, {
        ...KUBERNETES_VERSION,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-11-23T00:00:00Z',
        goVersion: 'go1.24.0',
        compiler: 'gc',
        platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      });
    }
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) return health(req, res, path, url.searchParams);
    if (path.startsWith('/openapi/') || path === '/swagger.json') {
      if (openapi.handle(req, res)) return;
      throw notFoundPath();
    }
    const segs = path.split('/').filter((s, i) => i > 0 && s !== '').map(decodeURIComponent);
    if (segs[0] === 'api') {
      if (segs.length === 1) {
        const agg = wantsAggregated(req.headers.accept);
        if (agg) return sendAggregated(req, res, aggregatedDiscovery(registry.all(), true, agg), agg);
        return sendObject(req, res, 200, apiVersions(req.headers.host ?? `${host}:${port}`));
      }
      if (segs[1] !== 'v1') throw notFoundPath();
      if (segs.length === 2) return sendObject(req, res, 200, apiResourceList(registry.all(), '', 'v1'));
      const info = parseResourcePath('', 'v1', segs.slice(2));
      if (!info) throw notFoundPath();
      return rest.handle(req, res, info, url.searchParams, user!);
    }
    if (segs[0] === 'apis') {
      if (segs.length === 1) {
        const agg = wantsAggregated(req.headers.accept);
        if (agg) return sendAggregated(req, res, aggregatedDiscovery(registry.all(), false, agg), agg);
        return sendObject(req, res, 200, apiGroupList(registry.all()));
      }
      if (segs.length === 2) {
        const g = apiGroupDoc(registry.all(), segs[1]);
        if (!g) throw notFoundPath();
        return sendObject(req, res, 200, g);
      }
      if (segs.length === 3) {
        const list = apiResourceList(registry.all(), segs[1], segs[2]);
        if (!list) throw notFoundPath();
        return sendObject(req, res, 200, list);
      }
      if (!registry.hasGroupVersion(segs[1], segs[2])) throw notFoundPath();
      // Computed from the node collectors, never stored (metrics-server's API, served in-process).
      if (segs[1] === METRICS_GROUP) return serveMetrics(req, res, segs[2], segs.slice(3), url.searchParams, { generic, registry, source: nodeManager });
      const info = parseResourcePath(segs[1], segs[2], segs.slice(3));
      if (!info) throw notFoundPath();
      return rest.handle(req, res, info, url.searchParams, user!);
    }
    if (path === '/') {
      return sendObject(req, res, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
    }
    throw notFoundPath();
  }

  function sendAggregated(req: IncomingMessage, res: ServerResponse, doc: unknown, v: 'v2' | 'v2beta1') {
    res.statusCode = 200;
    // kubectl decides the format from the response Content-Type alone (KUBECTL-WIRE.md §1).
    res.setHeader('Content-Type', `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
    res.setHeader('Cache-Control', 'no-cache, private');
    res.end(JSON.stringify(doc));
  }

  async function health(req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams) {
    const checks: Array<[string, () => Promise<void>]> = [
      ['ping', async () => {}],
      ['etcd', async () => void (await store.currentRevision())],
    ];
    const sub = path.split('/')[2];
    const selected = sub ? checks.filter(([n]) => n === sub) : checks;
    if (sub && !selected.length) throw notFoundPath();
    const lines: string[] = [];
    let ok = true;
    for (const [name, fn] of selected) {
      try {
        await fn();
        lines.push(`[+]${name} ok`);
      } catch {
        ok = false;
        lines.push(`[-]${name} failed: reason withheld`);
      }
    }
    res.statusCode = ok ? 200 : 500;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (q.has('verbose') || !ok) res.end(lines.join('\n') + `\n${path.split('/')[1]} check ${ok ? 'passed' : 'failed'}\n`);
    else res.end('ok');
  }

  const server: Server = createHttpsServer(
    {
      key: pki.serving.keyPem,
      cert: pki.serving.certPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    onRequest,
  );
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as { port: number }).port;
  const connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `https://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${actualPort}`;
  // The hosts of the cluster file become Nodes once the API serves (their agents use it).
  const nodeManager = new NodeManager(generic, registry, { clusterCIDR: config.clusterCIDR ?? DEFAULTS.clusterCIDR, heartbeatMs: opts.nodeHeartbeatMs, metricsIntervalMs: opts.metricsIntervalMs, tokens: saTokens });
  subresourceHandlers.set('/pods/log', podLogHandler(nodeManager));
  // exec/attach/portforward arrive as HTTP upgrades (WebSocket or SPDY/3.1), authenticated like every request.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (code: number, status: unknown) => {
      const body = JSON.stringify(status);
      socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    void (async () => {
      const user = await authn.authenticate(req);
      if (!user) return refuse(401, unauthorized().status);
      const ctx = { user, generic, registry, nodes: nodeManager };
      if (!(await handlePodUpgrade(req, socket, head, ctx)) && !(await handlePodPortForward(req, socket, head, ctx))) refuse(404, notFoundPath().status);
    })().catch((e) => {
      logger.warn('upgrade failed', { path: (req.url ?? '').split('?')[0], error: e instanceof Error ? e.message : String(e) });
      socket.destroy();
    });
  });
  await Promise.all((config.nodes ?? []).map((n) => nodeManager.add(n)));
  // Hosts added at run time (`kubeshim node add`) are endpoint Secrets in kube-system.
  await nodeManager.watchEndpoints();
  const admin = await issueClientCert(pki.ca, 'kubeshim-admin', ['system:masters']);
  const kubeconfigPath = join(opts.dataDir, 'admin.kubeconfig');
  writeKubeconfig(kubeconfigPath, renderKubeconfig({ server: url, caPem: pki.ca.certPem, client: admin }));
  logger.info('serving', { url, dataDir: opts.dataDir, storage: config.storage?.backend ?? (config.storage?.etcd ? 'etcd' : 'sqlite') });

  return {
    url,
    port: actualPort,
    kubeconfigPath,
    store,
    generic,
    registry,
    nodes: nodeManager,
    async close() {
      await nodeManager.stop();
      namespaceController.stop();
      lifecycle.stop();
      crdController?.stop();
      generic.watchCache.close();
      compactor.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}

export type { UserInfo, ApiError };
