#!/usr/bin/env node
// Generates lib/protobuf/schema.ts: the Kubernetes protobuf schema (field numbers, types) joined with
// the Go struct facts the JSON form depends on (json name, omitempty, pointer or value).
//
// Why read a Go binary instead of generated.proto text: every client-go binary carries, for each
// k8s.io/api package, the gzipped FileDescriptorProto that gogo-protobuf registers
// (proto.RegisterFile) and, through Go's reflect metadata, every API struct's field tags
// (`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`) and field kinds. The .proto
// text alone cannot tell `*int32` (zero is meaningful) from `int32` (zero means unset), nor gives
// the real JSON names (`$ref`, `x-kubernetes-preserve-unknown-fields`): both matter for producing
// the same JSON kube-apiserver would from a protobuf body.
//
// Usage: node scripts/gen-proto-schema.mjs <kubectl-binary> [<binary with apiextensions types>] > lib/protobuf/schema.ts
// (we used kubectl 1.33 and, for apiextensions.k8s.io/v1 which kubectl does not link, another
// client-go binary of the Google Cloud SDK, plus the EXTRA_FIELDS overlay below for fields that
// binary predates). Needs protobufjs (a transitive dev dependency) for descriptor.proto.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const descriptor = require('protobufjs/ext/descriptor');

// Stable API packages we serve (alpha/beta versions are left out on purpose: we do not serve them).
const PACKAGES = {
  'k8s.io/apimachinery/pkg/apis/meta/v1': 'meta.v1',
  'k8s.io/apimachinery/pkg/runtime': 'runtime',
  'k8s.io/apimachinery/pkg/util/intstr': 'intstr',
  'k8s.io/apimachinery/pkg/api/resource': 'resource',
  'k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1': 'apiextensions.v1',
};
const API_GROUPS = {
  admission: 'admission.k8s.io', admissionregistration: 'admissionregistration.k8s.io',
  apps: 'apps', authentication: 'authentication.k8s.io', authorization: 'authorization.k8s.io', autoscaling: 'autoscaling',
  batch: 'batch', certificates: 'certificates.k8s.io', coordination: 'coordination.k8s.io', core: '', discovery: 'discovery.k8s.io',
  events: 'events.k8s.io', flowcontrol: 'flowcontrol.apiserver.k8s.io', networking: 'networking.k8s.io', node: 'node.k8s.io',
  policy: 'policy', rbac: 'rbac.authorization.k8s.io', scheduling: 'scheduling.k8s.io', storage: 'storage.k8s.io',
};
const API_VERSIONS = {
  admission: ['v1'], admissionregistration: ['v1'], apps: ['v1'], authentication: ['v1'], authorization: ['v1'],
  autoscaling: ['v1', 'v2'], batch: ['v1'], certificates: ['v1'], coordination: ['v1'], core: ['v1'], discovery: ['v1'], events: ['v1'],
  flowcontrol: ['v1'], networking: ['v1'], node: ['v1'], policy: ['v1'], rbac: ['v1'], scheduling: ['v1'], storage: ['v1'],
};
for (const [g, vs] of Object.entries(API_VERSIONS)) for (const v of vs) PACKAGES[`k8s.io/api/${g}/${v}`] = `${g}.${v}`;
const GROUP_OF = { 'apiextensions.v1': 'apiextensions.k8s.io' };
for (const [g, name] of Object.entries(API_GROUPS)) for (const v of API_VERSIONS[g]) GROUP_OF[`${g}.${v}`] = name;

// Fields added to apiextensions.k8s.io/v1 after the binary we read was built (checked against
// upstream apiextensions-apiserver types.go / generated.proto: ValidationRule 3-6 are 1.26-1.29,
// selectableFields 1.30).
const EXTRA_FIELDS = {
  'apiextensions.v1.ValidationRule': [
    { n: 3, json: 'messageExpression', t: 'string', go: { kind: 24, omitempty: true } },
    { n: 4, json: 'reason', t: 'string', go: { kind: 22, omitempty: true } },
    { n: 5, json: 'fieldPath', t: 'string', go: { kind: 24, omitempty: true } },
    { n: 6, json: 'optionalOldSelf', t: 'bool', go: { kind: 22, omitempty: true } },
  ],
  'apiextensions.v1.CustomResourceDefinitionVersion': [
    { n: 9, json: 'selectableFields', t: 'apiextensions.v1.SelectableField', rep: true, go: { kind: 23, omitempty: true } },
  ],
};
const EXTRA_MESSAGES = {
  'apiextensions.v1.SelectableField': [{ n: 1, json: 'jsonPath', t: 'string', go: { kind: 24, omitempty: false } }],
};

