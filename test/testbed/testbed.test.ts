import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { Client } from 'ssh2';
import { KNOWN_IMAGES } from './images.js';
import { startTestbed, TESTBED_ROOT, TESTBED_USER } from './testbed.js';
import type { TestHost, Testbed } from './testbed.js';

function sshConnect(host: TestHost, expectedKey = host.hostKey, readyTimeout = 10_000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.connect({
      host: host.address,
      port: host.port,
      username: host.user,
      privateKey: readFileSync(host.identityFile),
      readyTimeout,
      // Without hostHash ssh2 hands over the raw key blob: the base64 part of "ssh-ed25519 AAAA…".
      hostVerifier: (key: Buffer) => key.toString('base64') === expectedKey.split(' ')[1],
    });
  });
}

function exec(c: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, stream) => {
      if (err) return reject(err);
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (out += d.toString()));
      stream.on('close', (code: number) => (code === 0 ? resolve(out) : reject(new Error(`${command}: exit ${code}: ${out}`))));
    });
  });
}

/** One HTTP/1.0 request to the host's docker socket through an SSH stream-local forward. */
function dockerGet(c: Client, socketPath: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    c.openssh_forwardOutStreamLocal(socketPath, (err, stream: Duplex) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('error', reject);
      stream.on('close', () => {
        const text = Buffer.concat(chunks).toString();
        const [head, ...rest] = text.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.\d (\d+)/.exec(head ?? '')?.[1]);
        try {
          resolve({ status, body: JSON.parse(rest.join('\r\n\r\n')) });
        } catch {
          reject(new Error(`not a JSON answer from ${path}: ${text.slice(0, 300)}`));
        }
      });
      stream.end(`GET ${path} HTTP/1.0\r\nHost: docker\r\n\r\n`);
    });
  });
}

/** Runs a container to completion on a host's engine and returns its output (TTY, so not multiplexed). */
async function runContainer(host: TestHost, image: string, cmd: string[]): Promise<string> {
  const docker = new Docker({ socketPath: host.dockerSocket, version: 'v1.26' });
  const ctr = await docker.createContainer({ Image: image, Cmd: cmd, Tty: true });
  try {
    await ctr.start();
    await ctr.wait();
    return (await ctr.logs({ stdout: true, stderr: true })).toString();
  } finally {
    await ctr.remove({ force: true });
  }
}

function pidsOf(dir: string): number[] {
  const pids: number[] = [];
  for (const h of readdirSync(dir).filter((d) => /^h\d+$/.test(d))) {
    for (const f of readdirSync(join(dir, h)).filter((f) => f.endsWith('.pid'))) {
      pids.push(Number(readFileSync(join(dir, h, f), 'utf8').trim()));
    }
  }
  return pids;
}

function running(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function netnsNames(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!);
}

function ruleExists(rule: string[]): boolean {
  return spawnSync('iptables', ['-w', '5', '-C', ...rule]).status === 0;
}

/** Asserts a stopped bed left nothing: no daemons, namespaces, links, rule or files. */
function assertGone(tb: Pick<Testbed, 'id' | 'hosts' | 'dir' | 'bridge' | 'forwardRule'>, pids: number[]): void {
  assert.deepEqual(pids.filter(running), [], 'daemons still running');
  const ns = netnsNames();
  for (const h of tb.hosts) assert.ok(!ns.includes(h.netns), `netns ${h.netns} left`);
  assert.ok(!existsSync(`/sys/class/net/${tb.bridge}`), `bridge ${tb.bridge} left`);
  const links = readdirSync('/sys/class/net');
  assert.deepEqual(links.filter((l) => l.startsWith(tb.bridge)), [], 'veths left');
  assert.ok(!ruleExists(tb.forwardRule), 'FORWARD rule left');
  assert.ok(!existsSync(tb.dir), `${tb.dir} left`);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(tb.dir), 'mounts left');
  const cgroups = ['', ...readdirSync('/sys/fs/cgroup')].flatMap((c) =>
    tb.hosts.map((h) => join('/sys/fs/cgroup', c, h.netns)).filter((d) => existsSync(d)),
  );
  assert.deepEqual(cgroups, [], 'cgroups left');
  const reservation = join(TESTBED_ROOT, 'subnets', tb.hosts[0]!.address.split('.')[2]!, 'owner');
  assert.notEqual(existsSync(reservation) && readFileSync(reservation, 'utf8'), tb.id, 'subnet still reserved');
}

