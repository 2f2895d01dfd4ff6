// Structural schemas of custom resources, as k8s.io/apiextensions-apiserver implements them:
//
// - validateStructuralSchema: the CRD-time checks of pkg/apis/apiextensions/validation
//   (ValidateCustomResourceDefinitionOpenAPISchema) and pkg/apiserver/schema (ValidateStructural:
//   validation.go + complete.go), then defaulting/validation.go (defaults must validate and be pruned).
// - validateCustomObject: pkg/apiserver/validation (kube-openapi's validate.SchemaValidator run
//   over the whole object, its errors mapped by kubeOpenAPIResultToFieldErrors), then
//   schema/objectmeta (embedded resources) and schema/listtype (list-type set/map uniqueness).
// - applyDefaults: schema/defaulting (PruneNonNullableNullsWithoutDefaults, then Default).
// - prune: schema/pruning (PruneWithOptions with unknown-field path tracking).
//
// Everything is a pure function over plain JSON; a Schema is the wire form of a CRD's
// `openAPIV3Schema` (apiextensions.k8s.io/v1 JSONSchemaProps).
import { field, fieldErrorString, type FieldError } from '../api/errors.js';
import { parseQuantity } from '../validation/quantity.js';
import { isDNS1035Label, isIPv4, isIPv6, namePathSegment } from '../validation/names.js';
import { validateObjectMeta } from '../validation/object-meta.js';
import { goFloat, goJSON } from './jsonpath.js';

/** apiextensions.k8s.io/v1 JSONSchemaProps, in wire form. */
export interface Schema {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: unknown;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: Schema | Schema[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  dependencies?: Record<string, Schema | string[]>;
  additionalItems?: Schema | boolean;
  definitions?: Record<string, Schema>;
  externalDocs?: { description?: string; url?: string };
  example?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: unknown[];
  [key: string]: unknown;
}

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const EMBEDDED = 'x-kubernetes-embedded-resource';
const INT_OR_STRING = 'x-kubernetes-int-or-string';
const LIST_TYPE = 'x-kubernetes-list-type';
const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';
const MAP_TYPE = 'x-kubernetes-map-type';
const VALIDATIONS = 'x-kubernetes-validations';

// ---------------------------------------------------------------------------------------------
// Small helpers: field.Path rendering, JSON kinds, deep copy/equality.

/** field.Path.Child: `a.b`; a nil parent renders as the bare name. */
const child = (p: string, name: string) => (p ? `${p}.${name}` : name);
/** field.Path.Key / Index: `a[k]`, `a[0]`. */
const key = (p: string, k: string | number) => `${p}[${k}]`;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isSchema = (v: unknown): v is Schema => isObject(v);
const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isObject(v) ? Object.keys(v).length > 0 : v !== undefined && v !== null);

function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Go's %q for a string (close enough: strconv.Quote and JSON agree on printable ASCII). */
const q = (s: string) => JSON.stringify(s);

/** %v of a JSON value the way Go prints the decoded interface{} (int64, float64, []interface{}, map). */
function goV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Structural view of a schema (schema/structural.go): only properties, items and
// additionalProperties carry structure; value validations (allOf, anyOf, …) never do.

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function itemsOf(s: Schema | undefined): Schema | undefined {
  return s && isSchema(s.items) ? s.items : undefined;
}
function propertiesOf(s: Schema | undefined): Record<string, Schema> {
  return s && isObject(s.properties) ? (s.properties as Record<string, Schema>) : {};
}
/** StructuralOrBool: undefined when absent, null for a bare boolean, else the schema. */
function additionalOf(s: Schema | undefined): Schema | null | undefined {
  if (!s || s.additionalProperties === undefined) return undefined;
  return isSchema(s.additionalProperties) ? s.additionalProperties : null;
}
function propertyOf(s: Schema | undefined, k: string): Schema | undefined {
  const props = propertiesOf(s);
  return has(props, k) ? props[k] : undefined;
}
const hasDefault = (s: Schema | undefined | null) => !!s && s.default !== undefined && s.default !== null;

// ---------------------------------------------------------------------------------------------
// kube-openapi validate.SchemaValidator over a CRD schema converted by ConvertJSONSchemaProps
// (x-kubernetes-int-or-string becomes type [integer, string]; unsupported formats are dropped
// by StripUnsupportedFormatsPostProcess).

type Code =
  | 'invalidType'
  | 'required'
  | 'tooLong'
  | 'tooShort'
  | 'pattern'
  | 'enum'
  | 'multipleOf'
  | 'max'
  | 'min'
  | 'unique'
  | 'maxItems'
  | 'minItems'
  | 'tooFewProperties'
  | 'tooManyProperties'
  | 'unallowedProperty'
  | 'multipleOfMustBePositive'
  | 'composite';

interface VError {
  code: Code;
  name: string;
  value?: unknown;
  values?: unknown[];
  valid?: number;
  message: string;
}

class Result {
  errors: VError[] = [];
  matchCount = 0;
  /** Result.AddErrors: an error whose text is already reported is not added twice. */
  add(...errs: VError[]): this {
    for (const e of errs) if (!this.errors.some((x) => x.message === e.message)) this.errors.push(e);
    return this;
  }
  merge(...others: (Result | null | undefined)[]): this {
    for (const o of others) {
      if (!o) continue;
      this.add(...o.errors);
      this.matchCount += o.matchCount;
    }
    return this;
  }
  inc(): this {
    this.matchCount++;
    return this;
  }
  get valid(): boolean {
    return this.errors.length === 0;
  }
}

const fail = (e: VError) => new Result().add(e);

const IN = 'body';
const invalidType = (name: string, typeName: string, value: string): VError => ({
  code: 'invalidType',
  name,
  value,
  message: `${name} in ${IN} must be of type ${typeName}: ${q(value)}`,
});

function typesOf(s: Schema): string[] {
  if (s[INT_OR_STRING]) return ['integer', 'string'];
  return typeof s.type === 'string' && s.type ? [s.type] : [];
}

/** Formats CRD schemas support (apiserver/validation/formats.go, names normalised without '-'). */
const SUPPORTED_STRING_FORMATS = new Set([
  'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5',
  'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration',
  'datetime', 'quantity',
]);

/** StripUnsupportedFormatsPostProcess. */
function formatOf(s: Schema): string {
  const f = typeof s.format === 'string' ? s.format : '';
  if (!f) return '';
  const types = typesOf(s);
  const t = types.length === 1 ? types[0] : '';
  switch (t) {
    case '':
    case 'string':
      return SUPPORTED_STRING_FORMATS.has(f.replace(/-/g, '')) ? f : '';
    case 'integer':
      return f === 'int32' || f === 'int64' ? f : '';
    case 'number':
      return f === 'float' || f === 'double' ? f : '';
    default:
      return '';
  }
}

const RX_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const RX_UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const RX_UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const RX_UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const RX_HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$/u;
const RX_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const RX_DATETIME_TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;
const RX_GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const RX_STRFMT_DURATION = /^(\d+)\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|secs|mins?|hrs?)$/i;
const RX_RGB = /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/;
const RX_MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){19}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$|^([0-9a-fA-F]{4}\.){3}[0-9a-fA-F]{4}$|^([0-9a-fA-F]{4}\.){9}[0-9a-fA-F]{4}$/;

