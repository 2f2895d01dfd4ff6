// Watch over HTTP: newline-delimited JSON events ({"type","object"}), chunked, headers flushed at
// once (kubectl wait hangs otherwise; KUBECTL-WIRE.md §5). Table watches carry one-row Tables,
// column definitions only in the first event (upstream's watch transform). Protobuf watches use
// length-prefixed frames when an encoder is installed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseFormat } from './negotiation.js';
import { buildTable, partialObjectMetadata, type IncludeObject } from './table.js';
import { protobufWatchFrame, sendStatus } from './respond.js';
import type { ApiWatchEvent, GenericStore, WatchOptions } from '../registry/generic-store.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';
import { stringify as toYaml } from 'yaml';

/**
 * One watch event as a JSON line. Watchers share event objects, so the text is made once per
 * object and event type and reused by every watcher that sends the same thing.
 */
const lines = new WeakMap<object, Map<string, string>>();
function jsonLine(type: string, object: unknown): string {
  if (object === null || typeof object !== 'object') return JSON.stringify({ type, object }) + '\n';
  let byType = lines.get(object);
  if (!byType) lines.set(object, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = JSON.stringify({ type, object }) + '\n'));
  return line;
}

/** Upstream's default: a random timeout in [minRequestTimeout, 2*minRequestTimeout), 1800 s. */
function defaultTimeoutSeconds(): number {
  return 1800 + Math.floor(Math.random() * 1800);
}

export async function streamWatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: GenericStore,
  rt: ResourceType,
  ns: string | undefined,
  opts: WatchOptions,
  fmt: ResponseFormat,
  extra: { timeoutSeconds?: number; includeObject: IncludeObject },
): Promise<void> {
  let first = true;
  const pb = fmt.serialization === 'protobuf' ? protobufWatchFrame() : undefined;
  const convert = (ev: ApiWatchEvent): unknown => {
    if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return ev.object;
    const obj = ev.object as KObject;
    if (fmt.conversion === 'Table') {
      const t = buildTable(rt, [obj], { includeObject: extra.includeObject, asVersion: fmt.asVersion, noHeaders: !first, listMeta: { resourceVersion: obj.metadata.resourceVersion } });
      first = false;
      return t;
    }
    if (fmt.conversion === 'PartialObjectMetadata') return partialObjectMetadata(obj, fmt.asVersion);
    return obj;
  };
  let closed = false;
  const write = (ev: ApiWatchEvent, flushing = false) => {
    if (closed && !flushing) return;
    const object = convert(ev);
    if (pb) res.write(pb(ev.type, object));
    else if (fmt.serialization === 'yaml') res.write(toYaml({ type: ev.type, object }) + '---\n');
    else res.write(jsonLine(ev.type, object));
  };

  // Errors before the stream starts (bad selector, 410 at start, too large RV) are plain Status answers.
  const pending: ApiWatchEvent[] = [];
  let started = false;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  let watcher: { cancel(): void } | undefined;
  try {
    watcher = await store.watch(rt, ns, opts, (ev) => (started ? write(ev) : pending.push(ev)), () => {
      closed = true;
      if (started) res.end();
      finish();
    });
  } catch (e) {
    sendStatus(req, res, e, fmt.serialization);
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', pb ? 'application/vnd.kubernetes.protobuf;stream=watch' : fmt.serialization === 'yaml' ? 'application/yaml' : 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  started = true;
  for (const ev of pending.splice(0)) write(ev, true);
  if (closed) {
    res.end();
    return;
  }
  const timer = setTimeout(() => stop(), (extra.timeoutSeconds && extra.timeoutSeconds > 0 ? extra.timeoutSeconds : defaultTimeoutSeconds()) * 1000);
  const stop = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    watcher?.cancel();
    res.end();
    finish();
  };
  req.on('close', stop);
  res.on('close', stop);
  await done;
  clearTimeout(timer);
}
