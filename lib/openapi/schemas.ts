// OpenAPI schemas of built-in models, generated from client-node's model metadata (names, types,
// formats), the doc comments of its declaration files (descriptions, required) and the patch
// metadata table (x-kubernetes-patch-*, list/map types) — the same facts kube-openapi derives
// from the Go types. One builder serves both dialects: OpenAPI v3 (`#/components/schemas/…`,
// a described reference wrapped in allOf) and Swagger 2.0 (`#/definitions/…`, description as a
// sibling of $ref), as kube-openapi renders them.
import { fieldDescription, modelDescription, requiredFields } from '../schema/descriptions.js';
import { modelAttributes, parseType, type TypeRef } from '../schema/models.js';
import { isAtomicStruct, patchMeta } from '../schema/patch-meta.js';
import {
  FIELDS_V1,
  INT_OR_STRING,
  MICRO_TIME,
  PATCH,
  QUANTITY,
  RAW_EXTENSION,
  TIME,
  schemaNameOf,
  splitModelName,
} from './names.js';

export type Dialect = 'v3' | 'v2';
export type JSONSchema = Record<string, unknown>;

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

const QUANTITY_DOC =
  'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.';
const INT_OR_STRING_DOC =
  'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.';

/** Definitions with no client-node model class: apimachinery wrapper types and JSON-ish holders. */
const COMMON: Record<string, { v3: JSONSchema; v2: JSONSchema }> = (() => {
  const both = (s: JSONSchema) => ({ v3: s, v2: s });
  return {
    [QUANTITY]: {
      v3: { description: QUANTITY_DOC, oneOf: [{ type: 'string' }, { type: 'number' }] },
      v2: { description: QUANTITY_DOC, type: 'string' },
    },
    [INT_OR_STRING]: {
      v3: { description: INT_OR_STRING_DOC, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
      v2: { description: INT_OR_STRING_DOC, format: 'int-or-string', type: 'string' },
    },
    [TIME]: both({
      description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
      format: 'date-time',
      type: 'string',
    }),
    [MICRO_TIME]: both({ description: 'MicroTime is version of Time with microsecond level precision.', format: 'date-time', type: 'string' }),
    [RAW_EXTENSION]: both({ description: 'RawExtension is used to hold extensions in external versions.', type: 'object' }),
    [FIELDS_V1]: both({ description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.', type: 'object' }),
    [PATCH]: both({ description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' }),
    [`${APIEXT}JSON`]: both({ description: 'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.' }),
    [`${APIEXT}JSONSchemaPropsOrArray`]: both({ description: 'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.' }),
    [`${APIEXT}JSONSchemaPropsOrBool`]: both({ description: 'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.' }),
    [`${APIEXT}JSONSchemaPropsOrStringArray`]: both({ description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.' }),
    [`${APIEXT}CustomResourceSubresourceStatus`]: both({
      description: 'CustomResourceSubresourceStatus defines how to serve the status subresource for CustomResources. Status is represented by the `.status` JSON path inside of a CustomResource. When set, * exposes a /status subresource for the custom resource * PUT requests to the /status subresource take a custom resource object, and ignore changes to anything except the status stanza * PATCH requests to the /status subresource take a custom resource object, and ignore changes to anything except the status stanza',
      type: 'object',
    }),
    ['io.k8s.api.apiserverinternal.v1alpha1.StorageVersionSpec']: both({ description: 'StorageVersionSpec is an empty spec.', type: 'object' }),
  };
})();

/**
 * Fields upstream types as resource.Quantity; client-node flattens them to `string`. Keyed by
 * Go type name (any version) and wire field.
 */
const QUANTITY_FIELDS = new Set([
  'ResourceRequirements.limits', 'ResourceRequirements.requests', 'VolumeResourceRequirements.limits',
  'VolumeResourceRequirements.requests', 'EmptyDirVolumeSource.sizeLimit', 'ResourceFieldSelector.divisor',
  'LimitRangeItem.max', 'LimitRangeItem.min', 'LimitRangeItem.default', 'LimitRangeItem.defaultRequest',
  'LimitRangeItem.maxLimitRequestRatio', 'ResourceQuotaSpec.hard', 'ResourceQuotaStatus.hard', 'ResourceQuotaStatus.used',
  'NodeStatus.capacity', 'NodeStatus.allocatable', 'PersistentVolumeSpec.capacity', 'PersistentVolumeClaimStatus.capacity',
  'PersistentVolumeClaimStatus.allocatedResources', 'PodSpec.overhead', 'ContainerStatus.allocatedResources',
  'Overhead.podFixed', 'CSIStorageCapacity.capacity', 'CSIStorageCapacity.maximumVolumeSize', 'MetricTarget.value',
  'MetricTarget.averageValue', 'MetricValueStatus.value', 'MetricValueStatus.averageValue', 'DeviceCapacity.value',
  'Counter.value', 'CapacityRequestPolicy.default', 'CapacityRequestPolicyRange.min', 'CapacityRequestPolicyRange.max',
  'CapacityRequestPolicyRange.step', 'CapacityRequirements.requests', 'DeviceRequestAllocationResult.consumedCapacity',
  'PodStatus.allocatedResources', 'NodeSwapStatus.capacity',
]);

/** client-node `any` fields and the upstream type behind them. */
const ANY_FIELDS: Record<string, string> = {
  'ControllerRevision.data': RAW_EXTENSION,
  'WatchEvent.object': RAW_EXTENSION,
  'AllocatedDeviceStatus.data': RAW_EXTENSION,
  'OpaqueDeviceConfiguration.parameters': RAW_EXTENSION,
  'ManagedFieldsEntry.fieldsV1': FIELDS_V1,
  'CustomResourceSubresources.status': `${APIEXT}CustomResourceSubresourceStatus`,
  'JSONSchemaProps.additionalItems': `${APIEXT}JSONSchemaPropsOrBool`,
  'JSONSchemaProps.additionalProperties': `${APIEXT}JSONSchemaPropsOrBool`,
  'JSONSchemaProps.default': `${APIEXT}JSON`,
  'JSONSchemaProps.dependencies': `${APIEXT}JSONSchemaPropsOrStringArray`,
  'JSONSchemaProps.enum': `${APIEXT}JSON`,
  'JSONSchemaProps.example': `${APIEXT}JSON`,
  'JSONSchemaProps.items': `${APIEXT}JSONSchemaPropsOrArray`,
  'StorageVersion.spec': 'io.k8s.api.apiserverinternal.v1alpha1.StorageVersionSpec',
};

export interface BuiltSchema {
  name: string;
  schema: JSONSchema;
  /** Definition names this schema refers to. */
  refs: string[];
}

export function refPrefix(dialect: Dialect): string {
  return dialect === 'v3' ? '#/components/schemas/' : '#/definitions/';
}

const built: Record<Dialect, Map<string, BuiltSchema>> = { v3: new Map(), v2: new Map() };
const modelOfName = new Map<string, string>();

/** The model whose definition has this name (after schemaOfModel named it). */
export function modelOfSchemaName(name: string): string | undefined {
  return modelOfName.get(name);
}

/** A common (model-less) definition by name, or undefined. */
export function commonSchema(name: string, dialect: Dialect): JSONSchema | undefined {
  return COMMON[name]?.[dialect];
}

function goType(model: string): string {
  return splitModelName(model)?.type ?? model;
}

/**
 * The definition of a client-node model, built once per dialect and cached. `group` is the API
 * group of the resource that reached it (it decides the package of group-local types).
 */
export function schemaOfModel(model: string, group: string, dialect: Dialect): BuiltSchema {
  const cached = built[dialect].get(model);
  if (cached) return cached;
  const name = schemaNameOf(model, group);
  modelOfName.set(name, model);
  const refs = new Set<string>();
  const ref = (target: string): JSONSchema => {
    refs.add(target);
    return { $ref: refPrefix(dialect) + target };
  };
  const typeName = goType(model);

  const typeSchema = (t: TypeRef, fieldKey: string): JSONSchema => {
    switch (t.kind) {
      case 'array':
        return { type: 'array', items: typeSchema(t.items, fieldKey) };
      case 'map':
        return { type: 'object', additionalProperties: typeSchema(t.values, fieldKey) };
      case 'model': {
        // client-node names metav1.MicroTime as a class it never defines; it is a string.
        if (t.model === 'V1MicroTime') return ref(MICRO_TIME);
        const target = schemaNameOf(t.model, group);
        modelOfName.set(target, t.model);
        return ref(target);
      }
      case 'primitive':
        switch (t.type) {
          case 'string':
            if (QUANTITY_FIELDS.has(fieldKey)) return ref(QUANTITY);
            return t.format ? { type: 'string', format: t.format } : { type: 'string' };
          case 'number':
            return t.format === 'double' || t.format === 'float' ? { type: 'number', format: t.format } : { type: 'integer', format: t.format };
          case 'boolean':
            return { type: 'boolean' };
          case 'Date':
            return ref(t.format === 'date-time-micro' ? MICRO_TIME : TIME);
          case 'IntOrString':
            return ref(INT_OR_STRING);
          case 'any':
          default:
            return ANY_FIELDS[fieldKey] ? ref(ANY_FIELDS[fieldKey]) : { type: 'object' };
        }
    }
  };

  const properties: Record<string, JSONSchema> = {};
  for (const a of modelAttributes(model) ?? []) {
    const fieldKey = `${typeName}.${a.baseName}`;
    let s = typeSchema(parseType(a.type, a.format), fieldKey);
    // `enum` is a list of JSON values, not a JSON value.
    if (fieldKey === 'JSONSchemaProps.enum' && s.$ref) s = { type: 'array', items: s };
    let description = fieldDescription(model, a.baseName);
    // client-node documents IntOrString and MicroTime fields with the type's own description; upstream
    // describes the field, so a copy of the type description is noise.
    if (description && typeof s.$ref === 'string' && COMMON[s.$ref.slice(s.$ref.lastIndexOf('/') + 1)]?.v2.description === description) {
      description = undefined;
    }
    if (s.$ref) {
      if (description) s = dialect === 'v3' ? { allOf: [s], description } : { ...s, description };
    } else if (description) {
      s = { description, ...s };
    }
    const pm = patchMeta(model, a.baseName);
    if (pm) {
      if (pm.listType && s.type === 'array') s['x-kubernetes-list-type'] = pm.listType;
      if (pm.listMapKeys?.length && s.type === 'array') s['x-kubernetes-list-map-keys'] = pm.listMapKeys;
      if (pm.mapType && s.type === 'object') s['x-kubernetes-map-type'] = pm.mapType;
      if (pm.mergeKey) s['x-kubernetes-patch-merge-key'] = pm.mergeKey;
      if (pm.strategy) s['x-kubernetes-patch-strategy'] = pm.strategy;
    }
    properties[a.baseName] = s;
  }
  const schema: JSONSchema = {};
  const description = modelDescription(model);
  if (description) schema.description = description;
  schema.properties = properties;
  const required = requiredFields(model);
  if (required.length) schema.required = required;
  schema.type = 'object';
  if (isAtomicStruct(model)) schema['x-kubernetes-map-type'] = 'atomic';
  const result = { name, schema, refs: [...refs] };
  built[dialect].set(model, result);
  return result;
}

/**
 * Collects definitions into one document's `components.schemas` / `definitions`: models walked
 * transitively from the roots added, common types as referenced, custom schemas as given.
 */
export class SchemaSet {
  readonly schemas = new Map<string, JSONSchema>();
  private readonly gvks = new Map<string, GVK[]>();
  private readonly pending: string[] = [];
  constructor(readonly dialect: Dialect) {}

  ref(name: string): JSONSchema {
    return { $ref: refPrefix(this.dialect) + name };
  }

  /** Adds a model (and everything it refers to); returns its definition name. */
  addModel(model: string, group: string): string {
    const b = schemaOfModel(model, group, this.dialect);
    if (!this.schemas.has(b.name)) {
      this.schemas.set(b.name, b.schema);
      this.addRefs(b.refs, group);
    }
    return b.name;
  }

  /** Adds a definition that is not a client-node model (custom resources). */
  addCustom(name: string, schema: JSONSchema, group: string, refs: string[] = []): string {
    this.schemas.set(name, schema);
    this.addRefs(refs, group);
    return name;
  }

  /** Adds a common definition (Quantity, Time, Patch …) by name. */
  addCommon(name: string): string {
    if (!this.schemas.has(name)) {
      const s = COMMON[name]?.[this.dialect];
      if (s) this.schemas.set(name, s);
    }
    return name;
  }

  /** Marks a definition as the schema of a kind (`x-kubernetes-group-version-kind`). */
  addGVK(name: string, gvk: GVK): void {
    const list = this.gvks.get(name) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    this.gvks.set(name, list);
  }

  private addRefs(refs: string[], group: string): void {
    for (const r of refs) {
      if (this.schemas.has(r)) continue;
      if (COMMON[r]) {
        this.addCommon(r);
        continue;
      }
      const model = modelOfName.get(r);
      if (model) this.addModel(model, group);
    }
  }

  /** The definitions, sorted by name as kube-openapi emits them, with GVK extensions applied. */
  toObject(): Record<string, JSONSchema> {
    const out: Record<string, JSONSchema> = {};
    for (const name of [...this.schemas.keys()].sort()) {
      const s = this.schemas.get(name)!;
      const gvk = this.gvks.get(name);
      out[name] = gvk ? { ...s, 'x-kubernetes-group-version-kind': gvk } : s;
    }
    return out;
  }
}
