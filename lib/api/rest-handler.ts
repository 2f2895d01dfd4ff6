// The REST surface of every resource: parses /api/v1/... and /apis/g/v/... paths, decodes
// bodies and query options, and drives the generic store. Behaviour follows
// k8s.io/apiserver pkg/endpoints/handlers (create.go, update.go, patch.go, delete.go, get.go, watch.go).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, invalid, methodNotAllowed, notFound, unsupportedMediaType, type Status } from './errors.js';
import { bodyKind, decodeTextBody, negotiate, type ResponseFormat } from './negotiation.js';
import { readBody, sendObject, sendStatus, successStatus, serialize } from './respond.js';
import { buildTable, partialObjectMetadata, type IncludeObject } from './table.js';
import { streamWatch } from './watch-stream.js';
import { checkUnknownFields, fieldValidationDirective, strictPatchError } from '../schema/unknown-fields.js';
import type { GenericStore, UserInfo, WriteContext, DeleteOptions } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import { apiVersionOf, DEFAULT_VERBS, type KObject, type ResourceType } from '../registry/resource-type.js';
import { scaleOf, applyScale } from '../registry/scale.js';

export type PatchType = 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json';

/** Pieces provided by other modules (patch engine, SSA, schema, protobuf), wired in server.ts. */
export interface RestDeps {
  registry: ResourceRegistry;
  store: GenericStore;
  applyPatch(type: PatchType, original: KObject, patch: unknown, rt: ResourceType): KObject;
  serverSideApply(live: KObject | undefined, applied: KObject, opts: { manager: string; force: boolean; apiVersion: string; rt: ResourceType; subresource?: string }): KObject;
  /** Paths of fields the schema does not know (".spec.foo"), for fieldValidation. */
  unknownFields(obj: unknown, rt: ResourceType): string[];
  decodeProtobuf?(body: Buffer, intoKind?: string): KObject;
  /** Non-REST subresources (log, exec, binding, eviction, token …) register here. */
  subresourceHandlers: Map<string, SubresourceHandler>;
}

export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path after the subresource (proxy). */
  rest: string[];
  watchPath: boolean;
}

export type SubresourceHandler = (ctx: {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  rt: ResourceType;
  query: URLSearchParams;
  user: UserInfo;
  deps: RestDeps;
}) => Promise<void>;

/** Namespace subresources: /api/v1/namespaces/{name}/{status|finalize}. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Splits the part after /api/v1 or /apis/g/v into namespace, resource, name, subresource. */
export function parseResourcePath(group: string, version: string, segs: string[]): RequestInfo | undefined {
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  if (!segs.length) return undefined;
  let namespace: string | undefined;
  if (segs[0] === 'namespaces' && segs.length >= 3 && !(segs.length === 3 && NAMESPACE_SUBRESOURCES.has(segs[2]))) {
    namespace = segs[1];
    segs = segs.slice(2);
  }
  const [resource, name, subresource, ...rest] = segs;
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return { group, version, namespace, resource, name, subresource, rest, watchPath };
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return v === 'true' || v === '1' || v === '';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid ${name}: ${v}`);
  return Number(v);
}

function dryRunOf(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}`);
  return values.length > 0;
}

/** Field manager: the query parameter, else the user agent's first token (upstream prefixFromUserAgent). */
function fieldManagerOf(req: IncomingMessage, q: URLSearchParams): string {
  const m = q.get('fieldManager');
  if (m) {
    if (m.length > 128) throw badRequest('fieldManager: Too long: must have at most 128 bytes');
    return m;
  }
  const ua = req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0].slice(0, 128);
}


