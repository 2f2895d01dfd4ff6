// The one storage specification both backends must pass (kine's lesson: one contract, one
// suite). Each test works under its own key prefix, so the suite also runs against a shared
// etcd whose revision counter other tests advance.

import assert from 'node:assert/strict';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
} from '../../lib/storage/store.js';
import type { KeyValue, Store, WatchEvent, Watcher } from '../../lib/storage/store.js';

/** Collects a watch's events and error; waits for conditions on them. */
export class WatchRecorder {
  events: WatchEvent[] = [];
  batches = 0;
  error: Error | undefined;
  watcher: Watcher | undefined;
  private waiters: (() => void)[] = [];

  start(store: Store, prefix: string, afterRevision: number): this {
    this.watcher = store.watch(prefix, afterRevision, {
      onEvents: (evs) => {
        this.batches++;
        this.events.push(...evs);
        this.wake();
      },
      onError: (err) => {
        this.error = err;
        this.wake();
      },
    });
    return this;
  }

  cancel(): void {
    this.watcher?.cancel();
  }

  async until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) {
        assert.fail(`timed out waiting for ${what}; got ${this.events.length} events, error ${this.error?.message ?? 'none'}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  untilCount(n: number): Promise<void> {
    return this.until(() => this.events.length >= n, `${n} events`);
  }

  untilRevision(rev: number): Promise<void> {
    return this.until(() => this.events.some((e) => e.kv.modRevision >= rev), `an event at revision ${rev}`);
  }

  untilError(): Promise<void> {
    return this.until(() => this.error !== undefined, 'a watch error');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let counter = 0;
/** A key prefix no other test uses, ending in '/' as callers pass prefixes. */
export function freshPrefix(tag = 't'): string {
  counter++;
  return `/suite/${tag}${counter}-${Date.now().toString(36)}/`;
}

function values(kvs: KeyValue[]): Record<string, string> {
  return Object.fromEntries(kvs.map((kv) => [kv.key, kv.value]));
}

export function describeStoreSuite(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract: ${name}`, function () {
    this.timeout(30_000);
    let store: Store;
    const watchers: WatchRecorder[] = [];
    const watch = (prefix: string, after: number, s: Store = store) => {
      const w = new WatchRecorder().start(s, prefix, after);
      watchers.push(w);
      return w;
    };

    beforeEach(async () => {
      store = await makeStore();
      await store.start();
    });

    afterEach(async () => {
      for (const w of watchers.splice(0)) w.cancel();
      await store.close();
    });

    if (cleanup) after(cleanup);

    describe('create/get', () => {
      it('creates a key whose createRevision and modRevision are the new current revision', async () => {
        const p = freshPrefix();
        const before = await store.currentRevision();
        const kv = await store.create(`${p}a`, '{"n":1}');
        assert.equal(kv.key, `${p}a`);
        assert.equal(kv.value, '{"n":1}');
        assert.ok(kv.modRevision > before);
        assert.equal(kv.createRevision, kv.modRevision);
        assert.equal(await store.currentRevision(), kv.modRevision);
        assert.deepEqual(await store.get(`${p}a`), kv);
      });

      it('returns undefined for a key that never existed', async () => {
        assert.equal(await store.get(`${freshPrefix()}missing`), undefined);
      });

      it('refuses to create an existing key with KeyExistsError and writes nothing', async () => {
        const p = freshPrefix();
        const kv = await store.create(`${p}a`, 'one');
        const rev = await store.currentRevision();
        await assert.rejects(store.create(`${p}a`, 'two'), (err: unknown) => {
          assert.ok(err instanceof KeyExistsError);
          assert.equal(err.key, `${p}a`);
          return true;
        });
        assert.deepEqual(await store.get(`${p}a`), kv);
        assert.equal(await store.currentRevision(), rev);
      });

      it('keeps values byte for byte (unicode, quotes, large)', async () => {
        const p = freshPrefix();
        const big = JSON.stringify({ data: 'x'.repeat(200_000), s: 'ünïcødé ✓ "quoted" \\ \n' });
        await store.create(`${p}big`, big);
        assert.equal((await store.get(`${p}big`))?.value, big);
      });
    });

    describe('update', () => {
      it('replaces the value when the expected revision matches, keeping createRevision', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'v1');
        const b = await store.update(`${p}a`, 'v2', a.modRevision);
        assert.equal(b.value, 'v2');
        assert.equal(b.createRevision, a.createRevision);
        assert.ok(b.modRevision > a.modRevision);
        assert.deepEqual(await store.get(`${p}a`), b);
      });

      it('fails with RevisionConflictError carrying the actual key-value when the revision is stale', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'v1');
        const b = await store.update(`${p}a`, 'v2', a.modRevision);
        await assert.rejects(store.update(`${p}a`, 'v3', a.modRevision), (err: unknown) => {
          assert.ok(err instanceof RevisionConflictError);
          assert.equal(err.key, `${p}a`);
          assert.equal(err.expected, a.modRevision);
          assert.deepEqual(err.actual, b);
          return true;
        });
        assert.equal((await store.get(`${p}a`))?.value, 'v2');
      });

      it('fails with KeyNotFoundError for a missing or deleted key', async () => {
        const p = freshPrefix();
        await assert.rejects(store.update(`${p}none`, 'v', 1), KeyNotFoundError);
        const a = await store.create(`${p}a`, 'v1');
        await store.delete(`${p}a`);
        await assert.rejects(store.update(`${p}a`, 'v2', a.modRevision), (err: unknown) => {
          assert.ok(err instanceof KeyNotFoundError);
          assert.equal(err.key, `${p}a`);
          return true;
        });
      });

      it('lets exactly one of several concurrent updates from the same revision win', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'v0');
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.update(`${p}a`, `v${i + 1}`, a.modRevision)),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof RevisionConflictError);
        assert.equal((await store.get(`${p}a`))?.value, (won[0] as PromiseFulfilledResult<KeyValue>).value.value);
      });
    });

    describe('delete', () => {
      it('returns the last value with modRevision set to the delete revision', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'last');
        const d = await store.delete(`${p}a`);
        assert.equal(d.key, `${p}a`);
        assert.equal(d.value, 'last');
        assert.equal(d.createRevision, a.createRevision);
        assert.ok(d.modRevision > a.modRevision);
        assert.equal(await store.currentRevision(), d.modRevision);
        assert.equal(await store.get(`${p}a`), undefined);
      });

      it('fails with KeyNotFoundError for a missing key', async () => {
        await assert.rejects(store.delete(`${freshPrefix()}none`), KeyNotFoundError);
      });

      it('honours an expected revision: conflict keeps the key, a match deletes it', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'v1');
        const b = await store.update(`${p}a`, 'v2', a.modRevision);
        await assert.rejects(store.delete(`${p}a`, a.modRevision), (err: unknown) => {
          assert.ok(err instanceof RevisionConflictError);
          assert.deepEqual(err.actual, b);
          return true;
        });
        assert.deepEqual(await store.get(`${p}a`), b);
        const d = await store.delete(`${p}a`, b.modRevision);
        assert.equal(d.value, 'v2');
        assert.equal(await store.get(`${p}a`), undefined);
      });

      it('lets a deleted key be created again with a new createRevision', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'v1');
        await store.delete(`${p}a`);
        const b = await store.create(`${p}a`, 'v2');
        assert.ok(b.createRevision > a.createRevision);
        assert.equal(b.createRevision, b.modRevision);
        assert.deepEqual(await store.get(`${p}a`), b);
      });
    });

    describe('revisions', () => {
      it('are strictly increasing and shared across keys', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, '1');
        const b = await store.create(`${p}b`, '1');
        const a2 = await store.update(`${p}a`, '2', a.modRevision);
        const bd = await store.delete(`${p}b`);
        const revs = [a.modRevision, b.modRevision, a2.modRevision, bd.modRevision];
        assert.deepEqual([...revs].sort((x, y) => x - y), revs);
        assert.equal(new Set(revs).size, 4);
        assert.equal(await store.currentRevision(), bd.modRevision);
      });

      it('gives every one of many concurrent writes its own revision', async () => {
        const p = freshPrefix();
        const kvs = await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`${p}k${i}`, String(i))));
        const revs = new Set(kvs.map((kv) => kv.modRevision));
        assert.equal(revs.size, 100);
        assert.equal(Math.max(...revs), await store.currentRevision());
      });

      it('are not advanced by failed writes', async () => {
        const p = freshPrefix();
        await store.create(`${p}a`, '1');
        const rev = await store.currentRevision();
        await Promise.allSettled([store.create(`${p}a`, '2'), store.update(`${p}x`, '1', 1), store.delete(`${p}y`)]);
        assert.equal(await store.currentRevision(), rev);
      });
    });

    describe('list and count', () => {
      it('lists the keys under a prefix in key order at the current revision', async () => {
        const p = freshPrefix();
        for (const k of ['c', 'a', 'b']) await store.create(`${p}${k}`, k);
        const res = await store.list(p);
        assert.deepEqual(res.kvs.map((kv) => kv.key), [`${p}a`, `${p}b`, `${p}c`]);
        assert.equal(res.revision, await store.currentRevision());
        assert.equal(res.more, false);
        assert.equal(await store.count(p), 3);
      });

      it('keeps /a/b/ and /a/bc/ apart', async () => {
        const p = freshPrefix();
        await store.create(`${p}b/x`, '1');
        await store.create(`${p}bc/y`, '2');
        await store.create(`${p}b`, '3');
        assert.deepEqual((await store.list(`${p}b/`)).kvs.map((kv) => kv.key), [`${p}b/x`]);
        assert.deepEqual((await store.list(`${p}bc/`)).kvs.map((kv) => kv.key), [`${p}bc/y`]);
        assert.equal(await store.count(`${p}b/`), 1);
      });

      it('omits deleted keys and shows the latest value of updated ones', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'a1');
        await store.create(`${p}b`, 'b1');
        await store.update(`${p}a`, 'a2', a.modRevision);
        await store.delete(`${p}b`);
        assert.deepEqual(values((await store.list(p)).kvs), { [`${p}a`]: 'a2' });
        assert.equal(await store.count(p), 1);
      });

      it('pages with limit and startKey, reporting more and remaining', async () => {
        const p = freshPrefix();
        const keys = Array.from({ length: 10 }, (_, i) => `${p}k${String(i).padStart(2, '0')}`);
        await Promise.all(keys.map((k) => store.create(k, k)));
        const first = await store.list(p, { limit: 4 });
        assert.deepEqual(first.kvs.map((kv) => kv.key), keys.slice(0, 4));
        assert.equal(first.more, true);
        assert.equal(first.remaining, 6);
        const second = await store.list(p, { limit: 4, startKey: `${first.kvs[3].key}\x00`, revision: first.revision });
        assert.deepEqual(second.kvs.map((kv) => kv.key), keys.slice(4, 8));
        assert.equal(second.revision, first.revision);
        assert.equal(second.remaining, 2);
        const third = await store.list(p, { limit: 4, startKey: keys[8], revision: first.revision });
        assert.deepEqual(third.kvs.map((kv) => kv.key), keys.slice(8));
        assert.equal(third.more, false);
        const exact = await store.list(p, { limit: 10 });
        assert.equal(exact.kvs.length, 10);
        assert.equal(exact.more, false);
      });

      it('treats the empty prefix as every key, for list, count and watch', async () => {
        const p = freshPrefix();
        const rev = await store.currentRevision();
        const w = watch('', rev);
        const kv = await store.create(`${p}a`, '1');
        const all = await store.list('');
        assert.ok(all.kvs.some((x) => x.key === kv.key));
        assert.ok((await store.count('')) >= 1);
        await w.untilCount(1);
        assert.deepEqual(w.events[0].kv, kv);
      });

      it('returns a list larger than a gRPC message (over 4 MiB) in one piece', async () => {
        const p = freshPrefix();
        const value = 'v'.repeat(100_000);
        await Promise.all(Array.from({ length: 50 }, (_, i) => store.create(`${p}k${String(i).padStart(2, '0')}`, value)));
        const res = await store.list(p);
        assert.equal(res.kvs.length, 50);
        assert.ok(res.kvs.every((kv) => kv.value === value));
      });

      it('reads the state as of an earlier revision (for continue tokens)', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'a1');
        await store.create(`${p}b`, 'b1');
        const r1 = await store.currentRevision();
        await store.update(`${p}a`, 'a2', a.modRevision);
        await store.delete(`${p}b`);
        await store.create(`${p}c`, 'c1');
        const then = await store.list(p, { revision: r1 });
        assert.equal(then.revision, r1);
        assert.deepEqual(values(then.kvs), { [`${p}a`]: 'a1', [`${p}b`]: 'b1' });
        assert.equal(then.kvs[0].modRevision, a.modRevision);
        const page = await store.list(p, { revision: r1, startKey: `${p}b`, limit: 1 });
        assert.deepEqual(values(page.kvs), { [`${p}b`]: 'b1' });
        assert.equal(page.more, false);
        assert.deepEqual(values((await store.list(p)).kvs), { [`${p}a`]: 'a2', [`${p}c`]: 'c1' });
      });

      it('refuses a revision in the future with FutureRevisionError', async () => {
        const current = await store.currentRevision();
        await assert.rejects(store.list(freshPrefix(), { revision: current + 1000 }), (err: unknown) => {
          assert.ok(err instanceof FutureRevisionError);
          assert.equal(err.requested, current + 1000);
          return true;
        });
      });
    });

    describe('compaction', () => {
      it('drops history below the compacted revision: old lists fail with CompactedError, current state stays', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'a1');
        const old = await store.currentRevision();
        const a2 = await store.update(`${p}a`, 'a2', a.modRevision);
        await store.create(`${p}gone`, 'x');
        await store.delete(`${p}gone`);
        const b = await store.create(`${p}b`, 'b1');
        const at = await store.currentRevision();
        await store.update(`${p}b`, 'b2', b.modRevision);
        await store.compact(at);
        assert.equal(await store.compactedRevision(), at);
        await assert.rejects(store.list(p, { revision: old }), (err: unknown) => {
          assert.ok(err instanceof CompactedError);
          assert.equal(err.requested, old);
          assert.equal(err.compacted, at);
          return true;
        });
        assert.deepEqual(values((await store.list(p, { revision: at })).kvs), { [`${p}a`]: 'a2', [`${p}b`]: 'b1' });
        assert.deepEqual(values((await store.list(p)).kvs), { [`${p}a`]: 'a2', [`${p}b`]: 'b2' });
        assert.deepEqual(await store.get(`${p}a`), a2);
        assert.equal(await store.get(`${p}gone`), undefined);
        // a compacted tombstone does not stop the key from being created again
        assert.equal((await store.create(`${p}gone`, 'again')).value, 'again');
      });

      it('ends a watch from a compacted revision with CompactedError', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'a1');
        await store.update(`${p}a`, 'a2', a.modRevision);
        const at = await store.currentRevision();
        await store.compact(at);
        const w = watch(p, a.modRevision - 1);
        await w.untilError();
        assert.ok(w.error instanceof CompactedError, String(w.error));
        assert.deepEqual(w.events, []);
      });

      it('still replays the history after the compacted revision', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'a1');
        const at = await store.currentRevision();
        const a2 = await store.update(`${p}a`, 'a2', a.modRevision);
        const d = await store.delete(`${p}a`);
        await store.compact(at);
        const w = watch(p, at);
        await w.untilRevision(d.modRevision);
        assert.equal(w.error, undefined);
        assert.deepEqual(
          w.events.map((e) => [e.type, e.kv.value, e.prevKv?.value]),
          [
            ['PUT', 'a2', 'a1'],
            ['DELETE', 'a2', 'a2'],
          ],
        );
        assert.equal(w.events[0].kv.modRevision, a2.modRevision);
      });

      it('is idempotent and never compacts past the current revision', async () => {
        const p = freshPrefix();
        await store.create(`${p}a`, '1');
        const at = await store.currentRevision();
        await store.compact(at);
        await store.compact(at);
        await store.compact(at - 1);
        assert.equal(await store.compactedRevision(), at);
        await assert.rejects(store.compact(at + 1000), FutureRevisionError);
      });
    });

    describe('watch', () => {
      it('replays history after the revision, then follows live writes, with prevKv', async () => {
        const p = freshPrefix();
        const start = await store.currentRevision();
        const a = await store.create(`${p}a`, 'a1');
        const a2 = await store.update(`${p}a`, 'a2', a.modRevision);
        const w = watch(p, start);
        await w.untilCount(2);
        const d = await store.delete(`${p}a`);
        const c = await store.create(`${p}c`, 'c1');
        await w.untilCount(4);
        assert.deepEqual(
          w.events.map((e) => ({ type: e.type, kv: e.kv, prev: e.prevKv })),
          [
            { type: 'PUT', kv: a, prev: undefined },
            { type: 'PUT', kv: a2, prev: a },
            { type: 'DELETE', kv: { ...a2, modRevision: d.modRevision }, prev: a2 },
            { type: 'PUT', kv: c, prev: undefined },
          ],
        );
        assert.equal(w.error, undefined);
      });

      it('delivers only events after the given revision', async () => {
        const p = freshPrefix();
        const a = await store.create(`${p}a`, 'a1');
        const a2 = await store.update(`${p}a`, 'a2', a.modRevision);
        const w = watch(p, a.modRevision);
        await w.untilCount(1);
        const b = await store.create(`${p}b`, 'b1');
        await w.untilCount(2);
        await sleep(100);
        assert.deepEqual(w.events.map((e) => e.kv), [a2, b]);
      });

      it('sees only its prefix', async () => {
        const p = freshPrefix();
        const start = await store.currentRevision();
        const w = watch(`${p}b/`, start);
        await store.create(`${p}bc/x`, 'no');
        await store.create(`${p}b`, 'no');
        const yes = await store.create(`${p}b/x`, 'yes');
        await w.untilCount(1);
        await sleep(100);
        assert.deepEqual(w.events.map((e) => e.kv), [yes]);
      });

      it('stops delivering after cancel', async () => {
        const p = freshPrefix();
        const w = watch(p, await store.currentRevision());
        await store.create(`${p}a`, '1');
        await w.untilCount(1);
        w.cancel();
        await store.create(`${p}b`, '2');
        await sleep(300);
        assert.equal(w.events.length, 1);
        assert.equal(w.error, undefined);
      });

      it('fans one write out to many watchers', async () => {
        const p = freshPrefix();
        const rev = await store.currentRevision();
        const ws = Array.from({ length: 50 }, () => watch(p, rev));
        const kv = await store.create(`${p}a`, '1');
        for (const w of ws) await w.untilCount(1);
        for (const w of ws) assert.deepEqual(w.events.map((e) => e.kv), [kv]);
      });

      it('started at a list revision under 200 concurrent writes, misses nothing and repeats nothing', async () => {
        const p = freshPrefix();
        // Seed some keys so the writes below mix creates, updates and deletes.
        const seeded = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(`${p}s${i}`, 'seed')));
        const written: KeyValue[] = [];
        const writes: Promise<void>[] = [];
        for (let i = 0; i < 200; i++) {
          const op = async () => {
            await sleep(Math.floor(i / 8));
            let kv: KeyValue;
            if (i < 20 && i % 2 === 0) kv = await store.update(`${p}s${i}`, `u${i}`, seeded[i].modRevision);
            else if (i < 20) kv = await store.delete(`${p}s${i}`);
            else kv = await store.create(`${p}n${i}`, `c${i}`);
            written.push(kv);
          };
          writes.push(op());
        }
        // Start watches from lists taken while the writes are in flight.
        const snapshots: { list: KeyValue[]; revision: number; w: WatchRecorder }[] = [];
        for (let j = 0; j < 8; j++) {
          const res = await store.list(p);
          // Half the watches start a little after their list, so they replay a stretch of the
          // log while later writes are still arriving live.
          if (j % 2 === 1) await sleep(4);
          snapshots.push({ list: res.kvs, revision: res.revision, w: watch(p, res.revision) });
          await sleep(3);
        }
        await Promise.all(writes);
        const final = await store.list(p);
        const lastRev = Math.max(...written.map((kv) => kv.modRevision));
        for (const { list, revision, w } of snapshots) {
          const expected = written
            .map((kv) => kv.modRevision)
            .filter((r) => r > revision)
            .sort((x, y) => x - y);
          if (expected.length > 0) await w.untilRevision(lastRev);
          await sleep(50);
          const got = w.events.map((e) => e.kv.modRevision);
          assert.deepEqual(got, expected, `watch from ${revision}: revisions must be exactly the writes after it`);
          const state = new Map(list.map((kv) => [kv.key, kv.value]));
          for (const e of w.events) {
            if (e.type === 'DELETE') {
              assert.ok(state.has(e.kv.key), `DELETE of ${e.kv.key} which the list did not have`);
              state.delete(e.kv.key);
            } else {
              state.set(e.kv.key, e.kv.value);
            }
          }
          assert.deepEqual(Object.fromEntries(state), values(final.kvs));
        }
      });
    });

    it('rejects (never throws) reads and writes before start', async () => {
      const unstarted = await makeStore();
      await assert.rejects(unstarted.create(`${freshPrefix()}a`, '1'), /not started/);
      await assert.rejects(unstarted.get(`${freshPrefix()}a`), /not started/);
      const w = new WatchRecorder().start(unstarted, freshPrefix(), 0);
      await w.untilError();
      assert.match(String(w.error), /not started/);
    });

    it('reports a database size', async () => {
      await store.create(`${freshPrefix()}a`, 'x'.repeat(1000));
      assert.ok((await store.dbSize()) > 0);
    });
  });
}
