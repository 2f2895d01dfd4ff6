// Custom resources: the ResourceTypes a CustomResourceDefinition declares, one per served
// version, all sharing one storage location (conversion strategy None: only apiVersion changes).
// Validation, defaulting and pruning follow apiextensions-apiserver (lib/schema/structural.ts);
// printer columns follow its tableconvertor.
import { NAME_COLUMN, AGE_COLUMN, age } from './printing.js';
import type { KObject, ResourceType, TableColumn } from './resource-type.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { applyDefaults, prune, validateCustomObject, type Schema } from '../schema/structural.js';
import { printerColumnCell } from '../schema/jsonpath.js';

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: Array<{ name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }>;
}

export interface Crd extends KObject {
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
    preserveUnknownFields?: boolean;
  };
}

const COLUMN_TYPES = new Set(['integer', 'number', 'string', 'boolean', 'date']);

function tableOf(v: CrdVersion): ResourceType['table'] {
  // Upstream: the columns a version declares, else a single Age column; Name always first.
  const declared = v.additionalPrinterColumns;
  if (!declared || declared.length === 0) return { columns: [NAME_COLUMN, AGE_COLUMN], row: (o, now) => [o.metadata.name, age(o, now)] };
  const columns: TableColumn[] = [
    NAME_COLUMN,
    ...declared.map((c) => ({
      name: c.name,
      type: (COLUMN_TYPES.has(c.type) ? c.type : 'string') as TableColumn['type'],
      format: c.format ?? '',
      description: c.description ?? 'Custom resource definition column (in JSONPath format): ' + c.jsonPath,
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns,
    row: (o) => [o.metadata.name, ...declared.map((c) => printerColumnCell(o, c.jsonPath, c.type as 'string', c.format))],
  };
}

function stripStatusIfSubresource(v: CrdVersion) {
  return (obj: KObject) => {
    if (v.subresources?.status) delete obj.status;
  };
}

export function customResourceTypes(crd: Crd): ResourceType[] {
  const { group, names, scope } = crd.spec;
  const namespaced = scope === 'Namespaced';
  return crd.spec.versions
    .filter((v) => v.served)
    .map((v): ResourceType => {
      const schema = v.schema?.openAPIV3Schema;
      const apiVersion = `${group}/${v.name}`;
      return {
        group,
        version: v.name,
        kind: names.kind,
        plural: names.plural,
        singular: names.singular || names.kind.toLowerCase(),
        namespaced,
        shortNames: names.shortNames,
        categories: names.categories,
        schema: schema as Record<string, unknown> | undefined,
        storage: { group, plural: names.plural },
        fromStorage: (obj) => {
          obj.apiVersion = apiVersion;
          if (schema) applyDefaults(obj, schema);
          return obj;
        },
        statusSubresource: !!v.subresources?.status,
        scale: v.subresources?.scale
          ? {
              specReplicasPath: v.subresources.scale.specReplicasPath,
              statusReplicasPath: v.subresources.scale.statusReplicasPath,
              labelSelectorPath: v.subresources.scale.labelSelectorPath,
            }
          : undefined,
        defaults: (obj) => {
          if (!schema) return;
          if (!crd.spec.preserveUnknownFields) prune(obj, schema);
          applyDefaults(obj, schema);
        },
        prepareForCreate: stripStatusIfSubresource(v),
        validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced }), ...(schema ? validateCustomObject(obj, schema) : [])],
        validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(schema ? validateCustomObject(obj, schema) : [])],
        validateStatusUpdate: (obj) => (schema ? validateCustomObject(obj, schema) : []),
        table: tableOf(v),
      };
    });
}
