// kubectl port-forward against pods on Docker hosts reached over SSH: kubectl 1.32 tunnelling SPDY
// inside a WebSocket, kubectl 1.30 speaking SPDY/3.1 directly, and 1.32 with the tunnel turned off
// (KUBECTL_PORT_FORWARD_WEBSOCKETS=false). Connections go to the nginx stand-in (busybox httpd).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parse } from 'yaml';
import { startTestbed, type Testbed } from '../testbed/testbed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import type { Kubectl } from '../helpers/kubectl.js';

interface Forward {
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Runs `kubectl port-forward … :REMOTE` until stopped; resolves once kubectl listens (it picks the local port). */
function portForward(k: Kubectl, args: string[], env: Record<string, string> = {}): Promise<Forward> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(k.bin, [`--kubeconfig=${k.kubeconfig}`, `--cache-dir=${k.cacheDir}`, 'port-forward', '-v=6', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: k.cacheDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl port-forward did not start\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited ${code}\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/** One GET on a fresh connection through the forwarded port. */
function get(port: number, path = '/'): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} through port ${port} timed out`)));
    req.on('error', reject);
  });
}

const WEB = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web' },
  spec: { nodeName: 'h2', terminationGracePeriodSeconds: 1, containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
});
const HOSTNET = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'hostweb' },
  spec: {
    nodeName: 'h1',
    hostNetwork: true,
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'nginx', image: 'nginx:1.16.1', command: ['httpd', '-f', '-p', '18080', '-h', '/www'] }],
  },
});

describe('kubectl port-forward', function () {
  this.timeout(60_000);
  let tb: Testbed;
  let t: TestServer;
  let k: Kubectl;
  let tls: { cert: Buffer; key: Buffer; ca: Buffer };

  before(async function () {
    this.timeout(120_000);
    tb = await startTestbed({ hosts: 2, images: ['nginx:1.14.2', 'nginx:1.16.1'] });
    t = await startTestServer({ nodes: tb.nodes() }, { nodeHeartbeatMs: 2000 });
    k = t.kubectl('1.32');
    const kc = parse(readFileSync(t.server.kubeconfigPath, 'utf8'));
    const b64 = (s: string) => Buffer.from(s, 'base64');
    tls = { cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']), ca: b64(kc.clusters[0].cluster['certificate-authority-data']) };
    await k.ok(['create', '-f', '-'], { input: WEB });
    await k.ok(['create', '-f', '-'], { input: HOSTNET });
    await until('pods Running', async () => (await k.ok(['get', 'pods', '-o', 'jsonpath={.items[*].status.phase}'])) === 'Running Running', 60_000);
    // A megabyte to fetch, and its digest as the pod sees it.
    await k.ok(['exec', 'web', '--', 'sh', '-c', 'head -c 1048576 /dev/urandom > /www/big.bin']);
  });
  after(async () => {
    await t?.stop();
    await tb?.stop();
  });

  const variants: Array<{ what: string; version: string; env: Record<string, string>; method: 'GET' | 'POST' }> = [
    { what: 'kubectl 1.32, SPDY tunnelled in a WebSocket', version: '1.32', env: {}, method: 'GET' },
    { what: 'kubectl 1.34, SPDY tunnelled in a WebSocket', version: '1.34', env: {}, method: 'GET' },
    { what: 'kubectl 1.30, SPDY/3.1 directly', version: '1.30', env: {}, method: 'POST' },
    { what: 'kubectl 1.32 with KUBECTL_PORT_FORWARD_WEBSOCKETS=false', version: '1.32', env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, method: 'POST' },
  ];
  for (const v of variants) {
    it(`serves the pod's page through the local port, connection after connection and two at once (${v.what})`, async () => {
      const f = await portForward(t.kubectl(v.version), ['pod/web', ':80'], v.env);
      try {
        for (let i = 0; i < 3; i++) {
          const r = await get(f.port);
          assert.equal(r.status, 200);
          assert.match(r.body.toString(), /<h1>Welcome to nginx!<\/h1><p>nginx:1\.14\.2<\/p>/);
        }
        const both = await Promise.all([get(f.port), get(f.port, '/index.html')]);
        for (const r of both) assert.match(r.body.toString(), /Welcome to nginx!/);
        // Which transport carried it: the WebSocket tunnel is a GET, SPDY an upgrading POST.
        // (kubectl 1.34 logs requests as key=value pairs.)
        const url = 'https://127\\.0\\.0\\.1:\\d+/api/v1/namespaces/default/pods/web/portforward';
        assert.match(f.stderr(), new RegExp(`${v.method} ${url} 101 Switching Protocols|verb="${v.method}" url="${url}" status="101 Switching Protocols"`));
      } finally {
        await f.stop();
      }
    });
  }

  it('carries a megabyte intact, and keeps working for the next connection', async () => {
    const sum = (await k.ok(['exec', 'web', '--', 'sha256sum', '/www/big.bin'])).split(' ')[0];
    for (const version of ['1.32', '1.30']) {
      const f = await portForward(t.kubectl(version), ['pod/web', ':80']);
      try {
        const r = await get(f.port, '/big.bin');
        assert.equal(r.body.length, 1048576);
        assert.equal(createHash('sha256').update(r.body).digest('hex'), sum);
        assert.equal((await get(f.port)).status, 200);
      } finally {
        await f.stop();
      }
    }
  });

  it('reaches a hostNetwork pod on its host\'s loopback', async () => {
    const f = await portForward(k, ['pod/hostweb', ':18080']);
    try {
      assert.match((await get(f.port)).body.toString(), /<p>nginx:1\.16\.1<\/p>/);
    } finally {
      await f.stop();
    }
  });

  it('lets go of the pod\'s connections when kubectl port-forward stops', async () => {
    const established = async () => (await k.ok(['exec', 'web', '--', 'netstat', '-tn'])).split('\n').filter((l) => /:80\s.*ESTABLISHED/.test(l)).length;
    for (const version of ['1.32', '1.30']) {
      const f = await portForward(t.kubectl(version), ['pod/web', ':80']);
      // An idle client connection: httpd holds it open, waiting for a request.
      const sock = net.connect(f.port, '127.0.0.1');
      sock.on('error', () => undefined);
      await until('the connection reached the pod', async () => (await established()) === 1, 10_000);
      await f.stop();
      await until('the pod\'s connection closed', async () => (await established()) === 0, 10_000);
      sock.destroy();
    }
  });

  it('reports a port nothing listens on as the kubelet does, on the error stream', async () => {
    const f = await portForward(k, ['pod/web', ':81']);
    try {
      await assert.rejects(get(f.port));
      // The kubelet names the pod by its sandbox id; the reason is the host's, and client-go then gives up the session.
      await until('the error printed', () => /error: lost connection to pod/.test(f.stderr()), 10_000);
      assert.match(f.stderr(), /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f]{64}, uid : cannot connect to 10\.244\.\d+\.\d+:81 from node h2: .*Connection refused/);
    } finally {
      await f.stop();
    }
  });

  /** A raw upgrade request: the status and body the server answers with. */
  const upgrade = (method: string, pod: string, headers: Record<string, string>) =>
    new Promise<{ code: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = https.request(`${t.server.url}/api/v1/namespaces/default/pods/${pod}/portforward`, { method, ...tls, headers: { Connection: 'Upgrade', ...headers } });
      req.on('response', (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: b, headers: res.headers }));
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ code: res.statusCode ?? 0, body: '', headers: res.headers });
      });
      req.on('error', reject);
      req.end();
    });

  it('answers the upgrade as the apiserver and kubelet do', async () => {
    const spdy = await upgrade('POST', 'web', { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
    assert.equal(spdy.code, 101);
    assert.equal(spdy.headers['x-stream-protocol-version'], 'portforward.k8s.io');
    assert.equal(spdy.headers.upgrade, 'SPDY/3.1');
    const ghost = await upgrade('POST', 'ghost', { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
    assert.equal(ghost.code, 404);
    assert.equal(JSON.parse(ghost.body).message, 'pods "ghost" not found');
    const noProtocol = await upgrade('POST', 'web', { Upgrade: 'SPDY/3.1' });
    assert.deepEqual([noProtocol.code, noProtocol.body], [400, 'unable to upgrade: X-Stream-Protocol-Version is required']);
    const ws = await upgrade('GET', 'web', { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v4.channel.k8s.io' });
    assert.deepEqual([ws.code, ws.body], [400, 'unable to upgrade: no tunneling spdy protocols provided']);
    const tunnel = await upgrade('GET', 'web', { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io' });
    assert.equal(tunnel.code, 101);
    assert.equal(tunnel.headers['sec-websocket-protocol'], 'SPDY/3.1+portforward.k8s.io');
  });
});
