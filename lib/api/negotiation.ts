// Content negotiation as kube-apiserver does it: the Accept header picks JSON, YAML, protobuf,
// or a meta.k8s.io "as=" conversion (Table, PartialObjectMetadata); Content-Type picks the
// request body decoder. kubectl's Accept lists are in ../shared/KUBECTL-WIRE.md §1, §3.
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { badRequest, notAcceptable, ApiError } from './errors.js';

export interface MediaRange {
  type: string; // e.g. application/json
  params: Record<string, string>;
}

export function parseMediaRanges(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [t, ...ps] = part.split(';');
    const type = t.trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    if (params.q === '0') continue;
    out.push({ type, params });
  }
  return out.length ? out : [{ type: '*/*', params: {} }];
}

export type Serialization = 'json' | 'yaml' | 'protobuf';
export type Conversion = 'none' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

export interface ResponseFormat {
  serialization: Serialization;
  conversion: Conversion;
  /** Table/PartialObjectMetadata version (v1 or v1beta1). */
  asVersion?: string;
  /** Whether pretty-printing was asked for. */
  pretty?: boolean;
}

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*', 'application/json-patch+json', 'application/merge-patch+json']);
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

function serializationOf(type: string): Serialization | undefined {
  if (JSON_TYPES.has(type)) return 'json';
  if (type === 'application/yaml') return 'yaml';
  if (type === PROTOBUF) return 'protobuf';
  return undefined;
}

/**
 * Chooses the response format. `allowAs` lists the conversions this endpoint supports
 * (lists and gets support Table and partial metadata; writes do not).
 */
export function negotiate(accept: string | undefined, allowAs: Conversion[] = []): ResponseFormat {
  const ranges = parseMediaRanges(accept);
  for (const r of ranges) {
    const ser = serializationOf(r.type);
    if (!ser) continue;
    const as = r.params.as;
    if (as) {
      if (r.params.g !== 'meta.k8s.io' || !(allowAs as string[]).includes(as)) continue;
      if (r.params.v !== 'v1' && r.params.v !== 'v1beta1') continue;
      return { serialization: ser, conversion: as as Conversion, asVersion: r.params.v };
    }
    return { serialization: ser, conversion: 'none' };
  }
  throw notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

/** Body size limit, as kube-apiserver's 3 MiB request limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type BodyKind = 'json' | 'yaml' | 'protobuf';

export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const t = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (t === 'application/json' || t === '' || t === 'application/apply-patch+json') return 'json';
  if (t === 'application/yaml' || t === 'application/apply-patch+yaml') return 'yaml';
  if (t === PROTOBUF) return 'protobuf';
  return undefined;
}

/** Decodes a JSON or YAML body into a value; malformed input is a 400 as upstream's decoder gives. */
export function decodeTextBody(buf: Buffer, kind: 'json' | 'yaml'): unknown {
  const text = buf.toString('utf8');
  if (kind === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      // YAML bodies are accepted with a JSON content type by some clients; upstream's JSON
      // decoder is strict, so report as it does.
      throw badRequest(`json: ${e instanceof Error ? e.message.replace(/^JSON\.parse: /, '') : 'invalid'}`);
    }
  }
  try {
    const docs = parseAllDocuments(text);
    if (docs.length > 1) throw badRequest('yaml: multiple documents are not supported in a request body');
    const doc = docs[0];
    if (doc && doc.errors.length) throw badRequest(`error converting YAML to JSON: ${doc.errors[0].message}`);
    return parseYaml(text);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw badRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
