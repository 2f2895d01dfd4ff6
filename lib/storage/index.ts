// Chooses the storage backend from the cluster file's `storage` section.

import { join } from 'node:path';
import { EtcdStore } from './etcd.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export interface StorageConfig {
  backend?: 'sqlite' | 'etcd';
  sqlite?: { path?: string };
  etcd?: { endpoints: string[]; prefix?: string; caFile?: string; certFile?: string; keyFile?: string };
}

/** The configured store, not yet started; embedded SQLite at `<dataDir>/state.db` by default. */
export function createStore(cfg: StorageConfig | undefined, dataDir: string): Store {
  const backend = cfg?.backend ?? (cfg?.etcd ? 'etcd' : 'sqlite');
  if (backend === 'etcd') {
    if (!cfg?.etcd?.endpoints?.length) throw new Error('storage.etcd.endpoints is required when storage.backend is etcd');
    return new EtcdStore(cfg.etcd);
  }
  return new SqliteStore({ path: cfg?.sqlite?.path ?? join(dataDir, 'state.db') });
}
