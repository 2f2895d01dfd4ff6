// Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, kubectl's --validate).
//
// kube-apiserver decodes request bodies with sigs.k8s.io/json in strict mode; every JSON key
// the Go type has no field for becomes `unknown field "<path>"`, with the path built from
// field names joined by `.` and list indexes as `[i]` (`spec.template.spec.containers[0].imagee`),
// in document order. Custom resources get the same treatment from structural-schema pruning
// (apiextensions-apiserver pkg/apiserver/schema/pruning), which honours
// x-kubernetes-preserve-unknown-fields and x-kubernetes-embedded-resource.
// What the client then sees (apiserver pkg/endpoints/handlers):
//   create/update, Strict → 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown field "spec.foo"`
//   patch, Strict         → 422 ` "" is invalid: patch: Invalid value: "<patched object>": strict decoding error: …`
//   Warn                  → one `Warning: 299 - "unknown field \"spec.foo\""` header per field
import { ApiError, badRequest, field, invalid } from '../api/errors.js';
import { modelAttribute, parseType, type TypeRef } from './models.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function walkType(value: unknown, t: TypeRef, path: string, out: string[]): void {
  switch (t.kind) {
    case 'model':
      if (isObject(value)) walkModel(value, t.model, path, out);
      return;
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => walkType(v, t.items, `${path}[${i}]`, out));
      return;
    case 'map':
      if (isObject(value)) for (const [k, v] of Object.entries(value)) walkType(v, t.values, join(path, k), out);
      return;
    default:
      // Primitives, IntOrString, Time and the `any` holders (RawExtension, FieldsV1, JSON) take any content.
      return;
  }
}

function walkModel(obj: Record<string, unknown>, model: string, path: string, out: string[]): void {
  for (const [key, value] of Object.entries(obj)) {
    const attr = modelAttribute(model, key);
    if (!attr) {
      if (!path && (key === 'apiVersion' || key === 'kind')) continue;
      out.push(join(path, key));
      continue;
    }
    walkType(value, parseType(attr.type, attr.format), join(path, key), out);
  }
}

/**
 * Paths of the fields in `obj` that the built-in model (client-node class, e.g. `V1Deployment`)
 * does not declare, as upstream prints them: `spec.foo`, `spec.containers[0].imagee`.
 */
export function unknownFields(obj: unknown, model: string): string[] {
  const out: string[] = [];
  if (isObject(obj)) walkModel(obj, model, '', out);
  return out;
}

type Schema = Record<string, unknown>;

function walkSchema(value: unknown, schema: Schema | undefined, path: string, out: string[], embedded: boolean): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isObject(items)) value.forEach((v, i) => walkSchema(v, items, `${path}[${i}]`, out, items['x-kubernetes-embedded-resource'] === true));
    return;
  }
  if (!isObject(value)) return;
  const props = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : undefined;
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, v] of Object.entries(value)) {
    const p = join(path, key);
    if (embedded && (key === 'apiVersion' || key === 'kind')) continue;
    if (embedded && key === 'metadata' && !props?.metadata) {
      for (const u of unknownFields(v, 'V1ObjectMeta')) out.push(join(p, u));
      continue;
    }
    const ps = props?.[key];
    if (ps) {
      walkSchema(v, ps, p, out, ps['x-kubernetes-embedded-resource'] === true);
    } else if (isObject(additional)) {
      walkSchema(v, additional, p, out, additional['x-kubernetes-embedded-resource'] === true);
    } else if (additional === true || preserve) {
      continue;
    } else {
      out.push(p);
    }
  }
}

/**
 * Unknown fields of a custom resource against its OpenAPI v3 (structural) schema. The root's
 * apiVersion and kind are always allowed and metadata is checked as ObjectMeta, as the CRD handler does.
 */
export function unknownFieldsInSchema(obj: unknown, schema: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (isObject(obj)) walkSchema(obj, schema, '', out, true);
  return out;
}

/** One `unknown field "<path>"` per path: the warnings sent for fieldValidation=Warn. */
export function unknownFieldWarnings(paths: string[]): string[] {
  return paths.map((p) => `unknown field ${JSON.stringify(p)}`);
}

/** runtime.NewStrictDecodingError(...).Error(). */
export function strictDecodingMessage(paths: string[]): string {
  return `strict decoding error: ${unknownFieldWarnings(paths).join(', ')}`;
}

/** 400 for a create or update body with unknown fields (handlers transformDecodeError). */
export function strictDecodingError(kind: string, version: string, paths: string[]): ApiError {
  return badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${strictDecodingMessage(paths)}`);
}

/** 422 for a patch whose result has unknown fields (handlers/patch.go: field.Invalid on `patch`). */
export function strictPatchError(patchedObjectJSON: string, paths: string[]): ApiError {
  return invalid('', '', '', [field.invalid('patch', patchedObjectJSON, strictDecodingMessage(paths))]);
}

/** A `Warning` header value as apiserver writes it (`299 - "<text>"`, Go-quoted). */
export function warningHeaderValue(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/**
 * The directive for a request: empty means Warn (apiserver handlers/rest.go fieldValidation()).
 * An unsupported value is a 422 on CreateOptions/UpdateOptions/PatchOptions, as
 * apimachinery's ValidateFieldValidation reports it.
 */
export function fieldValidationDirective(
  value: string | null | undefined,
  options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' = 'CreateOptions',
): FieldValidation {
  if (!value) return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  const err = invalid(`${options}.meta.k8s.io`, '', '', [field.notSupported('fieldValidation', value, ['', 'Ignore', 'Strict', 'Warn'])]);
  err.status.details = { ...err.status.details, group: 'meta.k8s.io', kind: options };
  throw err;
}

/**
 * Applies a directive to the unknown fields found: throws the Strict error (create/update form),
 * or returns the warnings to send for Warn (none for Ignore).
 */
export function checkUnknownFields(directive: FieldValidation, paths: string[], kind: string, version: string): string[] {
  if (!paths.length || directive === 'Ignore') return [];
  if (directive === 'Strict') throw strictDecodingError(kind, version, paths);
  return unknownFieldWarnings(paths);
}
