import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { builtinResources } from '../../lib/registry/builtin.js';
import type { ResourceType } from '../../lib/registry/resource-type.js';
import { modelDoc, parseModelDeclaration } from '../../lib/schema/descriptions.js';
import { openapiV2Document } from '../../lib/openapi/v2.js';
import { encodeOpenAPIV2 } from '../../lib/openapi/v2-protobuf.js';
import { groupVersionPaths, gvPathOf, openapiV3Document, openapiV3Root } from '../../lib/openapi/v3.js';
import { allFixtures, broadResources, cronTabs, deployments, pods } from './fixtures.js';
import { all, named, readMessage, str, sub } from './protobuf-reader.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const v3 = (gv: string, resources: ResourceType[] = allFixtures): Doc => {
  const d = openapiV3Document(resources, gv);
  assert.ok(d, `no document for ${gv}`);
  return JSON.parse(JSON.stringify(d));
};
const GVK = 'x-kubernetes-group-version-kind';
/** A property's reference: plain, or wrapped in allOf when the property has its own description. */
const refOf = (prop: Doc): string => prop.$ref ?? prop.allOf?.[0]?.$ref;

/**
 * cli-runtime's query_param_verifier_v3.go supportsQueryParamV3, made stricter: kubectl returns on
 * the *first* PATCH operation (in map order) whose GVK matches, so every such operation must list
 * the parameter for kubectl to leave validation to the server.
 */