/** time.Parse("2006-01-02", s): a real calendar date. */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function isISBN10(s: string): boolean {
  const t = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(t)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(t[i]);
  sum += t[9] === 'X' ? 100 : 10 * Number(t[9]);
  return sum % 11 === 0;
}
function isISBN13(s: string): boolean {
  const t = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(t)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(t[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(t[12]);
}
function isCreditCard(s: string): boolean {
  const t = s.replace(/\D/g, '');
  if (!/^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/.test(t)) return false;
  let sum = 0;
  let dbl = false;
  for (let i = t.length - 1; i >= 0; i--) {
    let d = Number(t[i]);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}
function isCIDR(s: string): boolean {
  const m = /^(.*)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const bits = Number(m[2]);
  if (isIPv4(m[1])) return bits <= 32 && !/^0\d/.test(m[2]);
  if (isIPv6(m[1])) return bits <= 128;
  return false;
}
function isRequestURI(s: string): boolean {
  if (/\s/.test(s) && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return false;
  if (s.startsWith('/')) return true;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

/** The strfmt.Default registry's validators, by normalised format name. */
const FORMAT_VALIDATORS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: (s) => /^[^@\s<>()[\]\\,;:"]+@[^@\s<>()[\]\\,;:"]+$/.test(s) || /^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/.test(s),
  hostname: (s) => RX_HOSTNAME.test(s) && s.length <= 255 && s.split('.').every((p) => p.length <= 63),
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: isCIDR,
  mac: (s) => RX_MAC.test(s),
  uuid: (s) => RX_UUID.test(s),
  uuid3: (s) => RX_UUID3.test(s),
  uuid4: (s) => RX_UUID4.test(s),
  uuid5: (s) => RX_UUID5.test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (s) => (s.length === 9 || s.length === 11) && /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) => RX_RGB.test(s),
  byte: (s) => RX_BASE64.test(s),
  password: () => true,
  date: isDate,
  duration: (s) => RX_GO_DURATION.test(s) || RX_STRFMT_DURATION.test(s),
  datetime: (s) => {
    if (s.length < 4) return false;
    const parts = s.toLowerCase().split('t');
    if (parts.length < 2 || !isDate(parts[0])) return false;
    const m = RX_DATETIME_TIME.exec(parts[1]);
    return !!m && m[1] <= '23' && m[2] <= '59' && m[3] <= '59';
  },
  quantity: (s) => parseQuantity(s) !== undefined,
};

/**
 * Go's regexp is RE2; JavaScript's syntax is close enough for CRD patterns, except for inline
 * flags, which are translated when they lead the pattern.
 */
const PATTERNS = new Map<string, RegExp>();
function compilePattern(pattern: string): RegExp {
  let re = PATTERNS.get(pattern);
  if (!re) {
    const m = /^\(\?([imsU]+)\)/.exec(pattern);
    const flags = m ? [...new Set(m[1].replace(/U/g, ''))].join('') : '';
    re = new RegExp(m ? pattern.slice(m[0].length) : pattern, flags);
    // CRD schemas are few and long-lived; the cache stays small.
    if (PATTERNS.size < 10000) PATTERNS.set(pattern, re);
  }
  return re;
}

/** A compile error worded as Go's regexp/syntax words the common ones. */
function regexpError(pattern: string): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (e) {
    const msg = (e as Error).message;
    let why = msg.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    if (/Nothing to repeat/.test(msg)) {
      const m = /(?:^|[(|])([*+?]|\{\d+(?:,\d*)?\})/.exec(pattern);
      why = `missing argument to repetition operator: \`${m ? m[1] : pattern}\``;
    } else if (/Unterminated group/.test(msg)) {
      why = `missing closing ): \`${pattern}\``;
    } else if (/Unmatched '\)'/.test(msg)) {
      why = `unexpected ): \`${pattern}\``;
    } else if (/Unterminated character class/.test(msg)) {
      why = `missing closing ]: \`${pattern.slice(pattern.lastIndexOf('['))}\``;
    }
    return `error parsing regexp: ${why}`;
  }
}

type DataKind = 'null' | 'string' | 'number' | 'bool' | 'slice' | 'map';
function kindOf(v: unknown): DataKind {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

/** typeValidator.schemaInfoForType: decoded JSON numbers are int64 when integral, else float64. */
function schemaInfo(v: unknown): [string, string] {
  switch (kindOf(v)) {
    case 'bool': return ['boolean', ''];
    case 'string': return ['string', ''];
    case 'number': return Number.isInteger(v) ? ['integer', 'int64'] : ['number', 'float64'];
    case 'slice': return ['array', ''];
    case 'map': return ['object', ''];
    default: return ['', ''];
  }
}

function validateType(s: Schema, path: string, data: unknown): Result {
  const res = new Result().inc();
  const types = typesOf(s);
  if (data === null || data === undefined) {
    if (types.length > 0 && !types.includes('null') && !s.nullable) return fail(invalidType(path, types.join(','), 'null'));
    return res;
  }
  const kind = kindOf(data);
  const format = formatOf(s);
  const [schType, fmt] = schemaInfo(data);
  const isIntFloat = schType === 'integer' && types.includes('number');
  if (kind !== 'string' && kind !== 'slice' && format !== '' && !(types.includes(schType) || fmt === format || isIntFloat)) {
    return fail(invalidType(path, format, fmt));
  }
  if (!(types.includes('number') || types.includes('integer')) && format !== '' && (kind === 'string' || kind === 'slice')) return res;
  if (!(types.includes(schType) || isIntFloat)) return fail(invalidType(path, types.join(','), schType));
  return res;
}

function validateSchemaProps(s: Schema, path: string, data: unknown): Result {
  const main = new Result();
  const anyOf = Array.isArray(s.anyOf) ? s.anyOf : [];
  if (anyOf.length > 0) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let succeeded = false;
    for (const sub of anyOf) {
      const r = validateValue(sub, path, data);
      if (r.valid) {
        best = undefined;
        succeeded = true;
        firstSuccess ??= r;
        break;
      }
      if (!best || r.matchCount > best.matchCount) best = r;
    }
    if (!succeeded) main.add({ code: 'composite', name: path, message: `${q(path)} must validate at least one schema (anyOf)` });
    if (best) main.merge(best);
    else if (firstSuccess) main.merge(firstSuccess);
  }
  const oneOf = Array.isArray(s.oneOf) ? s.oneOf : [];
  if (oneOf.length > 0) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let validated = 0;
    for (const sub of oneOf) {
      const r = validateValue(sub, path, data);
      if (r.valid) {
        validated++;
        best = undefined;
        firstSuccess ??= r;
        continue;
      }
      if (validated === 0 && (!best || r.matchCount > best.matchCount)) best = r;
    }
    if (validated !== 1) {
      const more = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.add({ code: 'composite', name: path, message: `${q(path)} must validate one and only one schema (oneOf). ${more}` });
      if (best) main.merge(best);
    } else if (firstSuccess) {
      main.merge(firstSuccess);
    }
  }
  const allOf = Array.isArray(s.allOf) ? s.allOf : [];
  if (allOf.length > 0) {
    let validated = 0;
    for (const sub of allOf) {
      const r = validateValue(sub, path, data);
      if (r.valid) validated++;
      main.merge(r);
    }
    if (validated !== allOf.length) {
      main.add({ code: 'composite', name: path, message: `${q(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}` });
    }
  }
  if (isSchema(s.not) && validateValue(s.not, path, data).valid) {
    main.add({ code: 'composite', name: path, message: `${q(path)} must not validate the schema (not)` });
  }
  return main.inc();
}

function validateString(s: Schema, path: string, data: string): Result | null {
  const len = [...data].length;
  if (typeof s.maxLength === 'number' && len > s.maxLength) {
    return fail({ code: 'tooLong', name: path, value: data, valid: s.maxLength, message: `${path} in ${IN} should be at most ${s.maxLength} chars long` });
  }
  if (typeof s.minLength === 'number' && len < s.minLength) {
    return fail({ code: 'tooShort', name: path, value: data, message: `${path} in ${IN} should be at least ${s.minLength} chars long` });
  }
  if (typeof s.pattern === 'string' && s.pattern !== '') {
    const bad = regexpError(s.pattern);
    if (bad) return fail({ code: 'pattern', name: path, value: data, message: `${path} in ${IN} should match '${s.pattern}, but pattern is invalid: ${bad}'` });
    if (!compilePattern(s.pattern).test(data)) {
      return fail({ code: 'pattern', name: path, value: data, message: `${path} in ${IN} should match '${s.pattern}'` });
    }
  }
  return null;
}

function validateFormat(s: Schema, path: string, data: string): Result | null {
  const format = formatOf(s);
  const check = FORMAT_VALIDATORS[format.replace(/-/g, '')];
  if (!check || check(data)) return null;
  return fail(invalidType(path, format, data));
}

/** numberValidator: integers compare against int64(bound), floats against the float bound. */
function validateNumber(s: Schema, path: string, data: number): Result {
  const res = new Result();
  const isInt = Number.isInteger(data);
  const bound = (b: number) => (isInt ? String(Math.trunc(b)) : goFloat(b));
  const resMultiple = new Result();
  const resMinimum = new Result();
  const resMaximum = new Result();
  if (typeof s.multipleOf === 'number') {
    const f = isInt ? Math.trunc(s.multipleOf) : s.multipleOf;
    if (f < 0) {
      resMultiple.add({ code: 'multipleOfMustBePositive', name: path, value: f, message: `factor MultipleOf declared for ${path} must be positive: ${bound(f)}` });
    } else if (f !== 0) {
      const mult = isInt ? data % f === 0 : Number.isInteger(f < 1 ? (1 / f) * data : data / f);
      if (!mult) resMultiple.add({ code: 'multipleOf', name: path, value: data, message: `${path} in ${IN} should be a multiple of ${bound(f)}` });
    }
  }
  if (typeof s.minimum === 'number') {
    const min = isInt ? Math.trunc(s.minimum) : s.minimum;
    const ex = !!s.exclusiveMinimum;
    if ((!ex && data < min) || (ex && data <= min)) {
      resMinimum.add({ code: 'min', name: path, value: data, message: `${path} in ${IN} should be greater than ${ex ? '' : 'or equal to '}${bound(min)}` });
    }
  }
  if (typeof s.maximum === 'number') {
    const max = isInt ? Math.trunc(s.maximum) : s.maximum;
    const ex = !!s.exclusiveMaximum;
    if ((!ex && data > max) || (ex && data >= max)) {
      resMaximum.add({ code: 'max', name: path, value: data, message: `${path} in ${IN} should be less than ${ex ? '' : 'or equal to '}${bound(max)}` });
    }
  }
  return res.merge(resMultiple, resMinimum, resMaximum).inc();
}

function validateSlice(s: Schema, path: string, data: unknown[]): Result {
  const res = new Result();
  const items = itemsOf(s);
  if (items) data.forEach((v, i) => res.merge(validateValue(items, `${path}[${i}]`, v)));
  const size = data.length;
  if (typeof s.minItems === 'number' && size < s.minItems) {
    res.add({ code: 'minItems', name: path, value: size, message: `${path} in ${IN} should have at least ${s.minItems} items` });
  }
  if (typeof s.maxItems === 'number' && size > s.maxItems) {
    res.add({ code: 'maxItems', name: path, value: size, valid: s.maxItems, message: `${path} in ${IN} should have at most ${s.maxItems} items` });
  }
  if (s.uniqueItems && data.some((v, i) => data.slice(0, i).some((u) => deepEqual(u, v)))) {
    res.add({ code: 'unique', name: path, message: `${path} in ${IN} shouldn't contain duplicates` });
  }
  return res.inc();
}

/** reflect's ConvertibleTo + DeepEqual as basicCommonValidator compares enum members. */
function enumMatches(data: unknown, member: unknown): boolean {
  if (member === null || member === undefined || data === null || data === undefined) return false;
  if (typeof member === 'number' || typeof data === 'number') return typeof member === typeof data && member === data;
  return deepEqual(data, member);
}

function validateEnum(s: Schema, path: string, data: unknown): Result | null {
  const members = Array.isArray(s.enum) ? s.enum : [];
  if (members.length === 0) return null;
  if (members.some((m) => enumMatches(data, m))) return null;
  return fail({ code: 'enum', name: path, value: data, values: members, message: `${path} in ${IN} should be one of ${goV(members)}` });
}

function validateObject(s: Schema, path: string, object: Record<string, unknown>): Result {
  // JSON never carries undefined; a key holding it (from a caller's spread) counts as absent.
  const data = Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
  const n = Object.keys(data).length;
  if (typeof s.minProperties === 'number' && n < s.minProperties) {
    return fail({ code: 'tooFewProperties', name: path, value: n, message: `${path} in ${IN} should have at least ${s.minProperties} properties` });
  }
  if (typeof s.maxProperties === 'number' && n > s.maxProperties) {
    return fail({ code: 'tooManyProperties', name: path, value: n, valid: s.maxProperties, message: `${path} in ${IN} should have at most ${s.maxProperties} properties` });
  }
  const res = new Result();
  const props = propertiesOf(s);
  if (s.additionalProperties === false) {
    for (const k of Object.keys(data)) {
      if (!has(props, k)) res.add({ code: 'unallowedProperty', name: path, value: k, message: `${path}.${k} in ${IN} is a forbidden property` });
    }
  } else if (isSchema(s.additionalProperties)) {
    for (const [k, v] of Object.entries(data)) if (!has(props, k)) res.merge(validateValue(s.additionalProperties, `${path}.${k}`, v));
  }
  for (const [p, ps] of Object.entries(props)) {
    if (has(data, p)) res.merge(validateValue(ps, path ? `${path}.${p}` : p, data[p]));
  }
  for (const r of Array.isArray(s.required) ? s.required : []) {
    if (!has(data, r)) res.add({ code: 'required', name: `${path}.${r}`, message: `${path}.${r} in ${IN} is required` });
  }
  return res;
}

/** SchemaValidator.Validate: every applicable validator runs, in kube-openapi's order. */
function validateValue(s: Schema, path: string, data: unknown): Result {
  const res = new Result();
  if (!isSchema(s)) return res;
  if (data === null || data === undefined) {
    res.merge(validateType(s, path, data));
    res.merge(validateEnum(s, path, data));
    return res;
  }
  const kind = kindOf(data);
  if (typesOf(s).length > 0 || formatOf(s) !== '') res.merge(validateType(s, path, data)).inc();
  res.merge(validateSchemaProps(s, path, data)).inc();
  if (kind === 'string') {
    res.merge(validateString(s, path, data as string)).inc();
    if (formatOf(s) !== '') res.merge(validateFormat(s, path, data as string)).inc();
  }
  if (kind === 'number') res.merge(validateNumber(s, path, data as number)).inc();
  if (kind === 'slice') res.merge(validateSlice(s, path, data as unknown[])).inc();
  res.merge(validateEnum(s, path, data)).inc();
  if (kind === 'map') res.merge(validateObject(s, path, data as Record<string, unknown>)).inc();
  return res.inc();
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** kubeOpenAPIResultToFieldErrors, with fldPath as the prefix ('' for a nil path). */
function toFieldErrors(prefix: string, result: Result): FieldError[] {
  return result.errors.map((e): FieldError => {
    // A nil field.Path prints as "<nil>": the custom resource strategy validates with a nil path.
    if (e.code === 'composite') return field.invalid(prefix || '<nil>', '', e.message);
    const name = e.name.replace(/^\./, '');
    const errPath = e.name !== '' && e.name !== '.' ? child(prefix, name) : prefix;
    const value = e.value === undefined || e.value === null ? '' : e.value;
    switch (e.code) {
      case 'required':
        return field.required(errPath);
      case 'enum':
        return field.notSupported(errPath, e.value ?? null, (e.values ?? []).map((v) => (typeof v === 'string' ? v : goJSON(v))));
      case 'tooLong': {
        const max = e.valid ?? -1;
        return { type: 'FieldValueTooLong', field: errPath, value: '<value omitted>', omitValue: true, detail: max >= 0 ? `may not be more than ${max} ${plural(max, 'byte', 'bytes')}` : 'value is too long' };
      }
      case 'maxItems':
      case 'tooManyProperties': {
        const max = e.valid ?? -1;
        return { type: 'FieldValueTooMany', field: errPath, value: e.value, detail: max >= 0 ? `must have at most ${max} ${plural(max, 'item', 'items')}` : 'has too many items' };
      }
      case 'invalidType':
        return { type: 'FieldValueTypeInvalid', field: errPath, value, detail: e.message };
      default:
        return field.invalid(errPath, value, e.message);
    }
  });
}

/** apiservervalidation.ValidateCustomResource(fldPath, value, NewSchemaValidator(schema)). */
function validateAgainstSchema(prefix: string, value: unknown, schema: Schema): FieldError[] {
  return toFieldErrors(prefix, validateValue(schema, '', value));
}

// ---------------------------------------------------------------------------------------------
// schema/objectmeta: embedded resources carry apiVersion, kind and a valid ObjectMeta.

function jsonTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'string': return 'string';
    case 'number': return 'number';
    case 'bool': return 'bool';
    case 'slice': return 'array';
    default: return 'object';
  }
}

function validateEmbeddedResource(path: string, x: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (!has(x, 'apiVersion')) errs.push(field.required(child(path, 'apiVersion')));
  if (!has(x, 'kind')) errs.push(field.required(child(path, 'kind')));
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(field.invalid(child(path, 'apiVersion'), v, 'must be a string'));
      else if (v === '') errs.push(field.required(child(path, 'apiVersion')));
      else if (v.split('/').length > 2) errs.push(field.invalid(child(path, 'apiVersion'), v, `unexpected GroupVersion string: ${v}`));
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(field.invalid(child(path, 'kind'), v, 'must be a string'));
      else if (v === '') errs.push(field.required(child(path, 'kind')));
      else {
        const bad = isDNS1035Label(v.toLowerCase());
        if (bad.length) errs.push(field.invalid(child(path, 'kind'), v, `may have mixed case, but should otherwise match: ${bad.join(',')}`));
      }
    } else if (k === 'metadata') {
      if (v !== null && !isObject(v)) {
        errs.push(field.invalid(child(path, 'metadata'), v, `json: cannot unmarshal ${jsonTypeName(v)} into Go value of type v1.ObjectMeta`));
        continue;
      }
      const meta = { ...((v ?? {}) as Record<string, unknown>) };
      if (!meta.name) meta.name = 'fakename'; // as upstream: a name is not required here
      errs.push(...validateObjectMeta(meta as never, { namespaced: !!meta.namespace, nameValidator: namePathSegment }, child(path, 'metadata')));
    }
  }
  return errs;
}

