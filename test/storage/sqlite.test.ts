import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../lib/storage/sqlite.js';
import { createStore } from '../../lib/storage/index.js';
import { CompactedError } from '../../lib/storage/store.js';
import { describeStoreSuite, WatchRecorder } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeshim-sqlite-'));
let n = 0;

describeStoreSuite(
  'SQLite',
  async () => new SqliteStore({ path: join(dir, `suite-${++n}.db`) }),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describe('SqliteStore', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kubeshim-sqlite-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('keeps values, revisions, history and the compaction point across close and reopen', async () => {
    const path = join(tmp, 'state.db');
    const s1 = new SqliteStore({ path });
    await s1.start();
    const a = await s1.create('/r/a', 'a1');
    const a2 = await s1.update('/r/a', 'a2', a.modRevision);
    const b = await s1.create('/r/b', 'b1');
    const d = await s1.delete('/r/b');
    await s1.compact(a2.modRevision);
    await s1.close();

    const s2 = new SqliteStore({ path });
    await s2.start();
    try {
      assert.equal(await s2.currentRevision(), d.modRevision);
      assert.equal(await s2.compactedRevision(), a2.modRevision);
      assert.deepEqual(await s2.get('/r/a'), a2);
      assert.equal(await s2.get('/r/b'), undefined);
      assert.deepEqual((await s2.list('/r/', { revision: b.modRevision })).kvs, [a2, b]);
      await assert.rejects(s2.list('/r/', { revision: a.modRevision }), CompactedError);
      const w = new WatchRecorder().start(s2, '/r/', a2.modRevision);
      await w.untilCount(2);
      assert.deepEqual(w.events.map((e) => e.type), ['PUT', 'DELETE']);
      w.cancel();
      // revisions continue after the restart, never reused
      const c = await s2.create('/r/c', 'c1');
      assert.equal(c.modRevision, d.modRevision + 1);
    } finally {
      await s2.close();
    }
  });

  it('keeps every acknowledged write when the process is killed (SIGKILL) right after the ack', async () => {
    const path = join(tmp, 'state.db');
    // A child process writes in concurrent bursts and reports each ack on stdout; it is killed
    // without any chance to close the database.
    const script = `
      import { SqliteStore } from ${JSON.stringify(new URL('../../lib/storage/sqlite.ts', import.meta.url).href)};
      const s = new SqliteStore({ path: ${JSON.stringify(path)} });
      await s.start();
      for (let i = 0; ; i += 16) {
        await Promise.all(Array.from({ length: 16 }, (_, j) =>
          s.create('/crash/' + (i + j), 'v').then((kv) => process.stdout.write(kv.key + '\\n'))));
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.split('\n').length > 300) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const acked = out.split('\n').filter((l) => l.startsWith('/crash/'));
    assert.ok(acked.length >= 300);
    const s = new SqliteStore({ path });
    await s.start();
    try {
      const stored = new Set((await s.list('/crash/')).kvs.map((kv) => kv.key));
      const lost = acked.filter((k) => !stored.has(k));
      assert.deepEqual(lost, [], 'acknowledged writes lost');
    } finally {
      await s.close();
    }
  });

  it('does not reuse the revision of a compacted tombstone after a restart', async () => {
    const path = join(tmp, 'state.db');
    const s1 = new SqliteStore({ path });
    await s1.start();
    await s1.create('/r/a', '1');
    const d = await s1.delete('/r/a');
    await s1.compact(d.modRevision);
    await s1.close();
    const s2 = new SqliteStore({ path });
    await s2.start();
    try {
      assert.equal(await s2.currentRevision(), d.modRevision);
      assert.equal((await s2.create('/r/a', '2')).modRevision, d.modRevision + 1);
    } finally {
      await s2.close();
    }
  });

  it('commits writes issued in the same tick together and acknowledges each on its own', async () => {
    const s = new SqliteStore({ path: join(tmp, 'state.db') });
    await s.start();
    try {
      await s.create('/g/taken', 'x');
      const results = await Promise.allSettled([s.create('/g/1', '1'), s.create('/g/taken', 'y'), s.create('/g/2', '2')]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal(await s.count('/g/'), 3);
    } finally {
      await s.close();
    }
  });

  it('ends open watches when the store closes', async () => {
    const s = new SqliteStore({ path: join(tmp, 'state.db') });
    await s.start();
    const w = new WatchRecorder().start(s, '/w/', 0);
    await s.close();
    await w.untilError();
    assert.match(String(w.error), /closed/);
  });

  it('is what createStore makes by default, at <dataDir>/state.db', async () => {
    const s = createStore(undefined, tmp);
    assert.ok(s instanceof SqliteStore);
    assert.equal(s.path, join(tmp, 'state.db'));
  });
});
