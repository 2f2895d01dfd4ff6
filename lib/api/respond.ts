// Writing responses: objects in the negotiated serialization, and errors as metav1.Status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { ApiError, internalError, requestEntityTooLarge, type Status } from './errors.js';
import { MAX_BODY_BYTES, PROTOBUF, type Serialization } from './negotiation.js';
import { logger } from '../log.js';

/** Encoder for protobuf responses, installed when lib/protobuf is wired (JSON otherwise). */
export interface ProtobufEncoder {
  encodeObject(obj: unknown): Buffer;
  encodeWatchEvent(type: string, obj: unknown): Buffer;
}
let protobufEncoder: ProtobufEncoder | undefined;
export function setProtobufEncoder(enc: ProtobufEncoder): void {
  protobufEncoder = enc;
}
/** The watch-frame encoder when protobuf is wired. */
export function protobufWatchFrame(): ProtobufEncoder['encodeWatchEvent'] | undefined {
  return protobufEncoder?.encodeWatchEvent;
}

/** Pretty JSON for people (curl, browsers) and when asked; compact for clients, as upstream does. */
function wantsPretty(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  if (/[?&]pretty=(true|1)\b/.test(url)) return true;
  if (/[?&]pretty=(false|0)\b/.test(url)) return false;
  const ua = req.headers['user-agent'] ?? '';
  return /^(curl|Wget|Mozilla)/.test(ua);
}

export function serialize(req: IncomingMessage, obj: unknown, ser: Serialization): { body: Buffer | string; contentType: string } {
  if (ser === 'yaml') return { body: toYaml(obj, { lineWidth: 0 }), contentType: 'application/yaml' };
  if (ser === 'protobuf' && protobufEncoder) {
    try {
      return { body: protobufEncoder.encodeObject(obj), contentType: PROTOBUF };
    } catch {
      // Kinds without a protobuf form (custom resources, Table): answer JSON, which every
      // client that accepts protobuf also accepts (client-go sends both).
    }
  }
  return { body: wantsPretty(req) ? JSON.stringify(obj, null, 2) + '\n' : JSON.stringify(obj), contentType: 'application/json' };
}

export function sendObject(req: IncomingMessage, res: ServerResponse, code: number, obj: unknown, ser: Serialization = 'json', warnings: string[] = []): void {
  const { body, contentType } = serialize(req, obj, ser);
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-cache, private');
  if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  res.end(body);
}

export function sendStatus(req: IncomingMessage, res: ServerResponse, err: unknown, ser: Serialization = 'json'): void {
  const apiErr = err instanceof ApiError ? err : internalError(err);
  if (!(err instanceof ApiError)) logger.error('request failed', { method: req.method, path: (req.url ?? '').split('?')[0], error: err instanceof Error ? err.stack : String(err) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(apiErr.headers)) res.setHeader(k, v);
  sendObject(req, res, apiErr.code, apiErr.status, ser === 'protobuf' && protobufEncoder ? 'protobuf' : ser === 'yaml' ? 'json' : ser);
}

export function successStatus(details?: Status['details']): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

/** Reads the whole body, refusing more than 3 MiB (413) without buffering the rest. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(requestEntityTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(requestEntityTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}
