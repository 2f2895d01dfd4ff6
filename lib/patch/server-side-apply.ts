// Server-side apply and managed-fields tracking, after k8s.io/apimachinery
// pkg/util/managedfields (FieldManager, managedFieldsUpdater, stripMetaManager, conflict.go) and
// sigs.k8s.io/structured-merge-diff/v4 (merge.Updater: Apply, Update, prune; typed: Merge,
// Compare, ToFieldSet). List types and map keys come from lib/schema/patch-meta.ts.
//
// Simplified on purpose (documented so nobody is surprised):
// - No version conversion: every manager's paths are read as paths of the object's current version.
// - For Update operations, intermediate struct nodes (`spec`, `template`…) are never recorded as
//   members; upstream records them (`".":{}`) when the Go field is a pointer that was nil before.
//   Ownership of leaves, map entries and list items — what conflicts are made of — is exact.
// - Prune removes a previously applied path when no manager owns it or anything below it
//   (upstream's RemoveItems + addBackOwnedItems + addBackDanglingItems come to the same for the
//   common cases) and drops lists/maps left empty, as omitempty would on encoding.
// - A list-map item without one of its keys uses the OpenAPI default for `protocol` (TCP) and
//   otherwise is keyed by the keys it has.
import { ApiError, badRequest } from '../api/errors.js';
import { deepCopy, deepEqual, isObject, type JsonObject } from './json-value.js';
import {
  decodeFieldsV1,
  encodeFieldsV1,
  compareTokens,
  FieldSet,
  fieldToken,
  keyPath,
  keyToken,
  pathKey,
  pathString,
  valueToken,
  type FieldPath,
} from './field-set.js';
import { requiredFields } from '../schema/descriptions.js';
import { childShape, itemShape, modelForObject, rootShape, type Shape } from './shape.js';

export interface ApplyOptions {
  /** fieldManager query parameter. */
  manager: string;
  /** force query parameter (kubectl --force-conflicts). */
  force: boolean;
  /** apiVersion of the request, e.g. `apps/v1`. */
  apiVersion: string;
  /** client-node model (`V1Deployment`); defaults to the one apiVersion/kind name, else schemaless. */
  model?: string;
  /** RFC 3339 time recorded on the manager's entry. */
  now: string;
  /** `status`, `scale`… when applying to a subresource. */
  subresource?: string;
}

export interface UpdateOptions {
  manager: string;
  apiVersion: string;
  /** As in ApplyOptions: defaults to the model apiVersion/kind name. */
  model?: string;
  now: string;
  subresource?: string;
}

/** One decoded metadata.managedFields entry. */
export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

// stripMetaManager: fields the server owns, never recorded for anyone.
const STRIPPED: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => ['f:metadata', fieldToken(f)],
  ),
];
const STRIPPED_SET = new FieldSet(STRIPPED);

/** Defaults structured-merge-diff takes from OpenAPI for list-map keys an item omits. */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/**
 * Fields a write cannot own through this endpoint (the strategies' GetResetFields): status
 * through the main resource, spec through /status.
 */
function resetPrefixes(subresource: string | undefined): FieldPath[] {
  if (!subresource) return [['f:status']];
  if (subresource === 'status') return [['f:spec']];
  return [];
}

function filterSet(set: FieldSet, subresource: string | undefined): FieldSet {
  return set.difference(STRIPPED_SET).withoutPrefixes(resetPrefixes(subresource));
}

// ---------------------------------------------------------------- typed walks

function isAtomic(shape: Shape, v: unknown): boolean {
  switch (shape.kind) {
    case 'scalar':
      return true;
    case 'struct':
      return shape.atomic || !isObject(v);
    case 'map':
      return shape.atomic || !isObject(v);
    case 'list':
      return shape.listType === 'atomic' || !Array.isArray(v);
    case 'untyped':
      return !isObject(v);
  }
}

function itemKeyToken(item: unknown, keys: string[]): string {
  const k: JsonObject = {};
  if (isObject(item)) {
    for (const name of keys) {
      if (item[name] !== undefined) k[name] = item[name];
      else if (name in KEY_DEFAULTS) k[name] = KEY_DEFAULTS[name];
    }
  }
  return keyToken(k);
}

