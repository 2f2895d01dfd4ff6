// The transport to a host: one SSH connection (pinned host key, keepalive, reconnect) and the
// Docker Engine API through it, pinned to API 1.26 — against a real sshd and a real dockerd in a
// network-namespace host of the test bed. Fingerprints are checked against `ssh-keygen -l`, so the
// messages say what OpenSSH would say.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer, type ClientRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { checkDocker, createDockerClient } from '../../lib/nodes/docker-client.js';
import { blobKeyType, findKnownHostKeys, fingerprint, knownHostsName, parsePublicKey } from '../../lib/nodes/host-key.js';
import { createHostConnection, type HostConnectionOptions } from '../../lib/nodes/ssh-connection.js';
import type { HostConnection, HostEndpoint, HostFault } from '../../lib/nodes/types.js';
import { startTestbed, TESTBED_USER, type TestHost, type Testbed } from '../testbed/testbed.js';

const TEST_LABEL = 'io.kubeshim.test';
const TEST_LABEL_VALUE = 'transport';

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

/** The fingerprint `ssh-keygen -l` prints for a public key line. */
function keygenFingerprint(pubLine: string, dir: string): string {
  const f = join(dir, `fp-${Math.random().toString(36).slice(2)}.pub`);
  writeFileSync(f, pubLine + '\n');
  return sh('ssh-keygen', ['-l', '-f', f]).split(' ')[1]!;
}

function newKeyPair(dir: string, name: string): { privateKey: string; publicKey: string } {
  const f = join(dir, name);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', f]);
  return { privateKey: readFileSync(f, 'utf8'), publicKey: readFileSync(`${f}.pub`, 'utf8').trim() };
}

