// JSON merge patch (RFC 7386), as kube-apiserver applies it with gopkg.in/evanphx/json-patch.v4
// MergePatch (k8s.io/apiserver pkg/endpoints/handlers/patch.go, jsonPatcher.applyJSPatch).
import { badRequest } from '../api/errors.js';
import { deepCopy, isObject, type JsonObject } from './json-value.js';

/** Removes null members from objects nested anywhere in a value being added (evanphx pruneNulls). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = pruneNulls(x);
    return out;
  }
  return v;
}

function mergeInto(doc: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
    } else if (isObject(v) && isObject(doc[k])) {
      doc[k] = mergeInto(doc[k] as JsonObject, v);
    } else {
      doc[k] = pruneNulls(deepCopy(v));
    }
  }
  return doc;
}

/**
 * Applies an RFC 7386 merge patch to `original` (not modified). A patch that is not a JSON object
 * is refused as upstream refuses it: 400 "Invalid JSON Patch".
 */
export function mergePatch(original: object, patch: unknown): JsonObject {
  if (Array.isArray(patch)) {
    // evanphx turns the document into the array; decoding that into an object then fails.
    throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  }
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
  return mergeInto(deepCopy(original) as JsonObject, patch);
}
