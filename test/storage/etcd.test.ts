import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdStore } from '../../lib/storage/etcd.js';
import { CompactedError } from '../../lib/storage/store.js';
import { createStore } from '../../lib/storage/index.js';
import type { Store } from '../../lib/storage/store.js';
import { startEtcd } from '../helpers/etcd.js';
import type { RunningEtcd } from '../helpers/etcd.js';
import { describeStoreSuite, freshPrefix, WatchRecorder } from './store-suite.js';

let etcd: RunningEtcd | undefined;
// One etcd for the whole file, started lazily by the first store and stopped by the root hook
// below even when tests fail.
async function endpoint(): Promise<string> {
  etcd ??= await startEtcd();
  return etcd.endpoint;
}
after(async () => {
  await etcd?.stop();
});

describeStoreSuite('etcd', async () => new EtcdStore({ endpoints: [await endpoint()] }));

describe('EtcdStore', function () {
  this.timeout(30_000);
  const open: Store[] = [];
  async function client(prefix?: string): Promise<Store> {
    const s = new EtcdStore({ endpoints: [await endpoint()], prefix });
    await s.start();
    open.push(s);
    return s;
  }
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('lets two clients see each other\'s writes, conflicts and watch events', async () => {
    const [a, b] = [await client(), await client()];
    const p = freshPrefix();
    const w = new WatchRecorder().start(b, p, await b.currentRevision());
    const kv = await a.create(`${p}x`, '1');
    assert.deepEqual(await b.get(`${p}x`), kv);
    const kv2 = await b.update(`${p}x`, '2', kv.modRevision);
    await assert.rejects(a.update(`${p}x`, '3', kv.modRevision), /revision conflict/);
    await w.untilCount(2);
    assert.deepEqual(w.events.map((e) => e.kv), [kv, kv2]);
    assert.equal(await a.currentRevision(), await b.currentRevision());
    w.cancel();
  });

  it('keeps two clusters with different key prefixes apart on one etcd', async () => {
    const [one, two] = [await client('/cluster-one'), await client('/cluster-two')];
    const p = freshPrefix();
    const w = new WatchRecorder().start(two, p, await two.currentRevision());
    const kv = await one.create(`${p}x`, 'one');
    assert.equal(kv.key, `${p}x`);
    assert.equal(await two.get(`${p}x`), undefined);
    assert.equal((await two.list(p)).kvs.length, 0);
    const kv2 = await two.create(`${p}x`, 'two');
    await w.untilCount(1);
    assert.deepEqual(w.events.map((e) => e.kv), [kv2]);
    assert.deepEqual((await one.list(p)).kvs, [kv]);
    w.cancel();
  });

  it('maps a compaction done outside kubeshim (etcd auto-compaction) to CompactedError', async () => {
    const s = await client();
    const p = freshPrefix();
    const a = await s.create(`${p}a`, '1');
    await s.update(`${p}a`, '2', a.modRevision);
    const raw = new Etcd3({ hosts: await endpoint() });
    try {
      await raw.kv.compact({ revision: a.modRevision + 1, physical: true });
    } finally {
      raw.close();
    }
    await assert.rejects(s.list(p, { revision: a.modRevision }), CompactedError);
    const w = new WatchRecorder().start(s, p, a.modRevision - 1);
    await w.untilError();
    assert.ok(w.error instanceof CompactedError, String(w.error));
    assert.equal(w.error.requested, a.modRevision - 1);
  });

  it('talks to an etcd that requires TLS client certificates (caFile, certFile, keyFile)', async () => {
    const secure = await startEtcd({ tls: true });
    try {
      assert.ok(secure.tls);
      const s = new EtcdStore({ endpoints: [secure.endpoint], ...secure.tls });
      await s.start();
      try {
        const kv = await s.create('/tls/a', 'secret');
        assert.deepEqual(await s.get('/tls/a'), kv);
      } finally {
        await s.close();
      }
      const anonymous = new EtcdStore({ endpoints: [secure.endpoint], caFile: secure.tls.caFile, callTimeoutMs: 3000 });
      await assert.rejects(anonymous.start(), /cannot reach etcd/);
    } finally {
      await secure.stop();
    }
  });

  it('fails start() with a clear error when etcd is unreachable', async () => {
    const s = new EtcdStore({ endpoints: ['http://127.0.0.1:1'], callTimeoutMs: 2000 });
    await assert.rejects(s.start(), /cannot reach etcd at http:\/\/127\.0\.0\.1:1/);
  });

  it('is what createStore makes for backend etcd', async () => {
    const s = createStore({ backend: 'etcd', etcd: { endpoints: [await endpoint()], prefix: '/x' } }, '/nonexistent');
    assert.ok(s instanceof EtcdStore);
    assert.throws(() => createStore({ backend: 'etcd' }, '/tmp'), /storage\.etcd\.endpoints is required/);
  });
});