// ---- ELF / Go binary reading ----------------------------------------------------------------
function loadBinary(path) {
  const bin = fs.readFileSync(path);
  const shoff = Number(bin.readBigUInt64LE(0x28)), shentsize = bin.readUInt16LE(0x3a), shnum = bin.readUInt16LE(0x3c), shstrndx = bin.readUInt16LE(0x3e);
  const strtab = Number(bin.readBigUInt64LE(shoff + shstrndx * shentsize + 0x18));
  const secs = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * shentsize;
    let e = strtab + bin.readUInt32LE(b), n = '';
    while (bin[e]) n += String.fromCharCode(bin[e++]);
    secs.push({ n, addr: Number(bin.readBigUInt64LE(b + 0x10)), off: Number(bin.readBigUInt64LE(b + 0x18)), size: Number(bin.readBigUInt64LE(b + 0x20)) });
  }
  const ro = secs.find((x) => x.n === '.rodata');
  const base = ro.addr - ro.off; // non-PIE Go binaries map the file linearly
  return { bin, secs, ro, base };
}

function descriptorsOf({ bin }) {
  const out = new Map();
  const magic = Buffer.from([0x1f, 0x8b, 0x08]);
  for (let i = 0; (i = bin.indexOf(magic, i)) >= 0; i += 3) {
    let d;
    // Inflate the single deflate stream after the 10-byte gzip header: gunzip would run on into the
    // next blob, since Go lays the registered descriptors out back to back.
    if (bin[i + 3] !== 0) continue;
    try { d = zlib.inflateRawSync(bin.subarray(i + 10, i + 200000), { finishFlush: zlib.constants.Z_SYNC_FLUSH }); } catch { continue; }
    if (d[0] !== 0x0a) continue;
    let fd;
    try { fd = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(d), { enums: String }); } catch { continue; }
    const goPkg = fd.options?.goPackage;
    if (goPkg && PACKAGES[goPkg] && !out.has(goPkg)) out.set(goPkg, fd);
  }
  return out;
}

// Go reflect metadata (go1.16+ amd64 abi): Name = flags byte, varint len, bytes, [varint len, tag];
// StructField = {Name *byte, Typ *Type, Offset uintptr}; Type is 48 bytes with Kind at +23,
// TFlag at +20, Str nameOff at +40; StructType = Type + PkgPath + []StructField, then UncommonType.
function goStructsOf({ bin, secs, ro, base }) {
  const varint = (p) => { let v = 0, sh = 0, b; do { b = bin[p++]; v += (b & 0x7f) * 2 ** sh; sh += 7; } while (b & 0x80); return [v, p]; };
  const readName = (p) => {
    const flags = bin[p]; let [nl, q] = varint(p + 1); const name = bin.toString('latin1', q, q + nl); q += nl; let tag = '';
    if (flags & 2) { const [tl, r] = varint(q); tag = bin.toString('latin1', r, r + tl); }
    return { flags, name, tag };
  };
  const text = bin.toString('latin1');
  const names = new Set();
  for (const m of text.matchAll(/json:"/g)) {
    const t = m.index;
    for (const vl of [1, 2]) {
      const lp = t - vl; const [, after] = varint(lp); if (after !== t) continue;
      for (let k = 1; k < 80; k++) {
        const ns = lp - k; if (bin[ns - 1] !== k) continue; const fl = bin[ns - 2]; if ((fl & 2) === 0 || fl > 15) continue;
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(bin.toString('latin1', ns, ns + k))) continue;
        names.add(ns - 2 + base); break;
      }
    }
  }
  const recs = new Set();
  for (const sec of secs.filter((x) => x.n === '.rodata')) {
    for (let p = sec.off; p + 24 <= sec.off + sec.size; p += 8) if (names.has(Number(bin.readBigUInt64LE(p)))) recs.add(p + base);
  }
  const nameOff = (no) => readName(ro.off + no).name;
  const typeStr = (typ) => { const o = typ - base; let n = nameOff(bin.readInt32LE(o + 40)); if (bin[o + 20] & 2) n = n.slice(1); return n; };
  const structs = new Map();
  for (let p = ro.off; p + 24 <= ro.off + ro.size; p += 8) {
    const ptr = Number(bin.readBigUInt64LE(p)); if (!recs.has(ptr)) continue;
    const len = Number(bin.readBigUInt64LE(p + 8)); if (len !== Number(bin.readBigUInt64LE(p + 16)) || len < 1 || len > 200) continue;
    const so = p - 56; if ((bin[so + 23] & 0x1f) !== 25 || !(bin[so + 20] & 1)) continue;
    const pkg = nameOff(bin.readInt32LE(so + 80));
    if (!PACKAGES[pkg]) continue;
    const fields = [];
    for (let k = 0; k < len; k++) {
      const fo = ptr - base + 24 * k;
      const nm = readName(Number(bin.readBigUInt64LE(fo)) - base);
      const typ = Number(bin.readBigUInt64LE(fo + 8));
      fields.push({ name: nm.name, tag: nm.tag, kind: bin[typ - base + 23] & 0x1f, type: typeStr(typ), embedded: !!(nm.flags & 8) });
    }
    const tn = typeStr(so + base).replace(/^.*\./, '');
    const key = `${PACKAGES[pkg]}.${tn}`;
    if (!structs.has(key)) structs.set(key, fields);
  }
  return structs;
}