function validateObjectMetas(path: string, x: unknown, s: Schema | undefined | null): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (isObject(x)) {
    if (s[EMBEDDED]) errs.push(...validateEmbeddedResource(path, x));
    for (const [k, v] of Object.entries(x)) {
      const prop = propertyOf(s, k);
      if (prop) errs.push(...validateObjectMetas(child(path, k), v, prop));
      else if (additionalOf(s) !== undefined) errs.push(...validateObjectMetas(key(path, k), v, additionalOf(s)));
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => errs.push(...validateObjectMetas(key(path, i), v, itemsOf(s))));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// schema/listtype: x-kubernetes-list-type set and map uniqueness.

const UNSPECIFIED = Symbol('unspecifiedKeyValue');

/** Indexes of the second appearance of each repeated element (validateListSet). */
function nonUniqueIndexes(items: unknown[]): number[] {
  if (items.length <= 1) return [];
  const seen = new Map<unknown, number>();
  const out: number[] = [];
  items.forEach((x, i) => {
    const k = Array.isArray(x) || isObject(x) ? `json:${goJSON(x)}` : x;
    const times = seen.get(k);
    if (times === undefined) seen.set(k, 1);
    else {
      seen.set(k, times + 1);
      if (times === 1) out.push(i);
    }
  });
  return out;
}

function validateListMap(path: string, s: Schema, obj: unknown[]): FieldError[] {
  for (let i = 0; i < obj.length; i++) {
    const x = obj[i];
    if (x !== null && !isObject(x)) return [field.invalid(key(path, i), x, 'must be an object for an array of list-type map')];
  }
  if (obj.length <= 1) return [];
  const keyFields = Array.isArray(s[LIST_MAP_KEYS]) ? (s[LIST_MAP_KEYS] as string[]) : [];
  if (keyFields.length === 1) {
    const kf = keyFields[0];
    const keys = obj.map((x) => (isObject(x) && has(x, kf) ? x[kf] : UNSPECIFIED));
    return nonUniqueIndexes(keys).map((i) => field.duplicate(key(path, i), keys[i] === UNSPECIFIED ? {} : { [kf]: keys[i] }));
  }
  const keys = obj.map((x) => {
    const k: Record<string, unknown> = {};
    if (isObject(x)) for (const kf of keyFields) if (has(x, kf)) k[kf] = x[kf];
    return k;
  });
  return nonUniqueIndexes(keys).map((i) => field.duplicate(key(path, i), keys[i]));
}

function listSetsAndMaps(path: string, s: Schema | undefined | null, obj: unknown): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (Array.isArray(obj)) {
    if (s[LIST_TYPE] === 'set') for (const i of nonUniqueIndexes(obj)) errs.push(field.duplicate(key(path, i), obj[i]));
    else if (s[LIST_TYPE] === 'map') errs.push(...validateListMap(path, s, obj));
    const items = itemsOf(s);
    if (items) obj.forEach((v, i) => errs.push(...listSetsAndMaps(key(path, i), items, v)));
  } else if (isObject(obj)) {
    const ap = additionalOf(s);
    if (ap) for (const [k, v] of Object.entries(obj)) errs.push(...listSetsAndMaps(key(path, k), ap, v));
    for (const [k, v] of Object.entries(obj)) {
      const prop = propertyOf(s, k);
      if (prop) errs.push(...listSetsAndMaps(child(path, k), prop, v));
    }
  }
  return errs;
}

