// The Kubernetes protobuf wire format (application/vnd.kubernetes.protobuf), both ways, for the
// built-in API groups. Matches k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go:
// a body is the 4-byte magic "k8s\0" followed by a runtime.Unknown {1: typeMeta {1: apiVersion,
// 2: kind}, 2: raw (the object's message), 3: contentEncoding, 4: contentType}.
//
// Decoding produces exactly the JSON object kube-apiserver would see had the client sent JSON:
// it replays Go's encoding/json over the gogo-decoded struct (the facts it needs — json names,
// omitempty, pointer or value — are in the generated schema). So a value field that is absent
// comes out as its zero value unless `omitempty`, a nil pointer or slice as `null` unless
// `omitempty`, and struct fields (ObjectMeta, `status`, `resources`...) always appear.
// Encoding writes what gogo-protobuf writes: fields by ascending number, value fields always
// (even zero), pointers only when set, map entries sorted by key.

import { badRequest, notAcceptable } from '../api/errors.js';
import { KINDS, LIST_WRAPPERS, MESSAGES } from './schema.js';
import { F_INLINE, F_MAP, F_OMITEMPTY, F_POINTER, F_REPEATED, type FieldDef } from './types.js';
import { formatGoDuration, formatRfc3339, GO_ZERO_TIME_SECONDS, parseGoDuration, parseRfc3339 } from './gotime.js';
import { ProtobufSyntaxError, readFields, readPackedVarints, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, Writer, type RawField } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_WATCH_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';
/** "k8s\0": the prefix of every protobuf-encoded Kubernetes object. */
export const PROTOBUF_MAGIC: Buffer = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

// Scheme name printed by upstream's "not registered" errors for built-in kinds.
const SCHEME = 'pkg/api/legacyscheme/scheme.go:30';

type Json = unknown;
type JsonObject = Record<string, unknown>;

/** True when the media type (parameters ignored) is the Kubernetes protobuf one. */
export function isProtobuf(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

/** The schema message for apiVersion+kind, or undefined. meta/v1 kinds (Status, DeleteOptions...) are valid in every group version, as upstream's AddToGroupVersion registers them. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  return KINDS[`${apiVersion}/${kind}`] ?? KINDS[`meta/${kind}`];
}

/** Whether encodeProtobufObject can encode this object (built-in kinds only; custom resources have no protobuf form). */
export function canEncodeProtobuf(obj: { apiVersion?: unknown; kind?: unknown }): boolean {
  return typeof obj.apiVersion === 'string' && typeof obj.kind === 'string' && messageForKind(obj.apiVersion, obj.kind) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// decode

const SCALARS = new Set(['string', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'double', 'float', 'fixed32', 'fixed64', 'bytes']);

function scalarZero(type: string): Json {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  return 0;
}

function decodeScalar(type: string, f: RawField): Json {
  switch (type) {
    case 'string':
      return (f.bytes ?? Buffer.alloc(0)).toString('utf8');
    case 'bytes':
      return (f.bytes ?? Buffer.alloc(0)).toString('base64');
    case 'bool':
      return (f.varint ?? 0n) !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, f.varint ?? 0n));
    case 'int64':
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 'uint32':
      return Number(BigInt.asUintN(32, f.varint ?? 0n));
    case 'uint64':
      return Number(BigInt.asUintN(64, f.varint ?? 0n));
    case 'sint32':
    case 'sint64': {
      const v = f.varint ?? 0n;
      return Number((v >> 1n) ^ -(v & 1n));
    }
    case 'double':
      return f.wire === WIRE_FIXED64 && f.bytes ? f.bytes.readDoubleLE(0) : 0;
    case 'float':
      return f.wire === WIRE_FIXED32 && f.bytes ? f.bytes.readFloatLE(0) : 0;
    case 'fixed32':
      return f.bytes ? f.bytes.readUInt32LE(0) : 0;
    case 'fixed64':
      return f.bytes ? Number(f.bytes.readBigUInt64LE(0)) : 0;
    default:
      throw new ProtobufSyntaxError(`unknown scalar type ${type}`);
  }
}