export class RestHandler {
  constructor(private readonly deps: RestDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
    const { registry } = this.deps;
    const rt = registry.lookup(info.group, info.version, info.resource);
    if (!rt) throw notFoundPath();
    const verbs = rt.verbs ?? DEFAULT_VERBS;
    const method = req.method ?? 'GET';
    if (info.namespace !== undefined && !rt.namespaced) throw notFoundPath();
    if (info.subresource) {
      const known =
        info.subresource === 'status' ? rt.statusSubresource
        : info.subresource === 'scale' ? !!rt.scale
        : info.subresource === 'finalize' ? rt.group === '' && rt.plural === 'namespaces'
        : false;
      if (!known) {
        const h = this.deps.subresourceHandlers.get(`${rt.group}/${rt.plural}/${info.subresource}`);
        if (!h) throw notFoundPath();
        await h({ req, res, info, rt, query, user, deps: this.deps });
        return;
      }
    }
    const ns = rt.namespaced ? info.namespace : undefined;
    const watch = info.watchPath || boolParam(query, 'watch') === true;

    if (method === 'GET' && (watch || !info.name)) {
      if (rt.namespaced && info.name) throw notFoundPath();
      if (watch) {
        if (!verbs.includes('watch')) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        await this.watch(req, res, rt, ns, query, info.name);
        return;
      }
      if (!verbs.includes('list')) throw methodNotAllowed('the server does not allow this method on the requested resource');
      await this.list(req, res, rt, ns, query);
      return;
    }
    if (rt.namespaced && ns === undefined && info.name !== undefined) throw notFoundPath();
    if (rt.namespaced && ns === undefined && method !== 'GET') {
      if (method === 'POST' || method === 'DELETE') throw notFoundPath();
    }
    const namespace = ns ?? '';
    const ctx: WriteContext = { user, warnings: [] };
    switch (method) {
      case 'GET':
        return this.get(req, res, rt, namespace, info.name!, info.subresource, query);
      case 'POST':
        if (info.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
        if (!verbs.includes('create')) throw methodNotAllowed('the server does not allow this method on the requested resource');
        return this.create(req, res, rt, namespace, query, ctx);
      case 'PUT':
        if (!info.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
        return this.update(req, res, rt, namespace, info.name, info.subresource, query, ctx);
      case 'PATCH':
        if (!info.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
        return this.patch(req, res, rt, namespace, info.name, info.subresource, query, ctx);
      case 'DELETE':
        if (!info.name) {
          if (!verbs.includes('deletecollection')) throw methodNotAllowed('the server does not allow this method on the requested resource');
          return this.deleteCollection(req, res, rt, ns, query, ctx);
        }
        return this.delete(req, res, rt, namespace, info.name, query, ctx);
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  // ---------- reads ----------

  private async get(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, sub: string | undefined, query: URLSearchParams) {
    const fmt = negotiate(req.headers.accept, sub ? [] : ['Table', 'PartialObjectMetadata']);
    const obj = await this.deps.store.get(rt, ns, name);
    if (sub === 'scale') return sendObject(req, res, 200, scaleOf(rt, obj), fmt.serialization);
    this.sendMaybeConverted(req, res, 200, rt, obj, fmt, query);
  }

  private async list(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string | undefined, query: URLSearchParams) {
    const fmt = negotiate(req.headers.accept, ['Table', 'PartialObjectMetadataList']);
    const limit = intParam(query, 'limit');
    const listOpts = {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit,
      continue: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
    };
    if (fmt.conversion === 'none' && fmt.serialization === 'json' && !query.has('pretty')) {
      // Plain JSON lists are spliced from stored text: no parse, no re-serialization.
      const raw = await this.deps.store.listRaw(rt, ns, listOpts);
      const meta: Record<string, unknown> = { resourceVersion: raw.resourceVersion };
      if (raw.continue) meta.continue = raw.continue;
      if (raw.remainingItemCount !== undefined) meta.remainingItemCount = raw.remainingItemCount;
      const head = `{"kind":${JSON.stringify(`${rt.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(rt))},"metadata":${JSON.stringify(meta)},"items":[`;
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-cache, private');
      await writeChunked(res, head, raw.items, ']}');
      return;
    }
    const result = await this.deps.store.list(rt, ns, listOpts);
    const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) listMeta.continue = result.continue;
    if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
    if (fmt.conversion === 'Table') {
      const table = buildTable(rt, result.items, { includeObject: includeObjectOf(query), asVersion: fmt.asVersion, listMeta });
      return sendObject(req, res, 200, table, fmt.serialization);
    }
    if (fmt.conversion === 'PartialObjectMetadataList') {
      return sendObject(req, res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${fmt.asVersion}`,
        metadata: listMeta,
        items: result.items.map((o) => partialObjectMetadata(o, fmt.asVersion)),
      }, fmt.serialization);
    }
    // Items in a list carry no apiVersion/kind, as upstream's list encoding.
    const items = result.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    sendObject(req, res, 200, { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: listMeta, items }, fmt.serialization);
  }

  /** One object as asked: itself, a one-row Table, or its PartialObjectMetadata. */
  private sendMaybeConverted(req: IncomingMessage, res: ServerResponse, code: number, rt: ResourceType, obj: KObject, fmt: ResponseFormat, query: URLSearchParams) {
    if (fmt.conversion === 'Table') {
      return sendObject(req, res, code, buildTable(rt, [obj], { includeObject: includeObjectOf(query), asVersion: fmt.asVersion, listMeta: { resourceVersion: obj.metadata.resourceVersion } }), fmt.serialization);
    }
    if (fmt.conversion === 'PartialObjectMetadata') return sendObject(req, res, code, partialObjectMetadata(obj, fmt.asVersion), fmt.serialization);
    sendObject(req, res, code, obj, fmt.serialization);
  }

  private async watch(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string | undefined, query: URLSearchParams, name?: string) {
    const fmt = negotiate(req.headers.accept, ['Table', 'PartialObjectMetadata']);
    let fieldSelector = query.get('fieldSelector') ?? undefined;
    if (name) fieldSelector = [`metadata.name=${name}`, fieldSelector].filter(Boolean).join(',');
    const timeout = intParam(query, 'timeoutSeconds');
    await streamWatch(req, res, this.deps.store, rt, ns, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
      allowWatchBookmarks: boolParam(query, 'allowWatchBookmarks'),
      sendInitialEvents: boolParam(query, 'sendInitialEvents'),
    }, fmt, { timeoutSeconds: timeout, includeObject: includeObjectOf(query) });
  }

  // ---------- writes ----------

  /** Decodes a create/update body and checks its apiVersion and kind against the endpoint. */
  private async decodeObject(req: IncomingMessage, rt: ResourceType, query: URLSearchParams, ctx: WriteContext, expect: { apiVersion: string; kind: string } = { apiVersion: apiVersionOf(rt), kind: rt.kind }): Promise<KObject> {
    const o = await readObjectBody(req, this.deps, expect, !!rt.model);
    if (expect.kind === rt.kind) this.checkFields(o, rt, query, ctx, req.method === 'POST' ? 'CreateOptions' : 'UpdateOptions');
    return o;
  }

  /** fieldValidation: Strict → 400 on unknown fields; Warn → Warning header; Ignore → nothing. */
  private checkFields(obj: unknown, rt: ResourceType, query: URLSearchParams, ctx: WriteContext, op: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions') {
    const mode = fieldValidationDirective(query.get('fieldValidation'), op);
    if (mode === 'Ignore') return;
    const unknown = this.deps.unknownFields(obj, rt);
    if (!unknown.length) return;
    if (op === 'PatchOptions' && mode === 'Strict') throw strictPatchError(JSON.stringify(obj), unknown);
    ctx.warnings!.push(...checkUnknownFields(mode, unknown, rt.kind, rt.version));
  }

  private async create(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, query: URLSearchParams, ctx: WriteContext) {
    const fmt = negotiate(req.headers.accept);
    ctx.dryRun = dryRunOf(query);
    ctx.fieldManager = fieldManagerOf(req, query);
    const obj = await this.decodeObject(req, rt, query, ctx);
    if (rt.virtualCreate) {
      const errs = rt.validate?.(obj) ?? [];
      if (errs.length) throw invalid(rt.kind, rt.group, obj.metadata?.name ?? '', errs);
      return sendObject(req, res, 201, await rt.virtualCreate(obj, ctx.user!), fmt.serialization, ctx.warnings);
    }
    const created = await this.deps.store.create(rt, ns, obj, ctx);
    sendObject(req, res, 201, created, fmt.serialization, ctx.warnings);
  }

  private async update(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, sub: string | undefined, query: URLSearchParams, ctx: WriteContext) {
    const fmt = negotiate(req.headers.accept);
    ctx.dryRun = dryRunOf(query);
    ctx.fieldManager = fieldManagerOf(req, query);
    if (sub === 'scale') {
      const scale = await this.decodeObject(req, rt, query, ctx, { apiVersion: 'autoscaling/v1', kind: 'Scale' });
      const out = await this.writeScale(rt, ns, name, () => scale, ctx);
      return sendObject(req, res, 200, out, fmt.serialization, ctx.warnings);
    }
    const obj = await this.decodeObject(req, rt, query, ctx);
    const { object, created } = await this.deps.store.update(rt, ns, name, obj, ctx, sub);
    sendObject(req, res, created ? 201 : 200, object, fmt.serialization, ctx.warnings);
  }

  private async writeScale(rt: ResourceType, ns: string, name: string, makeScale: (current: KObject) => KObject, ctx: WriteContext): Promise<KObject> {
    let result: KObject | undefined;
    const { object } = await this.deps.store.guaranteedUpdate(rt, ns, name, (live) => {
      if (!live) throw notFound({ group: rt.group, resource: rt.plural }, name);
      const desired = makeScale(scaleOf(rt, live));
      if (desired.metadata?.resourceVersion && desired.metadata.resourceVersion !== live.metadata.resourceVersion) {
        throw new ApiError({ code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on ${rt.group ? `${rt.plural}.${rt.group}` : rt.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again` });
      }
      result = applyScale(rt, live, desired);
      delete result.metadata.resourceVersion;
      return result;
    }, ctx, { allowCreate: false });
    return scaleOf(rt, object);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, sub: string | undefined, query: URLSearchParams, ctx: WriteContext) {
    const fmt = negotiate(req.headers.accept);
    ctx.dryRun = dryRunOf(query);
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const buf = await readBody(req);
    if (contentType === 'application/apply-patch+yaml' || contentType === 'application/apply-patch+json') {
      const manager = query.get('fieldManager');
      if (!manager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
      ctx.fieldManager = undefined; // SSA records its own managedFields entry
      const applied = decodeTextBody(buf, 'yaml') as KObject;
      if (!applied || typeof applied !== 'object' || Array.isArray(applied)) throw badRequest('the body of the request was in an unknown format');
      const expected = sub === 'scale' ? { apiVersion: 'autoscaling/v1', kind: 'Scale' } : { apiVersion: apiVersionOf(rt), kind: rt.kind };
      if (applied.apiVersion !== expected.apiVersion || applied.kind !== expected.kind) {
        if (!applied.apiVersion || !applied.kind) throw badRequest(`invalid object type: ${applied.apiVersion ?? ''}, Kind=${applied.kind ?? ''}`);
        throw badRequest(`the API version in the data (${applied.apiVersion}) does not match the expected API version (${expected.apiVersion})`);
      }
      if (sub !== 'scale') this.checkFields(applied, rt, query, ctx, 'PatchOptions');
      const force = boolParam(query, 'force') === true;
      const { object, created } = await this.deps.store.guaranteedUpdate(
        rt, ns, name,
        (live) => {
          const out = this.deps.serverSideApply(live, applied, { manager, force, apiVersion: apiVersionOf(rt), rt, subresource: sub });
          if (!live) out.metadata.name ??= name;
          return out;
        },
        ctx,
        { subresource: sub, allowCreate: !sub },
      );
      return sendObject(req, res, created ? 201 : 200, object, fmt.serialization, ctx.warnings);
    }
    const patchTypes: PatchType[] = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
    if (!patchTypes.includes(contentType as PatchType)) {
      throw new ApiError({ code: 415, reason: 'UnsupportedMediaType', message: `the body of the request was in an unknown format - accepted media types include: ${patchTypes.join(', ')}, application/apply-patch+yaml` });
    }
    ctx.fieldManager = fieldManagerOf(req, query);
    const patchBody = decodeTextBody(buf, 'json');
    const type = contentType as PatchType;
    if (sub === 'scale') {
      const out = await this.writeScale(rt, ns, name, (scale) => this.deps.applyPatch(type, scale, patchBody, rt), ctx);
      return sendObject(req, res, 200, out, fmt.serialization, ctx.warnings);
    }
    const { object } = await this.deps.store.guaranteedUpdate(
      rt, ns, name,
      (live) => {
        if (!live) throw notFound({ group: rt.group, resource: rt.plural }, name);
        const patched = this.deps.applyPatch(type, live, patchBody, rt);
        if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patch produced an object that is not a JSON object');
        // A resourceVersion the patch did not set is not a precondition (upstream patcher).
        const patchRV = (patchBody as KObject | null)?.metadata?.resourceVersion;
        if (type !== 'application/json-patch+json' && patchRV === undefined) delete patched.metadata?.resourceVersion;
        else if (type === 'application/json-patch+json' && patched.metadata?.resourceVersion === live.metadata.resourceVersion) delete patched.metadata.resourceVersion;
        if (patched.metadata?.name !== undefined && patched.metadata.name !== name) throw badRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
        this.checkFields(patched, rt, query, ctx, 'PatchOptions');
        return patched;
      },
      ctx,
      { subresource: sub, allowCreate: false },
    );
    sendObject(req, res, 200, object, fmt.serialization, ctx.warnings);
  }

  private async deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const buf = await readBody(req);
    let opts: DeleteOptions = {};
    if (buf.length) {
      const kind = bodyKind(req.headers['content-type']);
      let parsed: unknown;
      if (kind === 'protobuf' && this.deps.decodeProtobuf) parsed = this.deps.decodeProtobuf(buf);
      else parsed = decodeTextBody(buf, kind === 'yaml' ? 'yaml' : 'json');
      if (parsed && typeof parsed === 'object') opts = parsed as DeleteOptions;
    }
    const grace = intParam(query, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const policy = query.get('propagationPolicy');
    if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
    const orphan = boolParam(query, 'orphanDependents');
    if (orphan !== undefined) opts.orphanDependents = orphan;
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw new ApiError({ code: 422, reason: 'Invalid', message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`, details: { kind: 'DeleteOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`, field: 'propagationPolicy' }] } });
    }
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
    const dryRun = query.getAll('dryRun');
    if (dryRun.length) opts.dryRun = dryRun;
    return opts;
  }

  private async delete(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, query: URLSearchParams, ctx: WriteContext) {
    const fmt = negotiate(req.headers.accept);
    const opts = await this.deleteOptions(req, query);
    ctx.dryRun = (opts.dryRun ?? []).length > 0 || dryRunOf(query);
    const { object, deleted } = await this.deps.store.delete(rt, ns, name, opts, ctx);
    // Pending deletions answer 202 with the object; finished ones the object (pods, as upstream's
    // ReturnDeletedObject) or a Success Status.
    if (!deleted) return sendObject(req, res, 202, object, fmt.serialization);
    if (rt.group === '' && (rt.plural === 'pods' || rt.plural === 'namespaces' || rt.plural === 'services')) return sendObject(req, res, 200, object, fmt.serialization);
    sendObject(req, res, 200, successStatus({ name, group: rt.group || undefined, kind: rt.plural, uid: object.metadata.uid } as Status['details']), fmt.serialization);
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string | undefined, query: URLSearchParams, ctx: WriteContext) {
    const fmt = negotiate(req.headers.accept);
    const opts = await this.deleteOptions(req, query);
    ctx.dryRun = (opts.dryRun ?? []).length > 0;
    const items = await this.deps.store.deleteCollection(rt, ns, { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined }, opts, ctx);
    sendObject(req, res, 200, { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: {}, items }, fmt.serialization);
  }
}

/**
 * Reads a request body holding one object (JSON, YAML or, for built-in kinds, protobuf) and checks
 * its apiVersion and kind against what the endpoint expects; missing ones are filled in.
 */
export async function readObjectBody(req: IncomingMessage, deps: Pick<RestDeps, 'decodeProtobuf'>, expect: { apiVersion: string; kind: string }, protobufAllowed: boolean): Promise<KObject> {
  const buf = await readBody(req);
  const kind = bodyKind(req.headers['content-type']);
  if (!kind) throw unsupportedMediaType(String(req.headers['content-type']));
  let obj: unknown;
  if (kind === 'protobuf') {
    // Custom resources have no protobuf form (upstream answers 415 for them too).
    if (!deps.decodeProtobuf || !protobufAllowed) throw unsupportedMediaType(String(req.headers['content-type']));
    obj = deps.decodeProtobuf(buf, expect.kind);
  } else {
    if (buf.length === 0) throw badRequest('the body of the request was empty');
    obj = decodeTextBody(buf, kind);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${expect.kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(obj) ? 'array' : typeof obj} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  const o = obj as KObject;
  const version = expect.apiVersion.split('/').pop();
  if (o.apiVersion !== undefined && o.apiVersion !== '' && o.apiVersion !== expect.apiVersion) {
    throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${expect.apiVersion})`);
  }
  if (o.kind !== undefined && o.kind !== '' && o.kind !== expect.kind) {
    throw badRequest(`${expect.kind} in version "${version}" cannot be handled as a ${o.kind}: the kind in the data (${o.kind}) does not match the expected kind (${expect.kind})`);
  }
  if (o.metadata !== undefined && (o.metadata === null || typeof o.metadata !== 'object' || Array.isArray(o.metadata))) {
    throw badRequest(`${expect.kind} in version "${version}" cannot be handled as a ${expect.kind}: json: cannot unmarshal ${Array.isArray(o.metadata) ? 'array' : typeof o.metadata} into Go struct field ${expect.kind}.metadata of type v1.ObjectMeta`);
  }
  o.apiVersion = expect.apiVersion;
  o.kind = expect.kind;
  o.metadata ??= {};
  return o;
}

/**
 * Writes `head`, the items comma-separated, then `tail`, in chunks of a few hundred items with
 * backpressure: a list of 10,000 objects never becomes one 20 MB string and buffer.
 */
async function writeChunked(res: ServerResponse, head: string, items: string[], tail: string): Promise<void> {
  const CHUNK = 256;
  let out = head;
  for (let i = 0; i < items.length; i += CHUNK) {
    out += (i ? ',' : '') + items.slice(i, i + CHUNK).join(',');
    if (!res.write(out)) await new Promise<void>((r) => res.once('drain', r));
    out = '';
  }
  res.end(out + tail);
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  return 'Metadata';
}

export function notFoundPath(): ApiError {
  return new ApiError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });
}

export { serialize, sendStatus };