function itemToken(shape: Shape & { kind: 'list' }, item: unknown): string {
  return shape.listType === 'map' ? itemKeyToken(item, shape.keys) : valueToken(item);
}

/** typed.ToFieldSet: what an applied configuration sets. */
function toFieldSet(v: unknown, shape: Shape, path: FieldPath, set: FieldSet): void {
  if (isAtomic(shape, v)) {
    if (path.length) set.insert(path);
    return;
  }
  if (shape.kind === 'list') {
    for (const item of v as unknown[]) {
      const p = [...path, itemToken(shape, item)];
      if (shape.listType === 'map') toFieldSet(item, itemShape(shape), p, set);
      set.insert(p);
    }
    return;
  }
  const obj = v as JsonObject;
  for (const [k, x] of Object.entries(obj)) {
    const p = [...path, fieldToken(k)];
    const cs = childShape(shape, k);
    toFieldSet(x, cs, p, set);
    // A declared struct field is a member only when it carries no children; a map entry always is.
    if (shape.kind !== 'struct' || x === null || (isObject(x) && Object.keys(x).length === 0) || cs.kind === 'untyped') set.insert(p);
  }
}

interface NodeInfo {
  leaf: boolean;
  value?: unknown;
  /** A declared struct with children: not recorded as a member (see header). */
  quiet: boolean;
}

/**
 * Every node of a value, for Compare. `required`: the node is a required field of its struct —
 * Go then encodes it even when empty (no omitempty), so upstream's zero object already has it
 * and a create does not record it as a member (`f:containers` carries no ".").
 */
function collectNodes(v: unknown, shape: Shape, path: FieldPath, out: Map<string, NodeInfo>, asItem = false, required = false): void {
  if (isAtomic(shape, v)) {
    if (path.length) out.set(pathKey(path), { leaf: true, value: v, quiet: false });
    return;
  }
  const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v as JsonObject).length === 0;
  const quiet = (shape.kind === 'struct' && !asItem && !empty) || (shape.kind === 'list' && required);
  if (path.length) out.set(pathKey(path), { leaf: false, quiet });
  if (shape.kind === 'list') {
    for (const item of v as unknown[]) {
      const p = [...path, itemToken(shape, item)];
      if (shape.listType === 'map') collectNodes(item, itemShape(shape), p, out, true);
      else out.set(pathKey(p), { leaf: true, value: item, quiet: false });
    }
    return;
  }
  const req = shape.kind === 'struct' ? requiredFields(shape.model) : [];
  for (const [k, x] of Object.entries(v as JsonObject)) collectNodes(x, childShape(shape, k), [...path, fieldToken(k)], out, false, req.includes(k));
}

/**
 * The FieldsV1 a create records: what Compare({}, obj) adds, less the server-owned and reset
 * fields (filterSet), encoded (encodeFieldsV1) — built in one walk. Undefined when empty.
 */
function createdFieldsV1(obj: unknown, shape: Shape, subresource: string | undefined): JsonObject | undefined {
  try {
    return createdFieldsV1Walk(obj, shape, subresource);
  } catch (e) {
    if (e !== REPEATED_KEY) throw e;
    const set = filterSet(compare({}, obj, shape).added, subresource);
    return set.empty ? undefined : encodeFieldsV1(set);
  }
}