/**
 * Validates a custom object against its CRD version's schema, as the custom resource strategy
 * does after ObjectMeta validation: the OpenAPI schema validation of the whole object (paths
 * like `spec.replicas`, messages like `spec.replicas in body should be less than or equal to 10`),
 * then embedded resources' apiVersion/kind/metadata, then list-type set/map uniqueness.
 */
export function validateCustomObject(obj: unknown, schema: Schema): FieldError[] {
  if (!isSchema(schema)) return [];
  return [...validateAgainstSchema('', obj, schema), ...validateObjectMetas('', obj, schema), ...listSetsAndMaps('', schema, obj)];
}

// ---------------------------------------------------------------------------------------------
// Defaulting (schema/defaulting): runs on every decode from the client and from storage.

function pruneNonNullableNullsWithoutDefaults(x: unknown, s: Schema | undefined | null): void {
  if (isObject(x)) {
    for (const [k, v] of Object.entries(x)) {
      const sub = s ? (propertyOf(s, k) ?? additionalOf(s) ?? undefined) : undefined;
      if (v === null && sub && !sub.nullable && !hasDefault(sub)) delete x[k];
      else pruneNonNullableNullsWithoutDefaults(v, sub);
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s ?? undefined);
    for (const v of x) pruneNonNullableNullsWithoutDefaults(v, items);
  }
}

