// kubectl exec / attach against pods on a Docker host: stock kubectl 1.32 and 1.34 over WebSocket
// (v5.channel.k8s.io), kubectl 1.29/1.30 and 1.32's fallback over SPDY/3.1, plus a hand-driven
// WebSocket client for what kubectl cannot do unattended (a tty with a resize).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import type { Kubectl } from '../helpers/kubectl.js';


// `ws` comes with @kubernetes/client-node and ships no types: only its client is used, loosely typed.
interface WsClient {
  on(event: 'open', fn: () => void): void;
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close', fn: (code: number) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'unexpected-response', fn: (req: unknown, res: { statusCode: number; on(e: 'data', fn: (d: Buffer) => void): void; on(e: 'end', fn: () => void): void }) => void): void;
  send(data: Buffer, opts?: { fin?: boolean }): void;
  ping(data?: Buffer): void;
  close(): void;
  on(event: 'pong', fn: (data: Buffer) => void): void;
  protocol: string;
}
const { WebSocket } = createRequire(import.meta.url)('ws') as { WebSocket: new (url: string, protocols: string[], opts: Record<string, unknown>) => WsClient };

interface Exchange {
  protocol: string;
  channels: Map<number, Buffer>;
  status?: Record<string, unknown>;
  statusCount: number;
}

const POD = (name: string, containers: Array<{ name: string; command?: string[]; stdin?: boolean; stdinOnce?: boolean }>, restartPolicy = 'Always') =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: 'h1',
      terminationGracePeriodSeconds: 1,
      restartPolicy,
      containers: containers.map((c) => ({ image: 'busybox:latest', command: ['sh', '-c', 'echo started; exec sleep 3600'], ...c })),
    },
  });

