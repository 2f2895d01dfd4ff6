// The Swagger 2.0 document as gnostic's `openapi.v2.Document` protobuf
// (github.com/google/gnostic openapiv2/OpenAPIv2.proto), which is what kube-openapi serves for
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and the only form client-go's
// `OpenAPISchema()` asks for (kubectl 1.27/1.28 validation and explain; client-side apply fallback).
// Field numbers below are the .proto's. Vendor extensions and free-form values (`default`,
// `example`, `enum`) are gnostic `Any`s carrying YAML text, which kube-openapi's proto reader
// decodes with yaml.Unmarshal.
import { stringify } from 'yaml';

type Json = Record<string, unknown>;

/**
 * A protobuf message under construction (proto3: zero values are omitted). Nested messages are
 * kept as parts and flattened once at the end, so a 2 MB document is copied once, not per level.
 */
class Message {
  private readonly parts: Array<Buffer | Message> = [];
  size = 0;

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private key(field: number, wireType: number): void {
    this.push(varint(field * 8 + wireType));
  }

  string(field: number, value: unknown): this {
    if (typeof value === 'string' && value !== '') {
      const b = Buffer.from(value, 'utf8');
      this.key(field, 2);
      this.push(varint(b.length));
      this.push(b);
    }
    return this;
  }

  strings(field: number, values: unknown): this {
    if (Array.isArray(values)) for (const v of values) this.string(field, String(v));
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value === true) {
      this.key(field, 0);
      this.push(varint(1));
    }
    return this;
  }

  int64(field: number, value: unknown): this {
    if (typeof value === 'number' && value !== 0) {
      this.key(field, 0);
      this.push(varint(value));
    }
    return this;
  }

  double(field: number, value: unknown): this {
    if (typeof value === 'number' && value !== 0) {
      this.key(field, 1);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value);
      this.push(b);
    }
    return this;
  }

  message(field: number, m: Message | undefined): this {
    if (m) {
      this.key(field, 2);
      this.push(varint(m.size));
      this.parts.push(m);
      this.size += m.size;
    }
    return this;
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    const write = (m: Message, at: number): number => {
      for (const p of m.parts) {
        if (p instanceof Message) at = write(p, at);
        else at += p.copy(out, at);
      }
      return at;
    };
    write(this, 0);
    return out;
  }
}

const SMALL_VARINTS = Array.from({ length: 128 }, (_, i) => Buffer.from([i]));

function varint(n: number): Buffer {
  if (n >= 0 && n < 128 && Number.isInteger(n)) return SMALL_VARINTS[n];
  const bytes: number[] = [];
  let v = Math.trunc(n);
  if (v < 0) {
    // Negative int64: two's complement over 10 bytes.
    let big = BigInt.asUintN(64, BigInt(v));
    while (big > 0x7fn) {
      bytes.push(Number(big & 0x7fn) | 0x80);
      big >>= 7n;
    }
    bytes.push(Number(big));
    return Buffer.from(bytes);
  }
  while (v > 0x7f) {
    bytes.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const YAML_KEYWORDS = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

function scalarYaml(v: unknown): string | undefined {
  if (typeof v === 'string') return PLAIN.test(v) && !YAML_KEYWORDS.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return undefined;
}

/** Flat maps of scalars, in block style as yaml.v3 writes them. */
function flatMapYaml(v: unknown, indent: string): string | undefined {
  if (!isObj(v)) return undefined;
  const lines: string[] = [];
  for (const [k, val] of Object.entries(v)) {
    const key = scalarYaml(k);
    const s = scalarYaml(val);
    if (key === undefined || s === undefined) return undefined;
    lines.push(`${lines.length ? indent : ''}${key}: ${s}`);
  }
  return lines.length ? lines.join('\n') : undefined;
}

/** YAML text of a vendor-extension value; the common shapes (scalars, lists of scalars or flat maps) by hand for speed. */
export function yamlOf(v: unknown): string {
  const scalar = scalarYaml(v);
  if (scalar !== undefined) return `${scalar}\n`;
  if (Array.isArray(v) && v.length) {
    const items = v.map((item) => scalarYaml(item) ?? flatMapYaml(item, '  '));
    if (items.every((i) => i !== undefined)) return items.map((i) => `- ${i}\n`).join('');
  }
  const flat = flatMapYaml(v, '');
  if (flat !== undefined) return `${flat}\n`;
  return stringify(v, { lineWidth: 0 });
}

/** gnostic Any { string yaml = 2; } */
function anyValue(v: unknown): Message {
  return new Message().string(2, yamlOf(v));
}

/** repeated NamedAny vendor_extension: every `x-` key of an object. */
function vendorExtensions(m: Message, field: number, obj: Json): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('x-')) m.message(field, new Message().string(1, k).message(2, anyValue(v)));
  }
}