/** Expands packed encodings of repeated numeric scalars (gogo writes them unpacked; both are legal). */
function repeatedScalars(type: string, occ: RawField[]): Json[] {
  const out: Json[] = [];
  for (const f of occ) {
    if (f.wire === WIRE_BYTES && type !== 'string' && type !== 'bytes' && f.bytes) {
      if (type === 'double' || type === 'fixed64') for (let i = 0; i + 8 <= f.bytes.length; i += 8) out.push(decodeScalar(type, { wire: WIRE_FIXED64, bytes: f.bytes.subarray(i, i + 8) }));
      else if (type === 'float' || type === 'fixed32') for (let i = 0; i + 4 <= f.bytes.length; i += 4) out.push(decodeScalar(type, { wire: WIRE_FIXED32, bytes: f.bytes.subarray(i, i + 4) }));
      else for (const v of readPackedVarints(f.bytes)) out.push(decodeScalar(type, { wire: 0, varint: v }));
    } else out.push(decodeScalar(type, f));
  }
  return out;
}

/** A non-repeated embedded message occurring several times is merged, which for protobuf means concatenated. */
function merged(occ: RawField[]): Buffer {
  if (occ.length === 1) return occ[0]!.bytes ?? Buffer.alloc(0);
  return Buffer.concat(occ.map((f) => f.bytes ?? Buffer.alloc(0)));
}

function lastString(fields: Map<number, RawField[]>, n: number): string | undefined {
  const occ = fields.get(n);
  return occ?.length ? occ[occ.length - 1]!.bytes?.toString('utf8') : undefined;
}
function lastVarint(fields: Map<number, RawField[]>, n: number): bigint | undefined {
  const occ = fields.get(n);
  return occ?.length ? occ[occ.length - 1]!.varint : undefined;
}

/** Parses embedded JSON the way RawExtension/FieldsV1/JSON marshal it: raw bytes verbatim, nil as null. */
function embeddedJson(raw: Buffer | undefined): Json {
  if (!raw || raw.length === 0) return null;
  if (raw.subarray(0, 4).equals(PROTOBUF_MAGIC)) return decodeProtobufObject(raw);
  return JSON.parse(raw.toString('utf8'));
}

interface Special {
  decode(b: Buffer): Json;
  /** Returns the message bytes for a JSON value (undefined/null for the Go zero value). */
  encode(v: Json): Buffer;
}

