// Real etcd v3 backend, for several kubeshim instances sharing state. Every conditional write is
// one etcd transaction the way k8s.io/apiserver's etcd3 store does it (storage/etcd3/store.go):
// create = If(createRevision == 0) Then(put); update/delete = If(modRevision == expected)
// Then(write) Else(get). Nothing is cached here: a second writer on the same etcd is always seen.

import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import type { IOptions, IKeyValue, IRequestOp, ICompare, IWatchResponse, Watcher as EtcdWatcher } from 'etcd3';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
} from './store.js';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchHandler, Watcher } from './store.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. https://10.0.0.1:2379. */
  endpoints: string[];
  /**
   * Namespace put in front of every key, so two clusters can share one etcd
   * (e.g. '/cluster-a'); keys seen by callers never include it.
   */
  prefix?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Deadline of each unary call (ms); watches are streams and have none. */
  callTimeoutMs?: number;
}

/** etcd's ErrCompacted / ErrFutureRev texts (server/mvcc/kvstore.go), as gRPC carries them. */
const COMPACTED = /required revision has been compacted/;
const FUTURE = /required revision is a future revision/;

function prefixEnd(prefix: Buffer): Buffer {
  // etcd's clientv3.GetPrefixRangeEnd: increment the last byte below 0xff, dropping the rest.
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** etcd rejects an empty key; '\0' to '\0' is its spelling of "every key". */
function rangeStart(key: Buffer): Buffer {
  return key.length ? key : Buffer.from([0]);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class EtcdStore implements Store {
  private client: Etcd3 | undefined;
  private readonly prefix: string;
  private readonly watchers = new Set<() => void>();

  constructor(private readonly opts: EtcdStoreOptions) {
    this.prefix = opts.prefix ?? '';
  }

  async start(): Promise<void> {
    if (this.client) return;
    const timeout = this.opts.callTimeoutMs ?? 10_000;
    const options: IOptions = {
      hosts: this.opts.endpoints,
      dialTimeout: timeout,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
      // gRPC's default 4 MiB receive limit fails a LIST of a few thousand objects; kube-apiserver
      // lifts it the same way (storagebackend/factory/etcd3.go: MaxCallRecvMsgSize = MaxInt32).
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
    };
    if (this.opts.caFile) {
      options.credentials = {
        rootCertificate: readFileSync(this.opts.caFile),
        ...(this.opts.keyFile ? { privateKey: readFileSync(this.opts.keyFile) } : {}),
        ...(this.opts.certFile ? { certChain: readFileSync(this.opts.certFile) } : {}),
      };
    }
    const client = new Etcd3(options);
    // Fail start() (not the first request) when etcd is unreachable.
    await client.maintenance.status().catch((err: unknown) => {
      client.close();
      throw new Error(`cannot reach etcd at ${this.opts.endpoints.join(',')}: ${errorText(err)}`);
    });
    this.client = client;
  }

  async close(): Promise<void> {
    if (!this.client) return;
    for (const stop of [...this.watchers]) stop();
    this.client.close();
    this.client = undefined;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.etcd().kv.range({ key: this.k(key) });
    return res.kvs.length ? this.toKv(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const from = opts.startKey && opts.startKey > prefix ? opts.startKey : prefix;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let res;
    try {
      res = await this.etcd().kv.range({
        key: rangeStart(this.k(from)),
        range_end: prefixEnd(this.k(prefix)),
        revision: opts.revision ?? 0,
        limit,
      });
    } catch (err) {
      throw await this.mapRevisionError(err, opts.revision ?? 0);
    }
    const kvs = res.kvs.map((kv) => this.toKv(kv));
    // count is every key in [from, end) at that revision, so what is left is count - returned.
    const remaining = res.more ? Number(res.count) - kvs.length : 0;
    return { kvs, revision: opts.revision || Number(res.header.revision), more: res.more, remaining };
  }

  async count(prefix: string): Promise<number> {
    const k = this.k(prefix);
    const res = await this.etcd().kv.range({ key: rangeStart(k), range_end: prefixEnd(k), count_only: true });
    return Number(res.count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = this.k(key);
    const res = await this.etcd().kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = this.k(key);
    const res = await this.conditional(key, expectedRevision, { request_put: { key: k, value: Buffer.from(value), prev_kv: true } });
    const prev = res.responses[0].response_put.prev_kv;
    return { key, value, createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = this.k(key);
    const res = await this.conditional(key, expectedRevision, { request_delete_range: { key: k, prev_kv: true } });
    const prev = res.responses[0].response_delete_range.prev_kvs[0];
    return { ...this.toKv(prev), modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, afterRevision: number, handler: WatchHandler): Watcher {
    let done = false;
    let delivered = afterRevision;
    let watcher: EtcdWatcher | undefined;
    const stop = () => {
      if (done) return;
      done = true;
      this.watchers.delete(stop);
      // Cancelling a watcher whose stream is already gone can reject; the watch is over either way.
      watcher?.cancel().catch(() => undefined);
    };
    const fail = (err: Error) => {
      if (done) return;
      stop();
      handler.onError(err);
    };
    this.watchers.add(stop);
    if (!this.client) {
      queueMicrotask(() => fail(new Error('storage not started')));
      return { cancel: stop };
    }
    const k = this.k(prefix);
    // watcher() (not create()) attaches the listeners in the same tick the watch is sent:
    // create() resolves on 'connected', and history that arrives in the same read as the
    // creation response would be emitted before a listener added after that promise exists.
    const w = this.client
      .watch()
      .inRange({ start: rangeStart(k), end: prefixEnd(k) })
      .startRevision(String(afterRevision + 1))
      .withPreviousKV()
      .watcher();
    watcher = w;
    w.on('data', (res: IWatchResponse) => {
      if (done) return;
      // Progress notifications carry no events; a resumed stream never repeats one.
      const events = res.events.filter((e) => Number(e.kv.mod_revision) > delivered);
      if (events.length === 0) return;
      delivered = Number(events[events.length - 1].kv.mod_revision);
      try {
        handler.onEvents(events.map((e) => this.toEvent(e.type, e.kv, e.prev_kv)));
      } catch (err) {
        // A handler that throws cannot follow the stream any more; end its watch rather than
        // let the error escape into the etcd client's stream handling.
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    // The etcd3 client re-creates a dropped watch from the last *header* revision it saw, which
    // is ahead of the events delivered while etcd is still sending history; resume from the
    // last event delivered instead, so a reconnect misses nothing.
    w.on('disconnected', () => {
      (w.request as { start_revision?: string }).start_revision = String(delivered + 1);
    });
    // etcd cancels a watch whose start revision was compacted (also when the client resumes
    // after a reconnect past a compaction); the etcd3 client reports that as an error.
    w.on('error', (err) => {
      void this.watchError(err, delivered).then(fail);
    });
    return { cancel: stop };
  }

  async currentRevision(): Promise<number> {
    // Any range answers with the store's header revision; etcd refuses an empty key.
    const res = await this.etcd().kv.range({ key: this.compactKey(), count_only: true });
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    const res = await this.etcd().kv.range({ key: this.compactKey() });
    return res.kvs.length ? Number(res.kvs[0].value.toString()) : 0;
  }

  /**
   * Compacts etcd (the whole keyspace: etcd has one revision counter) and records the point in
   * a compact_rev_key like kube-apiserver's compactor (storage/etcd3/compact.go), since etcd
   * exposes its compaction revision only through failed requests.
   */
  async compact(revision: number): Promise<void> {
    const known = await this.compactedRevision();
    if (revision <= known) return;
    try {
      await this.etcd().kv.compact({ revision, physical: true });
    } catch (err) {
      if (FUTURE.test(errorText(err))) throw new FutureRevisionError(revision, await this.currentRevision());
      // Already compacted past it (another instance, or etcd's own auto-compaction).
      if (!COMPACTED.test(errorText(err))) throw err;
    }
    // Only ever move the record forward when two instances compact at once.
    const key = this.compactKey();
    const cur = await this.etcd().kv.range({ key });
    const compare: ICompare[] = cur.kvs.length
      ? [{ key, target: 'Mod', result: 'Equal', mod_revision: cur.kvs[0].mod_revision }]
      : [{ key, target: 'Create', result: 'Equal', create_revision: 0 }];
    if (!cur.kvs.length || Number(cur.kvs[0].value.toString()) < revision) {
      await this.etcd().kv.txn({ compare, success: [{ request_put: { key, value: Buffer.from(String(revision)) } }], failure: [] });
    }
  }

  async dbSize(): Promise<number> {
    return Number((await this.etcd().maintenance.status()).dbSize);
  }

  // ---------------------------------------------------------------------------------------

  /** If(key exists and, when expected is given, modRevision == expected) Then(op) Else(get). */
  private async conditional(key: string, expected: number | undefined, op: IRequestOp) {
    const k = this.k(key);
    const compare: ICompare[] = [{ key: k, target: 'Version', result: 'Greater', version: 0 }];
    if (expected !== undefined) compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expected });
    const res = await this.etcd().kv.txn({ compare, success: [op], failure: [{ request_range: { key: k } }] });
    if (res.succeeded) return res;
    const actual = res.responses[0].response_range.kvs[0];
    if (!actual) throw new KeyNotFoundError(key);
    throw new RevisionConflictError(key, expected ?? 0, this.toKv(actual));
  }

  private async mapRevisionError(err: unknown, requested: number): Promise<unknown> {
    const text = errorText(err);
    if (COMPACTED.test(text)) {
      const known = await this.compactedRevision().catch(() => 0);
      return new CompactedError(requested, Math.max(known, requested + 1));
    }
    if (FUTURE.test(text)) return new FutureRevisionError(requested, await this.currentRevision().catch(() => 0));
    return err;
  }

  /**
   * etcd cancels a watch whose start revision is compacted with the compact revision in the
   * response, but the etcd3 client drops that field (its error reads "Watcher canceled: ").
   * A range read at the same start revision fails exactly when the watch start did, so it
   * tells a compaction apart from other cancellations.
   */
  private async watchError(err: unknown, afterRevision: number): Promise<Error> {
    let compacted = COMPACTED.test(errorText(err));
    if (!compacted) {
      try {
        await this.etcd().kv.range({ key: this.compactKey(), revision: afterRevision + 1, count_only: true });
      } catch (probe) {
        compacted = COMPACTED.test(errorText(probe));
      }
    }
    if (compacted) {
      const known = await this.compactedRevision().catch(() => 0);
      return new CompactedError(afterRevision, Math.max(known, afterRevision + 1));
    }
    return err instanceof Error ? err : new Error(errorText(err));
  }

  private toEvent(type: string, kv: IKeyValue, prev: IKeyValue | undefined): WatchEvent {
    const prevKv = prev && prev.key && prev.key.length ? this.toKv(prev) : undefined;
    if (type === 'Delete') {
      // etcd's DELETE event holds only the key and the delete revision; the API layer needs
      // the last value, which is the previous key-value.
      const last: KeyValue = {
        key: this.unk(kv.key),
        value: prevKv?.value ?? '',
        createRevision: prevKv?.createRevision ?? 0,
        modRevision: Number(kv.mod_revision),
      };
      return prevKv ? { type: 'DELETE', kv: last, prevKv } : { type: 'DELETE', kv: last };
    }
    return prevKv ? { type: 'PUT', kv: this.toKv(kv), prevKv } : { type: 'PUT', kv: this.toKv(kv) };
  }

  private toKv(kv: IKeyValue): KeyValue {
    return {
      key: this.unk(kv.key),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  private k(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private unk(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }

  /** Outside every '/'-ending prefix callers list, like kube-apiserver's "compact_rev_key". */
  private compactKey(): Buffer {
    return this.k('compact_rev_key');
  }

  private etcd(): Etcd3 {
    if (!this.client) throw new Error('storage not started');
    return this.client;
  }
}