function createdFieldsV1Walk(obj: unknown, shape: Shape, subresource: string | undefined): JsonObject | undefined {
  // Reset prefixes and stripped fields all sit at depth 1 or 2 (under f:metadata): checked by token.
  const reset = new Set(resetPrefixes(subresource).map((p) => p[0]));
  // Returns the encoded node, or undefined when neither it nor anything under it is a member.
  const walk = (v: unknown, sh: Shape, depth: number, token: string, parent: string, asItem: boolean, required: boolean): JsonObject | undefined => {
    if (depth === 1 && reset.has(token)) return undefined;
    let member: boolean;
    let children: Array<[string, JsonObject]> | undefined;
    if (isAtomic(sh, v)) member = depth > 0;
    else {
      const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v as JsonObject).length === 0;
      member = depth > 0 && !((sh.kind === 'struct' && !asItem && !empty) || (sh.kind === 'list' && required));
      children = [];
      if (sh.kind === 'list') {
        const seen = new Set<string>();
        for (const item of v as unknown[]) {
          const t = itemToken(sh, item);
          if (seen.has(t)) throw REPEATED_KEY; // Compare merges repeated items: leave those to it
          seen.add(t);
          const c = sh.listType === 'map' ? walk(item, itemShape(sh), depth + 1, t, token, true, false) : {};
          if (c) children.push([t, c]);
        }
      } else {
        const req = sh.kind === 'struct' ? requiredFields(sh.model) : undefined;
        for (const k in v as JsonObject) {
          const t = 'f:' + k;
          const c = walk((v as JsonObject)[k], childShape(sh, k), depth + 1, t, token, false, req !== undefined && req.includes(k));
          if (c) children.push([t, c]);
        }
      }
    }
    if (member && depth <= 2 && STRIPPED_SET.has(depth === 1 ? [token] : [parent, token])) member = false;
    if (!member && !children?.length) return undefined;
    const out: JsonObject = {};
    if (!children?.length) return out;
    if (member) out['.'] = {};
    if (children.length > 1) children.sort((a, b) => compareTokens(a[0], b[0]));
    for (const [t, c] of children) out[t] = c;
    return out;
  };
  const root = walk(obj, shape, 0, '', '', false, false);
  return root && Object.keys(root).length ? root : undefined;
}
const REPEATED_KEY = new Error('repeated list key');

interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** typed.Compare of two versions of an object. */
function compare(oldObj: unknown, newObj: unknown, shape: Shape): Comparison {
  const a = new Map<string, NodeInfo>();
  const b = new Map<string, NodeInfo>();
  collectNodes(oldObj, shape, [], a);
  collectNodes(newObj, shape, [], b);
  const added = new FieldSet();
  const removed = new FieldSet();
  const modified = new FieldSet();
  for (const [k, n] of b) {
    const o = a.get(k);
    if (!o) {
      if (!n.quiet) added.insert(keyPath(k));
    } else if ((o.leaf || n.leaf) && (o.leaf !== n.leaf || !deepEqual(o.value, n.value))) modified.insert(keyPath(k));
  }
  for (const [k, o] of a) if (!b.has(k) && !o.quiet) removed.insert(keyPath(k));
  return { added, removed, modified };
}

/** merge.Merge of an applied configuration into the live object, list items by key. */
function mergeValues(lhs: unknown, rhs: unknown, shape: Shape): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined || lhs === null || rhs === null) return deepCopy(rhs);
  if (isAtomic(shape, rhs) || isAtomic(shape, lhs)) return deepCopy(rhs);
  if (shape.kind === 'list') return mergeLists(lhs as unknown[], rhs as unknown[], shape);
  const out = deepCopy(lhs) as JsonObject;
  for (const [k, v] of Object.entries(rhs as JsonObject)) {
    if (v === null) delete out[k];
    else out[k] = mergeValues(out[k], v, childShape(shape, k));
  }
  return out;
}

/** merge.go visitListItems: keeps live order, places shared and new items in applied order. */
function mergeLists(lhs: unknown[], rhs: unknown[], shape: Shape & { kind: 'list' }): unknown[] {
  const pe = (x: unknown) => itemToken(shape, x);
  const lhsPEs = lhs.map(pe);
  const rhsPEs = rhs.map(pe);
  const observedL = new Map<string, unknown>();
  const observedR = new Map<string, unknown>();
  lhs.forEach((x, i) => observedL.has(lhsPEs[i]) || observedL.set(lhsPEs[i], x));
  rhs.forEach((x, i) => observedR.has(rhsPEs[i]) || observedR.set(rhsPEs[i], x));
  const sharedOrder = rhsPEs.filter((p) => observedL.has(p));
  let nextShared = sharedOrder.shift();
  const mergedR = new Set<string>();
  const merge = (p: string) => (shape.listType === 'map' ? mergeValues(observedL.get(p), observedR.get(p), itemShape(shape)) : deepCopy(observedR.get(p)));
  const out: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length) {
      const p = lhsPEs[l];
      if (p === rhsPEs[r]) {
        mergedR.add(p);
        out.push(merge(p));
        l++;
        r++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (observedR.has(p) && nextShared !== undefined && nextShared !== p) {
        l++;
        continue;
      }
    }
    if (l < lhs.length) {
      const p = lhsPEs[l];
      if (!observedR.has(p)) {
        out.push(lhs[l]);
        l++;
        continue;
      } else if (mergedR.has(p)) {
        l++;
        continue;
      }
    }
    if (r < rhs.length) {
      const p = rhsPEs[r];
      mergedR.add(p);
      out.push(merge(p));
      r++;
      if (nextShared !== undefined && nextShared === p) nextShared = sharedOrder.shift();
    }
  }
  return out;
}