// ---- join ----------------------------------------------------------------------------------
const shortName = (typeName, fileMap) => {
  // '.k8s.io.api.core.v1.PodSpec' → 'core.v1.PodSpec'
  for (const [protoPkg, short] of fileMap) if (typeName.startsWith(`.${protoPkg}.`)) return `${short}.${typeName.slice(protoPkg.length + 2)}`;
  return null;
};
const SCALARS = {
  TYPE_STRING: 'string', TYPE_BOOL: 'bool', TYPE_INT32: 'int32', TYPE_INT64: 'int64', TYPE_UINT32: 'uint32', TYPE_UINT64: 'uint64',
  TYPE_DOUBLE: 'double', TYPE_FLOAT: 'float', TYPE_BYTES: 'bytes', TYPE_SINT32: 'sint32', TYPE_SINT64: 'sint64', TYPE_FIXED32: 'fixed32', TYPE_FIXED64: 'fixed64',
};

const bins = process.argv.slice(2).map(loadBinary);
if (!bins.length) { console.error('usage: gen-proto-schema.mjs <go-binary>...'); process.exit(2); }
const files = new Map(); const structs = new Map();
for (const b of bins) {
  for (const [k, v] of descriptorsOf(b)) if (!files.has(k)) files.set(k, v);
  for (const [k, v] of goStructsOf(b)) if (!structs.has(k)) structs.set(k, v);
}
const missing = Object.keys(PACKAGES).filter((p) => !files.has(p));
if (missing.length) { console.error('missing descriptors for', missing); process.exit(1); }
const fileMap = [...files].map(([goPkg, fd]) => [fd.package, PACKAGES[goPkg]]);

