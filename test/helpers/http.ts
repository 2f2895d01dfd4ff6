// A raw HTTPS client authenticated with a kubeconfig's client certificate: for suites and
// benchmarks that check the wire itself (status codes, headers, streams).
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';

export interface HttpResponse {
  code: number;
  headers: IncomingHttpHeaders;
  body: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class ApiClient {
  readonly agent: Agent;
  readonly base: string;
  readonly ca: Buffer;

  constructor(kubeconfigPath: string, opts: { maxSockets?: number; anonymous?: boolean } = {}) {
    const kc = parseYaml(readFileSync(kubeconfigPath, 'utf8'));
    const b64 = (s: string) => Buffer.from(s, 'base64');
    this.ca = b64(kc.clusters[0].cluster['certificate-authority-data']);
    this.base = kc.clusters[0].cluster.server;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets ?? 64,
      ca: this.ca,
      ...(opts.anonymous ? {} : { cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']) }),
    });
  }

  request(method: string, path: string, opts: { body?: unknown; raw?: Buffer | string; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const data = opts.raw !== undefined ? Buffer.from(opts.raw) : opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
      const headers: Record<string, string | number> = { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...opts.headers };
      const req = request(this.base + path, { method, agent: this.agent, headers } as RequestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ code: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  /** Opens a watch stream; events arrive through onEvent until close(). */
  watch(path: string, onEvent: (ev: { type: string; object: any }) => void, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; close(): void; ended: Promise<void> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return new Promise((resolve, reject) => {
      const req = request(this.base + path, { method: 'GET', agent: this.agent, headers: { Accept: 'application/json', ...headers } }, (res) => {
        let buf = '';
        const ended = new Promise<void>((r) => res.on('end', () => r()).on('close', () => r()));
        res.on('data', (d) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) onEvent(JSON.parse(line));
          }
        });
        resolve({ res, close: () => req.destroy(), ended });
      });
      req.on('error', (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
