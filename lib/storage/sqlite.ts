// Embedded SQLite backend: a kine-style log-structured table (k3s-io/kine
// pkg/logstructured + pkg/drivers/generic). Every write appends one row; the row id is the
// revision, and each row carries the key's value after the write plus the id of the row it
// superseded (prev_revision), so the state as of any retained revision and the event history
// after any retained revision are plain queries over one table. All SQL of the project lives
// in this file.

import Database from 'better-sqlite3';
import { closeSync, fdatasync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
} from './store.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  WatchEvent,
  WatchHandler,
  Watcher,
} from './store.js';

export interface SqliteStoreOptions {
  /** Path of the database file (created with its directory when missing). */
  path: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
-- One successor per row: a second writer (another process on the same file) that read the
-- same latest row cannot append a diverging history; kine relies on the same constraint.
CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev ON kv (name, prev_revision);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

const COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, value';

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

interface EventRow extends Row {
  p_id: number | null;
  p_create_revision: number | null;
  p_value: string | null;
}

type Op =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expected: number }
  | { kind: 'delete'; key: string; expected?: number };

interface PendingOp {
  op: Op;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

interface WatchState {
  prefix: string;
  /** Live events at or below this revision were already replayed from the log. */
  lastRevision: number;
  handler: WatchHandler;
  queue: WatchEvent[];
  error?: Error;
  scheduled: boolean;
  done: boolean;
}

/** Rows compacted per transaction, so a large compaction never blocks the event loop for long. */
const COMPACT_BATCH = 1000;

/**
 * The smallest string greater than every string starting with prefix, for an index range scan
 * (kine uses LIKE 'prefix%', which SQLite cannot always turn into a range).
 * Undefined when there is no upper bound.
 */
function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

function toKv(row: Row): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

function toEvent(row: EventRow): WatchEvent {
  const kv = toKv(row);
  const prevKv: KeyValue | undefined =
    row.p_id !== null && row.p_value !== null && row.p_create_revision !== null
      ? { key: row.name, value: row.p_value, createRevision: row.p_create_revision, modRevision: row.p_id }
      : undefined;
  return prevKv ? { type: row.deleted ? 'DELETE' : 'PUT', kv, prevKv } : { type: row.deleted ? 'DELETE' : 'PUT', kv };
}

export class SqliteStore implements Store {
  readonly path: string;
  private db: Database.Database | undefined;
  private readonly statements = new Map<string, Database.Statement>();
  private pending: PendingOp[] = [];
  private flushScheduled = false;
  private walFd: number | undefined;
  private unsynced: Array<(err?: Error) => void> = [];
  private syncing: Promise<void> | undefined;
  private readonly watchers = new Set<WatchState>();
  private compacting: Promise<void> = Promise.resolve();

  constructor(opts: SqliteStoreOptions) {
    this.path = opts.path;
  }

  async start(): Promise<void> {
    if (this.db) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    // Durable on ack: a write is acknowledged only after the WAL frames of its commit are on
    // disk. synchronous=FULL would fsync inside COMMIT, blocking the event loop for the length of
    // the fsync; instead commits run with NORMAL (no sync) and the WAL file is fdatasync'ed on
    // libuv's thread pool before the acks go out (see awaitDurable). fdatasync covers every
    // byte written to the file before it, WAL header included, so an acknowledged write
    // survives a power loss as under FULL. Checkpoints still sync as NORMAL does.
    db.pragma('synchronous = NORMAL');
    // Another process holding the write lock (a second kubeshim on the same file) is waited for
    // instead of failing at once.
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    this.db = db;
    // The WAL exists from the first write (the schema above) until the last connection closes.
    this.walFd = openSync(`${this.path}-wal`, 'r');
  }