const messages = {}; const kinds = {}; const listWrappers = []; const warnings = [];
for (const [goPkg, fd] of files) {
  const short = PACKAGES[goPkg];
  for (const m of fd.messageType ?? []) {
    const name = `${short}.${m.name}`;
    const goFields = structs.get(name);
    const entries = new Map((m.nestedType || []).filter((n) => n.options?.mapEntry).map((n) => [`.${fd.package}.${m.name}.${n.name}`, n]));
    const typeOf = (f) => f.type === 'TYPE_MESSAGE' ? shortName(f.typeName, fileMap) : SCALARS[f.type];
    const byNumber = new Map();
    if (goFields) for (const g of goFields) {
      const pm = /protobuf:"[a-z0-9]+,(\d+),/.exec(g.tag); const jm = /json:"([^",]*)((?:,[a-z]+)*)"/.exec(g.tag);
      if (pm) byNumber.set(Number(pm[1]), { ...g, json: jm?.[1] || undefined, omitempty: /,omitempty/.test(jm?.[2] ?? '') });
    }
    const fields = [];
    for (const f of m.field ?? []) {
      const g = byNumber.get(f.number);
      let t, map = false;
      if (f.type === 'TYPE_MESSAGE' && entries.has(f.typeName)) {
        const e = entries.get(f.typeName); const [k, v] = e.field ?? [];
        if (k.type !== 'TYPE_STRING') warnings.push(`${name}.${f.name}: non-string map key`);
        t = typeOf(v); map = true;
      } else t = typeOf(f);
      if (!t) { warnings.push(`${name}.${f.name}: unknown type ${f.typeName}`); continue; }
      if (goFields && !g) warnings.push(`${name}.${f.name}: no Go field`);
      // An embedded struct with `json:",inline"` (Volume.VolumeSource, IngressRule.IngressRuleValue...)
      // has its fields promoted into the parent's JSON object.
      const inline = !!g && !g.json && g.kind === 25;
      fields.push({ n: f.number, json: inline ? '' : g?.json ?? f.name, t, rep: f.label === 'LABEL_REPEATED' && !map, map, go: g, inline });
    }
    for (const x of EXTRA_FIELDS[name] ?? []) if (!fields.some((f) => f.n === x.n)) fields.push(x);
    messages[name] = { fields, hasGo: !!goFields };
    if (!goFields && m.field?.length === 1 && m.field[0].name === 'items' && m.field[0].label === 'LABEL_REPEATED') listWrappers.push(name);
    if (goFields?.some((g) => g.embedded && g.name === 'TypeMeta' && g.type === 'v1.TypeMeta')) {
      const [grp, ver] = short.split('.');
      const group = GROUP_OF[short];
      if (group !== undefined) kinds[`${group ? `${group}/` : ''}${ver}/${m.name}`] = name;
      else if (short === 'meta.v1') kinds[`meta/${m.name}`] = name;
      void grp;
    }
  }
}
for (const [k, v] of Object.entries(EXTRA_MESSAGES)) messages[k] ??= { fields: v, hasGo: true };

// flags: 1 repeated, 2 map, 4 Go pointer (nil = absent, zero is meaningful), 8 json omitempty, 16 inline
const flagsOf = (f) => (f.rep ? 1 : 0) | (f.map ? 2 : 0) | (f.go?.kind === 22 ? 4 : 0) | (f.go ? (f.go.omitempty ? 8 : 0) : 8) | (f.inline ? 16 : 0);
const lines = [];
lines.push('// GENERATED by scripts/gen-proto-schema.mjs from the protobuf descriptors and Go struct tags of');
lines.push('// kubectl 1.33 (k8s.io/api, k8s.io/apimachinery) and of the apiextensions-apiserver types. Do not edit.');
lines.push('// Each field: [proto field number, JSON name, type, flags]; fields are listed in Go struct order,');
lines.push('// which is the key order of kube-apiserver\'s JSON. Types are proto scalars or message names.');
lines.push('/* eslint-disable */');
lines.push("import type { FieldDef } from './types.js';");
lines.push('');
lines.push('export const MESSAGES: Readonly<Record<string, readonly FieldDef[]>> = {');
for (const name of Object.keys(messages).sort()) {
  const fs_ = messages[name].fields.map((f) => `[${f.n},${JSON.stringify(f.json)},${JSON.stringify(f.t)},${flagsOf(f)}]`);
  lines.push(`  ${JSON.stringify(name)}: [${fs_.join(',')}],`);
}
lines.push('};');
lines.push('');
lines.push('/** Messages whose Go type is a named slice: JSON is the array of `items`. */');
lines.push(`export const LIST_WRAPPERS: ReadonlySet<string> = new Set(${JSON.stringify(listWrappers.sort())});`);
lines.push('');
lines.push('/** "<apiVersion>/<Kind>" (core: "v1/Pod"; meta/v1 kinds: "meta/Status") → message. */');
lines.push('export const KINDS: Readonly<Record<string, string>> = {');
for (const k of Object.keys(kinds).sort()) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(kinds[k])},`);
lines.push('};');
process.stdout.write(lines.join('\n') + '\n');
for (const w of warnings) console.error('warning:', w);
console.error(`messages ${Object.keys(messages).length}, kinds ${Object.keys(kinds).length}, list wrappers ${listWrappers.join(' ')}`);
console.error('messages without Go struct:', Object.entries(messages).filter(([, m]) => !m.hasGo).map(([k]) => k).join(' '));
