// Upstream OpenAPI definition names for client-node model classes.
//
// kube-openapi names a definition after the Go package and type: `io.k8s.api.<pkg>.<version>.<Type>`
// for k8s.io/api, `io.k8s.apimachinery.pkg.apis.meta.v1.<Type>` for metav1, and so on. client-node
// drops the package (V1Pod, V1PodSpec) and only prefixes the group when two packages share a type
// name (CoreV1EndpointPort vs DiscoveryV1EndpointPort). The package is recovered from who uses a type,
// which works because of how k8s.io/api is layered: a `<group>/<version>` package imports only itself,
// core/v1 and meta/v1. So a model is
//   - metav1 if it is one of meta/v1's types (a fixed list),
//   - core/v1 if it is reachable from a core/v1 kind,
//   - otherwise in the package of the group whose kind reached it.
import { hasModel, modelAttributes, parseType, type TypeRef } from '../schema/models.js';

export const META_PREFIX = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const TIME = `${META_PREFIX}Time`;
export const MICRO_TIME = `${META_PREFIX}MicroTime`;
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
export const FIELDS_V1 = `${META_PREFIX}FieldsV1`;
export const PATCH = `${META_PREFIX}Patch`;

/** k8s.io/apimachinery/pkg/apis/meta/v1 types client-node models as `V1<Type>`. */
const META_TYPES = new Set([
  'APIGroup', 'APIGroupList', 'APIResource', 'APIResourceList', 'APIVersions', 'Condition', 'DeleteOptions',
  'FieldSelectorRequirement', 'GroupVersionForDiscovery', 'LabelSelector', 'LabelSelectorRequirement', 'ListMeta',
  'ManagedFieldsEntry', 'MicroTime', 'ObjectMeta', 'OwnerReference', 'Preconditions', 'ServerAddressByClientCIDR', 'Status',
  'StatusCause', 'StatusDetails', 'WatchEvent',
]);

/** The core/v1 kinds; everything reachable from them lives in io.k8s.api.core.v1. */
const CORE_ROOTS = [
  'V1Pod', 'V1PodTemplate', 'V1ReplicationController', 'V1Service', 'V1Endpoints', 'V1Node', 'V1Namespace',
  'V1PersistentVolume', 'V1PersistentVolumeClaim', 'V1ConfigMap', 'V1Secret', 'V1ServiceAccount', 'V1LimitRange',
  'V1ResourceQuota', 'CoreV1Event', 'V1ComponentStatus', 'V1Binding',
  // core/v1 types that no core kind uses (storage.k8s.io StorageClass.allowedTopologies does).
  'V1TopologySelectorTerm',
];

/** Kinds served as another group's subresource (deployments/scale, pods/eviction). */
const PACKAGE_OVERRIDES: Record<string, string> = {
  V1Scale: 'io.k8s.api.autoscaling',
  V1Eviction: 'io.k8s.api.policy',
};

/** Group prefixes client-node adds on name clashes, and the group they stand for. */
const PREFIX_GROUPS: Record<string, string> = {
  Core: '',
  Admissionregistration: 'admissionregistration.k8s.io',
  Apiextensions: 'apiextensions.k8s.io',
  Apiregistration: 'apiregistration.k8s.io',
  Authentication: 'authentication.k8s.io',
  Discovery: 'discovery.k8s.io',
  Events: 'events.k8s.io',
  Flowcontrol: 'flowcontrol.apiserver.k8s.io',
  Rbac: 'rbac.authorization.k8s.io',
  Resource: 'resource.k8s.io',
  Storage: 'storage.k8s.io',
};

export interface ModelName {
  /** Group prefix client-node added (`Core` in CoreV1Event), if any. */
  prefix?: string;
  /** `v1`, `v1beta1`, … */
  version: string;
  /** The Go type name: `Pod`, `EndpointPort`. */
  type: string;
}

