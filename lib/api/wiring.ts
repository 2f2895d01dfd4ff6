// Connects the REST layer to the patch engine, server-side apply, schema checks, OpenAPI and
// protobuf. One place, so the REST handler stays free of those modules' details.
import type { GenericStore } from '../registry/generic-store.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { RestDeps, SubresourceHandler } from './rest-handler.js';
import { applyPatch, apply, trackUpdate, strategicMergePatchUnsupported } from '../patch/index.js';
import { unknownFields, unknownFieldsInSchema } from '../schema/unknown-fields.js';
import { OpenAPIService } from '../openapi/handler.js';
import { decodeProtobufObject, encodeProtobufObject, encodeWatchEventFrame } from '../protobuf/codec.js';
import { setProtobufEncoder } from './respond.js';
import { nowTimestamp } from '../registry/generic-store.js';
import type { KObject } from '../registry/resource-type.js';

export function buildDeps(registry: ResourceRegistry, store: GenericStore, subresourceHandlers: Map<string, SubresourceHandler>): RestDeps & { openapi: OpenAPIService } {
  store.fieldManager = {
    trackUpdate: (live, updated, opts) => {
      const rt = registry.lookupKind(...splitApiVersion(opts.apiVersion), updated.kind ?? '');
      return trackUpdate(live, updated, { ...opts, model: rt?.model }) as KObject;
    },
  };
  setProtobufEncoder({
    encodeObject: (obj) => encodeProtobufObject(obj as Record<string, unknown>),
    encodeWatchEvent: (type, obj) => encodeWatchEventFrame(type, obj as Record<string, unknown>),
  });
  return {
    registry,
    store,
    subresourceHandlers,
    openapi: new OpenAPIService(() => registry.all()),
    applyPatch(type, original, patch, rt) {
      if (type === 'application/strategic-merge-patch+json' && !rt.model) {
        throw strategicMergePatchUnsupported();
      }
      return applyPatch(type, original, patch, rt.model) as KObject;
    },
    serverSideApply(live, applied, opts) {
      return apply(live, applied, { manager: opts.manager, force: opts.force, apiVersion: opts.apiVersion, model: opts.rt.model, now: nowTimestamp(), subresource: opts.subresource }) as KObject;
    },
    unknownFields(obj, rt) {
      if (rt.model) return unknownFields(obj, rt.model);
      // Custom resources: what the schema would prune, and unknown ObjectMeta fields, as upstream reports them.
      return rt.schema ? unknownFieldsInSchema(obj, rt.schema) : [];
    },
    decodeProtobuf: (body, intoKind) => decodeProtobufObject(body, intoKind ? { kind: intoKind } : undefined) as KObject,
  };
}

function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}
