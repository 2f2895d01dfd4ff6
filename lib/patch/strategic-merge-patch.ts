// Strategic merge patch, ported from k8s.io/apimachinery pkg/util/strategicpatch/patch.go
// (StrategicMergeMapPatch with MergeParallelList and IgnoreUnmatchedNulls, as kube-apiserver calls
// it). Patch strategies and merge keys come from lib/schema/patch-meta.ts via ./shape.ts instead
// of Go struct tags. Error statuses follow apiserver's interpretStrategicMergePatchError.
//
// Where upstream copies a raw patch value into the result (a key absent from the original, a list
// that is replaced), it relies on the later conversion into a typed Go object to drop leftover
// directives and nulls; working on plain JSON we clean such values explicitly instead.
import { ApiError, badRequest } from '../api/errors.js';
import { deepCopy, goFormat, goKind, goTypeName, isObject, type JsonObject } from './json-value.js';
import { childShape, fieldPatchMeta, itemShape, rootShape, type Shape } from './shape.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

// mergepatch sentinel errors and how apiserver classifies them.
const BAD_REQUEST = new Set([
  'invalid JSON document',
  'invalid patch format of primitive list',
  'invalid patch format of retainKeys',
  'invalid patch format of setElementOrder list',
  'strategic merge patch format is not supported',
]);
const UNPROCESSABLE = new Set(['lists of lists are not supported', "patch content doesn't match retainKeys list"]);

/** An error raised while merging; its message is upstream's error text. */
class MergeError extends Error {}

const ERR_NO_LIST_OF_LISTS = () => new MergeError('lists of lists are not supported');
const ERR_RETAIN_KEYS = () => new MergeError('invalid patch format of retainKeys');
const ERR_PRIMITIVE_LIST = () => new MergeError('invalid patch format of primitive list');
const ERR_SET_ELEMENT_ORDER = () => new MergeError('invalid patch format of setElementOrder list');
const errNoMergeKey = (m: JsonObject, k: string) => new MergeError(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
const errBadArgType = (expected: string, actual: unknown) => new MergeError(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: unknown, m: JsonObject) => new MergeError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);