/** Splits `CoreV1EndpointPort` into prefix, version and type. */
export function splitModelName(model: string): ModelName | undefined {
  const m = /^([A-Z][a-z]+)?(V\d+(?:(?:alpha|beta)\d+)?)([A-Z].*)$/.exec(model);
  if (!m) return undefined;
  if (m[1] && !(m[1] in PREFIX_GROUPS)) return undefined;
  return { prefix: m[1], version: m[2].toLowerCase(), type: m[3] };
}

/** The Go package prefix kube-openapi uses for a group (without version). */
export function packageOfGroup(group: string): string {
  switch (group) {
    case '':
      return 'io.k8s.api.core';
    case 'apiextensions.k8s.io':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
    case 'apiregistration.k8s.io':
      return 'io.k8s.kube-aggregator.pkg.apis.apiregistration';
    case 'internal.apiserver.k8s.io':
      return 'io.k8s.api.apiserverinternal';
    case 'metrics.k8s.io':
      return 'io.k8s.metrics.pkg.apis.metrics';
    default:
      return `io.k8s.api.${group.split('.')[0]}`;
  }
}

/** Custom resources: the group reversed (`stable.example.com` → `com.example.stable`), as the CRD OpenAPI builder does. */
export function customResourceSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The client-node models a model's fields refer to. */
export function referencedModels(model: string): string[] {
  const out: string[] = [];
  const visit = (t: TypeRef) => {
    if (t.kind === 'model') out.push(t.model);
    else if (t.kind === 'array') visit(t.items);
    else if (t.kind === 'map') visit(t.values);
  };
  for (const a of modelAttributes(model) ?? []) visit(parseType(a.type, a.format));
  return out;
}

let coreModels: Set<string> | undefined;

function coreReachable(): Set<string> {
  if (!coreModels) {
    coreModels = new Set();
    const queue = CORE_ROOTS.flatMap((r) => [r, `${r}List`]).filter(hasModel);
    while (queue.length) {
      const m = queue.pop()!;
      if (coreModels.has(m)) continue;
      const n = splitModelName(m);
      if (!n || (!n.prefix && n.version === 'v1' && META_TYPES.has(n.type))) continue;
      coreModels.add(m);
      queue.push(...referencedModels(m).filter((r) => !coreModels!.has(r)));
    }
  }
  return coreModels;
}

const assigned = new Map<string, string>();

/**
 * The upstream definition name of a client-node model, e.g. `V1Deployment` used by apps →
 * `io.k8s.api.apps.v1.Deployment`. `group` is the API group whose resource reached the model; the
 * first group to name a model that is neither metav1 nor core/v1 fixes its package.
 */
export function schemaNameOf(model: string, group: string): string {
  if (model === 'VersionInfo') return 'io.k8s.apimachinery.pkg.version.Info';
  const known = assigned.get(model);
  if (known) return known;
  const n = splitModelName(model);
  let name: string;
  if (!n) {
    name = model;
  } else if (n.prefix) {
    name = `${packageOfGroup(PREFIX_GROUPS[n.prefix])}.${n.version}.${n.type}`;
  } else if (n.version === 'v1' && META_TYPES.has(n.type)) {
    name = `${META_PREFIX}${n.type}`;
  } else if (PACKAGE_OVERRIDES[model]) {
    name = `${PACKAGE_OVERRIDES[model]}.${n.version}.${n.type}`;
  } else if (coreReachable().has(model)) {
    name = `io.k8s.api.core.${n.version}.${n.type}`;
  } else {
    name = `${packageOfGroup(group)}.${n.version}.${n.type}`;
  }
  assigned.set(model, name);
  return name;
}

/** The client-node model of a kind in a group-version (`apps`,`v1`,`Deployment` → `V1Deployment`), if any. */
export function modelForKind(group: string, version: string, kind: string): string | undefined {
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  // A group-prefixed class (CoreV1Event, AuthenticationV1TokenRequest) wins over an unprefixed one.
  const prefix = Object.entries(PREFIX_GROUPS).find(([, g]) => g === group)?.[0];
  if (prefix && hasModel(`${prefix}${v}${kind}`)) return `${prefix}${v}${kind}`;
  return hasModel(`${v}${kind}`) ? `${v}${kind}` : undefined;
}
