// The in-process informer on the real generic store (SQLite): it holds what the store holds,
// follows writes as they happen, and after its watch ends it lists again and reports exactly
// what changed in between.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Informer, type InformerEventType } from '../../lib/client/informer.js';
import { configMap } from '../../lib/registry/configmap.js';
import { GenericStore } from '../../lib/registry/generic-store.js';
import type { KObject } from '../../lib/registry/resource-type.js';
import { SqliteStore } from '../../lib/storage/sqlite.js';
import { until } from '../helpers/wait.js';

describe('informer', () => {
  let dir: string;
  let sqlite: SqliteStore;
  let store: GenericStore;
  let informer: Informer | undefined;
  const cm = (name: string, data: Record<string, string> = {}, namespace = 'default') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-informer-'));
    sqlite = new SqliteStore({ path: join(dir, 'state.db') });
    await sqlite.start();
    store = new GenericStore(sqlite);
  });

  afterEach(async () => {
    informer?.stop();
    store.watchCache.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with what is stored, then follows creates, updates and deletes', async () => {
    await store.create(configMap, 'default', cm('a', { v: '1' }));
    await store.create(configMap, 'other', cm('b', {}, 'other'));
    const events: string[] = [];
    informer = new Informer(store, configMap).on((t, o) => events.push(`${t} ${o.metadata.namespace}/${o.metadata.name}`));
    await informer.start();
    assert.deepEqual(events.sort(), ['ADDED default/a', 'ADDED other/b']);
    assert.equal(informer.get('default', 'a')?.data.v, '1');
    assert.equal(informer.get('default', 'b'), undefined);

    await store.create(configMap, 'default', cm('c'));
    await store.guaranteedUpdate(configMap, 'default', 'a', (live) => ({ ...live!, data: { v: '2' } }));
    await store.delete(configMap, 'other', 'b', {});
    await until('five events', () => events.length === 5, 5000, 20);
    assert.deepEqual(events.slice(2), ['ADDED default/c', 'MODIFIED default/a', 'DELETED other/b']);
    assert.equal(informer.get('default', 'a')?.data.v, '2');
    assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ['a', 'c']);
  });

  it('after its watch ends, lists again and reports what changed while it was not watching', async () => {
    for (const n of ['keep', 'change', 'drop']) await store.create(configMap, 'default', cm(n, { v: '1' }));
    const events: Array<[InformerEventType, string]> = [];
    informer = new Informer(store, configMap, { relistDelayMs: 300 }).on((t, o: KObject) => events.push([t, o.metadata.name!]));
    await informer.start();
    events.length = 0;
    store.watchCache.close(); // ends every watch served from the cache, as a store restart would
    await store.guaranteedUpdate(configMap, 'default', 'change', (live) => ({ ...live!, data: { v: '2' } }));
    await store.delete(configMap, 'default', 'drop', {});
    await store.create(configMap, 'default', cm('new'));
    await until('three events after the relist', () => events.length >= 3, 5000, 20);
    assert.deepEqual(events.sort(), [['ADDED', 'new'], ['DELETED', 'drop'], ['MODIFIED', 'change']].sort());
    assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ['change', 'keep', 'new']);
    // And it watches again.
    await store.create(configMap, 'default', cm('after'));
    await until('the next watch', () => informer!.get('default', 'after') !== undefined, 5000, 20);
  });
});
