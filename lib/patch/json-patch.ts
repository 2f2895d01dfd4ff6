// JSON patch (RFC 6902) with the semantics of gopkg.in/evanphx/json-patch.v4, the library
// kube-apiserver uses (k8s.io/apiserver pkg/endpoints/handlers/patch.go). Differences from the RFC
// that upstream has and we keep: negative array indexes count from the end, `replace` of a
// missing object member adds it, and a failed operation is reported as a bare 422 whose message
// does not say which operation failed.
import { ApiError, badRequest, requestEntityTooLarge } from '../api/errors.js';
import { deepCopy, deepEqual, isObject, type JsonObject } from './json-value.js';

/** apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** Why one operation failed (evanphx's message); carried as the cause of the 422, never sent. */
class OperationError extends Error {}

type Container = JsonObject | unknown[];

function decodeKey(k: string): string {
  return k.replace(/~1/g, '/').replace(/~0/g, '~');
}

function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** evanphx findObject: the container holding the last path segment, and that segment. */
function findObject(doc: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur: unknown = doc;
  for (const part of split.slice(1, -1)) {
    const next = get(cur as Container, decodeKey(part), true);
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    cur = next;
  }
  return { con: cur as Container, key: decodeKey(split[split.length - 1]) };
}

function arrayIndex(ary: unknown[], key: string, forInsert: boolean): number {
  let idx = atoi(key);
  if (idx === undefined) throw new OperationError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  const limit = forInsert ? ary.length : ary.length - 1;
  if (idx < 0) {
    if (idx < -ary.length) throw new OperationError(`Unable to access invalid index: ${idx}`);
    idx += ary.length;
  }
  if (idx > limit) throw new OperationError(`Unable to access invalid index: ${idx}`);
  return idx;
}

function get(con: Container, key: string, lenient = false): unknown {
  if (Array.isArray(con)) {
    if (lenient && atoi(key) === undefined) return undefined;
    try {
      return con[arrayIndex(con, key, false)];
    } catch (e) {
      if (lenient) return undefined;
      throw e;
    }
  }
  return Object.prototype.hasOwnProperty.call(con, key) ? con[key] : undefined;
}

function add(con: Container, key: string, value: unknown): void {
  if (Array.isArray(con)) {
    if (key === '-') con.push(value);
    else con.splice(arrayIndex(con, key, true), 0, value);
  } else con[key] = value;
}

function remove(con: Container, key: string): unknown {
  if (Array.isArray(con)) {
    const idx = arrayIndex(con, key, false);
    return con.splice(idx, 1)[0];
  }
  if (!Object.prototype.hasOwnProperty.call(con, key)) throw new OperationError(`Unable to remove nonexistent key: ${key}: missing value`);
  const v = con[key];
  delete con[key];
  return v;
}

function requirePath(op: JsonObject, field: 'path' | 'from'): string {
  const p = op[field];
  if (typeof p !== 'string') throw new OperationError(`operation missing ${field} field`);
  return p;
}

function applyOne(doc: Container, op: JsonObject): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  const value = op.value === undefined ? null : op.value;
  switch (kind) {
    case 'add': {
      const path = requirePath(op, 'path');
      const t = findObject(doc, path);
      if (!t) throw new OperationError(`add operation does not apply: doc is missing path: "${path}": missing value`);
      add(t.con, t.key, deepCopy(value));
      return;
    }
    case 'remove': {
      const path = requirePath(op, 'path');
      const t = findObject(doc, path);
      if (!t) throw new OperationError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      remove(t.con, t.key);
      return;
    }
    case 'replace': {
      const path = requirePath(op, 'path');
      const t = findObject(doc, path);
      if (!t) throw new OperationError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      if (Array.isArray(t.con)) t.con[arrayIndex(t.con, t.key, false)] = deepCopy(value);
      else t.con[t.key] = deepCopy(value);
      return;
    }
    case 'move': {
      const from = requirePath(op, 'from');
      const src = findObject(doc, from);
      if (!src) throw new OperationError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      const v = get(src.con, src.key);
      remove(src.con, src.key);
      const path = requirePath(op, 'path');
      const dst = findObject(doc, path);
      if (!dst) throw new OperationError(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
      add(dst.con, dst.key, v);
      return;
    }
    case 'copy': {
      const from = requirePath(op, 'from');
      const src = findObject(doc, from);
      if (!src) throw new OperationError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      const v = get(src.con, src.key);
      if (v === undefined) throw new OperationError(`error in copy for path: ${from}`);
      const path = requirePath(op, 'path');
      const dst = findObject(doc, path);
      if (!dst) throw new OperationError(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
      add(dst.con, dst.key, deepCopy(v));
      return;
    }
    case 'test': {
      const path = requirePath(op, 'path');
      const t = findObject(doc, path);
      if (!t) throw new OperationError(`test operation does not apply: is missing path: ${path}: missing value`);
      const v = get(t.con, t.key);
      // evanphx treats an absent member and null alike.
      const actual = v === undefined ? null : v;
      if (!deepEqual(actual, value)) throw new OperationError(`testing value ${path} failed: test failed`);
      return;
    }
    default:
      throw new OperationError(`Unexpected kind: ${kind}`);
  }
}

/** The 422 upstream answers for any operation that does not apply (errors.NewGenericServerResponse). */
function notApplicable(cause: Error): ApiError {
  const err = new ApiError({
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
    details: {},
  });
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/** Validates the patch document's form (jsonpatch.DecodePatch): 400 when it is not a list of objects. */
export function decodeJsonPatch(ops: unknown): JsonObject[] {
  if (!Array.isArray(ops)) {
    const what = ops === null ? 'null' : isObject(ops) ? 'object' : typeof ops === 'boolean' ? 'bool' : typeof ops;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (!isObject(op) && op !== null) {
      const what = Array.isArray(op) ? 'array' : typeof op === 'boolean' ? 'bool' : typeof op;
      throw badRequest(`json: cannot unmarshal ${what} into Go value of type jsonpatch.Operation`);
    }
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw requestEntityTooLarge(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  return ops.map((o) => (o ?? {}) as JsonObject);
}

/** Applies an RFC 6902 patch to a copy of `original`. */
export function jsonPatch(original: object, ops: unknown): JsonObject {
  const decoded = decodeJsonPatch(ops);
  const doc = deepCopy(original) as JsonObject;
  for (const op of decoded) {
    try {
      applyOne(doc, op);
    } catch (e) {
      if (e instanceof OperationError) throw notApplicable(e);
      throw e;
    }
  }
  return doc;
}
