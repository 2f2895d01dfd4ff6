// apiextensions.k8s.io/v1 CustomResourceDefinition: apiextensions-apiserver's
// pkg/registry/customresourcedefinition/strategy.go, SetDefaults_CustomResourceDefinition
// (pkg/apis/apiextensions/v1/defaults.go), the essentials of ValidateCustomResourceDefinition
// (pkg/apis/apiextensions/validation) and the structural-schema invariants of
// pkg/apiserver/schema/validation.go. No printer upstream: the default table (Name, Created At).
// Serving the custom resources themselves is the API layer's job.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain, type NameValidator } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import type { KObject, ResourceType } from './resource-type.js';
import { CREATED_AT_TABLE } from './role.js';
import { ensure, invalidGo } from './workload.js';

type J = Record<string, any>;

/** SetDefaults_CustomResourceDefinition(Spec) and SetDefaults_ServiceReference. */
function defaults(obj: KObject): void {
  const spec = ensure(obj, 'spec') as J;
  const names = ensure(spec, 'names') as J;
  if (!names.singular && names.kind) names.singular = String(names.kind).toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  spec.conversion ??= { strategy: 'None' };
  const svc = spec.conversion?.webhook?.clientConfig?.service;
  if (svc) svc.port ??= 443;
}

/** The version whose objects are stored (exactly one has storage: true when valid). */
export function storageVersionOf(crd: KObject): string | undefined {
  return (crd.spec?.versions ?? []).find((v: J) => v.storage)?.name;
}

const level = { root: 0, item: 1, field: 2 } as const;
type Level = (typeof level)[keyof typeof level];

