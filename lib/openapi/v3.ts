// OpenAPI v3, served per group-version as kube-apiserver does (kube-openapi handler3):
//   GET /openapi/v3                → {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=<SHA512 HEX>"}, …}}
//   GET /openapi/v3/apis/apps/v1   → one OpenAPI 3.0 document with that group-version's paths and schemas.
// kubectl (client-go openapi3) fetches the serverRelativeURL verbatim, checks each kind's PATCH
// operation for `fieldValidation` (server-side validation), and `kubectl explain` reads the schemas.
import { createHash } from 'node:crypto';
import type { ResourceType } from '../registry/resource-type.js';
import { groupCamel, gvBasePath, resourceListPath, resourcePaths, type Operation, type Param, type PathItem } from './paths.js';
import { SchemaSet, type JSONSchema } from './schemas.js';

export interface OpenAPIV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** `api/v1` or `apis/apps/v1`: the key of a group-version in the v3 root. */
export function gvPathOf(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return gvBasePath(rt.group, rt.version).slice(1);
}

/** All group-version paths the resources span, core first, then groups in the order given. */
export function groupVersionPaths(resources: ResourceType[]): string[] {
  const seen = new Set<string>();
  for (const rt of resources) seen.add(gvPathOf(rt));
  return [...seen].sort((a, b) => (a.startsWith('api/') === b.startsWith('api/') ? 0 : a.startsWith('api/') ? -1 : 1));
}

/** kube-openapi's ETag and `hash` query value: upper-case hex SHA-512 of the JSON document. */
export function documentHash(json: string | Buffer): string {
  return createHash('sha512').update(json).digest('hex').toUpperCase();
}

/**
 * Every document key of the v3 discovery document: the group-versions, plus the discovery
 * endpoints kube-apiserver also describes (`api`, `apis`, `apis/<group>`, `version`).
 */
export function documentKeys(resources: ResourceType[]): string[] {
  const gvs = groupVersionPaths(resources);
  const groups = [...new Set(resources.filter((rt) => rt.group).map((rt) => `apis/${rt.group}`))];
  return [...(gvs.some((g) => g.startsWith('api/')) ? ['api'] : []), ...gvs, 'apis', ...groups, 'version'];
}

/** The document of a discovery endpoint (`api`, `apis`, `apis/<group>`, `version`), or undefined. */
function discoveryDocument(resources: ResourceType[], key: string): JSONSchema | undefined {
  const set = new SchemaSet('v3');
  let item: PathItem;
  const op = (path: string, operationId: string, description: string, tag: string, model: string, group: string, produces = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']): PathItem => {
    const schema = set.addModel(model, group);
    return { path, params: [], ops: [{ method: 'get', action: 'get', operationId, description, tag, params: [], responses: [{ code: '200', description: 'OK', schema }, { code: '401', description: 'Unauthorized' }], produces }] };
  };
  if (key === 'api') {
    if (!resources.some((rt) => !rt.group)) return undefined;
    item = op('/api/', 'getCoreAPIVersions', 'get available API versions', 'core', 'V1APIVersions', '');
  } else if (key === 'apis') {
    item = op('/apis/', 'getAPIVersions', 'get available API versions', 'apis', 'V1APIGroupList', '');
  } else if (key === 'version') {
    item = op('/version/', 'getCodeVersion', 'get the version information for this server', 'version', 'VersionInfo', '', ['application/json']);
  } else {
    const group = /^apis\/([^/]+)$/.exec(key)?.[1];
    if (!group || !resources.some((rt) => rt.group === group)) return undefined;
    const camel = groupCamel(group);
    item = op(`/apis/${group}/`, `get${camel}APIGroup`, 'get information of a group', `${camel.charAt(0).toLowerCase()}${camel.slice(1)}`, 'V1APIGroup', group);
  }
  return v3Envelope(set, renderV3Paths([item], set));
}

function v3Envelope(set: SchemaSet, paths: Record<string, JSONSchema>): JSONSchema {
  return {
    components: {
      schemas: set.toObject(),
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
    info: { title: 'Kubernetes', version: 'unversioned' },
    openapi: '3.0.0',
    paths,
  };
}

/** The discovery document, given each group-version's hash. */
export function openapiV3RootFromHashes(hashes: Map<string, string>): OpenAPIV3Root {
  const paths: OpenAPIV3Root['paths'] = {};
  for (const gv of [...hashes.keys()].sort()) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashes.get(gv)}` };
  }
  return { paths };
}

/** The discovery document (renders every group-version document to hash it; cache upstream of this). */
export function openapiV3Root(resources: ResourceType[]): OpenAPIV3Root {
  const hashes = new Map<string, string>();
  for (const key of documentKeys(resources)) {
    const doc = openapiV3Document(resources, key);
    if (doc) hashes.set(key, documentHash(JSON.stringify(doc)));
  }
  return openapiV3RootFromHashes(hashes);
}

function param(p: Param): JSONSchema {
  const out: JSONSchema = { description: p.description, in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function content(set: SchemaSet, media: string[], schema: string): JSONSchema {
  const s = schema === 'string' ? { type: 'string' } : set.ref(schema);
  return Object.fromEntries([...media].sort().map((m) => [m, { schema: s }]));
}

function operation(op: Operation, set: SchemaSet): JSONSchema {
  const out: JSONSchema = { description: op.description, operationId: op.operationId };
  if (op.params.length) out.parameters = op.params.map(param);
  if (op.body) {
    const body: JSONSchema = { content: content(set, op.body.consumes, op.body.schema) };
    if (op.body.required) body.required = true;
    out.requestBody = body;
  }
  const responses: JSONSchema = {};
  for (const r of op.responses) {
    responses[r.code] = r.schema ? { content: content(set, op.produces, r.schema), description: r.description } : { description: r.description };
  }
  out.responses = responses;
  out.tags = [op.tag];
  if (op.gvk) {
    out['x-kubernetes-action'] = op.action;
    out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  }
  return out;
}

export function renderV3Paths(items: PathItem[], set: SchemaSet): Record<string, JSONSchema> {
  const paths: Record<string, JSONSchema> = {};
  for (const item of [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const p: JSONSchema = {};
    for (const op of item.ops) p[op.method] = operation(op, set);
    if (item.params.length) p.parameters = item.params.map(param);
    paths[item.path] = p;
  }
  return paths;
}

/**
 * The OpenAPI 3.0 document of one group-version (`api/v1`, `apis/apps/v1`) or discovery endpoint
 * (`api`, `apis`, `apis/apps`, `version`), or undefined when nothing is served there. The result
 * shares cached definition objects with later renders: serialize it, do not mutate it.
 */
export function openapiV3Document(resources: ResourceType[], gvPath: string): JSONSchema | undefined {
  const rts = resources.filter((rt) => gvPathOf(rt) === gvPath);
  if (!rts.length) return discoveryDocument(resources, gvPath);
  const { group, version } = rts[0];
  const set = new SchemaSet('v3');
  const items: PathItem[] = [resourceListPath(group, version, set)];
  for (const rt of rts) items.push(...resourcePaths(rt, set));
  // DeleteOptions and Status are registered into every group-version (upstream lists each).
  set.addGVK('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', { group, version, kind: 'DeleteOptions' });
  set.addGVK('io.k8s.apimachinery.pkg.apis.meta.v1.Status', { group: '', version: 'v1', kind: 'Status' });
  return v3Envelope(set, renderV3Paths(items, set));
}
