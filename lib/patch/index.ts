// One entry point for PATCH bodies: picks the mechanism by Content-Type as
// k8s.io/apiserver pkg/endpoints/handlers/patch.go does. Server-side apply
// (application/apply-patch+yaml) is not here: it needs managed fields, see ./server-side-apply.ts.
import { badRequest, unsupportedMediaType } from '../api/errors.js';
import { jsonPatch } from './json-patch.js';
import { mergePatch } from './merge-patch.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import type { JsonObject } from './json-value.js';

export { jsonPatch, decodeJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { mergePatch } from './merge-patch.js';
export { strategicMergePatch, strategicMergePatchUnsupported } from './strategic-merge-patch.js';
export { modelForObject } from './shape.js';
export { apply, trackUpdate, decodeManagedFields, type ApplyOptions, type UpdateOptions, type ManagerEntry } from './server-side-apply.js';

export type PatchType = 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json';

export const PATCH_TYPES: readonly PatchType[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

/** Parses a raw body (string/Buffer) as JSON; an already-decoded value passes through. */
function decodeBody(patchType: PatchType, body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    // evanphx reports any undecodable merge patch as ErrBadJSONPatch; the others surface the decoder's error.
    if (patchType === 'application/merge-patch+json') throw badRequest('Invalid JSON Patch');
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

/**
 * Applies a JSON, merge or strategic merge patch to a copy of `original`. `model` is the
 * client-node model of the object (e.g. `V1Pod`); without one, strategic merge patch is refused
 * with 415 as for custom resources.
 */
export function applyPatch(patchType: PatchType | string, original: object, patchBody: unknown, model?: string): JsonObject {
  switch (patchType) {
    case 'application/json-patch+json':
      return jsonPatch(original, decodeBody(patchType, patchBody));
    case 'application/merge-patch+json':
      return mergePatch(original, decodeBody(patchType, patchBody));
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(original, decodeBody(patchType, patchBody), model);
    default:
      throw unsupportedMediaType(patchType);
  }
}