/** validateStructuralInvariants (value-validation junctors are left to the schema validator). */
function structuralInvariants(s: J | undefined, lvl: Level, path: string): FieldError[] {
  if (!s || typeof s !== 'object') return [];
  const errs: FieldError[] = [];
  const type: string = s.type ?? '';
  if (type === 'array' && s.items == null) errs.push(field.required(`${path}.items`, 'must be specified'));
  if (s.items && !Array.isArray(s.items)) errs.push(...structuralInvariants(s.items, level.item, `${path}.items`));
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, J>)) errs.push(...structuralInvariants(v, level.field, `${path}.properties[${k}]`));
  if (s.additionalProperties != null && s.additionalProperties !== false) {
    if (lvl === level.root) errs.push(field.forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (typeof s.additionalProperties === 'object') errs.push(...structuralInvariants(s.additionalProperties, level.field, `${path}.additionalProperties`));
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) errs.push(field.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(field.invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (embedded && type !== 'object') {
    if (!type) errs.push(field.required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(field.invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!type && !intOrString && !preserve) {
    const why = lvl === level.root ? 'must not be empty at the root' : lvl === level.item ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(field.required(`${path}.type`, why));
  }
  if (embedded && s.additionalProperties != null) errs.push(field.forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === level.root && type && type !== 'object') errs.push(field.invalid(`${path}.type`, type, 'must be object at the root'));
  const checkMetadata = lvl === level.root || embedded;
  const props = (s.properties ?? {}) as Record<string, J>;
  if (checkMetadata && props.kind && props.kind.type !== 'string') errs.push(field.invalid(`${path}.properties[kind].type`, props.kind.type ?? '', 'must be string'));
  if (checkMetadata && props.apiVersion && props.apiVersion.type !== 'string') errs.push(field.invalid(`${path}.properties[apiVersion].type`, props.apiVersion.type ?? '', 'must be string'));
  if (checkMetadata && props.metadata && props.metadata.type !== 'object') errs.push(field.invalid(`${path}.properties[metadata].type`, props.metadata.type ?? '', 'must be object'));
  if (lvl === level.root && props.metadata) {
    const { type: _t, properties, default: _d, ...rest } = props.metadata;
    const keys = Object.keys(properties ?? {});
    const onlyNames = keys.every((k) => k === 'name' || k === 'generateName');
    if (!onlyNames || Object.keys(rest).some((k) => !VALUE_VALIDATION.has(k))) {
      errs.push(field.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  if (embedded && !preserve && Object.keys(props).length === 0) {
    errs.push(field.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

/** Value-validation keywords (allowed on metadata at the root; they restrict nothing structural). */
const VALUE_VALIDATION = new Set(['description', 'title', 'nullable']);

/** ValidateStructural: invariants, sorted by message as upstream sorts them. */
export function validateStructural(schema: J, path: string): FieldError[] {
  const errs = structuralInvariants(schema, level.root, path);
  return errs.sort((a, b) => errorKey(a).localeCompare(errorKey(b)));
}

function errorKey(e: FieldError): string {
  return `${e.field}: ${e.type}: ${e.detail ?? ''}`;
}

function dns1035(v: string, path: string, prefix = ''): FieldError[] {
  const errs = isDNS1035Label(v);
  return errs.length ? [field.invalid(path, v, prefix + errs.join(','))] : [];
}

/** ValidateCustomResourceDefinitionNames (the required checks are the spec's, before these). */
function validateNames(names: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (names.plural) errs.push(...dns1035(names.plural, `${path}.plural`));
  if (names.singular) errs.push(...dns1035(names.singular, `${path}.singular`));
  for (const k of ['kind', 'listKind']) {
    if (!names[k]) continue;
    const e = isDNS1035Label(String(names[k]).toLowerCase());
    if (e.length) errs.push(field.invalid(`${path}.${k}`, names[k], 'may have mixed case, but should otherwise match: ' + e.join(',')));
  }
  (names.shortNames ?? []).forEach((s: string, i: number) => errs.push(...dns1035(s, `${path}.shortNames[${i}]`)));
  if (names.kind && names.kind === names.listKind) errs.push(field.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c: string, i: number) => errs.push(...dns1035(c, `${path}.categories[${i}]`)));
  return errs;
}

const PRINTER_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

function validateVersion(v: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const schema = v.schema?.openAPIV3Schema;
  if (schema) errs.push(...validateStructural(schema, `${path}.schema.openAPIV3Schema`));
  const scale = v.subresources?.scale;
  if (scale) {
    const sp = `${path}.subresources.scale`;
    if (!scale.specReplicasPath) errs.push(field.required(`${sp}.specReplicasPath`, ''));
    else if (!String(scale.specReplicasPath).startsWith('.spec.')) errs.push(field.invalid(`${sp}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!scale.statusReplicasPath) errs.push(field.required(`${sp}.statusReplicasPath`, ''));
    else if (!String(scale.statusReplicasPath).startsWith('.status.')) errs.push(field.invalid(`${sp}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    if (scale.labelSelectorPath && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) {
      errs.push(field.invalid(`${sp}.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
    }
  }
  (v.additionalPrinterColumns ?? []).forEach((c: J, i: number) => {
    const cp = `${path}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(field.required(`${cp}.name`, ''));
    if (!c.type) errs.push(field.required(`${cp}.type`, `must be one of ${PRINTER_TYPES.join(',')}`));
    else if (!PRINTER_TYPES.includes(c.type)) errs.push(field.invalid(`${cp}.type`, c.type, `must be one of ${PRINTER_TYPES.join(',')}`));
    if (c.format && !PRINTER_FORMATS.includes(c.format)) errs.push(field.invalid(`${cp}.format`, c.format, `must be one of ${PRINTER_FORMATS.join(',')}`));
    if (!c.jsonPath) errs.push(field.required(`${cp}.JSONPath`, ''));
  });
  return errs;
}

/** validateCustomResourceConversion; paths name the internal fields, as upstream validates those. */
function validateConversion(conv: J | undefined): FieldError[] {
  if (!conv) return [];
  const p = 'spec.conversion';
  const errs: FieldError[] = [];
  if (!conv.strategy) errs.push(field.required(`${p}.strategy`, ''));
  else if (!['None', 'Webhook'].includes(conv.strategy)) errs.push(field.notSupported(`${p}.strategy`, conv.strategy, ['None', 'Webhook']));
  const cc = conv.webhook?.clientConfig;
  const reviewVersions: string[] = conv.webhook?.conversionReviewVersions ?? [];
  if (conv.strategy === 'Webhook') {
    if (!cc) errs.push(field.required(`${p}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else if ((cc.url == null) === (cc.service == null)) errs.push(field.required(`${p}.webhookClientConfig`, 'exactly one of url or service is required'));
    if (reviewVersions.length === 0) errs.push(field.required(`${p}.conversionReviewVersions`, ''));
    else if (!reviewVersions.some((v) => v === 'v1' || v === 'v1beta1')) {
      errs.push(field.invalid(`${p}.conversionReviewVersions`, reviewVersions, 'must include at least one of v1, v1beta1'));
    }
  } else {
    if (cc) errs.push(field.forbidden(`${p}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (reviewVersions.length) errs.push(field.forbidden(`${p}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

/** validateCustomResourceDefinitionSpec, in upstream's order. */
function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  const group: string = spec.group ?? '';
  if (!group) errs.push(field.required('spec.group', ''));
  else if (isDNS1123Subdomain(group).length) errs.push(field.invalid('spec.group', group, isDNS1123Subdomain(group).join(',')));
  else if (group.split('.').length < 2) errs.push(field.invalid('spec.group', group, 'should be a domain with at least one dot'));
  if (!spec.scope) errs.push(field.required('spec.scope', ''));
  else if (!['Cluster', 'Namespaced'].includes(spec.scope)) errs.push(field.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const versions: J[] = spec.versions ?? [];
  versions.forEach((v, i) => {
    if (!v.schema?.openAPIV3Schema) errs.push(field.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
  });
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((v, i) => {
    if (v.storage) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    errs.push(...dns1035(v.name ?? '', `spec.versions[${i}].name`));
    errs.push(...validateVersion(v, `spec.versions[${i}]`));
  });
  if (!unique) errs.push(field.invalid('spec.versions', versions, 'must contain unique version names'));
  if (storage !== 1) errs.push(field.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  const names = spec.names ?? {};
  for (const k of ['plural', 'singular', 'kind', 'listKind']) if (!names[k]) errs.push(field.required(`spec.names.${k}`, ''));
  errs.push(...validateNames(names, 'spec.names'));
  errs.push(...validateConversion(spec.conversion));
  if (spec.preserveUnknownFields === true) {
    errs.push(field.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  }
  return errs;
}

/** ValidateCustomResourceDefinitionStoredVersions. */
function validateStoredVersions(obj: KObject): FieldError[] {
  const path = 'status.storedVersions';
  const stored: string[] | undefined = obj.status?.storedVersions;
  if (!stored || stored.length === 0) return [invalidGo(path, stored ?? null, stored ? '[]string{}' : '[]string(nil)', 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of (obj.spec?.versions ?? []) as J[]) {
    if (v.storage && !remaining.has(v.name)) errs.push(field.invalid(path, v, `must have the storage version ${v.name}`));
    remaining.delete(v.name);
  }
  for (const [v, i] of remaining) errs.push(field.invalid(`${path}[${i}]`, v, 'must appear in spec.versions'));
  return errs;
}

/** The name must be <plural>.<group>. */
function crdNameValidator(obj: KObject): NameValidator {
  return (name, prefix) => {
    const errs = nameIsDNSSubdomain(name, prefix);
    if (name !== `${obj.spec?.names?.plural}.${obj.spec?.group}`) errs.push('must be spec.names.plural+"."+spec.group');
    return errs;
  };
}

function validate(obj: KObject): FieldError[] {
  return [...validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: crdNameValidator(obj) }), ...validateSpec(obj), ...validateStoredVersions(obj)];
}

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validate(obj)];
  const established = (old.status?.conditions ?? []).some((c: J) => c.type === 'Established' && c.status === 'True');
  if (established) {
    if (obj.spec?.scope !== old.spec?.scope) errs.push(field.invalid('spec.scope', obj.spec?.scope ?? '', FIELD_IMMUTABLE));
    if (obj.spec?.names?.kind !== old.spec?.names?.kind) errs.push(field.invalid('spec.names.kind', obj.spec?.names?.kind ?? '', FIELD_IMMUTABLE));
  }
  if (obj.spec?.group !== old.spec?.group) errs.push(field.invalid('spec.group', obj.spec?.group ?? '', FIELD_IMMUTABLE));
  if (obj.spec?.names?.plural !== old.spec?.names?.plural) errs.push(field.invalid('spec.names.plural', obj.spec?.names?.plural ?? '', FIELD_IMMUTABLE));
  return errs;
}

export const customresourcedefinitions: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  model: 'V1CustomResourceDefinition',
  statusSubresource: true,
  defaults,
  prepareForCreate(obj) {
    const sv = storageVersionOf(obj);
    // storedVersions is not omitempty: a CRD without a storage version stores null (then fails validation).
    obj.status = { acceptedNames: { kind: '', plural: '' }, storedVersions: sv ? [sv] : null };
  },
  prepareForUpdate(obj, old) {
    // A new storage version is recorded in status.storedVersions (strategy.go PrepareForUpdate).
    const sv = storageVersionOf(obj);
    const stored: string[] = [...(old.status?.storedVersions ?? [])];
    if (sv && !stored.includes(sv)) {
      stored.push(sv);
      obj.status = { ...(obj.status ?? {}), storedVersions: stored };
    }
  },
  validate,
  validateUpdate,
  table: CREATED_AT_TABLE,
};