describe('test bed', function () {
  this.timeout(60_000);

  describe('three hosts', () => {
    let tb: Testbed;
    const clients: Client[] = [];
    before(async () => {
      const t0 = Date.now();
      tb = await startTestbed({ hosts: 3 });
      // Reported so a slow machine shows up in CI logs (target: under 20 s).
      console.log(`      (3 hosts up in ${Date.now() - t0} ms)`);
      for (const h of tb.hosts) clients.push(await sshConnect(h));
    });
    after(async () => {
      for (const c of clients) c.end();
      await tb?.stop();
    });

    it('gives each host its own address, host key and docker socket', () => {
      assert.equal(tb.hosts.length, 3);
      assert.equal(new Set(tb.hosts.map((h) => h.address)).size, 3);
      assert.equal(new Set(tb.hosts.map((h) => h.hostKey)).size, 3);
      assert.equal(new Set(tb.hosts.map((h) => h.dockerSocket)).size, 3);
      assert.deepEqual(
        tb.nodes().map((n) => [n.name, n.address, n.port, n.user, n.hostKey, n.dockerSocket]),
        tb.hosts.map((h) => [h.name, h.address, 22, 'root', h.hostKey, h.dockerSocket]),
      );
      for (const h of tb.hosts) assert.match(h.hostKey, /^ssh-ed25519 AAAA\S+$/);
      assert.equal(
        readFileSync(tb.knownHostsFile, 'utf8'),
        tb.hosts.map((h) => `${h.address} ${h.hostKey}\n`).join(''),
      );
    });

    it('answers SSH with the pinned host key and refuses a client pinning another', async () => {
      const [h1, h2] = tb.hosts as [TestHost, TestHost];
      await assert.rejects(sshConnect(h1, h2.hostKey));
    });

    it('runs a command over SSH inside the host namespace', async () => {
      for (const [i, h] of tb.hosts.entries()) {
        const out = await exec(clients[i]!, 'ip -4 -o addr show dev eth0');
        assert.ok(out.includes(`inet ${h.address}/24`), out);
      }
    });

    it('serves the Docker Engine API over SSH on every host', async () => {
      for (const [i, h] of tb.hosts.entries()) {
        const { status, body } = await dockerGet(clients[i]!, h.dockerSocket, '/v1.26/version');
        assert.equal(status, 200);
        assert.match((body as { Version: string }).Version, /^\d+\.\d+/);
      }
    });

    it('has every known image on every host', async () => {
      for (const [i, h] of tb.hosts.entries()) {
        const { body } = await dockerGet(clients[i]!, h.dockerSocket, '/v1.26/images/json');
        const tags = (body as Array<{ RepoTags: string[] | null }>).flatMap((img) => img.RepoTags ?? []);
        assert.deepEqual(tags.sort(), KNOWN_IMAGES.map((img) => img.ref).sort());
      }
    });

    it('lets a container on one host reach another host over the bridge', async () => {
      const [h1, h2] = tb.hosts as [TestHost, TestHost];
      const out = await runContainer(h1, 'busybox:latest', ['sh', '-c', `sleep 1 | nc -w 3 ${h2.address} 22`]);
      assert.match(out, /^SSH-2\.0-/);
    });

    it('serves the stand-in images: kubia names its host, nginx names its version', async () => {
      const [h1, h2] = tb.hosts as [TestHost, TestHost];
      const docker = new Docker({ socketPath: h2.dockerSocket, version: 'v1.26' });
      const ctrs = await Promise.all([
        docker.createContainer({
          Image: 'luksa/kubia:latest',
          Hostname: 'kubia-abc',
          HostConfig: { PortBindings: { '8080/tcp': [{ HostPort: '8080' }] } },
        }),
        docker.createContainer({
          Image: 'nginx:1.16.1',
          HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8081' }] } },
        }),
      ]);
      try {
        for (const c of ctrs) await c.start();
        const get = (port: number) =>
          runContainer(h1, 'busybox:latest', [
            'sh',
            '-c',
            `for i in 1 2 3 4 5; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${h2.address} ${port} && break; sleep 0.2; done`,
          ]);
        assert.match(await get(8080), /You've hit kubia-abc/);
        assert.match(await get(8081), /nginx:1\.16\.1/);
      } finally {
        await Promise.all(ctrs.map((c) => c.remove({ force: true })));
      }
    });

    it('runs a command locally inside a host namespace', async () => {
      const h2 = tb.hosts[1]!;
      const { code, stdout } = await tb.exec(h2.name, 'ip -4 -o addr show dev eth0');
      assert.equal(code, 0);
      assert.ok(stdout.includes(`inet ${h2.address}/24`), stdout);
      assert.notEqual((await tb.exec(h2.name, 'exit 3')).code, 0);
    });

    it('takes a host off the bridge and puts it back', async () => {
      const h3 = tb.hosts[2]!;
      await tb.disconnect(h3.name);
      await assert.rejects(sshConnect({ ...h3 }, h3.hostKey, 1500));
      await tb.reconnect(h3.name);
      (await sshConnect(h3)).end();
    });

    it('stops and restarts a host sshd and dockerd, keeping its images', async () => {
      const h3 = tb.hosts[2]!;
      await tb.stopSshd(h3.name);
      await assert.rejects(sshConnect(h3), /ECONNREFUSED/);
      await tb.stopDocker(h3.name);
      await assert.rejects(dockerGet(clients[2]!, h3.dockerSocket, '/v1.26/_ping'));
      await Promise.all([tb.startSshd(h3.name), tb.startDocker(h3.name)]);
      const c = await sshConnect(h3);
      try {
        const { body } = await dockerGet(c, h3.dockerSocket, '/v1.26/images/json');
        assert.equal((body as unknown[]).length, KNOWN_IMAGES.length);
      } finally {
        c.end();
      }
    });

    it('leaves nothing behind once stopped, and stop() is idempotent', async () => {
      // An SSH session and a container (whose sh ignores SIGTERM) still running on every host.
      const containerPids = await Promise.all(
        tb.hosts.map(async (h) => {
          const docker = new Docker({ socketPath: h.dockerSocket, version: 'v1.26' });
          const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sh', '-c', 'sleep 600'] });
          await c.start();
          return (await c.inspect()).State.Pid;
        }),
      );
      for (const [i, pid] of containerPids.entries()) {
        assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:/${tb.hosts[i]!.netns}/`));
      }
      const pids = [...pidsOf(tb.dir), ...containerPids];
      assert.ok(pids.length >= 9 && pids.every(running), 'daemons and containers running before stop');
      assert.ok(ruleExists(tb.forwardRule));
      const t0 = Date.now();
      await tb.stop();
      assert.ok(Date.now() - t0 < 8000, `stop() took ${Date.now() - t0} ms`);
      await tb.stop();
      for (const c of clients.splice(0)) c.end();
      assertGone(tb, pids);
    });
  });

  describe('non-root SSH user', () => {
    let tb: Testbed;
    after(async () => tb?.stop());

    it('logs in as a docker-group user who reaches the engine socket', async () => {
      tb = await startTestbed({ hosts: 1, images: ['busybox:latest'], nonRootUser: true });
      const [h] = tb.hosts as [TestHost];
      assert.equal(h.user, TESTBED_USER);
      const c = await sshConnect(h);
      try {
        assert.equal((await exec(c, 'id -un')).trim(), TESTBED_USER);
        const { status, body } = await dockerGet(c, h.dockerSocket, '/v1.26/images/json');
        assert.equal(status, 200);
        assert.deepEqual((body as Array<{ RepoTags: string[] }>).flatMap((i) => i.RepoTags), ['busybox:latest']);
      } finally {
        c.end();
      }
    });
  });

  describe('a bed left by a crashed run', () => {
    it('is torn down by the next start: daemons, containers, namespaces, bridge, rule, files', async () => {
      // A separate process starts a bed with a running container, prints it, and is SIGKILLed:
      // no exit hook runs, exactly like a crashed or killed test run.
      const script = `
        const { startTestbed } = await import(${JSON.stringify(new URL('./testbed.ts', import.meta.url).pathname)});
        const { default: Docker } = await import('dockerode');
        const tb = await startTestbed({ hosts: 1, images: ['busybox:latest'] });
        const docker = new Docker({ socketPath: tb.hosts[0].dockerSocket });
        const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '600'] });
        await c.start();
        const { State } = await c.inspect();
        console.log(JSON.stringify({ ...tb, containerPid: State.Pid }));
        setInterval(() => {}, 1000);
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`bed owner exited (${code}) before starting: ${out}`)));
      });
      const stale = JSON.parse(line) as Testbed & { containerPid: number };
      const pids = [...pidsOf(stale.dir), stale.containerPid];
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // Its engine died too (an OOM kill, say): only the container and its shim are left.
      process.kill(Number(readFileSync(join(stale.dir, 'h1', 'docker.pid'), 'utf8')), 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(running(stale.containerPid), 'the crashed bed keeps its container running until someone cleans it');
      assert.ok(netnsNames().includes(stale.hosts[0]!.netns));

      const next = await startTestbed({ hosts: 1, images: [] });
      try {
        assertGone(stale, pids);
        assert.notEqual(next.id, stale.id);
        assert.ok(netnsNames().includes(next.hosts[0]!.netns));
      } finally {
        await next.stop();
      }
    });
  });
});
