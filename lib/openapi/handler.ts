// Serves the OpenAPI endpoints the way kube-openapi's handlers do (pkg/handler, pkg/handler3):
//   GET /openapi/v3                 discovery: {"paths":{"<gv>":{"serverRelativeURL":"/openapi/v3/<gv>?hash=<ETag>"}}}
//   GET /openapi/v3/<gv>[?hash=H]   one group-version document (JSON); with a matching hash it is
//                                   immutable (Cache-Control: public, immutable); a stale hash → 301
//   GET /openapi/v2, /swagger.json  Swagger 2.0, JSON or gnostic protobuf by Accept
// Every answer carries a quoted upper-case SHA-512 ETag and honours If-None-Match (304), like
// http.ServeContent. Documents are rendered on first use and kept until invalidate() or until the
// served resources change (a custom resource definition added, removed or given a new schema).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { ResourceType } from '../registry/resource-type.js';
import { openapiV2Document } from './v2.js';
import { encodeOpenAPIV2 } from './v2-protobuf.js';
import { documentHash, documentKeys, openapiV3Document, openapiV3RootFromHashes } from './v3.js';

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const V2_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const V3_PROTOBUF = 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf';
const V3_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf';

class Rendered {
  private gz?: Buffer;
  readonly etag: string;
  constructor(
    readonly body: Buffer,
    readonly contentType: string,
    readonly lastModified: Date,
    etag?: string,
  ) {
    this.etag = etag ?? documentHash(body);
  }
  gzipped(): Buffer {
    this.gz ??= gzipSync(this.body);
    return this.gz;
  }
}

export interface OpenAPIServiceOptions {
  /** Compress answers for clients sending Accept-Encoding: gzip (as kube-apiserver does). Default true. */
  gzip?: boolean;
}

interface AcceptClause {
  type: string;
  subType: string;
  q: number;
}

/** goautoneg.ParseAccept: clauses sorted by q, then by specificity. */
function parseAccept(header: string | undefined): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of (header || '*/*').split(',')) {
    const [mt, ...params] = part.trim().split(';');
    const [type, subType] = mt.trim().toLowerCase().split('/');
    if (!type) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q') q = Number(v);
    }
    clauses.push({ type, subType: subType ?? '*', q });
  }
  const spec = (c: AcceptClause) => (c.type === '*' ? 0 : c.subType === '*' ? 1 : 2);
  return clauses.filter((c) => c.q > 0).sort((a, b) => b.q - a.q || spec(b) - spec(a));
}

/** The first offered media type the Accept header allows, in the client's preference order. */
function negotiate(header: string | undefined, offered: string[]): string | undefined {
  for (const c of parseAccept(header)) {
    for (const o of offered) {
      const [type, subType] = o.split('/');
      if ((c.type === type || c.type === '*') && (c.subType === subType || c.subType === '*')) return o;
    }
  }
  return undefined;
}

/** http.ServeContent's If-None-Match check (weak comparison, `*`, comma-separated list). */
function notModified(req: IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  const quoted = `"${etag}"`;
  return inm.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === quoted || v === `W/${quoted}`;
  });
}

export class OpenAPIService {
  private key?: string;
  private readonly v3 = new Map<string, Rendered | null>();
  private v3Root?: Rendered;
  private v2Json?: Rendered;
  private v2Proto?: Rendered;
  private v2Object?: Record<string, unknown>;
  private readonly schemaIds = new WeakMap<object, number>();
  private nextSchemaId = 1;
  private readonly gzip: boolean;

  constructor(
    private readonly getResources: () => ResourceType[],
    options: OpenAPIServiceOptions = {},
  ) {
    this.gzip = options.gzip ?? true;
  }

  /** Drops every rendered document (call when custom resource definitions change). */
  invalidate(): void {
    this.key = undefined;
    this.v3.clear();
    this.v3Root = undefined;
    this.v2Json = undefined;
    this.v2Proto = undefined;
    this.v2Object = undefined;
  }

  /** Serves an OpenAPI request; false when the path is not one of ours. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    let serve: (() => void) | undefined;
    if (path === '/openapi/v3') {
      serve = () => this.send(req, res, this.root());
    } else if (path.startsWith('/openapi/v3/')) {
      serve = () => this.serveGroupVersion(req, res, path.slice('/openapi/v3/'.length), url.searchParams.get('hash'));
    } else if (path === '/openapi/v2' || path === '/swagger.json') {
      serve = () => this.serveV2(req, res, path === '/swagger.json');
    }
    if (!serve) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('405: Method Not Allowed\n');
      return true;
    }
    this.refresh();
    serve();
    return true;
  }

  /** The discovery document (exposed for in-process callers and tests). */
  rootDocument(): { paths: Record<string, { serverRelativeURL: string }> } {
    this.refresh();
    return JSON.parse(this.root().body.toString('utf8'));
  }

  /** One rendered v3 document's JSON bytes and hash, or undefined (exposed for tests and benchmarks). */
  v3Document(gv: string): { body: Buffer; etag: string } | undefined {
    this.refresh();
    return this.groupVersion(gv);
  }