const isNonNullableNull = (x: unknown, s: Schema | undefined | null) => x === null && !!s && !s.nullable;
const copyDefault = (s: Schema | undefined | null) => (hasDefault(s) ? deepCopy(s!.default) : null);

function defaultValue(x: unknown, s: Schema | undefined | null): void {
  if (!s) return;
  if (isObject(x)) {
    for (const [k, prop] of Object.entries(propertiesOf(s))) {
      if (!hasDefault(prop)) continue;
      if (!has(x, k) || isNonNullableNull(x[k], prop)) x[k] = deepCopy(prop.default);
    }
    const ap = additionalOf(s);
    for (const k of Object.keys(x)) {
      const prop = propertyOf(s, k);
      if (prop) defaultValue(x[k], prop);
      else if (ap !== undefined) {
        if (isNonNullableNull(x[k], ap)) x[k] = copyDefault(ap);
        defaultValue(x[k], ap);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items)) x[i] = copyDefault(items);
      defaultValue(x[i], items);
    }
  }
}

/**
 * Structural defaulting, in place: non-nullable nulls without a default are dropped, then every
 * missing field with a default (and every non-nullable null) gets a deep copy of it. Defaults
 * apply recursively, so a defaulted object is itself defaulted further.
 */
export function applyDefaults(obj: unknown, schema: Schema): void {
  if (!isSchema(schema)) return;
  pruneNonNullableNullsWithoutDefaults(obj, schema);
  defaultValue(obj, schema);
}

// ---------------------------------------------------------------------------------------------
// Pruning (schema/pruning).