describe('kubectl exec and attach', function () {
  this.timeout(60_000);
  let tb: Testbed;
  let t: TestServer;
  let k: Kubectl;
  let tls: { cert: Buffer; key: Buffer; ca: Buffer };

  /** Opens pods/{pod}/{verb} with the given query, sends `send` messages after open, collects channels until close. */
  const exchange = (pod: string, verb: string, query: string, send: Array<Buffer | ((ws: WsClient) => void)> = [], protocols = ['v5.channel.k8s.io'], closeWhen?: (ex: Exchange) => boolean) =>
    new Promise<Exchange>((resolve, reject) => {
      const url = `${t.server.url.replace(/^https/, 'wss')}/api/v1/namespaces/default/pods/${pod}/${verb}?${query}`;
      const ws = new WebSocket(url, protocols, { ...tls });
      const ex: Exchange = { protocol: '', channels: new Map(), statusCount: 0 };
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { code: res.statusCode, body })));
      });
      ws.on('error', reject);
      ws.on('open', () => {
        ex.protocol = ws.protocol;
        for (const m of send) {
          if (typeof m === 'function') m(ws);
          else ws.send(m);
        }
      });
      ws.on('message', (data) => {
        const ch = data[0];
        if (ch === 3) {
          ex.statusCount++;
          ex.status = JSON.parse(data.subarray(1).toString());
        }
        ex.channels.set(ch, Buffer.concat([ex.channels.get(ch) ?? Buffer.alloc(0), data.subarray(1)]));
        if (closeWhen?.(ex)) ws.close();
      });
      ws.on('close', () => resolve(ex));
    });

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 1, images: ['busybox:latest'] });
    t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 2000 });
    k = t.kubectl('1.32');
    const kc = parse(readFileSync(t.server.kubeconfigPath, 'utf8'));
    const b64 = (s: string) => Buffer.from(s, 'base64');
    tls = { cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']), ca: b64(kc.clusters[0].cluster['certificate-authority-data']) };
    await k.ok(['create', '-f', '-'], { input: POD('one', [{ name: 'main' }]) });
    await k.ok(['create', '-f', '-'], { input: POD('two', [{ name: 'app' }, { name: 'side', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'] }]) });
    await k.ok(['create', '-f', '-'], { input: POD('three', [{ name: 'app' }, { name: 'done', command: ['true'] }, { name: 'reader', stdin: true, command: ['sh', '-c', 'while read l; do echo got $l; done'] }], 'Never') });
    await until('pods Running', async () => (await k.ok(['get', 'pods', '-o', 'jsonpath={.items[*].status.phase}'])) === 'Running Running Running', 60_000);
    await until('container done terminated', async () => (await k.ok(['get', 'pod', 'three', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="done")].state.terminated.reason}'])) === 'Completed', 30_000);
  });
  after(async () => {
    await t?.stop();
    await tb?.stop();
  });

  it('prints the command output (kubectl exec pod -- echo hi)', async () => {
    assert.equal(await k.ok(['exec', 'one', '--', 'echo', 'hi']), 'hi\n');
  });

  it('works the same with kubectl 1.34', async () => {
    const out = await t.kubectl('1.34').ok(['exec', 'one', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(out, 'out\n');
  });

  it('keeps stdout and stderr apart', async () => {
    const r = await k.run(['exec', 'one', '--', 'sh', '-c', 'echo to-out; echo to-err >&2']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'to-out\n');
    assert.equal(r.stderr, 'to-err\n');
  });

  it('propagates the exit code (command terminated with exit code 3)', async () => {
    const r = await k.run(['exec', 'one', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  it('passes stdin through and ends it on EOF (kubectl exec -i pod -- cat)', async () => {
    const out = await k.ok(['exec', '-i', 'one', '--', 'sh', '-c', 'cat; echo done'], { input: 'line 1\nline 2\n' });
    assert.equal(out, 'line 1\nline 2\ndone\n');
  });

  it('runs in the container named by -c in a two-container pod', async () => {
    assert.equal(await k.ok(['exec', 'two', '-c', 'side', '--', 'sh', '-c', 'echo $HOSTNAME-side']), 'two-side\n');
    const err = await k.fails(['exec', 'two', '-c', 'nope', '--', 'true']);
    assert.match(err, /container nope is not valid for pod two/);
  });

  it('answers upstream errors for a missing pod', async () => {
    assert.match(await k.fails(['exec', 'ghost', '--', 'true']), /pods "ghost" not found/);
  });

  it('copies files both ways (kubectl cp, tar over exec stdin/stdout)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeshim-cp-'));
    try {
      const big = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
      writeFileSync(join(dir, 'up.bin'), big);
      await k.ok(['cp', join(dir, 'up.bin'), 'one:/tmp/up.bin'], { timeoutMs: 60_000 });
      assert.equal((await k.ok(['exec', 'one', '--', 'wc', '-c', '/tmp/up.bin'])).trim(), `${big.length} /tmp/up.bin`);
      await k.ok(['cp', 'one:/tmp/up.bin', join(dir, 'down.bin')], { timeoutMs: 60_000 });
      assert.ok(readFileSync(join(dir, 'down.bin')).equals(big), 'the file came back unchanged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends exactly one Status on channel 3 and closes', async () => {
    const ex = await exchange('one', 'exec', 'command=sh&command=-c&command=exit%205&stdout=true&stderr=true');
    assert.equal(ex.protocol, 'v5.channel.k8s.io');
    assert.equal(ex.statusCount, 1);
    assert.deepEqual(ex.status, {
      metadata: {},
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '5' }] },
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 5], exit code 5',
    });
    const ok = await exchange('one', 'exec', 'command=true&stdout=true', [], ['v4.channel.k8s.io']);
    assert.equal(ok.protocol, 'v4.channel.k8s.io');
    assert.deepEqual(ok.status, { metadata: {}, status: 'Success' });
  });

  it('streams a megabyte of output intact', async () => {
    const out = await k.ok(['exec', 'one', '--', 'sh', '-c', 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 1000000']);
    assert.equal(out.length, 1_000_000);
    assert.equal(out.slice(0, 37), '0123456789abcdefghijklmnopqrstuvwxyz\n');
  });

  it('reassembles fragmented stdin messages and answers pings', async () => {
    let pong = '';
    const ex = await exchange('one', 'exec', 'command=cat&stdin=true&stdout=true&stderr=true', [
      (ws) => ws.on('pong', (d) => (pong = d.toString())),
      (ws) => ws.ping(Buffer.from('are you there')),
      (ws) => ws.send(Buffer.from('\x00frag'), { fin: false }),
      (ws) => ws.send(Buffer.from('mented\n'), { fin: true }),
      Buffer.from([255, 0]),
    ]);
    assert.equal(ex.channels.get(1)?.toString(), 'fragmented\n');
    assert.deepEqual(ex.status, { metadata: {}, status: 'Success' });
    assert.equal(pong, 'are you there');
  });

  it('runs a tty and applies a resize message (channel 4)', async () => {
    const ex = await exchange('one', 'exec', 'command=sh&command=-c&command=sleep%201;%20stty%20size;%20echo%20x%20>%262&stdin=true&stdout=true&tty=true', [
      Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":30}\n')]),
    ]);
    const out = ex.channels.get(1)?.toString() ?? '';
    // A tty merges stderr into stdout (with CRLF line ends) and there is no channel 2.
    assert.match(out, /^30 100\r\n/);
    assert.match(out, /x\r\n/);
    assert.equal(ex.channels.has(2), false);
    assert.deepEqual(ex.status, { metadata: {}, status: 'Success' });
  });

  it('attaches to the output of a container\'s main process', async () => {
    const ex = await exchange('two', 'attach', 'container=side&stdout=true&stderr=true', [], ['v5.channel.k8s.io'], (e) => /tick \d+\n.*tick \d+\n/s.test(e.channels.get(1)?.toString() ?? ''));
    assert.match(ex.channels.get(1)?.toString() ?? '', /^tick \d+\n/);
    // The client hung up first: the container keeps running, no Status was due.
    assert.equal(ex.statusCount, 0);
    assert.match(await k.ok(['exec', 'two', '-c', 'side', '--', 'sh', '-c', 'echo alive']), /alive/);
  });

  it('feeds stdin to an attached container (attach with stdin)', async () => {
    const ex = await exchange('three', 'attach', 'container=reader&stdin=true&stdout=true&stderr=true', [Buffer.from('\x00hello\n')], ['v5.channel.k8s.io'], (e) => /got hello\n/.test(e.channels.get(1)?.toString() ?? ''));
    assert.equal(ex.channels.get(1)?.toString(), 'got hello\n');
  });

  it('runs a one-off pod with stdin and removes it (kubectl run -i --rm)', async () => {
    const out = await k.ok(['run', 'once', '-i', '--rm', '--restart=Never', '--image=busybox:latest', '--overrides={"spec":{"nodeName":"h1"}}', '--', 'sh', '-c', 'read l; echo got $l'], {
      input: 'hi\n',
      timeoutMs: 40_000,
    });
    assert.match(out, /^got hi\n/);
    assert.match(out, /pod "once" deleted/);
  });

  it('says "container not found" for a container that is not running, as kubelet does', async () => {
    const r = await k.run(['exec', 'three', '-c', 'done', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unable to upgrade connection: container not found \("done"\)/);
  });

  it('refuses attach and exec to an unknown container with upstream\'s message', async () => {
    await assert.rejects(exchange('two', 'attach', 'container=nope&stdout=true'), (e: { code?: number; body?: string }) => {
      assert.equal(e.code, 400);
      assert.equal(JSON.parse(e.body ?? '{}').message, 'container nope is not valid for pod two');
      return true;
    });
    await assert.rejects(exchange('two', 'exec', 'command=true&stdout=true'), (e: { code?: number; body?: string }) => {
      assert.match(JSON.parse(e.body ?? '{}').message, /^a container name must be specified for pod two, choose one of: \[app side\]$/);
      return true;
    });
  });

  it('answers a SPDY upgrade with no common protocol as the kubelet does (403, what it accepts)', async () => {
    const https = await import('node:https');
    const { code, body } = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = https.request(`${t.server.url}/api/v1/namespaces/default/pods/one/exec?command=true&stdout=true`, {
        method: 'POST',
        ...tls,
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v9.channel.k8s.io' },
      });
      req.on('response', (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: b }));
      });
      req.on('upgrade', () => reject(new Error('unexpected upgrade')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(code, 403);
    assert.equal(body, 'unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]');
  });

  describe('over SPDY/3.1 (kubectl 1.30 and older, and kubectl\'s fallback)', () => {
    let k130: Kubectl;
    before(() => {
      k130 = t.kubectl('1.30');
    });

    it('prints output and keeps stdout and stderr apart (kubectl 1.30)', async () => {
      assert.equal(await k130.ok(['exec', 'one', '--', 'echo', 'hi']), 'hi\n');
      const r = await k130.run(['exec', 'one', '--', 'sh', '-c', 'echo to-out; echo to-err >&2']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'to-out\n');
      assert.equal(r.stderr, 'to-err\n');
    });

    it('propagates the exit code (command terminated with exit code 3)', async () => {
      const r = await k130.run(['exec', 'one', '--', 'sh', '-c', 'exit 3']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    it('passes stdin through and ends it on EOF (exec -i)', async () => {
      assert.equal(await k130.ok(['exec', '-i', 'one', '--', 'sh', '-c', 'cat; echo done'], { input: 'line 1\nline 2\n' }), 'line 1\nline 2\ndone\n');
    });

    it('works with kubectl 1.28 and 1.29', async () => {
      for (const version of ['1.28', '1.29']) {
        const old = t.kubectl(version);
        assert.equal(await old.ok(['exec', 'two', '-c', 'side', '--', 'sh', '-c', 'echo $HOSTNAME-side']), 'two-side\n');
        assert.equal((await old.run(['exec', 'one', '--', 'sh', '-c', 'exit 4'])).code, 4);
      }
    });

    it('is what kubectl 1.32 falls back to with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false', async () => {
      const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
      assert.equal(await k.ok(['exec', '-i', 'one', '--', 'sh', '-c', 'cat; echo done'], { input: 'in\n', env }), 'in\ndone\n');
      const r = await k.run(['exec', 'one', '--', 'sh', '-c', 'echo out; exit 3'], { env });
      assert.equal(r.code, 3);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    it('streams a megabyte of output and copies files both ways (kubectl cp)', async () => {
      const out = await k130.ok(['exec', 'one', '--', 'sh', '-c', 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 1000000']);
      assert.equal(out.length, 1_000_000);
      const dir = mkdtempSync(join(tmpdir(), 'kubeshim-cp-'));
      try {
        const big = Buffer.alloc(2 * 1024 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
        writeFileSync(join(dir, 'up.bin'), big);
        await k130.ok(['cp', join(dir, 'up.bin'), 'one:/tmp/spdy.bin'], { timeoutMs: 60_000 });
        await k130.ok(['cp', 'one:/tmp/spdy.bin', join(dir, 'down.bin')], { timeoutMs: 60_000 });
        assert.ok(readFileSync(join(dir, 'down.bin')).equals(big), 'the file came back unchanged');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('attaches with stdin to a container\'s main process (kubectl attach -i)', async () => {
      // stdinOnce: the client's EOF closes the process's stdin; otherwise Docker (as any runtime)
      // ends the attach's output at that EOF, which could be before the process answered.
      await k.ok(['create', '-f', '-'], { input: POD('att', [{ name: 'main', stdin: true, stdinOnce: true, command: ['sh', '-c', 'read l; echo got $l'] }], 'Never') });
      await until('pod att Running', async () => (await k.ok(['get', 'pod', 'att', '-o', 'jsonpath={.status.phase}'])) === 'Running', 30_000);
      const out = await k130.ok(['attach', 'att', '-i'], { input: 'hello\n' });
      assert.match(out, /got hello\n/);
    });

    it('runs a tty with the terminal\'s size (exec -it under a pseudo-terminal, resize stream)', async () => {
      // util-linux script gives kubectl a terminal of a known size; kubectl sends it on the resize stream.
      const cmd = `stty cols 100 rows 30; ${k130.bin} --kubeconfig=${k130.kubeconfig} --cache-dir=${k130.cacheDir} exec -it one -- sh -c 'sleep 1; stty size; echo err >&2'`;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: k130.cacheDir, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
        let text = '';
        child.stdout.on('data', (d) => (text += d));
        child.stderr.on('data', (d) => (text += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(text);
          else reject(new Error(`script exited ${code}: ${text}`));
        });
      });
      assert.match(out, /30 100\r\n/);
      assert.match(out, /err\r\n/);
    });

    it('says "container not found" for a container that is not running, as kubelet does', async () => {
      const r = await k130.run(['exec', 'three', '-c', 'done', '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /unable to upgrade connection: container not found \("done"\)/);
    });
  });
});