/** Removes the node at `path` (if present); reports the containers walked through. */
function removePath(root: JsonObject, path: FieldPath, shape: Shape): void {
  const trail: Array<{ container: JsonObject | unknown[]; at: string | number; shape: Shape }> = [];
  let cur: unknown = root;
  let curShape = shape;
  for (const t of path) {
    let at: string | number;
    let next: Shape;
    if (t.startsWith('f:')) {
      if (!isObject(cur)) return;
      at = t.slice(2);
      if (!(at in cur)) return;
      next = childShape(curShape, at);
    } else {
      if (!Array.isArray(cur) || curShape.kind !== 'list') return;
      const listShape = curShape;
      at = cur.findIndex((x) => itemToken(listShape, x) === t);
      if (at < 0) return;
      next = itemShape(curShape);
    }
    trail.push({ container: cur as JsonObject | unknown[], at, shape: curShape });
    cur = (cur as Record<string | number, unknown>)[at];
    curShape = next;
  }
  for (let i = trail.length - 1; i >= 0; i--) {
    const { container, at } = trail[i];
    if (Array.isArray(container)) container.splice(at as number, 1);
    else delete container[at as string];
    // Stop unless the container is now an empty list or map, which encoding would omit.
    const parent = trail[i - 1];
    if (!parent) return;
    const left = Array.isArray(container) ? container.length : Object.keys(container).length;
    if (left > 0 || (trail[i].shape.kind !== 'list' && trail[i].shape.kind !== 'map')) return;
  }
}

// ---------------------------------------------------------------- managed fields

function identity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  // BuildManagerIdentifier: the entry without time and fields, and without apiVersion for appliers.
  const id: JsonObject = { manager: e.manager, operation: e.operation };
  if (e.operation !== 'Apply' && e.apiVersion) id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

/** Decodes metadata.managedFields; entries of the same identity are merged. */
export function decodeManagedFields(list: unknown): ManagerEntry[] {
  if (!Array.isArray(list)) return [];
  const byId = new Map<string, ManagerEntry>();
  for (const raw of list) {
    if (!isObject(raw)) continue;
    const e: ManagerEntry = {
      manager: typeof raw.manager === 'string' ? raw.manager : '',
      operation: raw.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
      time: typeof raw.time === 'string' ? raw.time : undefined,
      subresource: typeof raw.subresource === 'string' && raw.subresource ? raw.subresource : undefined,
      set: decodeFieldsV1(raw.fieldsV1),
    };
    const id = identity(e);
    const prev = byId.get(id);
    if (prev) prev.set = prev.set.union(e.set);
    else byId.set(id, e);
  }
  return [...byId.values()];
}

/** Encodes entries in upstream's order: operation, then time, manager, apiVersion, subresource. */
function encodeManagedFields(entries: ManagerEntry[]): JsonObject[] {
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return entries
    .filter((e) => !e.set.empty)
    .sort(
      (p, q) =>
        cmp(p.operation, q.operation) ||
        seconds(p.time) - seconds(q.time) ||
        cmp(p.manager, q.manager) ||
        cmp(p.apiVersion, q.apiVersion) ||
        cmp(p.subresource ?? '', q.subresource ?? ''),
    )
    .map((e) => {
      const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
      if (e.time) out.time = e.time;
      out.fieldsType = 'FieldsV1';
      out.fieldsV1 = encodeFieldsV1(e.set);
      if (e.subresource) out.subresource = e.subresource;
      return out;
    });
}

