import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compactor, startCompactor } from '../../lib/storage/compactor.js';
import { SqliteStore } from '../../lib/storage/sqlite.js';
import { CompactedError } from '../../lib/storage/store.js';

describe('Storage compactor', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-compactor-'));
    store = new SqliteStore({ path: join(dir, 'state.db') });
    await store.start();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compacts each round to the revision the previous round saw, never to the newest one', async () => {
    const c = new Compactor(store);
    const a = await store.create('/c/a', '1');
    await c.round();
    assert.equal(await store.compactedRevision(), 0, 'the first round only records the revision');
    const b = await store.update('/c/a', '2', a.modRevision);
    await c.round();
    assert.equal(await store.compactedRevision(), a.modRevision);
    await store.update('/c/a', '3', b.modRevision);
    await c.round();
    assert.equal(await store.compactedRevision(), b.modRevision);
    assert.ok((await store.currentRevision()) > b.modRevision);
    await assert.rejects(store.list('/c/', { revision: a.modRevision }), CompactedError);
    assert.equal((await store.list('/c/', { revision: b.modRevision })).kvs[0].value, '2');
  });

  it('runs on its interval until stopped', async () => {
    const a = await store.create('/c/a', '1');
    await store.update('/c/a', '2', a.modRevision);
    const errors: unknown[] = [];
    const running = startCompactor(store, { intervalMs: 30, onError: (e) => errors.push(e) });
    try {
      const deadline = Date.now() + 5000;
      while ((await store.compactedRevision()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await store.compactedRevision(), a.modRevision + 1);
    } finally {
      running.stop();
    }
    const later = await store.create('/c/b', '1');
    await new Promise((r) => setTimeout(r, 150));
    assert.ok((await store.compactedRevision()) < later.modRevision, 'no round after stop()');
    assert.deepEqual(errors, []);
  });
});