function toApiError(e: MergeError): ApiError {
  if (BAD_REQUEST.has(e.message)) return badRequest(e.message);
  if (UNPROCESSABLE.has(e.message)) {
    return new ApiError({ code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request', details: {} });
  }
  // Not a metav1.Status upstream: apiserver's ErrorToAPIStatus answers 500 with the bare message.
  return new ApiError({ code: 500, message: e.message });
}

type Kind = ReturnType<typeof goKind>;

/** Go's `==` on two decoded JSON scalars (maps and slices never compare equal here). */
function same(a: unknown, b: unknown): boolean {
  return a === b && (goKind(a) !== 'map' && goKind(a) !== 'slice');
}

/** A patch value being placed where the original has nothing: resolve its directives against nothing. */
function fresh(v: unknown, shape: Shape): unknown {
  if (isObject(v)) return mergeMap({}, deepCopy(v), shape);
  if (Array.isArray(v)) {
    const { strategy, mergeKey } = listMeta(shape);
    // Only a keyed list can carry item directives ($patch: delete|replace); anything else is copied
    // as upstream copies it (validation, not the patch, then judges items without a key).
    const keyed = strategy === 'merge' && mergeKey && v.length > 0 && v.every((x) => isObject(x) && (mergeKey in x || DIRECTIVE in x));
    if (keyed) return mergeSlice([], deepCopy(v), shape, mergeKey, false);
    return v.map((x) => fresh(x, itemShape(shape)));
  }
  return v;
}

function listMeta(shape: Shape): { strategy: string; mergeKey: string } {
  if (shape.kind !== 'list') return { strategy: '', mergeKey: '' };
  return { strategy: splitStrategy(shape.strategy ?? ''), mergeKey: shape.mergeKey ?? '' };
}

/** extractRetainKeysPatchStrategy: the strategy left once retainKeys is taken out. */
function splitStrategy(s: string): string {
  const parts = s.split(',').filter((p) => p && p !== 'retainKeys');
  return parts[0] ?? '';
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonObject, shape: Shape): JsonObject {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return mergeMap({}, patch, shape);
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw ERR_RETAIN_KEYS();
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw ERR_RETAIN_KEYS();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf('/');
  if (i < 0 || s.slice(0, i) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw ERR_PRIMITIVE_LIST();
    throw ERR_SET_ELEMENT_ORDER();
  }
  return s.slice(i + 1);
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return same(left, right);
  if (!isObject(left)) throw errBadArgType('map[string]interface {}', left);
  if (!isObject(right)) throw errBadArgType('map[string]interface {}', right);
  if (!(mergeKey in left)) throw errNoMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw errNoMergeKey(right, mergeKey);
  return same(left[mergeKey], right[mergeKey]);
}

function extractToDeleteItems(l: unknown[]): { nonDelete: unknown[]; toDelete: unknown[] } {
  const nonDelete: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const v of l) {
    if (!isObject(v)) throw errBadArgType('map[string]interface {}', v);
    if (v[DIRECTIVE] === 'delete') toDelete.push(v);
    else nonDelete.push(v);
  }
  return { nonDelete, toDelete };
}

function validatePatchWithSetOrderList(patchList: unknown, setOrderList: unknown, mergeKey: string): void {
  if (!Array.isArray(setOrderList)) throw ERR_SET_ELEMENT_ORDER();
  if (!Array.isArray(patchList)) throw ERR_SET_ELEMENT_ORDER();
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList).nonDelete : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrderList.length) {
    if (isObject(nonDelete[p]) && DIRECTIVE in (nonDelete[p] as JsonObject)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], setOrderList[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrderList.length) {
    throw new MergeError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(setOrderList)}\n`,
    );
  }
}

function sliceElementKind(...slices: unknown[][]): Kind {
  let prev: Kind | undefined;
  for (const s of slices) {
    for (const v of s) {
      const k = goKind(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'slice') throw ERR_NO_LIST_OF_LISTS();
      } else if (prev !== k) {
        throw new MergeError(`list element types are not identical: ${goFormat(slices)}`);
      }
    }
  }
  if (prev === undefined) throw new MergeError('no elements in any of the given slices');
  return prev;
}

function indexIn(l: unknown[], val: unknown, mergeKey: string, kind: Kind): number {
  const key = (item: unknown) => (kind === 'map' ? (isObject(item) ? item[mergeKey] : undefined) : item);
  const want = key(val);
  return l.findIndex((v) => {
    const got = key(v);
    // Go compares interface values: nil == nil is true, so do undefined keys here.
    return (want === undefined && got === undefined) || same(want, got);
  });
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const l of lists) {
    for (const item of l) {
      if (!isObject(item)) throw errBadArgType('map[string]interface {}', item);
      if (!(mergeKey in item)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/** normalizeSliceOrder: Go's sort.SliceStable (insertion sort) with upstream's odd less(). */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let toDelete: unknown[] = [];
  let items = toSort.slice();
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, items, order);
    ({ nonDelete: items, toDelete } = extractToDeleteItems(items));
  }
  const less = (a: unknown, b: unknown) => {
    const ia = indexIn(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexIn(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  };
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) {
      [items[j], items[j - 1]] = [items[j - 1], items[j]];
    }
  }
  return items.concat(toDelete);
}

function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(patch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partition(merged: unknown[], by: unknown[], mergeKey: string): { patchItems: unknown[]; serverOnly: unknown[] } {
  const patchItems: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) {
    let found: boolean;
    if (!mergeKey) found = by.some((x) => same(x, v));
    else {
      if (!isObject(v)) throw errBadArgType('map[string]interface {}', v);
      if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
      found = by.some((x) => {
        if (!isObject(x)) throw new MergeError(`value for key ${by.indexOf(x)} is not a map.`);
        return mergeKey in x && same(x[mergeKey], v[mergeKey]);
      });
    }
    (found ? patchItems : serverOnly).push(v);
  }
  return { patchItems, serverOnly };
}

/** Go's deduplicateScalars, order-scrambling included (normalizeElementOrder restores order). */
function deduplicateScalars(s: unknown[]): unknown[] {
  s = s.slice();
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (same(s[i], s[j])) {
        s[j] = s[length];
        s = s.slice(0, length);
        length--;
        j--;
      }
    }
  }
  return s;
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let k = 0; k < list.length; k++) {
    const v = list[k];
    if (!isObject(v)) throw new MergeError(`value for key ${k} is not a map.`);
    if (key in v && same(v[key], value)) return k;
  }
  return -1;
}

function mergeSlice(original: unknown[], patch: unknown[], shape: Shape, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) return original.filter((v) => !patch.some((d) => same(d, v)));
    merged = deduplicateScalars(original.concat(patch));
  } else {
    if (!mergeKey) throw new MergeError(`cannot merge lists without merge key for type ${shape.kind === 'list' && itemShape(shape).kind === 'struct' ? 'struct' : 'map'}`);
    // Go slice semantics matter here. `original` shares its backing array with the caller's view
    // of the live list (mergePatchIntoOriginal's originalFieldValue, whose capacity equals its
    // length): deleteMatchingEntries shifts items left in place and appending new items writes
    // into the freed slots. Upstream's element order after `$patch: delete` + `$setElementOrder`
    // depends on that aliasing (patch_test.go "add map and delete map from merging list with
    // conflict"), so it is reproduced on the caller's array.
    const backing = original;
    let len = backing.length;
    const plain: unknown[] = [];
    let replace = false;
    for (const v of patch) {
      const m = v as JsonObject;
      if (!(DIRECTIVE in m)) {
        plain.push(v);
        continue;
      }
      switch (m[DIRECTIVE]) {
        case 'delete': {
          if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
          for (;;) {
            const at = findByKey(backing.slice(0, len), mergeKey, m[mergeKey]);
            if (at < 0) break;
            backing.copyWithin(at, at + 1, len);
            len--;
          }
          break;
        }
        case 'replace':
          replace = true;
          break;
        case 'merge':
          throw new MergeError('merging lists cannot yet be specified in the patch');
        default:
          throw errBadPatchType(m[DIRECTIVE], m);
      }
    }
    if (replace) {
      original = plain.map((x) => fresh(x, itemShape(shape)));
      patch = [];
      merged = original.slice();
    } else {
      patch = plain;
      original = backing.slice(0, len);
      // mergeSliceWithoutSpecialElements
      let cur = backing;
      let curLen = len;
      for (const v of patch) {
        const m = v as JsonObject;
        if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
        const at = findByKey(cur.slice(0, curLen), mergeKey, m[mergeKey]);
        if (at >= 0) cur[at] = mergeMap(cur[at] as JsonObject, m, itemShape(shape));
        else if (cur === backing && curLen < backing.length) cur[curLen++] = fresh(m, itemShape(shape));
        else {
          if (cur === backing) cur = backing.slice(0, curLen); // append beyond capacity reallocates
          cur.push(fresh(m, itemShape(shape)));
          curLen++;
        }
      }
      merged = cur.slice(0, curLen);
    }
  }
  const { patchItems, serverOnly } = partition(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function mergeSliceHandler(original: unknown[], patch: unknown[], shape: Shape, strategy: string, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (strategy === 'merge') return mergeSlice(original, patch, shape, mergeKey, isDeleteList);
  return fresh(patch, { ...shape, ...(shape.kind === 'list' ? { strategy: '' } : {}) } as Shape) as unknown[];
}

function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, shape: Shape): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType('[]interface {}', order);
    const field = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = field in original;
    const foundPatch = field in patch;
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      if (!Array.isArray(original[field])) throw errBadArgType('[]interface {}', original[field]);
      originalList = original[field] as unknown[];
    }
    if (foundPatch) {
      if (!Array.isArray(patch[field])) throw errBadArgType('[]interface {}', patch[field]);
      patchList = patch[field] as unknown[];
    }
    const fshape = childShape(shape, field);
    const { strategy: rawStrategy, mergeKey } = fieldPatchMeta(shape, field);
    const strategy = splitStrategy(rawStrategy);
    validatePatchWithSetOrderList(patchList, order, mergeKey);
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = fresh(patchList, fshape) as unknown[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, fshape, strategy, mergeKey, false);
    else continue;
    const { patchItems, serverOnly } = partition(merged, order, mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    original[field] = normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, kind);
    delete patch[field];
  }
}

function mergeMap(original: JsonObject, patch: JsonObject, shape: Shape): JsonObject {
  if (DIRECTIVE in patch) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch, shape);
  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, shape);
  for (let [k, patchV] of Object.entries(patch)) {
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      k = extractKey(k, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    } else if (k.startsWith('$')) {
      // An unknown directive upstream carries into the map and typed decoding then drops.
      continue;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    const fshape = childShape(shape, k);
    if (!(k in original) || original[k] === null) {
      // Upstream would copy the deletion list itself in here; deleting from nothing leaves nothing.
      if (!isDeleteList) original[k] = fresh(patchV, fshape);
      continue;
    }
    const ov = original[k];
    if (goKind(ov) !== goKind(patchV)) {
      original[k] = fresh(patchV, fshape);
      continue;
    }
    const { strategy: rawStrategy, mergeKey } = fieldPatchMeta(shape, k);
    const strategy = splitStrategy(rawStrategy);
    if (isObject(ov)) {
      original[k] = strategy === 'replace' ? fresh(patchV, fshape) : mergeMap(ov, patchV as JsonObject, fshape);
    } else if (Array.isArray(ov)) {
      original[k] = mergeSliceHandler(ov, patchV as unknown[], fshape, strategy, mergeKey, isDeleteList);
    } else {
      original[k] = patchV;
    }
  }
  return original;
}

/** 415 for a strategic merge patch on a kind without Go types (custom resources), as apiextensions-apiserver answers. */
export function strategicMergePatchUnsupported(): ApiError {
  return new ApiError({
    code: 415,
    reason: 'UnsupportedMediaType',
    message:
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  });
}

/**
 * Applies a strategic merge patch to a copy of `original`, an object of client-node model
 * `model` (e.g. `V1Deployment`). Without a known model the patch is refused with 415.
 */
export function strategicMergePatch(original: object, patch: unknown, model: string | undefined): JsonObject {
  const shape = rootShape(model);
  if (shape.kind !== 'struct') throw strategicMergePatchUnsupported();
  if (!isObject(patch)) {
    const what = patch === null ? 'null' : Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    // json.Unmarshal of the body into map[string]interface{}; `null` decodes to an empty map.
    if (patch === null) return deepCopy(original) as JsonObject;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  try {
    return mergeMap(deepCopy(original) as JsonObject, deepCopy(patch), shape);
  } catch (e) {
    if (e instanceof MergeError) throw toApiError(e);
    throw e;
  }
}