const timeSpecial = (micro: boolean): Special => ({
  // metav1.Time.Unmarshal: empty bytes are the zero time (JSON null); it keeps whole seconds only.
  // MicroTime keeps the nanoseconds and prints microseconds.
  decode(b) {
    if (b.length === 0) return null;
    const f = readFields(b);
    const seconds = BigInt.asIntN(64, lastVarint(f, 1) ?? 0n);
    const nanos = Number(BigInt.asIntN(32, lastVarint(f, 2) ?? 0n));
    if (seconds === GO_ZERO_TIME_SECONDS && (!micro || nanos === 0)) return null;
    return micro ? formatRfc3339(seconds, Math.floor(nanos / 1000)) : formatRfc3339(seconds);
  },
  encode(v) {
    const w = new Writer();
    if (typeof v !== 'string' || v === '') return w.finish();
    const t = parseRfc3339(v);
    if (!t) throw badRequest(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    w.varint(1, t.seconds);
    w.varint(2, micro ? t.nanos - (t.nanos % 1000) : t.nanos);
    return w.finish();
  },
});

const embeddedJsonSpecial: Special = {
  decode: (b) => embeddedJson(b.length ? readFields(b).get(1)?.at(-1)?.bytes : undefined),
  encode(v) {
    const w = new Writer();
    if (v !== undefined && v !== null) w.bytes(1, Buffer.from(JSON.stringify(v), 'utf8'));
    return w.finish();
  },
};

const PROPS = 'apiextensions.v1.JSONSchemaProps';

const SPECIALS: Record<string, Special> = {
  'meta.v1.Time': timeSpecial(false),
  'meta.v1.MicroTime': timeSpecial(true),
  'meta.v1.Duration': {
    decode: (b) => formatGoDuration(BigInt.asIntN(64, (b.length ? lastVarint(readFields(b), 1) : undefined) ?? 0n)),
    encode(v) {
      const w = new Writer();
      const d = typeof v === 'string' ? parseGoDuration(v) : 0n;
      if (d === undefined) throw badRequest(`time: invalid duration ${JSON.stringify(v)}`);
      w.varint(1, d);
      return w.finish();
    },
  },
  // intstr.IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}; JSON is the bare value.
  'intstr.IntOrString': {
    decode(b) {
      const f = readFields(b);
      return (lastVarint(f, 1) ?? 0n) === 1n ? lastString(f, 3) ?? '' : Number(BigInt.asIntN(32, lastVarint(f, 2) ?? 0n));
    },
    encode(v) {
      const w = new Writer();
      const isString = typeof v === 'string';
      w.varint(1, isString ? 1 : 0);
      w.varint(2, isString ? 0 : Math.trunc(Number(v ?? 0)));
      w.string(3, isString ? v : '');
      return w.finish();
    },
  },
  // resource.Quantity {1: string}. An unparsable or empty string leaves the zero Quantity, "0".
  'resource.Quantity': {
    decode: (b) => (b.length ? lastString(readFields(b), 1) : undefined) || '0',
    encode(v) {
      const w = new Writer();
      w.string(1, v === undefined || v === null || v === '' ? '0' : String(v));
      return w.finish();
    },
  },
  'runtime.RawExtension': embeddedJsonSpecial,
  'meta.v1.FieldsV1': embeddedJsonSpecial,
  'apiextensions.v1.JSON': embeddedJsonSpecial,
  // JSONSchemaPropsOrArray {1: schema, 2: jSONSchemas}: JSON is the schema or the array.
  'apiextensions.v1.JSONSchemaPropsOrArray': {
    decode(b) {
      const f = readFields(b);
      const arr = f.get(2) ?? [];
      if (arr.length) return arr.map((x) => decodeValue(PROPS, x.bytes ?? Buffer.alloc(0)));
      const one = f.get(1);
      return one?.length ? decodeValue(PROPS, merged(one)) : null;
    },
    encode(v) {
      const w = new Writer();
      if (Array.isArray(v)) for (const s of v) w.bytes(2, encodeMessage(PROPS, s));
      else if (v && typeof v === 'object') w.bytes(1, encodeMessage(PROPS, v));
      return w.finish();
    },
  },
  // JSONSchemaPropsOrBool {1: allows, 2: schema}: JSON is the schema, else the bool.
  'apiextensions.v1.JSONSchemaPropsOrBool': {
    decode(b) {
      const f = readFields(b);
      const s = f.get(2);
      if (s?.length) return decodeValue(PROPS, merged(s));
      return (lastVarint(f, 1) ?? 0n) !== 0n;
    },
    encode(v) {
      const w = new Writer();
      const isSchema = !!v && typeof v === 'object';
      w.varint(1, isSchema || v === true ? 1 : 0);
      if (isSchema) w.bytes(2, encodeMessage(PROPS, v));
      return w.finish();
    },
  },
  // JSONSchemaPropsOrStringArray {1: schema, 2: property}: JSON is the string array, else the schema.
  'apiextensions.v1.JSONSchemaPropsOrStringArray': {
    decode(b) {
      const f = readFields(b);
      const p = f.get(2) ?? [];
      if (p.length) return p.map((x) => decodeScalar('string', x));
      const s = f.get(1);
      return s?.length ? decodeValue(PROPS, merged(s)) : null;
    },
    encode(v) {
      const w = new Writer();
      if (Array.isArray(v)) for (const s of v) w.string(2, String(s));
      else if (v && typeof v === 'object') w.bytes(1, encodeMessage(PROPS, v));
      return w.finish();
    },
  },
};

/** Decodes one message of the schema into its JSON value (an object for ordinary messages). */
export function decodeValue(type: string, b: Buffer): Json {
  const special = SPECIALS[type];
  if (special) return special.decode(b);
  if (LIST_WRAPPERS.has(type)) {
    const items = readFields(b).get(1) ?? [];
    return items.length ? items.map((x) => decodeScalar('string', x)) : null;
  }
  return decodeStruct(type, b);
}

function decodeStruct(type: string, b: Buffer): JsonObject {
  const defs = MESSAGES[type];
  if (!defs) throw new ProtobufSyntaxError(`no schema for message ${type}`);
  const fields = readFields(b);
  const out: JsonObject = {};
  for (const def of defs) {
    const [num, json, ftype, flags] = def;
    const occ = fields.get(num) ?? [];
    const omitempty = (flags & F_OMITEMPTY) !== 0;
    const scalar = SCALARS.has(ftype);
    if (flags & F_INLINE) {
      // Go promotes the fields of a `json:",inline"` embedded struct into this object.
      Object.assign(out, decodeStruct(ftype, occ.length ? merged(occ) : Buffer.alloc(0)));
    } else if (flags & F_MAP) {
      if (!occ.length) {
        if (!omitempty) out[json] = null;
        continue;
      }
      const m: JsonObject = {};
      for (const entry of occ) {
        const ef = readFields(entry.bytes ?? Buffer.alloc(0));
        const key = lastString(ef, 1) ?? '';
        const vocc = ef.get(2) ?? [];
        m[key] = scalar ? (vocc.length ? decodeScalar(ftype, vocc[vocc.length - 1]!) : scalarZero(ftype)) : decodeValue(ftype, merged(vocc.length ? vocc : [{ wire: WIRE_BYTES }]));
      }
      out[json] = m;
    } else if (flags & F_REPEATED) {
      if (!occ.length) {
        if (!omitempty) out[json] = null;
        continue;
      }
      out[json] = scalar ? repeatedScalars(ftype, occ) : occ.map((f) => decodeValue(ftype, f.bytes ?? Buffer.alloc(0)));
    } else if (ftype === 'bytes') {
      // A Go []byte: nil when absent; omitempty also drops an empty one.
      if (!occ.length) {
        if (!omitempty) out[json] = null;
      } else {
        const v = occ[occ.length - 1]!.bytes ?? Buffer.alloc(0);
        if (!(omitempty && v.length === 0)) out[json] = v.toString('base64');
      }
    } else if (scalar) {
      if (!occ.length) {
        // Absent: a nil pointer, or a value field another encoder left out as zero.
        if (!omitempty) out[json] = flags & F_POINTER ? null : scalarZero(ftype);
        continue;
      }
      const v = decodeScalar(ftype, occ[occ.length - 1]!);
      if (!(flags & F_POINTER) && omitempty && (v === '' || v === 0 || v === false)) continue;
      out[json] = v;
    } else if (LIST_WRAPPERS.has(ftype)) {
      // A named Go slice (metav1.Verbs, authentication ExtraValue): slice rules, not struct rules.
      const v = occ.length ? decodeValue(ftype, merged(occ)) : null;
      if (v === null) {
        if (!omitempty) out[json] = null;
      } else if (!(omitempty && (v as unknown[]).length === 0)) out[json] = v;
    } else {
      if (!occ.length && flags & F_POINTER) {
        if (!omitempty) out[json] = null;
        continue;
      }
      // A Go struct value is always marshalled (omitempty does not apply to structs).
      out[json] = decodeValue(ftype, occ.length ? merged(occ) : Buffer.alloc(0));
    }
  }
  return out;
}

function parseEnvelope(body: Buffer): { apiVersion: string; kind: string; raw: Buffer; contentEncoding: string; contentType: string } {
  // Messages follow upstream's Serializer.Decode.
  if (body.length === 0) throw badRequest('empty data');
  if (body.length < PROTOBUF_MAGIC.length || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  if (body.length === PROTOBUF_MAGIC.length) throw badRequest('empty body');
  let unk: Map<number, RawField[]>;
  let tm: Map<number, RawField[]>;
  try {
    unk = readFields(body.subarray(4));
    tm = readFields(merged(unk.get(1) ?? [{ wire: WIRE_BYTES }]));
  } catch (e) {
    throw badRequest(e instanceof Error ? e.message : String(e));
  }
  return {
    apiVersion: lastString(tm, 1) ?? '',
    kind: lastString(tm, 2) ?? '',
    raw: unk.get(2)?.at(-1)?.bytes ?? Buffer.alloc(0),
    contentEncoding: lastString(unk, 3) ?? '',
    contentType: lastString(unk, 4) ?? '',
  };
}

/** Reads apiVersion and kind from a protobuf body without decoding the object. */
export function peekProtobufKind(body: Buffer): { apiVersion: string; kind: string } {
  const { apiVersion, kind } = parseEnvelope(body);
  return { apiVersion, kind };
}

/**
 * Decodes a protobuf request body into the JSON wire object (with apiVersion and kind set).
 * Failures are 400 BadRequest, worded as kube-apiserver's create/update handlers word them
 * (transformDecodeError); pass `into` (the kind the endpoint expects) to get the same prefix.
 */
export function decodeProtobufObject(body: Buffer, into?: { kind: string }): JsonObject {
  const env = parseEnvelope(body);
  const tm = `runtime.TypeMeta{APIVersion:${JSON.stringify(env.apiVersion)}, Kind:${JSON.stringify(env.kind)}}`;
  if (!env.kind) throw badRequest(`Object 'Kind' is missing in '${tm}'`);
  if (!env.apiVersion) throw badRequest(`Object 'apiVersion' is missing in '${tm}'`);
  const version = env.apiVersion.includes('/') ? env.apiVersion.slice(env.apiVersion.indexOf('/') + 1) : env.apiVersion;
  const fail = (why: string) =>
    badRequest(into ? `${env.kind} in version ${JSON.stringify(version)} cannot be handled as a ${into.kind}: ${why}` : why);
  const msg = messageForKind(env.apiVersion, env.kind);
  if (!msg) throw fail(`no kind ${JSON.stringify(env.kind)} is registered for version ${JSON.stringify(env.apiVersion)} in scheme ${JSON.stringify(SCHEME)}`);
  let obj: JsonObject;
  try {
    obj = decodeStruct(msg, env.raw);
  } catch (e) {
    if (e instanceof ProtobufSyntaxError || e instanceof SyntaxError) throw fail(e.message);
    throw e;
  }
  return { kind: env.kind, apiVersion: env.apiVersion, ...obj };
}

// ---------------------------------------------------------------------------------------------
// encode

const byNumber = new Map<string, FieldDef[]>();
function fieldsByNumber(type: string): FieldDef[] {
  let defs = byNumber.get(type);
  if (!defs) {
    const src = MESSAGES[type];
    if (!src) throw new Error(`no schema for message ${type}`);
    defs = [...src].sort((a, b) => a[0] - b[0]);
    byNumber.set(type, defs);
  }
  return defs;
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return 0n;
  return BigInt(Math.trunc(n));
}

function writeScalar(w: Writer, num: number, type: string, v: unknown): void {
  switch (type) {
    case 'string':
      w.string(num, v === undefined || v === null ? '' : String(v));
      return;
    case 'bytes':
      w.bytes(num, Buffer.from(typeof v === 'string' ? v : '', 'base64'));
      return;
    case 'bool':
      w.varint(num, v ? 1 : 0);
      return;
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      w.varint(num, toBigInt(v));
      return;
    case 'sint32':
    case 'sint64': {
      const n = toBigInt(v);
      w.varint(num, (n << 1n) ^ (n < 0n ? -1n : 0n));
      return;
    }
    case 'double':
      w.double(num, Number(v ?? 0));
      return;
    case 'float':
      w.float(num, Number(v ?? 0));
      return;
    default:
      throw new Error(`cannot encode scalar type ${type}`);
  }
}

/** Encodes a JSON value as the named schema message (no envelope). */
export function encodeMessage(type: string, value: unknown): Buffer {
  const special = SPECIALS[type];
  if (special) return special.encode(value);
  const w = new Writer();
  if (LIST_WRAPPERS.has(type)) {
    if (Array.isArray(value)) for (const s of value) w.string(1, String(s));
    return w.finish();
  }
  const obj = (value && typeof value === 'object' ? value : {}) as JsonObject;
  for (const [num, json, ftype, flags] of fieldsByNumber(type)) {
    const v = obj[json];
    const scalar = SCALARS.has(ftype);
    if (flags & F_INLINE) {
      w.bytes(num, encodeMessage(ftype, obj));
    } else if (flags & F_MAP) {
      if (!v || typeof v !== 'object') continue;
      // Generated Kubernetes marshallers sort map keys, so equal objects give equal bytes.
      for (const key of Object.keys(v).sort()) {
        const e = new Writer();
        e.string(1, key);
        const ev = (v as JsonObject)[key];
        if (scalar) writeScalar(e, 2, ftype, ev);
        else e.bytes(2, encodeMessage(ftype, ev));
        w.bytes(num, e.finish());
      }
    } else if (flags & F_REPEATED) {
      if (!Array.isArray(v)) continue;
      for (const item of v) {
        if (scalar) writeScalar(w, num, ftype, item);
        else w.bytes(num, encodeMessage(ftype, item));
      }
    } else if (ftype === 'bytes') {
      if (typeof v === 'string') writeScalar(w, num, ftype, v);
    } else if (scalar) {
      if (v === undefined || v === null) {
        if (!(flags & F_POINTER)) writeScalar(w, num, ftype, undefined);
      } else writeScalar(w, num, ftype, v);
    } else if (LIST_WRAPPERS.has(ftype)) {
      if (Array.isArray(v)) w.bytes(num, encodeMessage(ftype, v));
    } else if (v === undefined || v === null) {
      if (!(flags & F_POINTER)) w.bytes(num, encodeMessage(ftype, undefined));
    } else {
      w.bytes(num, encodeMessage(ftype, v));
    }
  }
  return w.finish();
}

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const tm = new Writer();
  tm.string(1, apiVersion);
  tm.string(2, kind);
  const u = new Writer();
  u.bytes(1, tm.finish());
  u.bytes(2, raw);
  u.string(3, '');
  u.string(4, '');
  return Buffer.concat([PROTOBUF_MAGIC, u.finish()]);
}

/**
 * Encodes a built-in object (apiVersion+kind set; List kinds and Status included) as a protobuf
 * body. Kinds without a protobuf form (custom resources, Table) throw 406 NotAcceptable, which is
 * what kube-apiserver answers when a client accepts only protobuf for them.
 */
export function encodeProtobufObject(obj: JsonObject): Buffer {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const msg = messageForKind(apiVersion, kind);
  if (!msg) throw notAcceptable(`object ${apiVersion}, Kind=${kind} does not implement the protobuf marshalling interface and cannot be encoded to a protobuf message`);
  return envelope(apiVersion, kind, encodeMessage(msg, obj));
}

/**
 * One frame of a protobuf watch stream (Content-Type application/vnd.kubernetes.protobuf;stream=watch):
 * a 4-byte big-endian length, then a metav1.WatchEvent {1: type, 2: object} written without
 * envelope, whose object is the enveloped protobuf encoding of the object (upstream's
 * LengthDelimitedFramer around the raw WatchEvent, embedded encoder for the object).
 */
export function encodeWatchEventFrame(type: string, obj: JsonObject): Buffer {
  const inner = obj.kind === 'Status' && !obj.apiVersion ? { ...obj, apiVersion: 'v1' } : obj;
  const raw = new Writer();
  raw.bytes(1, encodeProtobufObject(inner));
  const ev = new Writer();
  ev.string(1, type);
  ev.bytes(2, raw.finish());
  const body = ev.finish();
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** Splits a protobuf watch stream into events (for clients and tests); returns what is left unread. */
export function decodeWatchEventFrames(buf: Buffer): { events: { type: string; object: JsonObject }[]; rest: Buffer } {
  const events: { type: string; object: JsonObject }[] = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    if (pos + 4 + len > buf.length) break;
    const f = readFields(buf.subarray(pos + 4, pos + 4 + len));
    const raw = readFields(merged(f.get(2) ?? [{ wire: WIRE_BYTES }])).get(1)?.at(-1)?.bytes;
    events.push({ type: lastString(f, 1) ?? '', object: raw ? decodeProtobufObject(raw) : {} });
    pos += 4 + len;
  }
  return { events, rest: buf.subarray(pos) };
}
