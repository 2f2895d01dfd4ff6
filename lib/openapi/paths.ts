// The REST operations of each resource, in a dialect-neutral form that v3.ts and v2.ts render.
// Shapes follow what kube-apiserver's endpoint installer (apiserver/pkg/endpoints/installer.go)
// puts into OpenAPI: collection list/create/deletecollection, item read/replace/patch/delete,
// status and scale subresources, one operation id per route, `x-kubernetes-action` and
// `x-kubernetes-group-version-kind` on every operation, path-level `name`/`namespace`/`pretty`.
// kubectl depends on one detail: each PATCH of a kind lists the `fieldValidation` query parameter
// (cli-runtime query_param_verifier_v3.go), otherwise it falls back to client-side validation.
import { hasModel } from '../schema/models.js';
import { DEFAULT_VERBS, type ResourceType, type SubresourceInfo } from '../registry/resource-type.js';
import { customResourceSchemaName, META_PREFIX, modelForKind, PATCH } from './names.js';
import type { GVK, JSONSchema, SchemaSet } from './schemas.js';

export type Action = 'list' | 'post' | 'deletecollection' | 'get' | 'put' | 'patch' | 'delete' | 'connect';
export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface Param {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

export interface Operation {
  method: Method;
  action: Action;
  operationId: string;
  description: string;
  tag: string;
  /** Absent on discovery paths (no kind). */
  gvk?: GVK;
  params: Param[];
  /** Request body: a definition name, and the media types it is accepted as. */
  body?: { schema: string; required: boolean; consumes: string[] };
  /** Responses by status code: a definition name, or `string` for text responses. */
  responses: Array<{ code: string; description: string; schema?: string }>;
  produces: string[];
}

export interface PathItem {
  path: string;
  params: Param[];
  ops: Operation[];
}

const PRETTY: Param = {
  name: 'pretty',
  in: 'query',
  type: 'string',
  description: "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
};
const NAMESPACE: Param = { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' };
const DRY_RUN: Param = {
  name: 'dryRun',
  in: 'query',
  type: 'string',
  description: 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
};
const FIELD_MANAGER: Param = {
  name: 'fieldManager',
  in: 'query',
  type: 'string',
  description: 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
};
const FIELD_MANAGER_PATCH: Param = {
  ...FIELD_MANAGER,
  description: `${FIELD_MANAGER.description} This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).`,
};
const FIELD_VALIDATION: Param = {
  name: 'fieldValidation',
  in: 'query',
  type: 'string',
  description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
};
const FORCE: Param = {
  name: 'force',
  in: 'query',
  type: 'boolean',
  description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
};
const RV_DOC = 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset';
const LIST_PARAMS: Param[] = [
  { name: 'allowWatchBookmarks', in: 'query', type: 'boolean', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.' },
  { name: 'continue', in: 'query', type: 'string', description: 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token.\n\nThis field is not supported when watch is true. Clients may start a watch from the last resourceVersion value returned by the server and not miss any modifications.' },
  { name: 'fieldSelector', in: 'query', type: 'string', description: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.' },
  { name: 'labelSelector', in: 'query', type: 'string', description: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.' },
  { name: 'limit', in: 'query', type: 'integer', description: 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. Setting a limit may return fewer than the requested amount of items (up to zero items) in the event all requested objects are filtered out and clients should only use the presence of the continue field to determine whether more results are available.' },
  { name: 'resourceVersion', in: 'query', type: 'string', description: RV_DOC },
  { name: 'resourceVersionMatch', in: 'query', type: 'string', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset' },
  { name: 'sendInitialEvents', in: 'query', type: 'boolean', description: '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent.' },
  { name: 'timeoutSeconds', in: 'query', type: 'integer', description: 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.' },
  { name: 'watch', in: 'query', type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.' },
];
const DELETE_PARAMS: Param[] = [
  DRY_RUN,
  { name: 'gracePeriodSeconds', in: 'query', type: 'integer', description: 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.' },
  { name: 'orphanDependents', in: 'query', type: 'boolean', description: 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.' },
  { name: 'propagationPolicy', in: 'query', type: 'string', description: "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground." },
];
const DELETE_COLLECTION_PARAMS: Param[] = [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== 'allowWatchBookmarks' && p.name !== 'watch')].sort((a, b) => a.name.localeCompare(b.name));

export const OBJECT_MEDIA = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
export const LIST_MEDIA = [...OBJECT_MEDIA, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
/** Patch media types; strategic merge patch only for built-in kinds (upstream omits it for CRDs). */
export function patchMediaTypes(builtin: boolean): string[] {
  return ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', ...(builtin ? ['application/strategic-merge-patch+json'] : [])];
}
const CONNECT = new Set(['exec', 'attach', 'portforward', 'proxy']);
const STATUS = `${META_PREFIX}Status`;
const DELETE_OPTIONS = `${META_PREFIX}DeleteOptions`;

/** `apps` → `Apps`, `rbac.authorization.k8s.io` → `RbacAuthorization`, `` → `Core` (operation ids). */
export function groupCamel(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** Operation tag: `core_v1`, `apps_v1`, `rbacAuthorization_v1`. */
export function tagOf(group: string, version: string): string {
  const c = groupCamel(group);
  return `${c.charAt(0).toLowerCase()}${c.slice(1)}_${version}`;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Where a group-version is served: `/api/v1` or `/apis/apps/v1`. */
export function gvBasePath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/** The definition names of a resource's kind and list kind, added to the schema set. */
function listable(rt: ResourceType): boolean {
  const verbs = rt.verbs ?? DEFAULT_VERBS;
  return verbs.includes('list') || verbs.includes('deletecollection');
}

export function addResourceSchemas(rt: ResourceType, set: SchemaSet): { kind: string; list?: string } {
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  const listGVK = { ...gvk, kind: `${rt.kind}List` };
  if (rt.model && hasModel(rt.model)) {
    const kind = set.addModel(rt.model, rt.group);
    set.addGVK(kind, gvk);
    // Kinds that cannot be listed (reviews, TokenRequest) have no list type upstream.
    if (!listable(rt)) return { kind };
    const list = hasModel(`${rt.model}List`) ? set.addModel(`${rt.model}List`, rt.group) : addListSchema(set, rt, kind);
    set.addGVK(list, listGVK);
    return { kind, list };
  }
  const name = customResourceSchemaName(rt.group, rt.version, rt.kind);
  const schema = customObjectSchema(rt.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, set);
  set.addCustom(name, schema.schema, rt.group, schema.refs);
  set.addGVK(name, gvk);
  if (!listable(rt)) return { kind: name };
  const list = addListSchema(set, rt, name);
  set.addGVK(list, listGVK);
  return { kind: name, list };
}

const API_VERSION_DOC = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

function described(set: SchemaSet, target: string, description: string): JSONSchema {
  return set.dialect === 'v3' ? { allOf: [set.ref(target)], description } : { ...set.ref(target), description };
}

/**
 * A custom resource's definition: its structural schema, with apiVersion, kind and metadata
 * filled in as the CRD OpenAPI builder (apiextensions-apiserver controller/openapi/builder) does.
 */
function customObjectSchema(schema: Record<string, unknown>, set: SchemaSet): { schema: JSONSchema; refs: string[] } {
  const s: JSONSchema = set.dialect === 'v2' ? toV2Schema(schema) : structuredClone(schema);
  set.addModel('V1ObjectMeta', '');
  const props = { ...((s.properties as Record<string, JSONSchema> | undefined) ?? {}) };
  props.apiVersion = { description: API_VERSION_DOC, type: 'string' };
  props.kind = { description: KIND_DOC, type: 'string' };
  props.metadata = described(set, `${META_PREFIX}ObjectMeta`, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");
  s.properties = Object.fromEntries(Object.keys(props).sort().map((k) => [k, props[k]]));
  s.type = 'object';
  return { schema: s, refs: [] };
}

/** Swagger 2.0 cannot say nullable/oneOf/anyOf/not; upstream's v2 CRD publishing drops them. */
export function toV2Schema(schema: unknown): JSONSchema {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'nullable' || k === 'oneOf' || k === 'anyOf' || k === 'not' || k === 'x-kubernetes-validations') continue;
      if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
        out[k] = Object.fromEntries(Object.entries(val as Record<string, unknown>).map(([pk, pv]) => [pk, walk(pv)]));
      } else {
        out[k] = walk(val);
      }
    }
    if (out['x-kubernetes-int-or-string']) delete out.type;
    return out;
  };
  return walk(schema) as JSONSchema;
}

function addListSchema(set: SchemaSet, rt: ResourceType, itemName: string): string {
  const name = `${itemName}List`;
  set.addModel('V1ListMeta', rt.group);
  set.addCustom(name, {
    description: `${rt.kind}List is a list of ${rt.kind}`,
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      items: {
        description: `List of ${rt.plural.toLowerCase()}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: set.ref(itemName),
        type: 'array',
      },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: described(set, `${META_PREFIX}ListMeta`, 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    },
    required: ['items'],
    type: 'object',
  }, rt.group);
  return name;
}

function ok(schema: string, codes: Array<[string, string]> = [['200', 'OK']]) {
  return [...codes.map(([code, description]) => ({ code, description, schema })), { code: '401', description: 'Unauthorized' }];
}

/** Every path of one resource, its definitions added to `set`. */
export function resourcePaths(rt: ResourceType, set: SchemaSet): PathItem[] {
  const verbs = new Set(rt.verbs ?? DEFAULT_VERBS);
  const { kind: kindSchema, list: listSchema } = addResourceSchemas(rt, set);
  const builtin = !!rt.model;
  const gvk: GVK = { group: rt.group, version: rt.version, kind: rt.kind };
  const tag = tagOf(rt.group, rt.version);
  const idGV = `${groupCamel(rt.group)}${cap(rt.version)}`;
  const ns = rt.namespaced ? 'Namespaced' : '';
  const base = gvBasePath(rt.group, rt.version);
  const collection = rt.namespaced ? `${base}/namespaces/{namespace}/${rt.plural}` : `${base}/${rt.plural}`;
  const scopeParams = rt.namespaced ? [NAMESPACE] : [];
  const nameParam = (kind: string): Param => ({ name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${kind}` });
  set.addModel('V1Status', rt.group);
  set.addModel('V1DeleteOptions', rt.group);
  set.addCommon(PATCH);
  const items: PathItem[] = [];

  // Collection.
  const cops: Operation[] = [];
  if (verbs.has('deletecollection')) {
    cops.push({
      method: 'delete', action: 'deletecollection', operationId: `delete${idGV}Collection${ns}${rt.kind}`, description: `delete collection of ${rt.kind}`,
      tag, gvk, params: DELETE_COLLECTION_PARAMS, body: { schema: DELETE_OPTIONS, required: false, consumes: ['*/*'] },
      responses: ok(STATUS), produces: OBJECT_MEDIA,
    });
  }
  if (verbs.has('list') && listSchema) {
    cops.push({
      method: 'get', action: 'list', operationId: `list${idGV}${ns}${rt.kind}`, description: `list or watch objects of kind ${rt.kind}`,
      tag, gvk, params: LIST_PARAMS, responses: ok(listSchema), produces: LIST_MEDIA,
    });
  }
  if (verbs.has('create')) {
    cops.push({
      method: 'post', action: 'post', operationId: `create${idGV}${ns}${rt.kind}`, description: `create a ${rt.kind}`,
      tag, gvk, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], body: { schema: kindSchema, required: true, consumes: ['*/*'] },
      responses: ok(kindSchema, [['200', 'OK'], ['201', 'Created'], ['202', 'Accepted']]), produces: OBJECT_MEDIA,
    });
  }
  if (cops.length) items.push({ path: collection, params: [...scopeParams, PRETTY], ops: cops });

  // Across all namespaces.
  if (rt.namespaced && verbs.has('list') && listSchema) {
    items.push({
      path: `${base}/${rt.plural}`,
      params: [],
      ops: [{
        method: 'get', action: 'list', operationId: `list${idGV}${rt.kind}ForAllNamespaces`, description: `list or watch objects of kind ${rt.kind}`,
        tag, gvk, params: [...LIST_PARAMS, PRETTY].sort((a, b) => a.name.localeCompare(b.name)), responses: ok(listSchema), produces: LIST_MEDIA,
      }],
    });
  }

  // Item and its read/replace/patch subresources.
  const itemOps = (suffix: string, what: string, schema: string, g: GVK, v: Set<string>, bodyBuiltin: boolean, opVerb = (s: string) => s): Operation[] => {
    const ops: Operation[] = [];
    const sub = suffix ? cap(suffix) : '';
    const of = what ? `${what} of ` : '';
    if (v.has('get')) {
      ops.push({ method: 'get', action: 'get', operationId: `read${idGV}${ns}${rt.kind}${sub}`, description: opVerb(`read ${of}the specified ${rt.kind}`), tag, gvk: g, params: [], responses: ok(schema), produces: OBJECT_MEDIA });
    }
    if (v.has('update')) {
      ops.push({
        method: 'put', action: 'put', operationId: `replace${idGV}${ns}${rt.kind}${sub}`, description: `replace ${of}the specified ${rt.kind}`, tag, gvk: g,
        params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], body: { schema, required: true, consumes: ['*/*'] },
        responses: ok(schema, [['200', 'OK'], ['201', 'Created']]), produces: OBJECT_MEDIA,
      });
    }
    if (v.has('patch')) {
      ops.push({
        method: 'patch', action: 'patch', operationId: `patch${idGV}${ns}${rt.kind}${sub}`, description: `partially update ${of}the specified ${rt.kind}`, tag, gvk: g,
        params: [DRY_RUN, FIELD_MANAGER_PATCH, FIELD_VALIDATION, FORCE], body: { schema: PATCH, required: true, consumes: patchMediaTypes(bodyBuiltin) },
        responses: ok(schema, [['200', 'OK'], ['201', 'Created']]), produces: OBJECT_MEDIA,
      });
    }
    return ops;
  };

  const iops = itemOps('', '', kindSchema, gvk, verbs, builtin);
  if (verbs.has('delete')) {
    iops.push({
      method: 'delete', action: 'delete', operationId: `delete${idGV}${ns}${rt.kind}`, description: `delete a ${rt.kind}`, tag, gvk,
      params: DELETE_PARAMS, body: { schema: DELETE_OPTIONS, required: false, consumes: ['*/*'] },
      responses: ok(STATUS, [['200', 'OK'], ['202', 'Accepted']]), produces: OBJECT_MEDIA,
    });
  }
  const itemPath = `${collection}/{name}`;
  const itemParams = [nameParam(rt.kind), ...scopeParams, PRETTY];
  if (iops.length) items.push({ path: itemPath, params: itemParams, ops: sortOps(iops) });

  const rw = new Set(['get', 'update', 'patch']);
  if (rt.statusSubresource) {
    items.push({ path: `${itemPath}/status`, params: itemParams, ops: sortOps(itemOps('status', 'status', kindSchema, gvk, rw, builtin)) });
  }
  if (rt.scale) {
    const scale = set.addModel('V1Scale', 'autoscaling');
    const scaleGVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    set.addGVK(scale, scaleGVK);
    items.push({ path: `${itemPath}/scale`, params: [nameParam('Scale'), ...scopeParams, PRETTY], ops: sortOps(itemOps('scale', 'scale', scale, scaleGVK, rw, true)) });
  }
  for (const sub of rt.subresources ?? []) {
    if ((sub.name === 'status' && rt.statusSubresource) || (sub.name === 'scale' && rt.scale)) continue;
    const p = subresourcePath(rt, sub, set, { idGV, ns, tag, itemPath, itemParams, kindSchema, builtin, itemOps });
    if (p) items.push(p);
  }
  return items;
}

const METHOD_ORDER: Method[] = ['delete', 'get', 'patch', 'post', 'put'];
function sortOps(ops: Operation[]): Operation[] {
  return ops.sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
}

function subresourcePath(
  rt: ResourceType,
  sub: SubresourceInfo,
  set: SchemaSet,
  ctx: {
    idGV: string; ns: string; tag: string; itemPath: string; itemParams: Param[]; kindSchema: string; builtin: boolean;
    itemOps: (suffix: string, what: string, schema: string, g: GVK, v: Set<string>, bodyBuiltin: boolean) => Operation[];
  },
): PathItem | undefined {
  const group = sub.group ?? rt.group;
  const version = sub.version ?? rt.version;
  const gvk: GVK = { group, version, kind: sub.kind };
  const path = `${ctx.itemPath}/${sub.name}`;
  const verbs = new Set(sub.verbs);
  const sc = cap(sub.name);
  if (CONNECT.has(sub.name)) {
    const methods: Method[] = sub.name === 'portforward' || sub.name === 'exec' || sub.name === 'attach' ? ['get', 'post'] : ['delete', 'get', 'patch', 'post', 'put'];
    return {
      path,
      params: ctx.itemParams.filter((p) => p.name !== 'pretty').map((p) => (p.name === 'name' ? { ...p, description: `name of the ${sub.kind}` } : p)),
      ops: methods.map((method) => ({
        method, action: 'connect' as const, operationId: `connect${ctx.idGV}${cap(method)}${ctx.ns}${rt.kind}${sc}`,
        description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${rt.kind}`, tag: ctx.tag, gvk,
        params: [], responses: [{ code: '200', description: 'OK', schema: 'string' }, { code: '401', description: 'Unauthorized' }], produces: ['*/*'],
      })),
    };
  }
  if (sub.name === 'log') {
    return {
      path,
      params: ctx.itemParams,
      ops: [{
        method: 'get', action: 'get', operationId: `read${ctx.idGV}${ctx.ns}${rt.kind}${sc}`, description: `read ${sub.name} of the specified ${rt.kind}`,
        tag: ctx.tag, gvk: { group: rt.group, version: rt.version, kind: rt.kind }, params: [],
        responses: [{ code: '200', description: 'OK', schema: 'string' }, { code: '401', description: 'Unauthorized' }],
        produces: ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
      }],
    };
  }
  // A subresource with its own kind (binding, eviction, token) or the parent's (ephemeralcontainers, resize).
  let schema: string;
  if (sub.kind === rt.kind && group === rt.group && version === rt.version) {
    schema = ctx.kindSchema;
  } else {
    const model = modelForKind(group, version, sub.kind);
    if (!model) return undefined;
    schema = set.addModel(model, group);
    set.addGVK(schema, gvk);
  }
  const ops = ctx.itemOps(sub.name, sub.name, schema, gvk, verbs, ctx.builtin);
  if (verbs.has('create')) {
    ops.push({
      method: 'post', action: 'post', operationId: `create${ctx.idGV}${ctx.ns}${rt.kind}${sc}`, description: `create ${sub.name} of a ${rt.kind}`,
      tag: ctx.tag, gvk, params: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], body: { schema, required: true, consumes: ['*/*'] },
      responses: ok(schema, [['200', 'OK'], ['201', 'Created'], ['202', 'Accepted']]), produces: OBJECT_MEDIA,
    });
  }
  if (!ops.length) return undefined;
  return { path, params: ctx.itemParams.map((p) => (p.name === 'name' ? { ...p, description: `name of the ${sub.kind}` } : p)), ops: sortOps(ops) };
}

/** The `GET /apis/<g>/<v>/` discovery path every group-version document carries. */
export function resourceListPath(group: string, version: string, set: SchemaSet): PathItem {
  const list = set.addModel('V1APIResourceList', group);
  return {
    path: `${gvBasePath(group, version)}/`,
    params: [],
    ops: [{
      method: 'get', action: 'get', operationId: `get${groupCamel(group)}${cap(version)}APIResources`, description: 'get available resources',
      tag: tagOf(group, version), params: [], responses: ok(list), produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    }],
  };
}
