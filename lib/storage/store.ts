// The storage contract both backends (embedded SQLite, real etcd v3) implement.
// Semantics are etcd's: one global revision counter; every write gets the next revision;
// a key's modRevision is the revision of its last write; watches replay history after a
// revision and then follow live writes, missing nothing and repeating nothing.
// The API layer maps revision <-> metadata.resourceVersion one to one.

export interface KeyValue {
  key: string;
  /** Serialized object (JSON text). Stored without metadata.resourceVersion. */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  /** For PUT the new value; for DELETE the value the key held, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event (absent for a create). */
  prevKv?: KeyValue;
}

export interface ListOptions {
  /** Read the state as of this revision (0/undefined = latest). Throws CompactedError if compacted away. */
  revision?: number;
  /** Start listing at this key (inclusive), for continue tokens. */
  startKey?: string;
  /** At most this many items (0/undefined = no limit). */
  limit?: number;
}

export interface ListResult {
  kvs: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys remain after the last returned one. */
  more: boolean;
  /** How many keys remain after the returned ones (valid when more is true). */
  remaining: number;
}

export interface WatchHandler {
  /** Called in revision order; a batch holds events of one or more revisions. */
  onEvents(events: WatchEvent[]): void;
  /** Terminal: the watch is over (CompactedError when the start revision is gone). */
  onError(err: Error): void;
}

export interface Watcher {
  cancel(): void;
}

/** The key exists already (create). */
export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}

/** The key does not exist (update/delete). */
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

/** The key's modRevision is not the one expected (optimistic concurrency). */
export class RevisionConflictError extends Error {
  constructor(readonly key: string, readonly expected: number, readonly actual: KeyValue | undefined) {
    super(`revision conflict on ${key}: expected ${expected}, found ${actual?.modRevision ?? 'none'}`);
  }
}

/** The requested revision is older than the compaction point (maps to 410 Expired). */
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
  }
}

/** The requested revision is in the future (maps to 504 Timeout / "Too large resource version"). */
export class FutureRevisionError extends Error {
  constructor(readonly requested: number, readonly current: number) {
    super(`revision ${requested} is newer than the current revision ${current}`);
  }
}

export interface Store {
  /** Opens files/connections; idempotent. */
  start(): Promise<void>;
  close(): Promise<void>;

  get(key: string): Promise<KeyValue | undefined>;
  /** Keys with this prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys with this prefix, at the latest revision. */
  count(prefix: string): Promise<number>;

  /** Creates the key; throws KeyExistsError. Durable when the promise resolves. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Replaces the key if its modRevision equals expectedRevision; throws KeyNotFoundError / RevisionConflictError. */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes the key (only if its modRevision equals expectedRevision, when given).
   * Returns the deleted value with modRevision set to the delete's revision.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;

  /**
   * Events for keys with this prefix whose revision is > afterRevision, then live ones.
   * afterRevision below the compacted revision -> handler.onError(CompactedError).
   */
  watch(prefix: string, afterRevision: number, handler: WatchHandler): Watcher;

  currentRevision(): Promise<number>;
  compactedRevision(): Promise<number>;
  /** Drops history at and below this revision (current values always stay). */
  compact(revision: number): Promise<void>;
  /** Size of the backing data in bytes (SQLite file / etcd db size). */
  dbSize(): Promise<number>;
}