function supportsQueryParamV3(doc: Doc, gvk: { group: string; version: string; kind: string }, param: string): boolean {
  let matched = 0;
  for (const item of Object.values(doc.paths) as Doc[]) {
    const op = item.patch;
    if (!op) continue;
    const g = op[GVK];
    if (!g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    matched++;
    if (!(op.parameters ?? []).some((p: Doc) => p.name === param && p.in === 'query')) return false;
  }
  return matched > 0;
}

describe('OpenAPI v3 discovery', () => {
  it('lists every group-version with a serverRelativeURL carrying the upper-case SHA-512 of the document', () => {
    const root = openapiV3Root(allFixtures);
    assert.deepEqual(Object.keys(root.paths), ['api', 'api/v1', 'apis', 'apis/apps', 'apis/apps/v1', 'apis/stable.example.com', 'apis/stable.example.com/v1', 'version']);
    const body = JSON.stringify(openapiV3Document(allFixtures, 'apis/apps/v1'));
    const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
    assert.equal(root.paths['apis/apps/v1'].serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${hash}`);
  });

  it('has no document for a group-version nobody serves', () => {
    assert.equal(openapiV3Document(allFixtures, 'apis/nope/v1'), undefined);
    assert.equal(openapiV3Document(allFixtures, 'apis/nope'), undefined);
  });

  it('describes the discovery endpoints as kube-apiserver does', () => {
    assert.equal(v3('api').paths['/api/'].get.operationId, 'getCoreAPIVersions');
    assert.equal(v3('apis').paths['/apis/'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList');
    assert.equal(v3('apis/apps').paths['/apis/apps/'].get.operationId, 'getAppsAPIGroup');
    assert.ok(v3('version').components.schemas['io.k8s.apimachinery.pkg.version.Info']);
  });
});

describe('OpenAPI v3 group-version documents', () => {
  it('are OpenAPI 3.0 documents whose every $ref resolves', () => {
    for (const gv of groupVersionPaths(broadResources)) {
      const doc = v3(gv, broadResources);
      assert.equal(doc.openapi, '3.0.0');
      const text = JSON.stringify(doc);
      for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
        assert.ok(doc.components.schemas[m[1]], `${gv}: dangling $ref ${m[1]}`);
      }
    }
  });

  it('give every resource its collection, item, status and scale paths with the upstream actions', () => {
    const core = v3('api/v1');
    const apps = v3('apis/apps/v1');
    const pod = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    assert.deepEqual(Object.keys(pod).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
    assert.deepEqual(
      ['delete', 'get', 'post'].map((m) => core.paths['/api/v1/namespaces/{namespace}/pods'][m]['x-kubernetes-action']),
      ['deletecollection', 'list', 'post'],
    );
    assert.equal(core.paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch);
    assert.ok(core.paths['/api/v1/namespaces/{name}']);
    assert.equal(core.paths['/api/v1/namespaces'].delete, undefined, 'namespaces have no deletecollection verb');
    const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put;
    assert.deepEqual(scale[GVK], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
    assert.equal(scale.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.autoscaling.v1.Scale');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post[GVK].group, 'policy');
    assert.ok(core.components.schemas['io.k8s.api.policy.v1.Eviction']);
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'].get['x-kubernetes-action'], 'connect');
    assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get.responses['200'].content['text/plain']);
  });

  it('has paths for every built-in resource type of a broad set of groups', () => {
    for (const rt of broadResources) {
      const doc = v3(gvPathOf(rt), broadResources);
      const base = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
      const coll = rt.namespaced ? `${base}/namespaces/{namespace}/${rt.plural}` : `${base}/${rt.plural}`;
      assert.ok(doc.paths[coll], `${rt.plural}: no collection path`);
      if ((rt.verbs ?? ['get']).includes('get')) assert.ok(doc.paths[`${coll}/{name}`], `${rt.plural}: no item path`);
    }
  });

  it('lets kubectl leave validation to the server: every PATCH of a kind has the fieldValidation query parameter', () => {
    for (const rt of [...broadResources]) {
      if (!(rt.verbs ?? ['patch']).includes('patch')) continue;
      const doc = v3(gvPathOf(rt), broadResources);
      assert.ok(supportsQueryParamV3(doc, { group: rt.group, version: rt.version, kind: rt.kind }, 'fieldValidation'), `${rt.kind}`);
    }
  });

  it('puts dryRun, fieldManager and fieldValidation on create, replace and patch', () => {
    const paths = v3('apis/apps/v1').paths;
    for (const op of [paths['/apis/apps/v1/namespaces/{namespace}/deployments'].post, paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].put, paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch]) {
      const names = op.parameters.filter((p: Doc) => p.in === 'query').map((p: Doc) => p.name);
      for (const n of ['dryRun', 'fieldManager', 'fieldValidation']) assert.ok(names.includes(n), `${op.operationId} lacks ${n}`);
    }
  });

  it('offers strategic merge patch for built-in kinds only (kubectl apply picks its patch type from this)', () => {
    const patchTypes = (doc: Doc, path: string) => Object.keys(doc.paths[path].patch.requestBody.content).sort();
    assert.deepEqual(patchTypes(v3('apis/apps/v1'), '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'), [
      'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(patchTypes(v3('apis/stable.example.com/v1'), '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'), [
      'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json',
    ]);
  });

  it('names schemas as upstream does and marks kinds with x-kubernetes-group-version-kind', () => {
    const schemas = v3('apis/apps/v1').components.schemas;
    assert.deepEqual(schemas['io.k8s.api.apps.v1.Deployment'][GVK], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    assert.deepEqual(schemas['io.k8s.api.apps.v1.DeploymentList'][GVK], [{ group: 'apps', version: 'v1', kind: 'DeploymentList' }]);
    assert.equal(refOf(schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.template), '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec');
    assert.equal(refOf(schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.selector), '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector');
    const maxSurge = schemas['io.k8s.api.apps.v1.RollingUpdateDeployment'].properties.maxSurge;
    assert.equal(refOf(maxSurge), '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.ok(!/^IntOrString is a type/.test(maxSurge.description ?? ''), 'the type description is not repeated on the field');
    assert.equal(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
    assert.equal(schemas['io.k8s.api.core.v1.ResourceRequirements'].properties.limits.additionalProperties.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.equal(refOf(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.creationTimestamp), '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time');
  });

  it('maps client-node classes to upstream definition names across groups', () => {
    const defs = Object.keys((openapiV2Document(broadResources) as Doc).definitions);
    for (const name of [
      'io.k8s.api.batch.v1.JobTemplateSpec', 'io.k8s.api.networking.v1.IngressBackend', 'io.k8s.api.core.v1.TypedLocalObjectReference',
      'io.k8s.api.rbac.v1.Subject', 'io.k8s.api.flowcontrol.v1.Subject', 'io.k8s.api.core.v1.TopologySelectorTerm',
      'io.k8s.api.events.v1.Event', 'io.k8s.api.core.v1.Event', 'io.k8s.api.core.v1.EventSource', 'io.k8s.api.discovery.v1.EndpointPort',
      'io.k8s.api.autoscaling.v2.MetricTarget', 'io.k8s.api.autoscaling.v1.CrossVersionObjectReference', 'io.k8s.api.node.v1.Overhead',
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps', 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.ServiceReference',
      'io.k8s.api.apiserverinternal.v1alpha1.StorageVersion', 'io.k8s.api.authentication.v1.TokenRequest', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Condition', 'io.k8s.apimachinery.pkg.runtime.RawExtension',
    ]) {
      assert.ok(defs.includes(name), `missing ${name}`);
    }
    assert.equal(defs.filter((d) => /^V\d/.test(d) || d.includes('undefined')).length, 0);
    assert.ok(!defs.includes('io.k8s.api.authorization.v1.SelfSubjectAccessReviewList'), 'create-only kinds have no list');
  });

  it('carries descriptions and required fields from the client-node doc comments', () => {
    const schemas = v3('api/v1').components.schemas;
    const podSpec = schemas['io.k8s.api.core.v1.PodSpec'];
    assert.match(podSpec.description, /^PodSpec is a description of a pod/);
    assert.match(podSpec.properties.containers.description, /^List of containers belonging to the pod/);
    assert.deepEqual(podSpec.required, ['containers']);
    assert.deepEqual(schemas['io.k8s.api.core.v1.Container'].required, ['name']);
    assert.match(podSpec.properties.dnsPolicy.description, /Defaults to "ClusterFirst". Valid values are 'ClusterFirstWithHostNet'/);
    assert.deepEqual(v3('apis/apps/v1').components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].required, ['selector', 'template']);
  });

  it('carries merge keys, patch strategies and list types', () => {
    const schemas = v3('api/v1').components.schemas;
    const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(schemas['io.k8s.api.core.v1.Container'].properties.ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.equal(schemas['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  });

  it('publishes a custom resource under its reversed-group name with metadata as ObjectMeta', () => {
    const doc = v3('apis/stable.example.com/v1');
    const ct = doc.components.schemas['com.example.stable.v1.CronTab'];
    assert.deepEqual(ct[GVK], [{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
    assert.equal(ct.properties.metadata.allOf[0].$ref, '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.equal(ct.properties.spec.properties.cronSpec.type, 'string');
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    assert.equal(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs'].get.responses['200'].content['application/json'].schema.$ref,
      '#/components/schemas/com.example.stable.v1.CronTabList');
    assert.ok(supportsQueryParamV3(doc, { group: cronTabs.group, version: 'v1', kind: 'CronTab' }, 'fieldValidation'));
  });
});

describe('OpenAPI for the registered built-in resources', () => {
  const resources = builtinResources();

  it('gives every registered resource its paths, its kind schema and a PATCH kubectl trusts for validation', () => {
    assert.ok(resources.length > 0);
    for (const rt of resources) {
      const doc = v3(gvPathOf(rt), resources);
      const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
      const kinds = Object.entries(doc.components.schemas).filter(([, s]) => ((s as Doc)[GVK] ?? []).some((g: Doc) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind));
      assert.equal(kinds.length, 1, `${rt.kind}: schemas with its GVK: ${kinds.map(([n]) => n)}`);
      if ((rt.verbs ?? ['patch']).includes('patch')) assert.ok(supportsQueryParamV3(doc, gvk, 'fieldValidation'), rt.kind);
      const text = JSON.stringify(doc);
      for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) assert.ok(doc.components.schemas[m[1]], `${rt.kind}: dangling ${m[1]}`);
    }
  });
});

describe('client-node declaration parsing', () => {
  it('reads class and member comments, and required members', () => {
    const src = [
      '/**', '* Kubernetes', '*/', "import { X } from '../models/X.js';",
      '/**', '* Thing is a \\"thing\\".', '*/', 'export declare class V1Thing {',
      '    /**', "    * The name\\'s value.", '    */', "    'name': string;", "    'spec'?: X;",
      "    'labels'?: {", '        [key: string]: string;', '    };', '    static readonly discriminator: string | undefined;', '}',
    ].join('\n');
    const doc = parseModelDeclaration(src, 'V1Thing');
    assert.equal(doc?.description, 'Thing is a "thing".');
    assert.equal(doc?.fields.get('name')?.description, "The name's value.");
    assert.deepEqual(doc?.required, ['name']);
    assert.deepEqual([...doc!.fields.keys()], ['name', 'spec', 'labels']);
  });

  it('finds the docs of real models', () => {
    assert.match(modelDoc('V1Pod')?.description ?? '', /^Pod is a collection of containers/);
    assert.equal(modelDoc('NotAModel'), undefined);
  });
});

describe('OpenAPI v2 (Swagger 2.0)', () => {
  const doc: Doc = JSON.parse(JSON.stringify(openapiV2Document(allFixtures)));

  it('has definitions and paths for all resources, with references in Swagger 2.0 form', () => {
    assert.equal(doc.swagger, '2.0');
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch);
    assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].get);
    assert.ok(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs'].post);
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('#/components/'));
    for (const m of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) assert.ok(doc.definitions[m[1]], `dangling ${m[1]}`);
    assert.equal(doc.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.template.$ref, '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
    const created = doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.creationTimestamp;
    assert.equal(created.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    assert.match(created.description, /^CreationTimestamp is a timestamp/);
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.ok(patch.parameters.some((p: Doc) => p.name === 'fieldValidation' && p.in === 'query'));
    assert.equal(patch.parameters.find((p: Doc) => p.in === 'body').schema.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  });

  it('drops what Swagger 2.0 cannot express from custom resource schemas', () => {
    const size = doc.definitions['com.example.stable.v1.CronTab'].properties.spec.properties.size;
    assert.equal(size.anyOf, undefined);
    assert.equal(size['x-kubernetes-int-or-string'], true);
  });
});

describe('OpenAPI v2 protobuf (gnostic openapi.v2.Document)', () => {
  const json: Doc = openapiV2Document([pods, deployments, cronTabs]);
  const pb = encodeOpenAPIV2(JSON.parse(JSON.stringify(json)));
  const docMsg = readMessage(pb);

  it('starts with the swagger version and info', () => {
    assert.equal(str(docMsg, 1), '2.0');
    assert.equal(str(sub(docMsg, 2), 1), 'Kubernetes');
  });

  it('round-trips every definition name and each kind\'s x-kubernetes-group-version-kind as YAML', () => {
    const defs = named(all(sub(docMsg, 9), 1));
    assert.deepEqual([...defs.keys()].sort(), Object.keys(json.definitions).sort());
    const deployment = defs.get('io.k8s.api.apps.v1.Deployment')!;
    const ext = named(all(deployment, 31));
    const gvk = parseYaml(str(ext.get('x-kubernetes-group-version-kind')!, 2)!);
    assert.deepEqual(gvk, [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    assert.equal(str(deployment, 4), json.definitions['io.k8s.api.apps.v1.Deployment'].description);
    assert.deepEqual(all(sub(deployment, 22), 1).map(String), ['object']);
  });

  it('round-trips property references, descriptions, merge keys and required lists', () => {
    const defs = named(all(sub(docMsg, 9), 1));
    const podSpec = defs.get('io.k8s.api.core.v1.PodSpec')!;
    assert.deepEqual(all(podSpec, 19).map(String), ['containers']);
    const props = named(all(sub(podSpec, 25), 1));
    const containers = props.get('containers')!;
    assert.match(str(containers, 4)!, /^List of containers/);
    const items = sub(containers, 23);
    assert.equal(str(readMessage(all(items, 1)[0] as Buffer), 1), '#/definitions/io.k8s.api.core.v1.Container');
    const ext = named(all(containers, 31));
    assert.equal(parseYaml(str(ext.get('x-kubernetes-patch-merge-key')!, 2)!), 'name');
    assert.equal(str(props.get('affinity')!, 1), '#/definitions/io.k8s.api.core.v1.Affinity');
  });

  it('round-trips the PATCH operation kubectl 1.27 checks for fieldValidation support', () => {
    const paths = named(all(sub(docMsg, 8), 2));
    assert.deepEqual([...paths.keys()].sort(), Object.keys(json.paths).sort());
    const item = paths.get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')!;
    const patch = sub(item, 8);
    assert.equal(str(patch, 5), 'patchAppsV1NamespacedDeployment');
    assert.ok(all(patch, 7).map(String).includes('application/strategic-merge-patch+json'));
    const gvk = parseYaml(str(named(all(patch, 13)).get('x-kubernetes-group-version-kind')!, 2)!);
    assert.deepEqual(gvk, { group: 'apps', kind: 'Deployment', version: 'v1' });
    // ParametersItem.parameter → Parameter.non_body_parameter → NonBodyParameter.query_parameter_sub_schema → name (4)
    const queryNames = all(patch, 8)
      .map((p) => readMessage(p as Buffer))
      .map((pi) => sub(pi, 1))
      .filter((param) => param.some((f) => f.field === 2))
      .map((param) => sub(param, 2))
      .filter((nb) => nb.some((f) => f.field === 3))
      .map((nb) => str(sub(nb, 3), 4));
    assert.ok(queryNames.includes('fieldValidation'), `query params: ${queryNames}`);
    const body = all(patch, 8).map((p) => sub(readMessage(p as Buffer), 1)).find((param) => param.some((f) => f.field === 1))!;
    assert.equal(str(sub(sub(body, 1), 5), 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    // Path-level parameter `name` is a path parameter (NonBodyParameter field 4), required.
    const pathParams = all(item, 9).map((p) => sub(sub(readMessage(p as Buffer), 1), 2)).filter((nb) => nb.some((f) => f.field === 4)).map((nb) => sub(nb, 4));
    assert.ok(pathParams.some((pp) => str(pp, 4) === 'name' && pp.some((f) => f.field === 1 && f.value === 1)));
  });
});

describe('OpenAPI generation cost', () => {
  it('renders every v3 document and the v2 document of ~50 kinds in well under a second', () => {
    const t0 = performance.now();
    for (const gv of groupVersionPaths(broadResources)) JSON.stringify(openapiV3Document(broadResources, gv));
    const v2 = JSON.stringify(openapiV2Document(broadResources));
    encodeOpenAPIV2(JSON.parse(v2));
    const ms = performance.now() - t0;
    assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
  });
});