/** conflict.go printManager. */
function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/** fieldpath.Set.Iterate order: at each level members first, then children, each sorted. */
function comparePaths(a: FieldPath, b: FieldPath): number {
  const rank = (t: string) => ({ f: 0, k: 1, v: 2, i: 3 })[t[0] as 'f'] ?? 4;
  for (let i = 0; ; i++) {
    const aEnds = a.length === i + 1;
    const bEnds = b.length === i + 1;
    if (a[i] === b[i]) {
      if (aEnds && bEnds) return 0;
      if (aEnds) return -1;
      if (bEnds) return 1;
      continue;
    }
    if (aEnds !== bEnds) return aEnds ? -1 : 1;
    return rank(a[i]) - rank(b[i]) || (a[i] < b[i] ? -1 : 1);
  }
}

/** internal/conflict.go NewConflictError (errors.NewApplyConflict). */
function conflictError(conflicts: Array<{ entry: ManagerEntry; set: FieldSet }>): ApiError {
  const sorted = conflicts.slice().sort((x, y) => (identity(x.entry) < identity(y.entry) ? -1 : 1));
  const flat = sorted.flatMap(({ entry, set }) => set.paths().sort(comparePaths).map((path) => ({ entry, path })));
  const causes = flat.map(({ entry, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(entry)}`,
    field: pathString(path),
  }));
  let message: string;
  if (flat.length === 1) message = `conflict with ${printManager(flat[0].entry)}: ${pathString(flat[0].path)}`;
  else {
    const lines: string[] = [];
    for (const { entry, set } of sorted) {
      lines.push(`conflicts with ${printManager(entry)}:`);
      for (const p of set.paths().sort(comparePaths)) lines.push(`- ${pathString(p)}`);
    }
    message = lines.join('\n');
  }
  return new ApiError({
    code: 409,
    reason: 'Conflict',
    message: `Apply failed with ${flat.length} conflict${flat.length === 1 ? '' : 's'}: ${message}`,
    details: { causes },
  });
}

/** The object without metadata.managedFields: a shallow copy, since callers only read it. */
function withoutManagedFields(obj: object | undefined): JsonObject {
  if (!obj) return {};
  const o = obj as JsonObject;
  if (!isObject(o.metadata) || !('managedFields' in o.metadata)) return o;
  const { managedFields: _mf, ...meta } = o.metadata;
  return { ...o, metadata: meta };
}

/** capManagersManager: at most this many Update entries; older ones merge into "ancient-changes". */
const MAX_UPDATE_MANAGERS = 10;

function capUpdateManagers(entries: ManagerEntry[]): ManagerEntry[] {
  const live = entries.filter((e) => !e.set.empty);
  const updaters = live.filter((e) => e.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return live;
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  updaters.sort((a, b) => seconds(a.time) - seconds(b.time) || (identity(a) < identity(b) ? -1 : 1));
  const dropped = new Set<ManagerEntry>();
  const firstOfVersion = new Map<string, ManagerEntry>();
  const buckets = new Map<string, ManagerEntry>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const e = updaters[i];
    const first = firstOfVersion.get(e.apiVersion);
    if (!first) {
      firstOfVersion.set(e.apiVersion, e);
      continue;
    }
    let bucket = buckets.get(e.apiVersion);
    if (!bucket) {
      bucket = { manager: 'ancient-changes', operation: 'Update', apiVersion: e.apiVersion, time: first.time, set: first.set };
      buckets.set(e.apiVersion, bucket);
      dropped.add(first);
    }
    bucket.set = bucket.set.union(e.set);
    bucket.time = e.time;
    dropped.add(e);
    length--;
  }
  return [...live.filter((e) => !dropped.has(e)), ...buckets.values()];
}

function setManagedFields(obj: JsonObject, entries: ManagerEntry[]): JsonObject {
  const encoded = encodeManagedFields(capUpdateManagers(entries));
  if (!isObject(obj.metadata)) obj.metadata = {};
  const meta = obj.metadata as JsonObject;
  if (encoded.length) meta.managedFields = encoded;
  else delete meta.managedFields;
  return obj;
}

/**
 * Server-side apply of configuration `applied` onto `live` (undefined: the object does not exist
 * yet and is created). Returns the new object carrying its updated metadata.managedFields.
 * Throws 409 Conflict when another manager owns a field the configuration changes and !force.
 */
export function apply(live: object | undefined, applied: object, opts: ApplyOptions): JsonObject {
  if (!isObject(applied)) throw badRequest('the body of the request must be an object');
  const appliedMeta = applied.metadata;
  if (isObject(appliedMeta) && appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const shape = rootShape(opts.model ?? modelForObject(applied) ?? modelForObject(live));
  // Apply merges into and prunes this copy, so it must not share structure with `live`.
  const liveObj = withoutManagedFields(live ? deepCopy(live) : undefined);
  let managers = live ? decodeManagedFields((live as JsonObject & { metadata?: JsonObject }).metadata?.managedFields) : [];
  if (live && managers.length === 0) {
    // skipNonAppliedManager: an object nobody tracked yet is first owned, field by field, by
    // "before-first-apply", so that applying over it reports what would be overwritten.
    const owned = filterSet(compare({}, liveObj, shape).added, opts.subresource);
    if (!owned.empty) managers = [{ manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, set: owned }];
  }

  const appliedSet = new FieldSet();
  toFieldSet(applied, shape, [], appliedSet);
  const ownSet = filterSet(appliedSet, opts.subresource);

  const merged = mergeValues(liveObj, applied, shape) as JsonObject;
  const cmp = compare(liveObj, merged, shape);
  const changed = filterSet(cmp.modified.union(cmp.added), opts.subresource);
  const removed = filterSet(cmp.removed, opts.subresource);

  const self: ManagerEntry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, time: opts.now, subresource: opts.subresource, set: ownSet };
  const selfId = identity(self);
  const previous = managers.find((m) => identity(m) === selfId);
  const others = managers.filter((m) => identity(m) !== selfId);

  const conflicts = others.map((entry) => ({ entry, set: entry.set.intersection(changed) })).filter((c) => !c.set.empty);
  if (conflicts.length && !opts.force) {
    // lastAppliedManager: kubectl moving from client-side to server-side apply may take over
    // the fields its last-applied-configuration still describes accurately (then as if forced).
    const allowed = opts.manager === 'kubectl' ? allowedFromLastApplied(liveObj, shape, opts) : undefined;
    const remaining = allowed ? conflicts.map((c) => ({ entry: c.entry, set: c.set.difference(allowed) })).filter((c) => !c.set.empty) : conflicts;
    if (remaining.length) throw conflictError(remaining);
  }
  // Forced (or allowed): the applier takes the fields over.
  for (const m of others) m.set = m.set.difference(changed).difference(removed);

  const entries = [...others, self].filter((m) => !m.set.empty || m === self);

  // Prune what this manager applied before, no longer applies, and nobody else owns.
  if (previous) {
    const owned = entries.reduce((acc, m) => acc.union(m.set), new FieldSet());
    const gone = previous.set
      .difference(owned)
      .paths()
      .filter((p) => !owned.coversOrContains(p))
      .sort((a, b) => a.length - b.length);
    // Removing a node removes what is under it; a descendant's path may no longer resolve after.
    const removed = new FieldSet();
    for (const p of gone) {
      if (p.some((_, i) => removed.has(p.slice(0, i)))) continue;
      removePath(merged, p, shape);
      removed.insert(p);
    }
  }
  // lastAppliedUpdater: kubectl's server-side apply keeps an existing client-side annotation current.
  const annotations = isObject(merged.metadata) && isObject((merged.metadata as JsonObject).annotations) ? ((merged.metadata as JsonObject).annotations as JsonObject) : undefined;
  if (opts.manager === 'kubectl' && annotations && typeof annotations[LAST_APPLIED] === 'string') {
    const copy = deepCopy(applied) as JsonObject;
    if (isObject(copy.metadata) && isObject(copy.metadata.annotations)) delete copy.metadata.annotations[LAST_APPLIED];
    annotations[LAST_APPLIED] = stableStringify(copy);
  }
  return setManagedFields(merged, entries);
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** JSON with object keys sorted, as Go encodes an unstructured object. */
function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The fields the live object's last-applied-configuration still matches (lastappliedmanager.go). */
function allowedFromLastApplied(liveObj: JsonObject, shape: Shape, opts: ApplyOptions): FieldSet | undefined {
  const meta = isObject(liveObj.metadata) ? liveObj.metadata : undefined;
  const raw = meta && isObject(meta.annotations) ? meta.annotations[LAST_APPLIED] : undefined;
  if (typeof raw !== 'string' || !raw) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(raw);
  } catch {
    return undefined; // upstream gives up on an undecodable annotation the same way
  }
  if (!isObject(last) || last.apiVersion !== opts.apiVersion) return undefined;
  const set = new FieldSet();
  toFieldSet(last, shape, [], set);
  const cmp = compare(last, liveObj, shape);
  return set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/**
 * Records a non-apply write (create, update, patch) by `opts.manager`: the manager takes
 * ownership of every field the write added or changed, other managers lose those fields, and
 * removed fields leave every set (managedFieldsUpdater + merge.Updater.Update).
 * An updated object whose managedFields is `[{}]` has its managed fields cleared, as upstream.
 */
export function trackUpdate(live: object | undefined, updated: object, opts: UpdateOptions): JsonObject {
  // Only metadata.managedFields changes: copy that level, share the rest (on the write hot path).
  const u = updated as JsonObject;
  const result: JsonObject = { ...u, metadata: isObject(u.metadata) ? { ...u.metadata } : u.metadata };
  const shape = rootShape(opts.model ?? modelForObject(updated) ?? modelForObject(live));
  const liveMF = isObject((live as JsonObject | undefined)?.metadata) ? ((live as JsonObject).metadata as JsonObject).managedFields : undefined;
  const userMF = isObject(result.metadata) ? result.metadata.managedFields : undefined;
  let managers = decodeManagedFields(liveMF);
  if (Array.isArray(userMF) && userMF.length > 0) {
    if (userMF.length === 1 && isObject(userMF[0]) && Object.keys(userMF[0]).length === 0) {
      delete (result.metadata as JsonObject).managedFields;
      return result;
    }
    if (!deepEqual(userMF, liveMF)) managers = decodeManagedFields(userMF);
  } else if (live && managers.length === 0) {
    // skipNonAppliedManager: an existing object without managed fields stays untracked until
    // the next apply (upstream only starts tracking on create or apply).
    if (isObject(result.metadata)) delete result.metadata.managedFields;
    return result;
  }
  const newObj = withoutManagedFields(result);
  if (!live && managers.length === 0) {
    // A plain create: every field is new and this manager is the only owner. One walk gives the
    // encoded set directly (the general path below computes the same through Compare and a set).
    const fieldsV1 = createdFieldsV1(newObj, shape, opts.subresource);
    if (fieldsV1) {
      const entry: JsonObject = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion };
      if (opts.now) entry.time = opts.now;
      entry.fieldsType = 'FieldsV1';
      entry.fieldsV1 = fieldsV1;
      if (opts.subresource) entry.subresource = opts.subresource;
      (result.metadata as JsonObject).managedFields = [entry];
    } else if (isObject(result.metadata)) delete result.metadata.managedFields;
    return result;
  }
  const oldObj = withoutManagedFields(live);
  const cmp = compare(oldObj, newObj, shape);
  const changed = filterSet(cmp.modified.union(cmp.added), opts.subresource);
  const removed = filterSet(cmp.removed, opts.subresource);
  for (const m of managers) m.set = m.set.difference(changed).difference(removed);
  if (!changed.empty) {
    const self: ManagerEntry = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, subresource: opts.subresource, set: changed };
    const id = identity(self);
    const prev = managers.find((m) => identity(m) === id);
    if (prev) {
      prev.set = prev.set.union(changed);
      prev.time = opts.now;
    } else managers.push(self);
  }
  return setManagedFields(result, managers);
}