  /** The v2 document as JSON bytes or gnostic protobuf. */
  v2Document(format: 'json' | 'protobuf'): Buffer {
    this.refresh();
    return format === 'json' ? this.v2JsonDoc().body : this.v2ProtoDoc().body;
  }

  // Re-render when the resource set changes, even if nobody called invalidate().
  private refresh(): void {
    const parts: string[] = [];
    for (const rt of this.getResources()) {
      let id = 0;
      if (rt.schema) {
        id = this.schemaIds.get(rt.schema) ?? 0;
        if (!id) this.schemaIds.set(rt.schema, (id = this.nextSchemaId++));
      }
      parts.push(`${rt.group}/${rt.version}/${rt.plural}/${rt.kind}/${rt.model ?? ''}/${id}/${(rt.verbs ?? []).join(',')}/${rt.statusSubresource ? 's' : ''}${rt.scale ? 'S' : ''}/${(rt.subresources ?? []).map((s) => s.name).join(',')}`);
    }
    const key = parts.join('|');
    if (key !== this.key) {
      this.invalidate();
      this.key = key;
    }
  }

  private groupVersion(gv: string): Rendered | undefined {
    let r = this.v3.get(gv);
    if (r === undefined) {
      const doc = openapiV3Document(this.getResources(), gv);
      r = doc ? new Rendered(Buffer.from(JSON.stringify(doc)), 'application/json', new Date()) : null;
      this.v3.set(gv, r);
    }
    return r ?? undefined;
  }

  private root(): Rendered {
    if (!this.v3Root) {
      const hashes = new Map<string, string>();
      for (const gv of documentKeys(this.getResources())) {
        const r = this.groupVersion(gv);
        if (r) hashes.set(gv, r.etag);
      }
      this.v3Root = new Rendered(Buffer.from(JSON.stringify(openapiV3RootFromHashes(hashes))), 'application/json', new Date());
    }
    return this.v3Root;
  }

  private v2JsonDoc(): Rendered {
    if (!this.v2Json) {
      this.v2Object = openapiV2Document(this.getResources());
      this.v2Json = new Rendered(Buffer.from(JSON.stringify(this.v2Object)), 'application/json', new Date());
    }
    return this.v2Json;
  }

  private v2ProtoDoc(): Rendered {
    if (!this.v2Proto) {
      const json = this.v2JsonDoc();
      // kube-openapi's ETag for both forms is the hash of the JSON.
      this.v2Proto = new Rendered(encodeOpenAPIV2(this.v2Object ?? JSON.parse(json.body.toString('utf8'))), V2_PROTOBUF, json.lastModified, json.etag);
      // The object is only kept to encode it once.
      this.v2Object = undefined;
    }
    return this.v2Proto;
  }

  private serveGroupVersion(req: IncomingMessage, res: ServerResponse, gv: string, hash: string | null): void {
    res.setHeader('Vary', 'Accept');
    const type = negotiate(req.headers.accept, ['application/json', V3_PROTOBUF, V3_PROTOBUF_DEPRECATED]);
    if (type !== 'application/json') {
      // Protobuf v3 documents are not produced; no client we serve asks for them.
      res.writeHead(406);
      res.end();
      return;
    }
    const doc = this.groupVersion(gv);
    if (!doc) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    if (hash) {
      if (hash !== doc.etag) {
        res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${doc.etag}`, 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<a href="/openapi/v3/${gv}?hash=${doc.etag}">Moved Permanently</a>.\n\n`);
        return;
      }
      res.setHeader('Cache-Control', 'public, immutable');
      const expires = new Date();
      expires.setFullYear(expires.getFullYear() + 1);
      res.setHeader('Expires', expires.toUTCString());
    }
    this.send(req, res, doc);
  }

  private serveV2(req: IncomingMessage, res: ServerResponse, jsonOnly: boolean): void {
    res.setHeader('Vary', 'Accept');
    const offered = jsonOnly ? ['application/json'] : ['application/json', V2_PROTOBUF_DEPRECATED, V2_PROTOBUF];
    const type = negotiate(req.headers.accept, offered);
    if (!type) {
      res.writeHead(406);
      res.end();
      return;
    }
    this.send(req, res, type === 'application/json' ? this.v2JsonDoc() : this.v2ProtoDoc());
  }

  private send(req: IncomingMessage, res: ServerResponse, doc: Rendered): void {
    res.setHeader('Etag', `"${doc.etag}"`);
    res.setHeader('Last-Modified', doc.lastModified.toUTCString());
    if (notModified(req, doc.etag)) {
      res.writeHead(304);
      res.end();
      return;
    }
    let body = doc.body;
    const headers: Record<string, string | number> = { 'Content-Type': doc.contentType };
    if (this.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      body = doc.gzipped();
      headers['Content-Encoding'] = 'gzip';
      res.setHeader('Vary', 'Accept, Accept-Encoding');
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
