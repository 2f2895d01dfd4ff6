// Swagger 2.0 (`GET /openapi/v2`, `/swagger.json`): one document with every resource's paths and
// all definitions, as kube-apiserver publishes it. kubectl 1.27/1.28 read it (protobuf-encoded, see
// v2-protobuf.ts) for client-side validation, `explain` and the fieldValidation support check, and
// newer kubectl falls back to it for client-side apply's patch computation.
import type { ResourceType } from '../registry/resource-type.js';
import { resourceListPath, resourcePaths, type Operation, type Param, type PathItem } from './paths.js';
import { SchemaSet, type JSONSchema } from './schemas.js';
import { groupVersionPaths, gvPathOf } from './v3.js';

function param(p: Param): JSONSchema {
  const out: JSONSchema = { description: p.description, in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.type = p.type;
  out.uniqueItems = true;
  return out;
}

function operation(op: Operation, set: SchemaSet): JSONSchema {
  const out: JSONSchema = {};
  if (op.body) out.consumes = op.body.consumes;
  out.description = op.description;
  out.operationId = op.operationId;
  const params: JSONSchema[] = [];
  if (op.body) params.push({ in: 'body', name: 'body', required: op.body.required, schema: set.ref(op.body.schema) });
  params.push(...op.params.map(param));
  if (params.length) out.parameters = params;
  out.produces = op.produces;
  const responses: JSONSchema = {};
  for (const r of op.responses) {
    responses[r.code] = r.schema ? { description: r.description, schema: r.schema === 'string' ? { type: 'string' } : set.ref(r.schema) } : { description: r.description };
  }
  out.responses = responses;
  out.schemes = ['https'];
  out.tags = [op.tag];
  if (op.gvk) {
    out['x-kubernetes-action'] = op.action;
    out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  }
  return out;
}

function renderPaths(items: PathItem[], set: SchemaSet): Record<string, JSONSchema> {
  const paths: Record<string, JSONSchema> = {};
  for (const item of [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const p: JSONSchema = {};
    for (const op of item.ops) p[op.method] = operation(op, set);
    if (item.params.length) p.parameters = item.params.map(param);
    paths[item.path] = p;
  }
  return paths;
}

/** The Swagger 2.0 document of all resources. */
export function openapiV2Document(resources: ResourceType[]): JSONSchema {
  const set = new SchemaSet('v2');
  const items: PathItem[] = [];
  for (const gv of groupVersionPaths(resources)) {
    const rts = resources.filter((rt) => gvPathOf(rt) === gv);
    items.push(resourceListPath(rts[0].group, rts[0].version, set));
    for (const rt of rts) items.push(...resourcePaths(rt, set));
    set.addGVK('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', { group: rts[0].group, version: rts[0].version, kind: 'DeleteOptions' });
  }
  set.addGVK('io.k8s.apimachinery.pkg.apis.meta.v1.Status', { group: '', version: 'v1', kind: 'Status' });
  const paths = renderPaths(items, set);
  return {
    definitions: set.toObject(),
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    security: [{ BearerToken: [] }],
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    swagger: '2.0',
  };
}