  async close(): Promise<void> {
    if (!this.db) return;
    await this.compacting.catch(() => undefined);
    if (this.pending.length > 0) this.flush();
    while (this.syncing) await this.syncing;
    for (const w of [...this.watchers]) this.fail(w, new Error('storage closed'));
    this.statements.clear();
    this.db.close();
    this.db = undefined;
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const row = this.latestRow(key);
    return row && !row.deleted ? toKv(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = this.readRevision(opts.revision);
    const from = opts.startKey && opts.startKey > prefix ? opts.startKey : prefix;
    const end = prefixEnd(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    // The latest row of each key at or below the revision, kine's listSQL. The inner GROUP BY
    // walks the (name, id) index in key order, and ordering by the subquery's name lets SQLite
    // keep that order; ordering by kv.name instead sorts every value in a temp B-tree
    // (10,000 pods: ~100 ms instead of ~25 ms).
    const sql = `SELECT kv.id, kv.name, kv.create_revision, kv.value FROM (
        SELECT name, MAX(id) AS id FROM kv INDEXED BY kv_name_id
        WHERE name >= ? ${end === undefined ? '' : 'AND name < ?'} AND id <= ?
        GROUP BY name ORDER BY name) AS m JOIN kv ON kv.id = m.id
      WHERE kv.deleted = 0 ORDER BY m.name LIMIT ?`;
    const params: (string | number)[] = end === undefined ? [from, revision] : [from, end, revision];
    const rows = this.stmt(sql).all(...params, limit ? limit + 1 : -1) as Row[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const remaining = more ? this.countFrom(rows[rows.length - 1].name, end, revision, true) : 0;
    return { kvs: rows.map(toKv), revision, more, remaining };
  }

  async count(prefix: string): Promise<number> {
    return this.countFrom(prefix, prefixEnd(prefix), this.revisionNow(), false);
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  watch(prefix: string, afterRevision: number, handler: WatchHandler): Watcher {
    const state: WatchState = { prefix, lastRevision: afterRevision, handler, queue: [], scheduled: false, done: false };
    // kine's order: subscribe to live events first, then replay the log, then drop live events
    // at or below the last replayed revision. Here the replay is a synchronous read, so no
    // commit can interleave, but the order keeps the guarantee independent of that detail.
    this.watchers.add(state);
    try {
      const compacted = this.compactRevisionNow();
      if (afterRevision < compacted) {
        this.fail(state, new CompactedError(afterRevision, compacted));
      } else {
        const current = this.revisionNow();
        for (const ev of this.eventsAfter(prefix, afterRevision)) state.queue.push(ev);
        state.lastRevision = Math.max(afterRevision, current);
        this.schedule(state);
      }
    } catch (err) {
      this.fail(state, err instanceof Error ? err : new Error(String(err)));
    }
    return {
      cancel: () => {
        state.done = true;
        state.queue = [];
        this.watchers.delete(state);
      },
    };
  }

  async currentRevision(): Promise<number> {
    return this.revisionNow();
  }

  async compactedRevision(): Promise<number> {
    return this.compactRevisionNow();
  }

  compact(revision: number): Promise<void> {
    const run = this.compacting.catch(() => undefined).then(() => this.compactInBatches(revision));
    this.compacting = run;
    return run;
  }

  async dbSize(): Promise<number> {
    const db = this.open();
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    let wal = 0;
    try {
      wal = statSync(`${this.path}-wal`).size;
    } catch {
      // No WAL file right after a checkpoint-on-close: the main file is the whole size.
    }
    return pages * pageSize + wal;
  }

  // --- writes ---------------------------------------------------------------------------

  private enqueue(op: Op): Promise<KeyValue> {
    return new Promise<KeyValue>((resolve, reject) => {
      this.open(); // throws inside the executor: a write on a closed store is a rejection
      this.pending.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate (not a microtask) so writes from every request parsed in this poll
        // phase share one transaction and one fsync.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Group commit: applies every queued write in one transaction, then resolves and fans out. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (!this.db) {
      for (const p of batch) p.reject(new Error('storage closed'));
      return;
    }
    const db = this.db;
    const outcomes: ({ ok: true; event: WatchEvent } | { ok: false; err: unknown })[] = [];
    // A nested better-sqlite3 transaction is a SAVEPOINT: one write failing (a lost race with
    // another process, a full disk) rolls back only itself, not the writes batched with it.
    const one = db.transaction((op: Op) => this.apply(op));
    const all = db.transaction(() => {
      outcomes.length = 0;
      for (const p of batch) {
        try {
          outcomes.push({ ok: true, event: one(p.op) });
        } catch (err) {
          outcomes.push({ ok: false, err });
        }
      }
    });
    try {
      all.immediate();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const events: WatchEvent[] = [];
    const committed: PendingOp[] = [];
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) {
        events.push(o.event);
        committed.push(p);
      } else {
        p.reject(o.err);
      }
    });
    if (events.length === 0) return;
    // Acks and watch events wait until the commit is on disk; the event loop does not.
    this.awaitDurable((err) => {
      if (err) {
        for (const p of committed) p.reject(err);
        return;
      }
      committed.forEach((p, i) => p.resolve(events[i].kv));
      this.fanOut(events);
    });
  }

  /**
   * Runs `done` once everything committed so far is on disk: one fdatasync of the WAL at a
   * time, covering every commit made before it started (group commit on the sync, too).
   */
  private awaitDurable(done: (err?: Error) => void): void {
    this.unsynced.push(done);
    if (!this.syncing) this.syncing = this.syncLoop();
  }

  private async syncLoop(): Promise<void> {
    while (this.unsynced.length > 0) {
      const waiting = this.unsynced;
      this.unsynced = [];
      const err = await new Promise<Error | undefined>((resolve) => {
        if (this.walFd === undefined) resolve(new Error('storage closed'));
        else fdatasync(this.walFd, (e) => resolve(e ?? undefined));
      });
      for (const done of waiting) done(err);
    }
    this.syncing = undefined;
  }

  private apply(op: Op): WatchEvent {
    const latest = this.latestRow(op.key);
    const live = latest && !latest.deleted ? latest : undefined;
    switch (op.kind) {
      case 'create': {
        if (live) throw new KeyExistsError(op.key);
        const id = this.append(op.key, true, false, 0, latest?.id ?? 0, op.value);
        return { type: 'PUT', kv: { key: op.key, value: op.value, createRevision: id, modRevision: id } };
      }
      case 'update': {
        if (!live) throw new KeyNotFoundError(op.key);
        if (live.id !== op.expected) throw new RevisionConflictError(op.key, op.expected, toKv(live));
        const id = this.append(op.key, false, false, live.create_revision, live.id, op.value);
        return {
          type: 'PUT',
          kv: { key: op.key, value: op.value, createRevision: live.create_revision, modRevision: id },
          prevKv: toKv(live),
        };
      }
      case 'delete': {
        if (!live) throw new KeyNotFoundError(op.key);
        if (op.expected !== undefined && live.id !== op.expected) {
          throw new RevisionConflictError(op.key, op.expected, toKv(live));
        }
        // The tombstone keeps the last value, so a DELETE event replayed from the log carries
        // it (the API layer sends the deleted object in watch DELETED events).
        const id = this.append(op.key, false, true, live.create_revision, live.id, live.value);
        return {
          type: 'DELETE',
          kv: { key: op.key, value: live.value, createRevision: live.create_revision, modRevision: id },
          prevKv: toKv(live),
        };
      }
    }
  }

  private append(key: string, created: boolean, deleted: boolean, createRevision: number, prev: number, value: string): number {
    const res = this.stmt(
      'INSERT INTO kv (name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(key, created ? 1 : 0, deleted ? 1 : 0, createRevision, prev, value);
    const id = Number(res.lastInsertRowid);
    if (created) this.stmt('UPDATE kv SET create_revision = id WHERE id = ?').run(id);
    return id;
  }

  // --- watch ----------------------------------------------------------------------------

  private fanOut(events: WatchEvent[]): void {
    for (const w of this.watchers) {
      let added = false;
      for (const ev of events) {
        if (ev.kv.modRevision > w.lastRevision && ev.kv.key.startsWith(w.prefix)) {
          w.queue.push(ev);
          added = true;
        }
      }
      if (added) this.schedule(w);
    }
  }

  private schedule(w: WatchState): void {
    if (w.scheduled || w.done) return;
    w.scheduled = true;
    // Delivered asynchronously: watch() returns its Watcher before any callback runs.
    queueMicrotask(() => this.deliver(w));
  }

  private deliver(w: WatchState): void {
    w.scheduled = false;
    if (w.done) return;
    if (w.queue.length > 0) {
      const batch = w.queue;
      w.queue = [];
      try {
        w.handler.onEvents(batch);
      } catch (err) {
        // A handler that throws cannot follow the stream any more; end its watch with the error
        // rather than letting it escape into the writer's commit path.
        w.error = err instanceof Error ? err : new Error(String(err));
      }
    }
    if (w.error && !w.done) {
      w.done = true;
      this.watchers.delete(w);
      w.handler.onError(w.error);
    }
  }

  private fail(w: WatchState, err: Error): void {
    this.watchers.delete(w);
    if (w.done) return;
    w.error = err;
    if (!w.scheduled) {
      w.scheduled = true;
      queueMicrotask(() => this.deliver(w));
    }
  }

  /**
   * kine's AfterOldValSQL: the log after a revision, each row joined with the one it superseded.
   * NOT INDEXED makes SQLite walk the log by revision (rowid range) instead of walking every
   * key of the prefix by name and sorting: watches start from recent revisions, so the rowid
   * range is short while the prefix may hold every object of a resource.
   */
  private eventsAfter(prefix: string, after: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const sql = `SELECT kv.id, kv.name, kv.created, kv.deleted, kv.create_revision, kv.prev_revision, kv.value,
        p.id AS p_id, p.create_revision AS p_create_revision, p.value AS p_value
      FROM kv NOT INDEXED LEFT JOIN kv AS p ON kv.created = 0 AND p.id = kv.prev_revision
      WHERE kv.id > ? AND kv.name >= ? ${end === undefined ? '' : 'AND kv.name < ?'}
      ORDER BY kv.id`;
    const params: (string | number)[] = end === undefined ? [after, prefix] : [after, prefix, end];
    return (this.stmt(sql).all(...params) as EventRow[]).map(toEvent);
  }

  // --- reads ----------------------------------------------------------------------------

  private latestRow(key: string): Row | undefined {
    return this.stmt(`SELECT ${COLUMNS} FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`).get(key) as Row | undefined;
  }

  private countFrom(from: string, end: string | undefined, revision: number, exclusive: boolean): number {
    const sql = `SELECT COUNT(*) AS n FROM kv JOIN (
        SELECT MAX(id) AS id FROM kv WHERE name ${exclusive ? '>' : '>='} ? ${end === undefined ? '' : 'AND name < ?'} AND id <= ?
        GROUP BY name) AS m ON m.id = kv.id
      WHERE kv.deleted = 0`;
    const params: (string | number)[] = end === undefined ? [from, revision] : [from, end, revision];
    return (this.stmt(sql).get(...params) as { n: number }).n;
  }

  /** The revision a read runs at: the current one, or a retained historic one. */
  private readRevision(requested: number | undefined): number {
    const current = this.revisionNow();
    if (!requested) return current;
    if (requested > current) throw new FutureRevisionError(requested, current);
    const compacted = this.compactRevisionNow();
    if (requested < compacted) throw new CompactedError(requested, compacted);
    return requested;
  }

  private revisionNow(): number {
    // sqlite_sequence keeps the highest id ever handed out, even after compaction deleted the
    // row that carried it (the log's newest row may be a compacted tombstone).
    const row = this.stmt("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  private compactRevisionNow(): number {
    const row = this.stmt("SELECT value FROM meta WHERE name = 'compact_revision'").get() as { value: number } | undefined;
    return row?.value ?? 0;
  }

  // --- compaction -----------------------------------------------------------------------

  private async compactInBatches(revision: number): Promise<void> {
    const current = this.revisionNow();
    if (revision > current) throw new FutureRevisionError(revision, current);
    let done = this.compactRevisionNow();
    // kine's CompactSQL: drop every row superseded by a row at or below the target, and every
    // tombstone at or below it; the row that was live at the target always stays.
    const del = `DELETE FROM kv WHERE id IN (
        SELECT prev_revision FROM kv WHERE prev_revision != 0 AND id > ? AND id <= ?
        UNION SELECT id FROM kv WHERE deleted != 0 AND id > ? AND id <= ?)`;
    while (done < revision && this.db) {
      const to = Math.min(revision, done + COMPACT_BATCH);
      const from = done;
      this.db
        .transaction(() => {
          this.stmt(del).run(from, to, from, to);
          this.stmt(
            "INSERT INTO meta (name, value) VALUES ('compact_revision', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          ).run(to);
        })
        .immediate();
      done = to;
      if (done < revision) await new Promise<void>((r) => setImmediate(r));
    }
  }

  // --- plumbing -------------------------------------------------------------------------

  private open(): Database.Database {
    if (!this.db) throw new Error('storage not started');
    return this.db;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.open().prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