function schema(s: Json): Message {
  const m = new Message();
  m.string(1, s.$ref).string(2, s.format).string(3, s.title).string(4, s.description);
  if (s.default !== undefined) m.message(5, anyValue(s.default));
  m.double(6, s.multipleOf).double(7, s.maximum).bool(8, s.exclusiveMaximum).double(9, s.minimum).bool(10, s.exclusiveMinimum);
  m.int64(11, s.maxLength).int64(12, s.minLength).string(13, s.pattern).int64(14, s.maxItems).int64(15, s.minItems);
  m.bool(16, s.uniqueItems).int64(17, s.maxProperties).int64(18, s.minProperties).strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) m.message(20, anyValue(e));
  if (s.additionalProperties !== undefined) {
    const ap = new Message();
    if (isObj(s.additionalProperties)) ap.message(1, schema(s.additionalProperties));
    else ap.bool(2, s.additionalProperties === true);
    m.message(21, ap);
  }
  if (s.type !== undefined) m.message(22, new Message().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  if (s.items !== undefined) {
    const items = new Message();
    for (const it of Array.isArray(s.items) ? s.items : [s.items]) if (isObj(it)) items.message(1, schema(it));
    m.message(23, items);
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isObj(a)) m.message(24, schema(a));
  if (isObj(s.properties)) m.message(25, namedSchemas(s.properties));
  m.string(26, s.discriminator).bool(27, s.readOnly);
  if (s.example !== undefined) m.message(30, anyValue(s.example));
  vendorExtensions(m, 31, s);
  return m;
}

/** Properties / Definitions { repeated NamedSchema additional_properties = 1; } */
function namedSchemas(map: Json): Message {
  const m = new Message();
  for (const [name, s] of Object.entries(map)) if (isObj(s)) m.message(1, new Message().string(1, name).message(2, schema(s)));
  return m;
}

function parameter(p: Json): Message {
  if (p.$ref) return new Message().message(2, new Message().string(1, p.$ref)); // ParametersItem.json_reference
  let param: Message;
  if (p.in === 'body') {
    const body = new Message().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (isObj(p.schema)) body.message(5, schema(p.schema));
    vendorExtensions(body, 6, p);
    param = new Message().message(1, body);
  } else {
    // Query and form sub-schemas share the layout up to `name`, then query has allow_empty_value (5)
    // before type (6); path and header have type at 5. NonBodyParameter oneof: header 1, form 2, query 3, path 4.
    const sub = new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
    const withEmpty = p.in === 'query' || p.in === 'formData';
    if (withEmpty) sub.bool(5, p.allowEmptyValue);
    const o = withEmpty ? 1 : 0;
    sub.string(5 + o, p.type).string(6 + o, p.format).string(8 + o, p.collectionFormat);
    if (p.default !== undefined) sub.message(9 + o, anyValue(p.default));
    sub.bool(19 + o, p.uniqueItems);
    vendorExtensions(sub, 22 + o, p);
    const which = { header: 1, formData: 2, query: 3, path: 4 }[String(p.in)] ?? 3;
    param = new Message().message(2, new Message().message(which, sub));
  }
  return new Message().message(1, param); // ParametersItem.parameter
}

function operation(op: Json): Message {
  const m = new Message().strings(1, op.tags).string(2, op.summary).string(3, op.description).string(5, op.operationId);
  m.strings(6, op.produces).strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObj(p)) m.message(8, parameter(p));
  if (isObj(op.responses)) {
    const responses = new Message();
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObj(r)) continue;
      const resp = new Message().string(1, r.description);
      if (isObj(r.schema)) resp.message(2, new Message().message(1, schema(r.schema))); // SchemaItem.schema
      responses.message(1, new Message().string(1, code).message(2, new Message().message(1, resp)));
    }
    m.message(9, responses);
  }
  m.strings(10, op.schemes).bool(11, op.deprecated);
  vendorExtensions(m, 13, op);
  return m;
}

const PATH_METHODS: Array<[string, number]> = [['get', 2], ['put', 3], ['post', 4], ['delete', 5], ['options', 6], ['head', 7], ['patch', 8]];

function pathItem(p: Json): Message {
  const m = new Message().string(1, p.$ref);
  for (const [method, field] of PATH_METHODS) if (isObj(p[method])) m.message(field, operation(p[method] as Json));
  if (Array.isArray(p.parameters)) for (const prm of p.parameters) if (isObj(prm)) m.message(9, parameter(prm));
  vendorExtensions(m, 10, p);
  return m;
}

/** Encodes a Swagger 2.0 JSON document as a gnostic openapi.v2.Document. */
export function encodeOpenAPIV2(doc: Json): Buffer {
  const m = new Message().string(1, doc.swagger);
  if (isObj(doc.info)) m.message(2, new Message().string(1, doc.info.title).string(2, doc.info.version).string(3, doc.info.description));
  m.string(3, doc.host).string(4, doc.basePath).strings(5, doc.schemes).strings(6, doc.consumes).strings(7, doc.produces);
  if (isObj(doc.paths)) {
    const paths = new Message();
    vendorExtensions(paths, 1, doc.paths);
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('x-') && isObj(item)) paths.message(2, new Message().string(1, path).message(2, pathItem(item)));
    }
    m.message(8, paths);
  }
  if (isObj(doc.definitions)) m.message(9, namedSchemas(doc.definitions));
  if (Array.isArray(doc.security)) {
    for (const req of doc.security) {
      if (!isObj(req)) continue;
      const r = new Message();
      for (const [name, scopes] of Object.entries(req)) r.message(1, new Message().string(1, name).message(2, new Message().strings(1, scopes)));
      m.message(12, r);
    }
  }
  if (isObj(doc.securityDefinitions)) {
    const defs = new Message();
    for (const [name, d] of Object.entries(doc.securityDefinitions)) {
      if (!isObj(d) || d.type !== 'apiKey') continue;
      const key = new Message().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description);
      defs.message(1, new Message().string(1, name).message(2, new Message().message(2, key)));
    }
    m.message(13, defs);
  }
  vendorExtensions(m, 16, doc);
  return m.finish();
}