function pruneValue(x: unknown, s: Schema | undefined | null, path: string, out: string[]): void {
  if (s && s[PRESERVE]) {
    skipPrune(x, s, path, out);
    return;
  }
  if (isObject(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        out.push(child(path, k));
        delete x[k];
      }
      return;
    }
    const ap = additionalOf(s);
    for (const [k, v] of Object.entries(x)) {
      if (s[EMBEDDED] && META_FIELDS.has(k)) continue;
      const prop = propertyOf(s, k);
      if (prop) pruneValue(v, prop, child(path, k), out);
      else if (ap !== undefined) pruneValue(v, ap, child(path, k), out);
      else {
        if (!META_FIELDS.has(k) || path !== '') out.push(child(path, k));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    const items = s ? itemsOf(s) : undefined;
    x.forEach((v, i) => pruneValue(v, items, `${path}[${i}]`, out));
  }
}

function skipPrune(x: unknown, s: Schema | undefined | null, path: string, out: string[]): void {
  if (!s) return;
  if (isObject(x)) {
    const ap = additionalOf(s);
    for (const [k, v] of Object.entries(x)) {
      if (s[EMBEDDED] && META_FIELDS.has(k)) continue;
      const prop = propertyOf(s, k);
      if (prop) pruneValue(v, prop, child(path, k), out);
      else if (ap !== undefined) pruneValue(v, ap, child(path, k), out);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => skipPrune(v, itemsOf(s), `${path}[${i}]`, out));
  }
}

/**
 * Removes, in place, every field the schema does not specify, honouring
 * x-kubernetes-preserve-unknown-fields and keeping apiVersion/kind/metadata of embedded
 * resources (and of the root when isResourceRoot). Returns the pruned paths, sorted, in
 * upstream's form (`spec.foo`, `spec.items[0].bar`) — what fieldValidation reports as
 * `unknown field "spec.foo"`.
 */
export function prune(obj: unknown, schema: Schema, isResourceRoot = true): string[] {
  let s: Schema | undefined = isSchema(schema) ? schema : undefined;
  if (isResourceRoot && !(s && s[EMBEDDED])) s = { ...(s ?? {}), [EMBEDDED]: true };
  const out: string[] = [];
  pruneValue(obj, s, '', out);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// CRD-time schema validation.

/** Where a schema node sits, for the checks that depend on it (specStandardValidatorV3's state). */
interface OpenAPIContext {
  isRoot: boolean;
  insideResourceMeta: boolean;
  /** Why defaults are forbidden here, when they are. */
  forbidDefaults?: string;
}

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** specStandardValidatorV3.validate: OpenAPI features CRD schemas do not support. */
function validateSpecStandard(s: Schema, path: string, ctx: OpenAPIContext): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof s.type === 'string' && s.type !== '' && !OPENAPI_V3_TYPES.includes(s.type)) {
    errs.push(field.notSupported(child(path, 'type'), s.type, OPENAPI_V3_TYPES));
  }
  if (s.default !== undefined && ctx.forbidDefaults !== undefined) {
    errs.push(field.forbidden(child(path, 'default'), `must not be set${ctx.forbidDefaults ? ` ${ctx.forbidDefaults}` : ''}`));
  }
  if (s.id !== undefined && s.id !== '') errs.push(field.forbidden(child(path, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(field.forbidden(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (nonEmpty(s.patternProperties)) errs.push(field.forbidden(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (nonEmpty(s.definitions)) errs.push(field.forbidden(child(path, 'definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(field.forbidden(child(path, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(field.forbidden(child(path, '$ref'), '$ref is not supported'));
  if (s.type === 'null') errs.push(field.forbidden(child(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length > 0) errs.push(field.forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (ctx.insideResourceMeta && s[EMBEDDED]) errs.push(field.forbidden(child(path, EMBEDDED), 'must not be used inside of resource meta'));
  return errs;
}

/** xlisttypenotnil, validateXListTypeMap and validateMapListKeysMapSet. */
function validateListType(s: Schema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const listType = s[LIST_TYPE];
  const mapKeys = Array.isArray(s[LIST_MAP_KEYS]) ? (s[LIST_MAP_KEYS] as string[]) : [];
  const type = typeof s.type === 'string' ? s.type : '';
  if (listType !== undefined) {
    if (type !== 'array') {
      if (type === '') errs.push(field.required(child(path, 'type'), 'must be array if x-kubernetes-list-type is specified'));
      else errs.push(field.invalid(child(path, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
    }
    const items = itemsOf(s);
    if (type === 'array' && listType === 'set' && items) {
      // requireAtomicSetType: set elements must compare as a whole.
      if (items.type === 'array' && items[LIST_TYPE] !== undefined && items[LIST_TYPE] !== 'atomic') {
        errs.push(field.invalid(child(child(path, 'items'), LIST_TYPE), items[LIST_TYPE], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
      } else if (items.type === 'object' && items[MAP_TYPE] !== 'atomic') {
        // upstream reports the item's list type here (usually unset, so null)
        errs.push(field.invalid(child(child(path, 'items'), MAP_TYPE), items[LIST_TYPE] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
      }
    }
    if (!['atomic', 'set', 'map'].includes(listType)) errs.push(field.notSupported(child(path, LIST_TYPE), listType, ['atomic', 'set', 'map']));
    if (listType === 'map') {
      if (mapKeys.length === 0) errs.push(field.required(child(path, LIST_MAP_KEYS), 'must not be empty if x-kubernetes-list-type is map'));
      if (s.items === undefined) errs.push(field.required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
      else if (!isSchema(s.items)) errs.push(field.invalid(child(path, 'items'), s.items, 'must only have a single schema if x-kubernetes-list-type is map'));
      else if (s.items.type !== 'object') {
        errs.push(field.invalid(child(child(path, 'items'), 'type'), s.items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
      }
      if (items && items.type === 'object') {
        const seen = new Set<string>();
        for (const k of mapKeys) {
          const p = propertyOf(items, k);
          if (!p) errs.push(field.invalid(child(path, LIST_MAP_KEYS), mapKeys, 'entries must all be names of item properties'));
          else if (p.type === 'array' || p.type === 'object') {
            errs.push(field.invalid(child(key(child(child(path, 'items'), 'properties'), k), 'type'), items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
          if (seen.has(k)) errs.push(field.invalid(child(path, LIST_MAP_KEYS), mapKeys, 'must not contain duplicate entries'));
          seen.add(k);
        }
      }
    }
  }
  const mapType = s[MAP_TYPE];
  if (mapType !== undefined) {
    if (type !== 'object') {
      if (type === '') errs.push(field.required(child(path, 'type'), 'must be object if x-kubernetes-map-type is specified'));
      else errs.push(field.invalid(child(path, 'type'), type, 'must be object if x-kubernetes-map-type is specified'));
    }
    if (mapType !== 'atomic' && mapType !== 'granular') errs.push(field.notSupported(child(path, MAP_TYPE), mapType, ['atomic', 'granular']));
  }
  if (mapKeys.length > 0) {
    if (listType === undefined) errs.push(field.required(child(path, LIST_TYPE), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(field.invalid(child(path, LIST_TYPE), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  const items = itemsOf(s);
  if (items && (listType === 'set' || listType === 'map')) {
    if (items.nullable) errs.push(field.forbidden(child(child(path, 'items'), 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${listType}`));
    if (listType === 'map') {
      const required = new Set(Array.isArray(items.required) ? items.required : []);
      for (const k of mapKeys) {
        const p = propertyOf(items, k);
        if (!p) continue;
        const at = key(child(child(path, 'items'), 'properties'), k);
        if (!required.has(k) && p.default === undefined) {
          errs.push(field.required(child(at, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        }
        if (p.nullable) errs.push(field.forbidden(child(at, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      }
    }
  }
  return errs;
}

/** The syntactic x-kubernetes-validations checks (compiling the CEL rules is not done here). */
function validateXValidations(s: Schema, path: string): FieldError[] {
  const rules = Array.isArray(s[VALIDATIONS]) ? (s[VALIDATIONS] as Array<{ rule?: string; message?: string }>) : [];
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const at = key(child(path, VALIDATIONS), i);
    const rule = (r?.rule ?? '').trim();
    const message = r?.message ?? '';
    const msg = message.trim();
    if (rule === '') errs.push(field.required(child(at, 'rule'), 'rule is not specified'));
    else if (message.length > 0 && msg === '') errs.push(field.invalid(child(at, 'message'), message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(msg)) errs.push(field.invalid(child(at, 'message'), message, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(rule) && msg === '') errs.push(field.required(child(at, 'message'), 'message must be specified if rule contains line breaks'));
  });
  return errs;
}

/** validateCustomResourceDefinitionOpenAPISchema (apiextensions.k8s.io/v1 options). */
function validateOpenAPISchema(s: Schema | undefined, path: string, ctx: OpenAPIContext): FieldError[] {
  if (!isSchema(s)) return [];
  const errs: FieldError[] = validateSpecStandard(s, path, ctx);
  const inner: OpenAPIContext = { isRoot: false, insideResourceMeta: ctx.insideResourceMeta, forbidDefaults: ctx.forbidDefaults };
  if (s.uniqueItems === true) {
    errs.push(field.forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  }
  if (s.additionalProperties !== undefined) {
    // properties are for structs, additionalProperties for maps: never both.
    if (nonEmpty(s.properties) && (s.additionalProperties === false || isSchema(s.additionalProperties))) {
      errs.push(field.forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    const sub = ctx.insideResourceMeta ? { ...inner, forbidDefaults: 'inside additionalProperties applying to object metadata' } : inner;
    if (isSchema(s.additionalProperties)) errs.push(...validateOpenAPISchema(s.additionalProperties, child(path, 'additionalProperties'), sub));
  }
  for (const [k, v] of Object.entries(propertiesOf(s))) {
    let sub = inner;
    if ((ctx.isRoot || s[EMBEDDED]) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (ctx.isRoot) sub.forbidDefaults = `in top-level ${k}`;
    }
    errs.push(...validateOpenAPISchema(v, key(child(path, 'properties'), k), sub));
  }
  errs.push(...validateOpenAPISchema(s.not, child(path, 'not'), inner));
  for (const [name, list] of [['allOf', s.allOf], ['oneOf', s.oneOf], ['anyOf', s.anyOf]] as const) {
    if (Array.isArray(list)) list.forEach((v, i) => errs.push(...validateOpenAPISchema(v, key(child(path, name), i), inner)));
  }
  if (isObject(s.definitions)) {
    for (const [k, v] of Object.entries(s.definitions)) errs.push(...validateOpenAPISchema(v, key(child(path, 'definitions'), k), inner));
  }
  if (isSchema(s.items)) errs.push(...validateOpenAPISchema(s.items, child(path, 'items'), inner));
  else if (Array.isArray(s.items)) s.items.forEach((v, i) => errs.push(...validateOpenAPISchema(v, key(child(path, 'items'), i), inner)));
  if (isObject(s.dependencies)) {
    for (const [k, v] of Object.entries(s.dependencies)) if (isSchema(v)) errs.push(...validateOpenAPISchema(v, key(child(path, 'dependencies'), k), inner));
  }
  if (s[PRESERVE] === false) errs.push(field.invalid(child(path, PRESERVE), false, 'must be true or undefined'));
  errs.push(...validateListType(s, path));
  errs.push(...validateXValidations(s, path));
  return errs;
}

/**
 * NewStructural's refusal, if any: the error of the first node (in its traversal order) that
 * cannot be converted. The schema is then not checked for structure.
 */
function unsupportedFieldError(s: unknown): string | undefined {
  if (!isSchema(s)) return undefined;
  if ((s.id ?? '') !== '') return "OpenAPIV3Schema 'id' is not supported";
  if ((s.$schema ?? '') !== '') return "OpenAPIV3Schema 'schema' is not supported";
  if ((s.$ref ?? '') !== '') return "OpenAPIV3Schema '$ref' is not supported";
  if (nonEmpty(s.patternProperties)) return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (nonEmpty(s.dependencies)) return "OpenAPIV3Schema 'dependencies' is not supported";
  if (s.additionalItems !== undefined) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (nonEmpty(s.definitions)) return "OpenAPIV3Schema 'definitions' is not supported";
  const junctors: unknown[] = [s.not, ...(Array.isArray(s.allOf) ? s.allOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s.oneOf) ? s.oneOf : [])];
  for (const j of junctors) {
    const e = unsupportedFieldError(j);
    if (e) return e;
  }
  if (isSchema(s.additionalProperties)) {
    const e = unsupportedFieldError(s.additionalProperties);
    if (e) return e;
  }
  if (s[PRESERVE] === false) return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  if (Array.isArray(s.items) && s.items.length > 0) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  for (const sub of [s.items, ...Object.values(propertiesOf(s))]) {
    const e = unsupportedFieldError(sub);
    if (e) return e;
  }
  return undefined;
}

type Level = 'root' | 'item' | 'field';

const isExactly = (v: unknown, type: string) => isSchema(v) && Object.keys(v).filter((k) => k !== 'externalDocs' && k !== 'example').length === 1 && v.type === type;
const isIntOrStringAnyOf = (anyOf: unknown) => Array.isArray(anyOf) && anyOf.length === 2 && isExactly(anyOf[0], 'integer') && isExactly(anyOf[1], 'string');

/** ValueValidation fields (with the junctors) that must stay out of metadata at the root. */
function validateStructuralInvariants(s: Schema | undefined, lvl: Level, path: string): FieldError[] {
  if (!isSchema(s)) return [];
  const errs: FieldError[] = [];
  if (s.type === 'array' && !isSchema(s.items)) errs.push(field.required(child(path, 'items'), 'must be specified'));
  errs.push(...validateStructuralInvariants(itemsOf(s), 'item', child(path, 'items')));
  for (const [k, v] of Object.entries(propertiesOf(s))) errs.push(...validateStructuralInvariants(v, 'field', key(child(path, 'properties'), k)));
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') errs.push(field.forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    if (isSchema(s.additionalProperties)) errs.push(...validateStructuralInvariants(s.additionalProperties, 'field', child(path, 'additionalProperties')));
  }
  if (s[INT_OR_STRING] && s[PRESERVE]) errs.push(field.invalid(child(path, PRESERVE), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (s[INT_OR_STRING] && s[EMBEDDED]) errs.push(field.invalid(child(path, EMBEDDED), true, 'must be false if x-kubernetes-int-or-string is true'));

  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = Array.isArray(s.allOf) && s.allOf.length >= 1 && isSchema(s.allOf[0]) && isIntOrStringAnyOf(s.allOf[0].anyOf);
  errs.push(...validateValueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path));

  const embedded = !!s[EMBEDDED];
  const checkMetadata = lvl === 'root' || embedded;
  const type = typeof s.type === 'string' ? s.type : '';
  if (embedded && type !== 'object') {
    if (type === '') errs.push(field.required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(field.invalid(child(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !s[INT_OR_STRING] && !s[PRESERVE]) {
    const where = lvl === 'root' ? 'at the root' : lvl === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(field.required(child(path, 'type'), `must not be empty ${where}`));
  }
  if (embedded && s.additionalProperties !== undefined) {
    errs.push(field.forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(field.invalid(child(path, 'type'), type, 'must be object at the root'));

  const props = propertiesOf(s);
  for (const tm of ['kind', 'apiVersion']) {
    if (has(props, tm) && checkMetadata && props[tm].type !== 'string') {
      errs.push(field.invalid(child(key(child(path, 'properties'), tm), 'type'), props[tm].type ?? '', 'must be string'));
    }
  }
  if (has(props, 'metadata')) errs.push(...validateStructuralMetadata(props.metadata, checkMetadata, lvl, key(child(path, 'properties'), 'metadata')));
  if (embedded && !s[PRESERVE] && Object.keys(props).length === 0) {
    errs.push(field.required(child(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

/** Keys a structural schema keeps (convert.go drops externalDocs and example). */
const DROPPED_BY_CONVERSION = new Set(['externalDocs', 'example']);

function validateStructuralMetadata(meta: Schema, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && meta.type !== 'object') errs.push(field.invalid(child(path, 'type'), meta.type ?? '', 'must be object'));
  if (lvl === 'root') {
    const rest: Record<string, unknown> = { ...meta };
    const props = Object.keys(propertiesOf(meta));
    const onlyNames = props.length > 0 && props.length <= 2 && props.every((p) => p === 'name' || p === 'generateName');
    if (onlyNames || props.length === 0) delete rest.properties;
    delete rest.type;
    delete rest.default;
    const left = Object.keys(rest).filter((k) => !DROPPED_BY_CONVERSION.has(k) && nonEmpty(rest[k]) && rest[k] !== false);
    if (left.length > 0) {
      errs.push(field.forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  return errs;
}

function validateValueValidation(v: Schema, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf && Array.isArray(v.anyOf)) v.anyOf.forEach((x, i) => errs.push(...validateNested(x, false, lvl, key(child(path, 'anyOf'), i))));
  if (Array.isArray(v.allOf)) v.allOf.forEach((x, i) => errs.push(...validateNested(x, skipFirstAllOfAnyOf && i === 0, lvl, key(child(path, 'allOf'), i))));
  if (Array.isArray(v.oneOf)) v.oneOf.forEach((x, i) => errs.push(...validateNested(x, false, lvl, key(child(path, 'oneOf'), i))));
  errs.push(...validateNested(v.not, false, lvl, child(path, 'not')));
  if (typeof v.pattern === 'string' && v.pattern !== '') {
    const bad = regexpError(v.pattern);
    if (bad) errs.push(field.invalid(child(path, 'pattern'), v.pattern, `must be a valid regular expression, but isn't: ${bad}`));
  }
  return errs;
}

/** validateNestedValueValidation: inside allOf/anyOf/oneOf/not only value validations may appear. */
function validateNested(v: Schema | undefined, skipAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  if (!isSchema(v)) return [];
  const errs: FieldError[] = [];
  const skipFirstAllOfAnyOf = false;
  errs.push(...validateValueValidation(v, skipAnyOf, skipFirstAllOfAnyOf, lvl, path));
  errs.push(...validateNested(itemsOf(v), false, lvl, child(path, 'items')));
  for (const [k, p] of Object.entries(propertiesOf(v))) errs.push(...validateNested(p, false, 'field', key(child(path, 'properties'), k)));
  if (typeof v.type === 'string' && v.type !== '') errs.push(field.forbidden(child(path, 'type'), 'must be empty to be structural'));
  if (v.additionalProperties !== undefined) errs.push(field.forbidden(child(path, 'additionalProperties'), 'must be undefined to be structural'));
  if (hasDefault(v)) errs.push(field.forbidden(child(path, 'default'), 'must be undefined to be structural'));
  if (typeof v.title === 'string' && v.title !== '') errs.push(field.forbidden(child(path, 'title'), 'must be empty to be structural'));
  if (typeof v.description === 'string' && v.description !== '') errs.push(field.forbidden(child(path, 'description'), 'must be empty to be structural'));
  if (v.nullable) errs.push(field.forbidden(child(path, 'nullable'), 'must be false to be structural'));
  if (v[PRESERVE]) errs.push(field.forbidden(child(path, PRESERVE), 'must be false to be structural'));
  if (v[EMBEDDED]) errs.push(field.forbidden(child(path, EMBEDDED), 'must be false to be structural'));
  if (v[INT_OR_STRING]) errs.push(field.forbidden(child(path, INT_OR_STRING), 'must be false to be structural'));
  if (nonEmpty(v[LIST_MAP_KEYS])) errs.push(field.forbidden(child(path, LIST_MAP_KEYS), 'must be empty to be structural'));
  if (v[LIST_TYPE] !== undefined) errs.push(field.forbidden(child(path, LIST_TYPE), 'must be undefined to be structural'));
  if (v[MAP_TYPE] !== undefined) errs.push(field.forbidden(child(path, MAP_TYPE), 'must be undefined to be structural'));
  if (nonEmpty(v[VALIDATIONS])) errs.push(field.forbidden(child(path, VALIDATIONS), 'must be empty to be structural'));
  if (has(propertiesOf(v), 'metadata')) errs.push(field.forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

/** complete.go: what value validations mention must exist in the structural part. */
function validateCompleteness(v: Schema, s: Schema | undefined, sPath: string, vPath: string): FieldError[] {
  if (!s) return [field.required(sPath, `because it is defined in ${vPath}`)];
  const errs: FieldError[] = [];
  errs.push(...nestedCompleteness(v.not, s, sPath, child(vPath, 'not')));
  for (const [name, list] of [['allOf', v.allOf], ['anyOf', v.anyOf], ['oneOf', v.oneOf]] as const) {
    if (Array.isArray(list)) list.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, key(child(vPath, name), i))));
  }
  return errs;
}

function nestedCompleteness(v: Schema | undefined, s: Schema | undefined, sPath: string, vPath: string): FieldError[] {
  if (!isSchema(v)) return [];
  if (!s) return [field.required(sPath, `because it is defined in ${vPath}`)];
  const errs: FieldError[] = [];
  errs.push(...validateCompleteness(v, s, sPath, vPath));
  errs.push(...nestedCompleteness(itemsOf(v), itemsOf(s), child(sPath, 'items'), child(vPath, 'items')));
  for (const [k, p] of Object.entries(propertiesOf(v))) {
    const sp = propertyOf(s, k);
    if (!sp) errs.push(field.required(key(child(sPath, 'properties'), k), `because it is defined in ${key(child(vPath, 'properties'), k)}`));
    else errs.push(...nestedCompleteness(p, sp, key(child(sPath, 'properties'), k), key(child(vPath, 'properties'), k)));
  }
  return errs;
}

/** defaulting.ValidateDefaults: defaults must be pruned and validate against their schema. */
function validateDefaults(s: Schema | undefined, path: string, insideMeta: boolean): FieldError[] {
  if (!isSchema(s)) return [];
  const embedded = !!s[EMBEDDED];
  if (embedded) insideMeta = false;
  const errs: FieldError[] = [];
  // Defaults inside TypeMeta/ObjectMeta are checked by upstream through ObjectMeta coercion;
  // only the schema-level checks apply elsewhere.
  if (hasDefault(s) && !insideMeta) {
    const pruned = deepCopy(s.default);
    prune(pruned, s, embedded);
    if (!deepEqual(pruned, s.default)) errs.push(field.invalid(child(path, 'default'), s.default, 'must not have unknown fields'));
    const metaErrs = validateObjectMetas(child(path, 'default'), s.default, s);
    if (metaErrs.length > 0) errs.push(...metaErrs);
    else errs.push(...validateAgainstSchema(child(path, 'default'), s.default, s));
  }
  errs.push(...validateDefaults(itemsOf(s), child(path, 'items'), insideMeta));
  for (const [k, p] of Object.entries(propertiesOf(s))) {
    errs.push(...validateDefaults(p, key(child(path, 'properties'), k), insideMeta || (embedded && META_FIELDS.has(k))));
  }
  return errs;
}

/**
 * The checks a CRD version's schema must pass (field paths under `path`, upstream's
 * `spec.versions[i].schema.openAPIV3Schema`): OpenAPI features CRDs do not support, then
 * structurality (ValidateStructural; errors sorted as upstream sorts them), then defaults.
 */
export function validateStructuralSchema(schema: Schema, path = 'spec.validation.openAPIV3Schema'): FieldError[] {
  if (!isSchema(schema)) return [];
  const errs: FieldError[] = [];
  if (schema.nullable) errs.push(field.forbidden(child(path, 'nullable'), 'nullable cannot be true at the root'));
  const unsupported = unsupportedFieldError(schema);
  if (!unsupported) {
    const structural = [...validateStructuralInvariants(schema, 'root', path), ...validateCompleteness(schema, schema, path, path)];
    structural.sort((a, b) => {
      const x = fieldErrorString(a);
      const y = fieldErrorString(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    errs.push(...(structural.length > 0 ? structural : validateDefaults({ ...schema, [EMBEDDED]: true }, path, false)));
  }
  errs.push(...validateOpenAPISchema(schema, path, { isRoot: true, insideResourceMeta: false }));
  // NewStructural's own error overlaps the OpenAPI checks, so upstream shows it only alone.
  if (errs.length === 0 && unsupported) errs.push(field.invalid(path, '', unsupported));
  return errs;
}