function waitEvent<T = unknown>(conn: HostConnection, event: string, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms (state ${conn.state})`)), ms);
    conn.once(event, (arg: T) => {
      clearTimeout(t);
      resolve(arg);
    });
  });
}

async function startFault(conn: HostConnection): Promise<HostFault> {
  const err = await conn.start().then(
    () => assert.fail('connected, but should have been refused'),
    (e: Error & { fault?: HostFault }) => e,
  );
  assert.ok(err.fault, `expected an error carrying a fault, got: ${err.message}`);
  assert.equal(err.message, err.fault.message);
  return err.fault;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('Host key pinning: keys and known_hosts as OpenSSH reads them', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-hostkey-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses ed25519, rsa and ecdsa keys and prints the fingerprint ssh-keygen prints', () => {
    for (const [type, args] of [
      ['ssh-ed25519', ['-t', 'ed25519']],
      ['ssh-rsa', ['-t', 'rsa', '-b', '2048']],
      ['ecdsa-sha2-nistp256', ['-t', 'ecdsa', '-b', '256']],
      ['ecdsa-sha2-nistp384', ['-t', 'ecdsa', '-b', '384']],
    ] as const) {
      const f = join(dir, type);
      sh('ssh-keygen', ['-q', ...args, '-N', '', '-C', 'me@example', '-f', f]);
      const line = readFileSync(`${f}.pub`, 'utf8').trim();
      const key = parsePublicKey(line);
      assert.equal(key.type, type);
      assert.equal(blobKeyType(key.blob), type);
      assert.equal(fingerprint(key.blob), keygenFingerprint(line, dir));
    }
    assert.throws(() => parsePublicKey('AAAAC3NzaC1lZDI1NTE5AAAAI'), /not an SSH public key/);
    const ed = readFileSync(join(dir, 'ssh-ed25519.pub'), 'utf8').split(' ')[1]!;
    assert.throws(() => parsePublicKey(`ssh-rsa ${ed}`), /does not encode a ssh-rsa key/);
  });

  it('matches plain, [host]:port, hashed, wildcard and negated known_hosts entries', () => {
    const k1 = readFileSync(join(dir, 'ssh-ed25519.pub'), 'utf8').trim();
    const k2 = readFileSync(join(dir, 'ssh-rsa.pub'), 'utf8').trim();
    const k3 = readFileSync(join(dir, 'ecdsa-sha2-nistp256.pub'), 'utf8').trim();
    const text = [
      '# comment',
      `10.0.0.5,web ${k1}`,
      `[10.0.0.5]:2222 ${k2}`,
      `10.0.1.* ,!10.0.1.9 ${k3}`.replace(' ,', ','),
      `@cert-authority 10.0.0.5 ${k3}`,
      `@revoked 10.0.0.6 ${k2}`,
      'garbage line',
    ].join('\n');
    const types = (a: string, p: number) => findKnownHostKeys(text, a, p).keys.map((k) => k.type);
    assert.deepEqual(types('10.0.0.5', 22), ['ssh-ed25519']);
    assert.deepEqual(types('10.0.0.5', 2222), ['ssh-rsa']);
    assert.deepEqual(types('10.0.1.7', 22), ['ecdsa-sha2-nistp256']);
    assert.deepEqual(types('10.0.1.9', 22), []);
    assert.deepEqual(findKnownHostKeys(text, '10.0.0.6', 22).revoked.map((k) => k.type), ['ssh-rsa']);
    assert.equal(knownHostsName('10.0.0.5', 22), '10.0.0.5');
    assert.equal(knownHostsName('10.0.0.5', 2222), '[10.0.0.5]:2222');

    const hashedFile = join(dir, 'kh');
    writeFileSync(hashedFile, `[10.0.0.5]:2222 ${k2}\n`);
    sh('ssh-keygen', ['-H', '-f', hashedFile]);
    const hashed = readFileSync(hashedFile, 'utf8');
    assert.match(hashed, /^\|1\|[^|]+\|[^ ]+ ssh-rsa /);
    assert.deepEqual(findKnownHostKeys(hashed, '10.0.0.5', 2222).keys.map((k) => k.type), ['ssh-rsa']);
    assert.deepEqual(findKnownHostKeys(hashed, '10.0.0.5', 22).keys, []);
  });
});

describe('Host transport: SSH connection and Docker Engine API over it', function () {
  this.timeout(30_000);
  let bed: Testbed;
  let host: TestHost;
  /** The bed's host as root (the bed's SSH user is the non-root docker-group user). */
  let rootEp: HostEndpoint;
  let tmp: string;
  const open: HostConnection[] = [];
  const fast: HostConnectionOptions = { connectTimeoutMs: 5000, backoff: { initialMs: 100, maxMs: 1000 } };

  function connect(ep: HostEndpoint, opts: HostConnectionOptions = fast): HostConnection {
    const c = createHostConnection(ep, opts);
    open.push(c);
    return c;
  }

  before(async function () {
    this.timeout(240_000);
    bed = await startTestbed({ hosts: 1, nonRootUser: true, images: ['busybox:latest'] });
    host = bed.hosts[0]!;
    rootEp = { ...bed.nodes()[0]!, user: 'root' };
    tmp = mkdtempSync(join(bed.dir, 'transport-'));
    chmodSync(tmp, 0o755);
  });

  afterEach(async function () {
    this.timeout(10_000);
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  after(async function () {
    this.timeout(60_000);
    await bed?.stop();
  });

  describe('connecting', () => {
    it('connects with the pinned host key and reports ready, then closed', async () => {
      const c = connect(rootEp, { ...fast, keepaliveIntervalMs: 200 });
      const ready = waitEvent(c, 'ready', 10_000);
      await c.start();
      await ready;
      assert.equal(c.state, 'ready');
      assert.equal(c.fault, undefined);
      for (let i = 0; i < 50 && c.rttMs === undefined; i++) await sleep(20);
      assert.equal(typeof c.rttMs, 'number', 'a keepalive round trip is measured');
      const closed = waitEvent(c, 'closed', 5000);
      await c.close();
      await closed;
      assert.equal(c.state, 'closed');
    });

    it('finds the host in a known_hosts file, by plain and by hashed name', async () => {
      const kh = join(tmp, 'known_hosts_plain');
      writeFileSync(kh, `# other hosts first\n[${host.address}]:2200 ${newKeyPair(tmp, 'other1').publicKey}\n${host.address} ${host.hostKey}\n`);
      const { hostKey: _pinned, ...unpinned } = rootEp;
      await connect({ ...unpinned, knownHostsFile: kh }).start();

      const hashed = join(tmp, 'known_hosts_hashed');
      copyFileSync(kh, hashed);
      sh('ssh-keygen', ['-H', '-f', hashed]);
      assert.match(readFileSync(hashed, 'utf8'), /^\|1\|/m);
      assert.doesNotMatch(readFileSync(hashed, 'utf8'), new RegExp(host.address.replace(/\./g, '\\.')));
      const c = connect({ ...unpinned, knownHostsFile: hashed });
      await c.start();
      assert.equal((await c.exec('echo ok')).stdout, 'ok\n');
    });

    it('refuses a host whose key differs from the pin, naming both SHA256 fingerprints', async () => {
      const wrong = newKeyPair(tmp, 'wrong-host-key').publicKey;
      const c = connect({ ...rootEp, hostKey: wrong });
      const down = waitEvent<HostFault>(c, 'down', 10_000);
      const fault = await startFault(c);
      assert.equal(fault.reason, 'HostKeyMismatch');
      assert.deepEqual(await down, fault);
      assert.equal(c.state, 'down');
      assert.ok(!fault.message.includes('\n'), 'one line');
      const expected = keygenFingerprint(wrong, tmp);
      const presented = keygenFingerprint(host.hostKey, tmp);
      assert.match(expected, /^SHA256:/);
      assert.ok(fault.message.includes(`expected ssh-ed25519 ${expected}`), fault.message);
      assert.ok(fault.message.includes(`presented ssh-ed25519 ${presented}`), fault.message);
      assert.ok(fault.message.includes(`${host.address}:22`), fault.message);
    });

    it('refuses an unknown host key, naming its fingerprint and how to pin it', async () => {
      const { hostKey: _pinned, ...unpinned } = rootEp;
      const fault = await startFault(connect(unpinned));
      assert.equal(fault.reason, 'HostKeyUnknown');
      assert.ok(fault.message.includes(keygenFingerprint(host.hostKey, tmp)), fault.message);
      assert.ok(fault.message.includes(`hostKey "${host.hostKey}"`), fault.message);
      assert.match(fault.message, /trustOnFirstUse/);
    });

    it('with trustOnFirstUse accepts an unknown key and records it in the known_hosts file', async () => {
      const kh = join(tmp, 'known_hosts_tofu');
      writeFileSync(kh, `[${host.address}]:2200 ${newKeyPair(tmp, 'other2').publicKey}`); // no final newline
      const { hostKey: _pinned, ...unpinned } = rootEp;
      await connect({ ...unpinned, knownHostsFile: kh, trustOnFirstUse: true }).start();
      const lines = readFileSync(kh, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, 2);
      assert.equal(lines[1], `${host.address} ${host.hostKey}`);
      // Remembered: the next connection needs no opt-in.
      await connect({ ...unpinned, knownHostsFile: kh }).start();
      // And a pinned key still wins over trustOnFirstUse.
      const fault = await startFault(connect({ ...rootEp, hostKey: newKeyPair(tmp, 'wrong2').publicKey, trustOnFirstUse: true }));
      assert.equal(fault.reason, 'HostKeyMismatch');
    });

    it('reports a client key the host refuses as SSHAuthenticationFailed', async () => {
      const { identityFile: _f, ...noIdentity } = rootEp;
      const fault = await startFault(connect({ ...noIdentity, privateKey: newKeyPair(tmp, 'stranger').privateKey }));
      assert.equal(fault.reason, 'SSHAuthenticationFailed');
      assert.ok(fault.message.includes(`as root to ${host.address}:22`), fault.message);
    });

    it('refuses an identity file that group or others can read, as ssh does', async () => {
      const key = join(tmp, 'id_open');
      copyFileSync(host.identityFile, key);
      chmodSync(key, 0o644);
      const fault = await startFault(connect({ ...rootEp, identityFile: key }));
      assert.equal(fault.reason, 'SSHAuthenticationFailed');
      assert.ok(fault.message.includes(`permissions 0644 for '${key}' are too open`), fault.message);
      assert.match(fault.message, /chmod 600/);
    });

    it('reports a closed port as HostUnreachable naming address:port and the errno', async () => {
      const started = Date.now();
      const fault = await startFault(connect({ ...rootEp, port: 1 }));
      assert.equal(fault.reason, 'HostUnreachable');
      assert.ok(fault.message.includes(`${host.address}:1`), fault.message);
      assert.match(fault.message, /ECONNREFUSED/);
      assert.ok(Date.now() - started < 5000);
    });

    it('gives up on a peer that never completes the SSH handshake within connectTimeoutMs', async () => {
      const silent: Server = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const port = (silent.address() as { port: number }).port;
        const started = Date.now();
        const fault = await startFault(connect({ ...rootEp, address: '127.0.0.1', port }, { ...fast, connectTimeoutMs: 700 }));
        assert.equal(fault.reason, 'HostUnreachable');
        assert.equal(fault.message, `cannot reach 127.0.0.1:${port}: no SSH handshake within 700 ms (ETIMEDOUT)`);
        assert.ok(Date.now() - started < 3000);
      } finally {
        silent.close();
      }
    });
  });

  describe('exec', () => {
    let c: HostConnection;
    beforeEach(async () => {
      c = connect(rootEp);
      await c.start();
    });

    it('returns the exit code, stdout and stderr, and feeds stdin', async () => {
      assert.deepEqual(await c.exec('echo out; echo err >&2; exit 7'), { code: 7, stdout: 'out\n', stderr: 'err\n' });
      assert.deepEqual(await c.exec('cat', { stdin: 'from stdin' }), { code: 0, stdout: 'from stdin', stderr: '' });
      // The command sees the host's network namespace, not ours.
      assert.match((await c.exec('ip -4 -o addr show dev eth0')).stdout, new RegExp(`inet ${host.address.replace(/\./g, '\\.')}/`));
    });

    it("queues commands beyond sshd's MaxSessions (10) instead of failing them", async () => {
      const results = await Promise.all(Array.from({ length: 14 }, (_, i) => c.exec(`sleep 0.3; echo ${i}`)));
      assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 14 }, (_, i) => `${i}\n`));
    });

    it('kills a command that outlives its timeout and says so', async () => {
      const marker = `${20 + Math.floor(Math.random() * 1000) / 1000}`;
      const started = Date.now();
      await assert.rejects(c.exec(`sleep ${marker}`, { timeoutMs: 300 }), /timed out after 300 ms/);
      assert.ok(Date.now() - started < 3000);
      let left = '';
      for (let i = 0; i < 20; i++) {
        left = (await c.exec(`ps -eo pid=,args= | awk '$2 == "sleep" && $3 == "${marker}"'`)).stdout.trim();
        if (!left) break;
        await sleep(100);
      }
      assert.equal(left, '', 'the command was killed on the host');
      // The connection stays usable.
      assert.equal((await c.exec('echo still')).stdout, 'still\n');
    });

    it('stops a command when its AbortSignal fires', async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      await assert.rejects(c.exec('sleep 20', { signal: ac.signal }), /aborted/);
    });

    it('opens a TCP stream from the host (direct-tcpip)', async () => {
      const s = await c.openTcp(host.address, 22);
      const banner = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
      s.destroy();
      assert.match(banner, /^SSH-2\.0-OpenSSH/);
    });
  });

  describe('Docker Engine API over SSH', () => {
    afterEach(async function () {
      this.timeout(20_000);
      // No container of this suite survives it, even when a test failed halfway.
      const c = createHostConnection(rootEp, fast);
      try {
        await c.start();
        const docker = createDockerClient(c);
        for (const ct of await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`] } })) {
          await docker.getContainer(ct.Id).remove({ force: true });
        }
      } finally {
        await c.close();
      }
    });

    it('pins every request to /v1.26/ and reports the engine', async () => {
      const c = connect(rootEp);
      await c.start();
      const docker = createDockerClient(c);
      const paths: string[] = [];
      const onRequest = (msg: unknown): void => {
        paths.push((msg as { request: ClientRequest }).request.path);
      };
      subscribe('http.client.request.start', onRequest);
      try {
        const check = await checkDocker(docker);
        assert.match(check.version, /^\d+\.\d+/);
        assert.match(check.apiVersion, /^1\.\d+$/);
        assert.equal(check.os, 'linux');
        assert.ok(check.kernel.length > 0 && check.ncpu > 0 && check.memTotalBytes > 0);
        await docker.listContainers();
      } finally {
        unsubscribe('http.client.request.start', onRequest);
      }
      assert.deepEqual(paths.map((p) => p.split('?')[0]), ['/v1.26/version', '/v1.26/info', '/v1.26/containers/json']);
    });

    it('lists, creates, starts, inspects and removes a container', async () => {
      const c = connect(rootEp);
      await c.start();
      const docker = createDockerClient(c);
      const ct = await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sleep', '60'],
        Labels: { [TEST_LABEL]: TEST_LABEL_VALUE },
      });
      await ct.start();
      const info = await ct.inspect();
      assert.equal(info.State.Running, true);
      const listed = await docker.listContainers({ filters: { label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`] } });
      assert.deepEqual(listed.map((x) => x.Id), [ct.id]);
      await ct.remove({ force: true });
      assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`] } }), []);
    });

    it('carries hijacked and streamed responses: docker exec with stdin, and container logs', async () => {
      const c = connect(rootEp);
      await c.start();
      const docker = createDockerClient(c);
      const ct = await docker.createContainer({
        Image: 'busybox:latest',
        Cmd: ['sh', '-c', 'echo started; sleep 60'],
        Labels: { [TEST_LABEL]: TEST_LABEL_VALUE },
      });
      await ct.start();
      const ex = await ct.exec({ Cmd: ['sh', '-c', 'read line; echo "got $line"; echo oops >&2'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
      const stream = await ex.start({ hijack: true, stdin: true });
      const out = new PassThrough();
      const err = new PassThrough();
      docker.modem.demuxStream(stream, out, err);
      stream.write('hello\n');
      await new Promise<void>((resolve) => stream.once('end', () => resolve()));
      assert.equal(String(out.read()), 'got hello\n');
      assert.equal(String(err.read()), 'oops\n');
      assert.equal((await ex.inspect()).ExitCode, 0);
      const logs = await ct.logs({ stdout: true, stderr: true, follow: false });
      assert.match(logs.toString('latin1'), /started\n/);
    });

    it('reuses a few SSH channels for many Docker calls, and long streams do not hold up short calls', async () => {
      const c = connect(rootEp);
      await c.start();
      let opened = 0;
      const openStreamLocal = c.openStreamLocal.bind(c);
      c.openStreamLocal = (path: string) => {
        opened++;
        return openStreamLocal(path);
      };
      const docker = createDockerClient(c);
      for (let i = 0; i < 20; i++) await docker.listContainers({ all: true });
      assert.equal(opened, 1, 'sequential calls share one keep-alive channel');
      // A burst waits for pooled channels instead of opening one per call.
      await Promise.all(Array.from({ length: 60 }, () => docker.listContainers({ all: true })));
      assert.ok(opened <= 8, `${opened} channels for 60 parallel calls`);
      // Twelve followed log streams (more than the pool holds) each get a channel of their own...
      const ct = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '60'], Labels: { [TEST_LABEL]: TEST_LABEL_VALUE } });
      await ct.start();
      const streams = await Promise.all(Array.from({ length: 12 }, () => ct.logs({ follow: true, stdout: true, stderr: true })));
      try {
        // ...and short calls still answer at once.
        const t0 = Date.now();
        await docker.listContainers({ all: true });
        assert.ok(Date.now() - t0 < 2000, `list took ${Date.now() - t0} ms with 12 streams open`);
      } finally {
        for (const st of streams) (st as unknown as { destroy(): void }).destroy();
      }
      await ct.remove({ force: true });
      // docker-modem util.inspect()s each request's options, agent included, even with its debug log
      // off: with calls in flight the agent must still format as one short line, not the whole
      // SSH connection (that walk took seconds of the event loop per call in a bulk delete).
      const inFlight = Promise.all(Array.from({ length: 20 }, () => docker.listContainers({ all: true })));
      const agent = (docker.modem as unknown as { agent: object }).agent;
      const text = inspect({ path: '/containers/json', agent }, { showHidden: true, depth: null });
      await inFlight;
      assert.ok(text.length < 300, `request options format to ${text.length} characters`);
      // Stops that wait out a grace period (a bulk pod delete) do not hold the pool either.
      const slow = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const s = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '60'], Labels: { [TEST_LABEL]: TEST_LABEL_VALUE } });
          await s.start();
          return s;
        }),
      );
      try {
        // `sleep` as PID 1 ignores SIGTERM: each stop takes its whole 5 s.
        const stopping = Promise.all(slow.map((s) => s.stop({ t: 5 })));
        await new Promise((r) => setTimeout(r, 500));
        const t0 = Date.now();
        await docker.listContainers({ all: true });
        assert.ok(Date.now() - t0 < 2000, `list took ${Date.now() - t0} ms with 10 stops waiting`);
        await stopping;
      } finally {
        await Promise.all(slow.map((s) => s.remove({ force: true })));
      }
    });

    it('works for a non-root SSH user in the docker group', async () => {
      assert.equal(host.user, TESTBED_USER);
      const c = connect(bed.nodes()[0]!);
      await c.start();
      assert.equal((await c.exec('id -un')).stdout.trim(), TESTBED_USER);
      const docker = createDockerClient(c);
      await checkDocker(docker);
      assert.ok(Array.isArray(await docker.listContainers({ all: true })));
    });

    it('reports a missing docker socket as DockerSocketUnavailable, naming the path', async () => {
      const c = connect(rootEp);
      await c.start();
      const missing = join(tmp, 'no-such-dir', 'docker.sock');
      const err = await checkDocker(createDockerClient(c, { socketPath: missing })).then(
        () => assert.fail('checkDocker succeeded on a missing socket'),
        (e: Error & { fault?: HostFault }) => e,
      );
      assert.equal(err.fault?.reason, 'DockerSocketUnavailable');
      assert.ok(err.message.includes(`docker socket ${missing} does not exist on node ${host.name}`), err.message);
    });

    it('reports a socket the user may not open as DockerSocketUnavailable, naming the user', async () => {
      const path = join(tmp, 'private.sock');
      const server: Server = createServer((s) => s.destroy());
      await new Promise<void>((r) => server.listen(path, r));
      try {
        chmodSync(path, 0o600);
        const c = connect(bed.nodes()[0]!);
        await c.start();
        const err = await checkDocker(createDockerClient(c, { socketPath: path })).then(
          () => assert.fail('checkDocker succeeded on a socket the user cannot open'),
          (e: Error & { fault?: HostFault }) => e,
        );
        assert.equal(err.fault?.reason, 'DockerSocketUnavailable');
        assert.ok(err.message.includes(`permission denied on docker socket ${path}`), err.message);
        assert.ok(err.message.includes(`for user ${TESTBED_USER}`), err.message);
      } finally {
        server.close();
      }
    });

    it('bounds a Docker call by timeoutMs when the engine does not answer', async () => {
      // A socket that accepts and then says nothing: a hung dockerd.
      const path = join(tmp, 'hung.sock');
      const held: Array<import('node:net').Socket> = [];
      const server: Server = createServer((sock) => void held.push(sock));
      await new Promise<void>((r) => server.listen(path, r));
      try {
        const c = connect(rootEp);
        await c.start();
        const started = Date.now();
        const err = await checkDocker(createDockerClient(c, { socketPath: path, timeoutMs: 400 })).then(
          () => assert.fail('checkDocker succeeded against a silent socket'),
          (e: Error & { fault?: HostFault }) => e,
        );
        assert.equal(err.fault?.reason, 'DockerUnreachable');
        assert.equal(err.message, `Docker Engine at unix://${path} on node ${host.name} sent no response within 400 ms`);
        assert.ok(Date.now() - started < 3000);
      } finally {
        for (const s of held) s.destroy();
        server.close();
      }
    });

    it('reports an engine older than API 1.26 as DockerVersionTooOld', async () => {
      // Stand-in for Docker 1.12 (API 1.24), which answers a newer client with this 400 (its
      // middleware's exact text); a real one cannot be installed on this test bed.
      const path = join(tmp, 'docker112.sock');
      const seen: string[] = [];
      const server = createHttpServer((req, res) => {
        seen.push(req.url ?? '');
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'client is newer than server (client API version: 1.26, server API version: 1.24)' }) + '\n');
      });
      await new Promise<void>((r) => server.listen(path, r));
      try {
        const c = connect(rootEp);
        await c.start();
        const err = await checkDocker(createDockerClient(c, { socketPath: path })).then(
          () => assert.fail('an API 1.24 engine was accepted'),
          (e: Error & { fault?: HostFault }) => e,
        );
        assert.equal(err.fault?.reason, 'DockerVersionTooOld');
        assert.match(err.message, /speaks API 1\.24; kubeshim needs at least 1\.26/);
        assert.deepEqual(seen, ['/v1.26/version']);
      } finally {
        server.close();
      }
    });

  });

  describe('a second sshd on the host: RSA and ECDSA host keys besides ed25519, stream-local forwarding off', () => {
    let sshd: ChildProcess | undefined;
    const port = 2222;
    let rsaPub: string;
    let ecdsaPub: string;
    before(async function () {
      this.timeout(15_000);
      sh('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(tmp, 'ssh_host_rsa_key')]);
      sh('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-f', join(tmp, 'ssh_host_ecdsa_key')]);
      rsaPub = readFileSync(join(tmp, 'ssh_host_rsa_key.pub'), 'utf8').trim();
      ecdsaPub = readFileSync(join(tmp, 'ssh_host_ecdsa_key.pub'), 'utf8').trim();
      const config =
        readFileSync(join(bed.dir, host.name, 'sshd_config'), 'utf8')
          .replace(/^Port 22$/m, `Port ${port}`)
          .replace(/^AllowStreamLocalForwarding yes$/m, 'AllowStreamLocalForwarding no') +
        `HostKey ${join(tmp, 'ssh_host_rsa_key')}\nHostKey ${join(tmp, 'ssh_host_ecdsa_key')}\n`;
      assert.match(config, /AllowStreamLocalForwarding no/);
      assert.match(config, new RegExp(`^Port ${port}$`, 'm'));
      const file = join(tmp, 'sshd_config_second');
      writeFileSync(file, config);
      sshd = spawn('nsenter', [`--net=/run/netns/${host.netns}`, '/usr/sbin/sshd', '-D', '-e', '-f', file], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (spawnSync('nsenter', [`--net=/run/netns/${host.netns}`, 'sh', '-c', `ss -ltn | grep -q ':${port} '`]).status === 0) return;
        await sleep(50);
      }
      throw new Error('second sshd did not start');
    });
    after(() => {
      if (sshd?.pid) process.kill(sshd.pid, 'SIGTERM');
    });

    it('asks for the pinned key type first, so an RSA or ECDSA pin works on a host that also has ed25519', async () => {
      await connect({ ...rootEp, port, hostKey: rsaPub }).start();
      await connect({ ...rootEp, port, hostKey: ecdsaPub }).start();
      await connect({ ...rootEp, port }).start(); // its ed25519 key is the bed's pin
    });

    it('finds a non-22 port under [address]:port in known_hosts', async () => {
      const kh = join(tmp, 'known_hosts_2222');
      writeFileSync(kh, `${host.address} ${newKeyPair(tmp, 'port22-only').publicKey}\n[${host.address}]:${port} ${rsaPub}\n`);
      const { hostKey: _pinned, ...unpinned } = rootEp;
      await connect({ ...unpinned, port, knownHostsFile: kh }).start();
    });

    it('reports the refused docker socket forwarding as SSHForwardingRefused, naming the sshd_config line', async () => {
      const c = connect({ ...rootEp, port });
      await c.start();
      const err = await checkDocker(createDockerClient(c)).then(
        () => assert.fail('Docker was reached through a forbidden forwarding'),
        (e: Error & { fault?: HostFault }) => e,
      );
      assert.equal(err.fault?.reason, 'SSHForwardingRefused');
      assert.match(err.message, /"AllowStreamLocalForwarding yes"/);
    });
  });

  describe('reconnect', () => {
    /** The per-connection sshd processes of the bed host (children of its listening sshd). */
    function sessionPids(): number[] {
      const listener = readFileSync(join(bed.dir, host.name, 'sshd.pid'), 'utf8').trim();
      const r = spawnSync('pgrep', ['-P', listener], { encoding: 'utf8' });
      return r.stdout.split('\n').filter(Boolean).map(Number);
    }

    it("goes down when its SSH session dies, then comes back by itself", async () => {
      const c = connect(rootEp);
      await c.start();
      const pids = sessionPids();
      assert.ok(pids.length > 0, 'the connection has an sshd session process');
      const down = waitEvent<HostFault>(c, 'down', 10_000);
      const ready = waitEvent(c, 'ready', 15_000);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const fault = await down;
      assert.equal(fault.reason, 'HostUnreachable');
      assert.ok(fault.message.includes(`${host.address}:22`), fault.message);
      await ready;
      assert.equal(c.state, 'ready');
      assert.equal((await c.exec('echo back')).stdout, 'back\n');
    });

    it('declares a host that stops answering keepalives down, and reconnects when it answers again', async () => {
      const c = connect(rootEp, { ...fast, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
      await c.start();
      const pids = sessionPids();
      assert.ok(pids.length > 0);
      const down = waitEvent<HostFault>(c, 'down', 5000);
      const started = Date.now();
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      let fault: HostFault;
      try {
        fault = await down;
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      assert.equal(fault.reason, 'HostUnreachable');
      assert.match(fault.message, /keepalives unanswered/);
      assert.ok(Date.now() - started < 2000, 'detected within a few keepalive intervals');
      await waitEvent(c, 'ready', 10_000);
    });

    it('stops reconnecting after close()', async () => {
      const c = connect({ ...rootEp, port: 1 }, { ...fast, backoff: { initialMs: 50, maxMs: 50 } });
      let downs = 0;
      c.on('down', () => downs++);
      await c.start().catch(() => undefined);
      await sleep(300);
      assert.ok(downs >= 2, `keeps retrying while open (${downs} attempts)`);
      await c.close();
      const after = downs;
      await sleep(300);
      assert.equal(downs, after);
      assert.equal(c.state, 'closed');
    });
  });
});
