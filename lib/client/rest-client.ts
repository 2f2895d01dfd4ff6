// A small Kubernetes REST client for kubeshim's own commands (`kubeshim node add|remove`): it
// reads a kubeconfig as kubectl does (current context; client certificate, bearer token, CA) and
// speaks JSON. Errors carry the server's metav1.Status so callers can print its message.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse as parseYaml } from 'yaml';

export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string | undefined, message: string) {
    super(message);
    this.name = 'StatusError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

function fileOrData(data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(file);
  return undefined;
}

export class RestClient {
  private readonly agent: Agent;
  private readonly base: string;
  private readonly token?: string;

  constructor(kubeconfigPath: string) {
    let kc: J;
    try {
      kc = parseYaml(readFileSync(kubeconfigPath, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read kubeconfig ${kubeconfigPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const ctxName = kc?.['current-context'];
    const ctx = (kc?.contexts ?? []).find((c: J) => c.name === ctxName)?.context ?? kc?.contexts?.[0]?.context;
    const cluster = (kc?.clusters ?? []).find((c: J) => c.name === ctx?.cluster)?.cluster;
    const user = (kc?.users ?? []).find((u: J) => u.name === ctx?.user)?.user ?? {};
    if (!cluster?.server) throw new Error(`kubeconfig ${kubeconfigPath} names no cluster server for its current context`);
    this.base = String(cluster.server).replace(/\/$/, '');
    this.token = user.token;
    this.agent = new Agent({
      keepAlive: true,
      ca: fileOrData(cluster['certificate-authority-data'], cluster['certificate-authority']),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      cert: fileOrData(user['client-certificate-data'], user['client-certificate']),
      key: fileOrData(user['client-key-data'], user['client-key']),
    });
  }

  /** Sends a request; resolves with the decoded body, or rejects with the server's Status. */
  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<J> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string | number> = { Accept: 'application/json', 'User-Agent': 'kubeshim-cli' };
      if (this.token) headers.Authorization = `Bearer ${this.token}`;
      if (data) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': data.length });
      const req = request(this.base + path, { method, agent: this.agent, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: J;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) return resolve(parsed);
          reject(new StatusError(code, parsed?.reason, parsed?.message ?? `${method} ${path}: HTTP ${code} ${text.slice(0, 200)}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30s`)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot reach the API server at ${this.base}: ${e.code ?? e.message}`)));
      req.end(data);
    });
  }

  get(path: string): Promise<J> {
    return this.request('GET', path);
  }

  /** GET that answers undefined for 404. */
  async find(path: string): Promise<J | undefined> {
    try {
      return await this.get(path);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
