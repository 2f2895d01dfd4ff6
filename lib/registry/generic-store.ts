// The generic registry: one implementation of create/get/list/watch/update/patch/delete for
// every resource, as k8s.io/apiserver pkg/registry/generic/registry/store.go. Resources differ
// only through their ResourceType strategy hooks. No HTTP here: callers pass parsed options
// and get objects or ApiErrors back.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ApiError,
  OPTIMISTIC_LOCK_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  field,
  gone,
  internalError,
  invalid,
  notFound,
  type FieldError,
  type Status,
} from '../api/errors.js';
import { parseFieldSelector, parseLabelSelector, type FieldSelector } from '../api/selectors.js';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  type KeyValue,
  type Store,
  type WatchEvent,
  type Watcher,
} from '../storage/store.js';
import { apiVersionOf, storageKeyOf, type KObject, type ResourceType } from './resource-type.js';
import { WatchCache } from '../storage/watch-cache.js';

/** Deletes of one DeleteCollection in flight at once. */
const DELETE_COLLECTION_WORKERS = 16;

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Per-request facts the mechanics need. */
export interface WriteContext {
  user?: UserInfo;
  dryRun?: boolean;
  /** Field manager name (query fieldManager, else derived from the user agent). */
  fieldManager?: string;
  /** Warnings to return in the Warning header. */
  warnings?: string[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface DeleteResult {
  /** The object as it now is (deleted, or pending deletion). */
  object: KObject;
  /** False when deletion is pending (graceful period or finalizers): the API answers 202. */
  deleted: boolean;
}

export interface ApiWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject | Status;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

/** Admission step: may mutate `obj` or throw an ApiError. */
export type AdmissionPlugin = (attrs: {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  rt: ResourceType;
  namespace: string;
  name: string;
  obj?: KObject;
  old?: KObject;
  subresource?: string;
  ctx: WriteContext;
}) => Promise<void> | void;

/** Keeps metadata.managedFields current on writes (lib/patch/server-side-apply.ts provides it). */
export interface FieldManager {
  trackUpdate(live: KObject | undefined, updated: KObject, opts: { manager: string; apiVersion: string; now: string; subresource?: string }): KObject;
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const RAW_PREFIX = '{"metadata":{';
const MAX_RETRIES = 16;

/** RFC 3339 with seconds, as metav1.Time marshals. */
export function nowTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function generateSuffix(): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += GENERATE_CHARS[b % GENERATE_CHARS.length];
  return s;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Everything but metadata and status: what a generation bump is about. */
function specPart(obj: KObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function groupResource(rt: ResourceType) {
  return { group: rt.group, resource: rt.plural };
}

/** Continue token as upstream's storage layer encodes it. */
interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string' || t.start.includes('..')) throw new Error('bad');
    return t;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export class GenericStore {
  private readonly admission: AdmissionPlugin[] = [];
  private readonly deleteListeners: Array<(rt: ResourceType, obj: KObject) => void> = [];
  private readonly decodeMemo = new WeakMap<KeyValue, Map<ResourceType, KObject>>();
  fieldManager?: FieldManager;
  /** When a garbage collector runs, Orphan/Foreground deletions add their finalizers; otherwise they delete at once. */
  garbageCollectorEnabled = false;

  /** Shared per-resource watches (kube-apiserver's cacher). */
  readonly watchCache: WatchCache;

  constructor(readonly store: Store) {
    this.watchCache = new WatchCache(store);
  }

  addAdmission(plugin: AdmissionPlugin): void {
    this.admission.push(plugin);
  }

  /** Called after an object is gone from storage (not for dry runs), e.g. to release allocations. */
  onDeleted(fn: (rt: ResourceType, obj: KObject) => void): void {
    this.deleteListeners.push(fn);
  }

  private notifyDeleted(rt: ResourceType, obj: KObject): KObject {
    for (const fn of this.deleteListeners) fn(rt, obj);
    return obj;
  }

  // ---------- keys and (de)serialization ----------

  prefixFor(rt: ResourceType, namespace?: string): string {
    const s = storageKeyOf(rt);
    const base = `/registry/${s.group || 'core'}/${s.plural}/`;
    return rt.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  keyFor(rt: ResourceType, namespace: string, name: string): string {
    return rt.namespaced ? `${this.prefixFor(rt, namespace)}${name}` : `${this.prefixFor(rt)}${name}`;
  }

  /** Stored JSON → served object with resourceVersion, apiVersion and kind of the served version. */
  decode(rt: ResourceType, kv: KeyValue, revision = kv.modRevision): KObject {
    let obj = JSON.parse(kv.value) as KObject;
    if (rt.fromStorage) obj = rt.fromStorage(obj);
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    const out: KObject = { apiVersion: apiVersionOf(rt), kind: rt.kind, ...rest, metadata: obj.metadata ?? {} };
    out.metadata.resourceVersion = String(revision);
    return out;
  }

  /**
   * Decodes a watch event's value once for every watcher of the same resource version: events
   * are shared by all watchers, and so are the decoded objects (which must not be mutated).
   */
  private decodeShared(rt: ResourceType, kv: KeyValue, revision = kv.modRevision): KObject {
    let byType = this.decodeMemo.get(kv);
    if (!byType) this.decodeMemo.set(kv, (byType = new Map()));
    let obj = byType.get(rt);
    if (!obj) byType.set(rt, (obj = this.decode(rt, kv, revision)));
    return obj;
  }

  /**
   * Storage form: metadata first without resourceVersion, no apiVersion/kind (they follow from
   * the key). The fixed prefix lets plain lists splice the resourceVersion in without parsing.
   */
  private encode(rt: ResourceType, obj: KObject): string {
    let stored: KObject = { ...obj, metadata: { ...obj.metadata } };
    if (rt.toStorage) stored = rt.toStorage(stored);
    const { apiVersion: _a, kind: _k, metadata, ...rest } = stored;
    const { resourceVersion: _rv, ...meta } = metadata ?? {};
    return JSON.stringify({ metadata: meta, ...rest });
  }

  /** A stored value as the JSON of a list item (no apiVersion/kind), without parsing it. */
  rawListItem(rt: ResourceType, kv: KeyValue): string {
    const v = kv.value;
    if (rt.fromStorage || !v.startsWith(RAW_PREFIX)) {
      const { apiVersion: _a, kind: _k, ...rest } = this.decode(rt, kv);
      return JSON.stringify(rest);
    }
    const rv = `"resourceVersion":"${kv.modRevision}"`;
    return v[RAW_PREFIX.length] === '}' ? RAW_PREFIX + rv + v.slice(RAW_PREFIX.length) : RAW_PREFIX + rv + ',' + v.slice(RAW_PREFIX.length);
  }

  /** Field-selector fields of an object: metadata.name/namespace plus the resource's own. */
  fieldsOf(rt: ResourceType, obj: KObject): Record<string, string> {
    const f: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
    if (rt.namespaced) f['metadata.namespace'] = obj.metadata.namespace ?? '';
    return rt.selectableFields ? { ...f, ...rt.selectableFields(obj) } : f;
  }

  private checkFieldSelector(rt: ResourceType, sel: FieldSelector): void {
    if (sel.empty) return;
    const sample = this.fieldsOf(rt, { metadata: { name: '', namespace: '' } });
    for (const r of sel.requirements) {
      if (!(r.field in sample) && !rt.selectableFields) {
        throw badRequest(`field label not supported: ${r.field}`);
      }
    }
  }

  // ---------- read ----------

  async get(rt: ResourceType, namespace: string, name: string): Promise<KObject> {
    const kv = await this.store.get(this.keyFor(rt, namespace, name));
    if (!kv) throw notFound(groupResource(rt), name);
    return this.decode(rt, kv);
  }

  async list(rt: ResourceType, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    return this.listIn(rt, namespace, opts, false) as Promise<ListResult>;
  }

  /**
   * A list whose items are JSON text (for plain JSON answers): without selectors nothing is
   * parsed, the stored text is spliced. With selectors it falls back to decoding.
   */
  async listRaw(rt: ResourceType, namespace: string | undefined, opts: ListOptions = {}): Promise<Omit<ListResult, 'items'> & { items: string[] }> {
    return this.listIn(rt, namespace, opts, true) as Promise<Omit<ListResult, 'items'> & { items: string[] }>;
  }

  private async listIn(rt: ResourceType, namespace: string | undefined, opts: ListOptions, raw: boolean): Promise<{ items: Array<KObject | string> } & Omit<ListResult, 'items'>> {
    const labelSel = parseLabelSelector(opts.labelSelector);
    const fieldSel = parseFieldSelector(opts.fieldSelector);
    this.checkFieldSelector(rt, fieldSel);
    const prefix = this.prefixFor(rt, namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;

    let revision: number | undefined;
    let startKey: string | undefined;
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      revision = tok.rv;
      startKey = prefix + tok.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rv = parseResourceVersion(opts.resourceVersion);
      if (opts.resourceVersionMatch === 'Exact') revision = rv;
      else {
        const current = await this.store.currentRevision();
        if (rv > current) throw tooLargeResourceVersion(rv, current);
      }
    }
    if (opts.resourceVersionMatch && !opts.resourceVersion) {
      throw invalid('ListOptions', 'meta.k8s.io', '', [field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided')]);
    }

    const filtering = !labelSel.empty || !fieldSel.empty;
    const items: Array<KObject | string> = [];
    let listRevision = 0;
    let more = false;
    let remaining = 0;
    let nextStart: string | undefined;
    try {
      // Fetch pages from storage until `limit` matching items are collected (as upstream does with selectors).
      for (;;) {
        const want = limit ? Math.max(limit - items.length, filtering ? 64 : 0) : 0;
        const page = await this.store.list(prefix, { revision, startKey, limit: limit ? want + 0 : undefined });
        listRevision = page.revision;
        revision ??= page.revision;
        let consumed = 0;
        for (const kv of page.kvs) {
          consumed++;
          if (raw && !filtering) items.push(this.rawListItem(rt, kv));
          else {
            const obj = this.decode(rt, kv);
            if (filtering && !(labelSel.matches(obj.metadata.labels) && fieldSel.matches(this.fieldsOf(rt, obj)))) continue;
            if (raw) {
              const { apiVersion: _a, kind: _k, ...rest } = obj;
              items.push(JSON.stringify(rest));
            } else items.push(obj);
          }
          if (limit && items.length >= limit) {
            nextStart = kv.key + '\0';
            more = consumed < page.kvs.length || page.more;
            remaining = page.remaining + (page.kvs.length - consumed);
            break;
          }
        }
        if (limit && items.length >= limit) break;
        if (!page.more || page.kvs.length === 0) break;
        startKey = page.kvs[page.kvs.length - 1].key + '\0';
      }
    } catch (e) {
      if (e instanceof CompactedError) {
        if (opts.continue) {
          throw gone(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        }
        throw gone(`The resourceVersion for the provided list is too old.`);
      }
      if (e instanceof FutureRevisionError) throw tooLargeResourceVersion(e.requested, e.current);
      throw e;
    }
    const result: { items: Array<KObject | string> } & Omit<ListResult, 'items'> = { items, resourceVersion: String(revision ?? listRevision) };
    if (more && nextStart !== undefined) {
      result.continue = encodeContinue(revision ?? listRevision, nextStart.slice(prefix.length));
      if (!filtering) result.remainingItemCount = remaining;
    }
    return result;
  }

  // ---------- create ----------

  async create(rt: ResourceType, namespace: string, input: KObject, ctx: WriteContext = {}): Promise<KObject> {
    const obj = structuredClone(input);
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (rt.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateSuffix();
    if (meta.resourceVersion) throw internalError(new Error('resourceVersion should not be set on objects to be created'));
    // BeforeCreate (k8s.io/apiserver pkg/registry/rest/create.go): system fields are the server's.
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (rt.hasGeneration !== false) meta.generation = 1;
    else delete meta.generation;
    rt.defaults?.(obj);
    // Upstream's create handler records managed fields on the decoded, defaulted object, before
    // the strategy: what PrepareForCreate adds (generated selectors, status) belongs to no client.
    this.trackManagedFields(rt, undefined, obj, ctx);
    rt.prepareForCreate?.(obj);
    if (!meta.name) {
      throw invalid(rt.kind, rt.group, '', [field.required('metadata.name', 'name or generateName is required')]);
    }
    this.validateOrThrow(rt, obj, rt.validate?.(obj) ?? []);
    for (const a of this.admission) await a({ operation: 'CREATE', rt, namespace, name: meta.name, obj, ctx });

    if (ctx.dryRun) return obj;
    const key = this.keyFor(rt, namespace, meta.name);
    try {
      const kv = await this.store.create(key, this.encode(rt, obj));
      obj.metadata.resourceVersion = String(kv.modRevision);
      return obj;
    } catch (e) {
      if (e instanceof KeyExistsError) throw alreadyExists(groupResource(rt), meta.name);
      throw e;
    }
  }

  // ---------- update (PUT, PATCH, status) ----------

  /**
   * Read-modify-write with optimistic concurrency (upstream GuaranteedUpdate): `mutate` gets the
   * live object (or undefined) and returns the desired one. Retries on concurrent writes unless the
   * desired object carries a resourceVersion precondition.
   */
  async guaranteedUpdate(
    rt: ResourceType,
    namespace: string,
    name: string,
    mutate: (live: KObject | undefined) => KObject | Promise<KObject>,
    ctx: WriteContext = {},
    opts: { subresource?: string; allowCreate?: boolean } = {},
  ): Promise<{ object: KObject; created: boolean }> {
    const key = this.keyFor(rt, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      const live = kv ? this.decode(rt, kv) : undefined;
      const desired = await mutate(live ? structuredClone(live) : undefined);
      if (!live) {
        if (!(opts.allowCreate ?? rt.allowCreateOnUpdate)) throw notFound(groupResource(rt), name);
        if (opts.subresource) throw notFound(groupResource(rt), name);
        desired.metadata ??= {};
        if (desired.metadata.name && desired.metadata.name !== name) {
          throw badRequest('the name of the object (' + desired.metadata.name + ') does not match the name on the URL (' + name + ')');
        }
        desired.metadata.name = name;
        delete desired.metadata.resourceVersion;
        try {
          return { object: await this.create(rt, namespace, desired, ctx), created: true };
        } catch (e) {
          if (e instanceof ApiError && e.reason === 'AlreadyExists' && attempt < MAX_RETRIES) continue;
          throw e;
        }
      }
      const preconditionRV = desired.metadata?.resourceVersion;
      if (preconditionRV && preconditionRV !== live.metadata.resourceVersion) {
        throw conflict(groupResource(rt), name, OPTIMISTIC_LOCK_MESSAGE);
      }
      const result = await this.prepareUpdate(rt, namespace, name, desired, live, ctx, opts.subresource);
      if (result === live) return { object: live, created: false };
      if (ctx.dryRun) return { object: result, created: false };
      try {
        if (result.metadata.deletionTimestamp && (result.metadata.finalizers ?? []).length === 0 && live.metadata.deletionTimestamp) {
          // Last finalizer removed from an object being deleted: it goes now (upstream deleteWithoutFinalizers).
          const del = await this.store.delete(key, kv!.modRevision);
          return { object: this.notifyDeleted(rt, this.decode(rt, del)), created: false };
        }
        const nkv = await this.store.update(key, this.encode(rt, result), kv!.modRevision);
        result.metadata.resourceVersion = String(nkv.modRevision);
        return { object: result, created: false };
      } catch (e) {
        if (e instanceof RevisionConflictError || e instanceof KeyNotFoundError) {
          if (preconditionRV) throw conflict(groupResource(rt), name, OPTIMISTIC_LOCK_MESSAGE);
          if (attempt < MAX_RETRIES) continue;
        }
        throw e;
      }
    }
  }

  /** PUT: replace the object (or its status). */
  async update(rt: ResourceType, namespace: string, name: string, input: KObject, ctx: WriteContext = {}, subresource?: string) {
    if (input.metadata?.name && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (rt.namespaced && input.metadata?.namespace && input.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return this.guaranteedUpdate(rt, namespace, name, () => structuredClone(input), ctx, { subresource });
  }

  /**
   * Turns a desired object into the one to store: system fields from the live object,
   * defaults, strategy, generation, validation, admission. Returns `live` itself for a no-op.
   */
  private async prepareUpdate(rt: ResourceType, namespace: string, name: string, desired: KObject, live: KObject, ctx: WriteContext, subresource?: string): Promise<KObject> {
    const obj = desired;
    obj.metadata ??= {};
    const meta = obj.metadata;
    const old = live.metadata;
    if (meta.uid && meta.uid !== old.uid) {
      throw conflict(groupResource(rt), name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.uid}`);
    }
    meta.name = name;
    if (rt.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    meta.resourceVersion = old.resourceVersion;
    if (old.deletionTimestamp) {
      meta.deletionTimestamp = old.deletionTimestamp;
      meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    delete meta.selfLink;
    obj.apiVersion = live.apiVersion;
    obj.kind = live.kind;
    rt.defaults?.(obj);
    // As on create: ownership follows what the client sent (defaulted), before the strategy.
    this.trackManagedFields(rt, live, obj, ctx, subresource);

    let errs: FieldError[];
    if (subresource === 'finalize') {
      // Namespace finalize: only spec.finalizers changes (upstream finalizeStrategy).
      const fin: KObject = structuredClone(live);
      fin.spec = { ...(live.spec ?? {}) };
      if (obj.spec?.finalizers?.length) fin.spec.finalizers = obj.spec.finalizers;
      else delete fin.spec.finalizers;
      Object.keys(obj).forEach((k) => delete obj[k]);
      Object.assign(obj, fin);
      errs = rt.validateUpdate?.(obj, live) ?? [];
    } else if (subresource === 'status') {
      // Status strategy: only status changes (upstream ResetObjectMetaForStatus + spec from old).
      const statusOnly: KObject = { ...structuredClone(live), status: obj.status };
      statusOnly.metadata.managedFields = meta.managedFields ?? live.metadata.managedFields;
      rt.prepareForStatusUpdate?.(statusOnly, live);
      Object.keys(obj).forEach((k) => delete obj[k]);
      Object.assign(obj, statusOnly);
      errs = rt.validateStatusUpdate?.(obj, live) ?? [];
    } else {
      if (rt.statusSubresource) {
        if (live.status === undefined) delete obj.status;
        else obj.status = structuredClone(live.status);
      }
      rt.prepareForUpdate?.(obj, live);
      if (rt.hasGeneration !== false) {
        meta.generation = (old.generation ?? 1) + (deepEqual(specPart(obj), specPart(live)) ? 0 : 1);
      } else delete meta.generation;
      if (old.deletionTimestamp) {
        // Finalizers may only be removed while an object is being deleted (upstream: no new ones).
        const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
        if (added.length) {
          errs = [field.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`)];
          this.validateOrThrow(rt, obj, errs);
        }
      }
      errs = rt.validateUpdate?.(obj, live) ?? rt.validate?.(obj) ?? [];
    }
    this.validateOrThrow(rt, obj, errs);
    for (const a of this.admission) await a({ operation: 'UPDATE', rt, namespace, name, obj, old: live, subresource, ctx });
    // A write that changes nothing is not written (upstream: no new resourceVersion).
    if (deepEqual(withoutManagedTimes(obj), withoutManagedTimes(live))) return live;
    return obj;
  }

  private trackManagedFields(rt: ResourceType, live: KObject | undefined, obj: KObject, ctx: WriteContext, subresource?: string): void {
    if (!this.fieldManager || !ctx.fieldManager) return;
    const updated = this.fieldManager.trackUpdate(live, obj, { manager: ctx.fieldManager, apiVersion: apiVersionOf(rt), now: nowTimestamp(), subresource });
    obj.metadata.managedFields = updated.metadata.managedFields;
  }

  private validateOrThrow(rt: ResourceType, obj: KObject, errs: FieldError[]): void {
    if (errs.length) throw invalid(rt.kind, rt.group, obj.metadata?.name ?? '', errs);
  }

  // ---------- delete ----------

  async delete(rt: ResourceType, namespace: string, name: string, opts: DeleteOptions = {}, ctx: WriteContext = {}): Promise<DeleteResult> {
    const key = this.keyFor(rt, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(groupResource(rt), name);
      const live = this.decode(rt, kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== live.metadata.uid) {
        throw conflict(groupResource(rt), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) {
        throw conflict(groupResource(rt), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`);
      }
      for (const a of this.admission) await a({ operation: 'DELETE', rt, namespace, name, old: live, ctx });

      const next = structuredClone(live);
      const meta = next.metadata;
      let pending = false;
      // Graceful deletion (upstream BeforeDelete): the object stays, marked, until its grace runs out.
      const grace = rt.gracePeriodSeconds?.(live, opts.gracePeriodSeconds);
      if (grace !== undefined && grace > 0 && !meta.deletionTimestamp) {
        meta.deletionTimestamp = nowTimestamp(new Date(Date.now() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
        pending = true;
      } else if (meta.deletionTimestamp && grace !== undefined && meta.deletionGracePeriodSeconds !== undefined && grace < meta.deletionGracePeriodSeconds) {
        // A shorter grace period may replace a longer one (e.g. --force).
        meta.deletionGracePeriodSeconds = grace;
        meta.deletionTimestamp = nowTimestamp(new Date(Date.now() + grace * 1000));
        pending = grace > 0;
      } else if (meta.deletionTimestamp && grace === undefined) {
        pending = (meta.deletionGracePeriodSeconds ?? 0) > 0;
      }
      if (this.garbageCollectorEnabled) {
        const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
        const fin = new Set(meta.finalizers ?? []);
        if (policy === 'Orphan' && !meta.deletionTimestamp) fin.add('orphan');
        if (policy === 'Foreground' && !meta.deletionTimestamp) fin.add('foregroundDeletion');
        meta.finalizers = fin.size ? [...fin] : undefined;
        if (!meta.finalizers) delete meta.finalizers;
      }
      if (rt.deferDelete?.(next)) {
        meta.deletionTimestamp ??= nowTimestamp();
        meta.deletionGracePeriodSeconds ??= 0;
        pending = true;
      }
      if ((meta.finalizers ?? []).length > 0) {
        meta.deletionTimestamp ??= nowTimestamp();
        meta.deletionGracePeriodSeconds ??= 0;
        pending = true;
      }
      if (ctx.dryRun) return { object: pending ? next : live, deleted: !pending };
      try {
        if (pending) {
          if (deepEqual(next, live)) return { object: live, deleted: false };
          const nkv = await this.store.update(key, this.encode(rt, next), kv.modRevision);
          next.metadata.resourceVersion = String(nkv.modRevision);
          return { object: next, deleted: false };
        }
        const dkv = await this.store.delete(key, kv.modRevision);
        return { object: this.notifyDeleted(rt, this.decode(rt, dkv)), deleted: true };
      } catch (e) {
        if ((e instanceof RevisionConflictError || e instanceof KeyNotFoundError) && attempt < MAX_RETRIES) continue;
        throw e;
      }
    }
  }

  async deleteCollection(rt: ResourceType, namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions, ctx: WriteContext = {}): Promise<KObject[]> {
    const { items } = await this.list(rt, namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    // Several deletes in flight (upstream's DeleteCollection workers), so they share commits and
    // their durable syncs: one at a time, each waited for its own fsync.
    const out: Array<KObject | undefined> = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i]!;
        try {
          out[i] = (await this.delete(rt, item.metadata.namespace ?? '', item.metadata.name!, opts, ctx)).object;
        } catch (e) {
          // Deleted concurrently: upstream's DeleteCollection ignores NotFound for the same reason.
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_COLLECTION_WORKERS, items.length) }, worker));
    return out.filter((o): o is KObject => o !== undefined);
  }

  // ---------- watch ----------

  /**
   * Watches objects of `rt` (in `namespace`, or all) with kube-apiserver's semantics:
   * resourceVersion unset or "0" → synthetic ADDED events for current state, then changes;
   * "N" → changes after N (410 Expired if compacted). Objects moving in or out of the selector
   * appear as ADDED / DELETED, as the watch cache does.
   */
  async watch(rt: ResourceType, namespace: string | undefined, opts: WatchOptions, sink: (ev: ApiWatchEvent) => void, onEnd: (err?: Error) => void): Promise<Watcher> {
    const labelSel = parseLabelSelector(opts.labelSelector);
    const fieldSel = parseFieldSelector(opts.fieldSelector);
    this.checkFieldSelector(rt, fieldSel);
    const matches = labelSel.empty && fieldSel.empty ? MATCH_ALL : (o: KObject) => labelSel.matches(o.metadata.labels) && fieldSel.matches(this.fieldsOf(rt, o));
    const prefix = this.prefixFor(rt, namespace);
    const rvParam = opts.resourceVersion;
    const initial = opts.sendInitialEvents ?? (rvParam === undefined || rvParam === '' || rvParam === '0');
    let after: number;
    let current: number;
    if (initial) {
      const listed = await this.list(rt, namespace, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
      after = Number(listed.resourceVersion);
      current = after;
      for (const item of listed.items) sink({ type: 'ADDED', object: item });
      if (opts.sendInitialEvents && opts.allowWatchBookmarks) {
        sink({ type: 'BOOKMARK', object: bookmark(rt, after, true) });
      }
    } else {
      after = parseResourceVersion(rvParam!);
      current = await this.store.currentRevision();
      if (after > current) throw tooLargeResourceVersion(after, current);
    }
    let lastRevision = after;
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    const watcher = this.watchCache.watch(this.prefixFor(rt), prefix, after, current, {
      onEvents: (events: WatchEvent[]) => {
        if (ended) return;
        for (const ev of events) {
          const out = this.translate(rt, ev, matches);
          lastRevision = ev.kv.modRevision;
          if (out) sink(out);
        }
      },
      onError: (err) => {
        if (err instanceof CompactedError) {
          sink({ type: 'ERROR', object: gone(`too old resource version: ${after} (${err.compacted})`).status });
          end();
        } else end(err);
      },
    });
    let bookmarkTimer: NodeJS.Timeout | undefined;
    if (opts.allowWatchBookmarks) {
      // Upstream sends a bookmark about once a minute so clients can resume cheaply.
      bookmarkTimer = setInterval(() => {
        if (!ended) sink({ type: 'BOOKMARK', object: bookmark(rt, lastRevision, false) });
      }, 60_000);
      bookmarkTimer.unref();
    }
    return {
      cancel: () => {
        if (bookmarkTimer) clearInterval(bookmarkTimer);
        watcher.cancel();
        end();
      },
    };
  }

  private translate(rt: ResourceType, ev: WatchEvent, matches: (o: KObject) => boolean): ApiWatchEvent | undefined {
    if (ev.type === 'DELETE') {
      const obj = this.decodeShared(rt, ev.kv);
      return matches(obj) ? { type: 'DELETED', object: obj } : undefined;
    }
    const cur = this.decodeShared(rt, ev.kv);
    const curMatch = matches(cur);
    if (!ev.prevKv) return curMatch ? { type: 'ADDED', object: cur } : undefined;
    if (curMatch && matches === MATCH_ALL) return { type: 'MODIFIED', object: cur };
    const prev = this.decodeShared(rt, ev.prevKv, ev.kv.modRevision);
    const prevMatch = matches(prev);
    if (curMatch) return { type: prevMatch ? 'MODIFIED' : 'ADDED', object: cur };
    return prevMatch ? { type: 'DELETED', object: prev } : undefined;
  }
}

const MATCH_ALL = () => true;

function bookmark(rt: ResourceType, revision: number, initialEventsEnd: boolean): KObject {
  const meta: KObject['metadata'] = { resourceVersion: String(revision) };
  if (initialEventsEnd) meta.annotations = { 'k8s.io/initial-events-end': 'true' };
  return { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: meta };
}

function withoutManagedTimes(obj: KObject): KObject {
  if (!obj.metadata?.managedFields) return obj;
  return { ...obj, metadata: { ...obj.metadata, managedFields: obj.metadata.managedFields.map(({ time: _t, ...rest }) => rest) } };
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) {
    throw new ApiError({ code: 400, reason: 'BadRequest', message: `invalid resource version: ${rv}` });
  }
  return Number(rv);
}

function tooLargeResourceVersion(requested: number, current: number): ApiError {
  // Upstream waits up to 3 s for the revision, then answers 504 with ResourceVersionTooLarge.
  return new ApiError({
    code: 504,
    reason: 'Timeout',
    message: `Too large resource version: ${requested}, current: ${current}`,
    details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
  });
}
