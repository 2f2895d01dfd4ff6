// A real multi-host test bed on one machine: each host is a network namespace on a Linux bridge
// with its own sshd and its own dockerd (recipes verified in ../shared/TESTBED.md). Suites reach
// the hosts exactly as kubeshim reaches production hosts: SSH with a pinned host key, and the
// Engine API through a stream-local forward to the docker socket.
//
// Everything a bed creates is written to its state file *before* it is created, so the bed can be
// torn down after a partial start, on process exit, or by a later run when the owning process
// died (a crashed or SIGKILLed mocha). Teardown ends only processes whose command line carries the
// bed's own directory or run id (pid reuse cannot make it kill anything else), what they started,
// and processes inside the bed's own namespaces.

import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HostEndpoint } from '../../lib/nodes/types.js';
import { buildImageTars, findImage, importImage, KNOWN_IMAGES } from './images.js';

const run = promisify(execFile);

export interface TestHost {
  name: string;
  address: string;
  port: number;
  user: string;
  identityFile: string;
  /** "ssh-ed25519 AAAA…" of this host's sshd. */
  hostKey: string;
  dockerSocket: string;
  /** Network namespace name (/run/netns/<netns>). */
  netns: string;
}

export interface Testbed {
  hosts: TestHost[];
  dir: string;
  /** Run id: every name the bed gives (netns, bridge, veths, dir) carries it. */
  id: string;
  /** The root-namespace bridge the hosts hang off (their default gateway is its address). */
  bridge: string;
  /** The FORWARD rule the bed inserted in the root namespace (removed again by stop()). */
  forwardRule: string[];
  /** A known_hosts file naming every host's key by its address (for HostEndpoint.knownHostsFile). */
  knownHostsFile: string;
  /** cluster-file nodes[] entries for these hosts */
  nodes(): HostEndpoint[];
  /** Runs `sh -c command` locally inside a host's network namespace (not over SSH). */
  exec(host: string, command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Takes a host off the bridge (its link down): SSH to it times out, as for a host that is gone. */
  disconnect(host: string): Promise<void>;
  /** Puts a disconnected host back on the bridge. */
  reconnect(host: string): Promise<void>;
  /** Stops the host's dockerd as a real stop does (SIGTERM): its socket goes away until startDocker(). */
  stopDocker(host: string): Promise<void>;
  /** Starts the host's dockerd again with the same data (images stay) and waits for it. */
  startDocker(host: string): Promise<void>;
  /** Stops the host's sshd listener (sessions already open stay up, as with a real sshd). */
  stopSshd(host: string): Promise<void>;
  startSshd(host: string): Promise<void>;
  /** Tears the bed down; idempotent. */
  stop(): Promise<void>;
}

export interface TestbedOptions {
  /** Number of hosts, default 3. */
  hosts?: number;
  /** Image refs to import on every host, default all known (images.ts). */
  images?: string[];
  /** The SSH user is not root but in the docker group (the group owns the socket). */
  nonRootUser?: boolean;
}

/** All beds live here; one directory per bed, named by its run id. */
export const TESTBED_ROOT = '/tmp/kubeshim-testbed';
/** Non-root SSH user for `nonRootUser` beds (created once, reused). */
export const TESTBED_USER = 'kubeshim-tb';
const SUBNETS_DIR = join(TESTBED_ROOT, 'subnets');

/** What a bed made, recorded before it is made. */
interface BedState {
  id: string;
  ownerPid: number;
  /** /proc/<pid>/stat starttime of the owner, so a reused pid does not look alive. */
  ownerStart: string;
  dir: string;
  /** Third octet of the 10.250.X.0/24 underlay, reserved by mkdir of SUBNETS_DIR/<X>. */
  subnet?: number;
  bridge?: string;
  netns: string[];
  /** Root-namespace ends of the veth pairs. */
  veths: string[];
  /** iptables rule specs (without -I/-A) this bed inserted into the root namespace. */
  iptables: string[][];
  /** Pid files of the daemons this bed started (each daemon's command line names `dir`). */
  pidfiles: string[];
  /** In memory only: set once torn down, so a later stop() (after the exit hook ran) does nothing. */
  tornDown?: boolean;
}

function statePath(dir: string): string {
  return join(dir, 'state.json');
}

function saveState(state: BedState): void {
  writeFileSync(statePath(state.dir), JSON.stringify(state, null, 1));
}

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm; starttime is field 22 (index 19 after the comm).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  return procStart(pid) !== undefined;
}

/**
 * True when pid runs a command whose arguments mention the bed: its directory (the daemons, their
 * managed containerd and its shims) or its containerd namespace prefix (shims of a machine-wide
 * containerd, which dockerd uses instead of its own when /run/containerd/containerd.sock exists, as
 * on CI runners). Either carries the run id, so a reused pid never matches.
 */
function ownedBy(pid: number, state: BedState): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return (cmdline.includes(state.dir) || cmdline.includes(namespacePrefix(state.id))) && alive(pid);
  } catch {
    return false;
  }
}

function namespacePrefix(id: string): string {
  return `ktb-${id}-`;
}

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

function must(cmd: string, args: string[]): string {
  const r = sh(cmd, args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.out.trim()}`);
  return r.out;
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Pids of every process whose command line names the bed: the daemons and what they started (containerd, shims). */
function processesOf(state: BedState): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid !== process.pid && ownedBy(pid, state)) pids.push(pid);
  }
  return pids;
}

function daemonPids(state: BedState): number[] {
  const pids: number[] = [];
  for (const f of state.pidfiles) {
    try {
      const pid = Number(readFileSync(f, 'utf8').trim());
      if (pid > 0 && ownedBy(pid, state)) pids.push(pid);
    } catch {
      // never written: the daemon did not start
    }
  }
  return pids;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** ppid → children, from /proc. */
function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(e)]);
    } catch {
      // exited
    }
  }
  return map;
}

function withDescendants(roots: number[]): number[] {
  const children = childrenMap();
  const seen = new Set<number>();
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid) || pid === process.pid) continue;
    seen.add(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

/**
 * The bed's cgroups: each engine runs with `--cgroup-parent /<netns>` (cgroupfs driver), so every
 * container of the bed sits under a cgroup named like the host's namespace, in every hierarchy
 * (cgroup v1 controllers, or the one v2 tree).
 */
function bedCgroups(state: BedState): string[] {
  const base = '/sys/fs/cgroup';
  let roots: string[];
  if (existsSync(join(base, 'cgroup.controllers'))) roots = [base];
  else {
    roots = [];
    try {
      // cpu and cpuacct are often links to one cpu,cpuacct hierarchy: visit each once.
      roots = [...new Set(readdirSync(base).map((d) => realpathSync(join(base, d))))];
    } catch {
      // no cgroup fs
    }
  }
  const found: string[] = [];
  const walk = (dir: string) => {
    // Children first, so rmdir can go in this order.
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    found.push(dir);
  };
  for (const root of roots) {
    for (const ns of state.netns) {
      const dir = join(root, ns);
      if (existsSync(dir)) walk(dir);
    }
  }
  return found;
}

function cgroupProcs(state: BedState): number[] {
  const pids: number[] = [];
  for (const dir of bedCgroups(state)) {
    try {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.push(Number(l));
    } catch {
      // removed meanwhile
    }
  }
  return pids;
}

/** Empty cgroups left by killed containers (a dead engine cannot remove them). */
function removeCgroups(state: BedState): void {
  for (const dir of bedCgroups(state)) {
    try {
      rmdirSync(dir);
    } catch {
      // busy or gone
    }
  }
}

/** A wait: until all these pids are gone, or ms passed. */
interface Wait {
  pids: number[];
  ms: number;
}

/**
 * Ends the bed's processes. Containers first (SIGKILL the children of the bed's containerd shims):
 * on SIGTERM dockerd would give each one its 10 s stop timeout, and on a crash it leaves them
 * running. Then SIGTERM the daemons the pidfiles name (dockerd stops its containerd), SIGKILL what
 * is left, and finally anything still under the bed: processes naming its dir, their
 * descendants, and processes inside its namespaces (SSH sessions outlive their listener).
 */
function* endProcesses(state: BedState): Generator<Wait, void, void> {
  const shims = processesOf(state).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('containerd-shim');
    } catch {
      return false;
    }
  });
  const containers = [
    ...new Set([...withDescendants(shims).filter((pid) => !shims.includes(pid)), ...cgroupProcs(state)]),
  ];
  signal(containers, 'SIGKILL');
  yield { pids: containers, ms: 2000 };
  const daemons = daemonPids(state);
  signal(daemons, 'SIGTERM');
  yield { pids: daemons, ms: 8000 };
  signal(daemons.filter(alive), 'SIGKILL');
  yield { pids: daemons, ms: 2000 };
  const rest = withDescendants([...processesOf(state), ...processesInNetns(state)]);
  signal(rest, 'SIGKILL');
  yield { pids: rest, ms: 2000 };
}

/** Docker leaves overlay, shm and netns mounts under its roots; unmount them (deepest first) before removing. */
function unmountUnder(dir: string): void {
  const points: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && (mp === dir || mp.startsWith(dir + '/'))) points.push(mp.replace(/\\040/g, ' '));
  }
  points.sort((a, b) => b.length - a.length);
  for (const p of points) {
    if (!sh('umount', [p]).ok) sh('umount', ['-l', p]);
  }
}

/**
 * Pids of processes inside the bed's namespaces: SSH sessions outlive their sshd listener, and a
 * container outlives a SIGKILLed engine. All of them live in namespaces only this bed created.
 */
function processesInNetns(state: BedState): number[] {
  const inodes = new Set<string>();
  for (const ns of state.netns) {
    try {
      inodes.add(`net:[${statSync(`/run/netns/${ns}`).ino}]`);
    } catch {
      // not created
    }
  }
  if (!inodes.size) return [];
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (inodes.has(readlinkSync(`/proc/${e}/ns/net`))) pids.push(Number(e));
    } catch {
      // exited, or a kernel thread
    }
  }
  return pids;
}

function removeNetwork(state: BedState): void {
  for (const rule of state.iptables) sh('iptables', ['-w', '5', '-D', ...rule]);
  for (const ns of state.netns) if (existsSync(`/run/netns/${ns}`)) sh('ip', ['netns', 'del', ns]);
  for (const v of state.veths) if (existsSync(`/sys/class/net/${v}`)) sh('ip', ['link', 'del', v]);
  if (state.bridge && existsSync(`/sys/class/net/${state.bridge}`)) sh('ip', ['link', 'del', state.bridge]);
}

/**
 * The bed's hosts share this machine's /var/lib: the pod directories kubeshim made there for the
 * containers of this bed's engines go with the bed (found from each engine's container configs).
 */
function removePodStateDirs(dir: string): void {
  let hosts: string[] = [];
  try {
    hosts = readdirSync(dir).filter((h) => /^h\d+$/.test(h));
  } catch {
    return;
  }
  for (const h of hosts) {
    const containers = join(dir, h, 'docker', 'containers');
    let ids: string[] = [];
    try {
      ids = readdirSync(containers);
    } catch {
      continue;
    }
    for (const id of ids) {
      try {
        const labels = JSON.parse(readFileSync(join(containers, id, 'config.v2.json'), 'utf8')).Config?.Labels ?? {};
        const uid = labels['io.kubernetes.pod.uid'];
        if (typeof uid === 'string' && /^[0-9a-f-]+$/i.test(uid)) rmSync(join('/var/lib/kubeshim/pods', uid), { recursive: true, force: true });
      } catch {
        // not a container config (or half written): nothing of ours to find
      }
    }
  }
}

function removeFiles(state: BedState): void {
  unmountUnder(state.dir);
  removePodStateDirs(state.dir);
  rmSync(state.dir, { recursive: true, force: true });
  if (state.subnet !== undefined) {
    // Only our own reservation: after a double teardown another bed may hold the same /24 by now.
    const reservation = join(SUBNETS_DIR, String(state.subnet));
    let owner = '';
    try {
      owner = readFileSync(join(reservation, 'owner'), 'utf8');
    } catch {
      // gone, or reserved but never claimed (a crash between mkdir and write)
      owner = existsSync(reservation) && readdirSync(reservation).length === 0 ? state.id : '';
    }
    if (owner === state.id) rmSync(reservation, { recursive: true, force: true });
  }
  state.tornDown = true;
}

async function teardown(state: BedState): Promise<void> {
  if (state.tornDown) return;
  for (const { pids, ms } of endProcesses(state)) {
    const until = Date.now() + ms;
    while (pids.some(alive) && Date.now() < until) await sleep(25);
  }
  removeCgroups(state);
  removeNetwork(state);
  removeFiles(state);
}

/** The same as teardown(), blocking: an 'exit' hook cannot await. */
function teardownSync(state: BedState): void {
  if (state.tornDown) return;
  for (const { pids, ms } of endProcesses(state)) {
    const until = Date.now() + ms;
    while (pids.some(alive) && Date.now() < until) sleepSync(25);
  }
  removeCgroups(state);
  removeNetwork(state);
  removeFiles(state);
}

/** Beds of this process not yet stopped, torn down synchronously if the process exits first. */
const live = new Map<string, BedState>();
let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const all = () => {
    for (const state of live.values()) {
      try {
        teardownSync(state);
      } catch {
        // best effort: the next run's stale sweep finishes it
      }
    }
    live.clear();
  };
  process.once('exit', all);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      all();
      process.kill(process.pid, sig);
    });
  }
}

/** Tears down beds whose owner process is gone (a crashed or killed run). Returns their ids. */
export async function reapStaleTestbeds(): Promise<string[]> {
  const reaped: string[] = [];
  if (!existsSync(TESTBED_ROOT)) return reaped;
  for (const id of readdirSync(TESTBED_ROOT)) {
    const dir = join(TESTBED_ROOT, id);
    let state: BedState;
    try {
      state = JSON.parse(readFileSync(statePath(dir), 'utf8')) as BedState;
    } catch {
      continue;
    }
    if (state.dir !== dir) continue;
    if (procStart(state.ownerPid) === state.ownerStart) continue;
    try {
      await teardown(state);
      reaped.push(id);
    } catch (err) {
      // A leftover we cannot remove (say, a busy mount) must not stop new beds from starting;
      // the next start tries again.
      process.stderr.write(`test bed: could not clean up the stale bed ${dir}: ${(err as Error).message}\n`);
    }
  }
  // Reservations of beds whose directory is gone (a crash right after reserving). A bed creates
  // its directory before it reserves, so a live bed's reservation always has one.
  if (existsSync(SUBNETS_DIR)) {
    for (const x of readdirSync(SUBNETS_DIR)) {
      const reservation = join(SUBNETS_DIR, x);
      try {
        const owner = readFileSync(join(reservation, 'owner'), 'utf8');
        if (owner && !existsSync(join(TESTBED_ROOT, owner))) rmSync(reservation, { recursive: true, force: true });
      } catch {
        // No owner yet: either a crash between mkdir and write, or a bed reserving right now.
        const st = statSync(reservation, { throwIfNoEntry: false });
        if (st && Date.now() - st.mtimeMs > 60_000) rmSync(reservation, { recursive: true, force: true });
      }
    }
  }
  return reaped;
}

/** A 10.250.X.0/24 no interface or route uses and no other bed reserved (mkdir is the atomic reservation). */
function reserveSubnet(id: string): number {
  mkdirSync(SUBNETS_DIR, { recursive: true });
  const used = must('ip', ['-o', '-4', 'addr']) + must('ip', ['-4', 'route']);
  for (let x = 1; x < 255; x++) {
    if (used.includes(`10.250.${x}.`)) continue;
    try {
      mkdirSync(join(SUBNETS_DIR, String(x)));
      writeFileSync(join(SUBNETS_DIR, String(x), 'owner'), id);
      return x;
    } catch {
      // reserved by another bed
    }
  }
  throw new Error('no free /24 left in 10.250.0.0/16 for a test bed');
}

function requireTools(): void {
  const missing = ['ip', 'iptables', 'nsenter', 'ssh-keygen', '/usr/sbin/sshd', 'dockerd', 'tar'].filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
  );
  if (missing.length) {
    throw new Error(`the test bed needs ${missing.join(', ')}: run scripts/install-test-deps.sh as root`);
  }
  if (process.getuid?.() !== 0) throw new Error('the test bed needs root (network namespaces, dockerd)');
}

async function keygen(file: string, comment: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 });
    s.once('data', () => {
      // sshd speaks first: its banner means it is accepting connections.
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, pid: number, log: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (!alive(pid) || Date.now() > until) {
      let tail = '';
      try {
        tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        // no log
      }
      throw new Error(`${what} did not come up${alive(pid) ? ` within ${ms} ms` : ' (it exited)'}:\n${tail}`);
    }
    await sleep(50);
  }
}

/** A daemon of one host, restartable (fault injection) with the same arguments. */
interface Daemon {
  what: string;
  netns: string;
  argv: string[];
  log: string;
  /** Written with the pid nsenter execs into (the daemon itself). */
  pidfile: string;
  ready: () => Promise<boolean>;
  started?: () => void;
}

/** Starts a daemon in the host's network namespace only (`ip netns exec` would remount /sys and break dockerd). */
async function launch(state: BedState, d: Daemon): Promise<void> {
  if (!state.pidfiles.includes(d.pidfile)) {
    state.pidfiles.push(d.pidfile);
    saveState(state);
  }
  const out = openSync(d.log, 'a');
  // nsenter execs the daemon in place, so the child pid is the daemon's pid.
  const child = spawn('nsenter', [`--net=/run/netns/${d.netns}`, ...d.argv], { stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${d.what}`);
  writeFileSync(d.pidfile, String(child.pid));
  await waitFor(d.what, d.ready, child.pid, d.log);
  d.started?.();
}

/** Stops a daemon by its pid (SIGTERM, then SIGKILL after 15 s). */
async function halt(state: BedState, d: Daemon): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(d.pidfile, 'utf8').trim());
  } catch {
    return;
  }
  if (!ownedBy(pid, state)) return;
  signal([pid], 'SIGTERM');
  const until = Date.now() + 15_000;
  while (alive(pid) && Date.now() < until) await sleep(25);
  if (alive(pid)) signal([pid], 'SIGKILL');
  while (alive(pid)) await sleep(25);
}

function ensureUser(): { uid: number; gid: number } {
  if (sh('getent', ['group', 'docker']).ok === false) must('groupadd', ['--system', 'docker']);
  if (!sh('id', ['-u', TESTBED_USER]).ok) {
    must('useradd', ['--create-home', '--shell', '/bin/sh', '--groups', 'docker', TESTBED_USER]);
  } else {
    must('usermod', ['-aG', 'docker', TESTBED_USER]);
  }
  // A '!' password marks the account locked, and sshd (without PAM) refuses even key logins to it.
  must('usermod', ['-p', '*', TESTBED_USER]);
  const uid = Number(must('id', ['-u', TESTBED_USER]).trim());
  const gid = Number(must('getent', ['group', 'docker']).split(':')[2]);
  return { uid, gid };
}

function sshdConfig(dir: string, hostDir: string, address: string): string {
  return [
    'Port 22',
    `ListenAddress ${address}`,
    `HostKey ${join(hostDir, 'ssh_host_ed25519_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PidFile none',
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowStreamLocalForwarding yes',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/**
 * Brings up `hosts` namespace hosts (sshd + dockerd each) on a fresh bridge with the images
 * imported. A failed start tears down what it made and rethrows.
 */
export async function startTestbed(opts: TestbedOptions = {}): Promise<Testbed> {
  const count = opts.hosts ?? 3;
  const images = (opts.images ?? KNOWN_IMAGES.map((i) => i.ref)).map(findImage);
  requireTools();
  await reapStaleTestbeds();
  installExitHooks();

  mkdirSync(TESTBED_ROOT, { recursive: true, mode: 0o755 });
  chmodSync(TESTBED_ROOT, 0o755);
  let id = '';
  let dir = '';
  do {
    id = randomBytes(3).toString('hex');
    dir = join(TESTBED_ROOT, id);
  } while (existsSync(dir));
  mkdirSync(dir, { mode: 0o755 });
  const state: BedState = {
    id,
    ownerPid: process.pid,
    ownerStart: procStart(process.pid) ?? '',
    dir,
    netns: [],
    veths: [],
    iptables: [],
    pidfiles: [],
  };
  saveState(state);
  live.set(id, state);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      live.delete(id);
      await teardown(state);
    })();
    return stopped;
  };

  try {
    const x = reserveSubnet(id);
    state.subnet = x;
    saveState(state);

    // Keys: one client pair authorized on every host, one host key per host.
    const clientKey = join(dir, 'id_ed25519');
    const hostDirs = Array.from({ length: count }, (_, i) => join(dir, `h${i + 1}`));
    for (const d of hostDirs) mkdirSync(d, { mode: 0o755 });
    const [clientPub, ...hostPubs] = await Promise.all([
      keygen(clientKey, `kubeshim-testbed-${id}`),
      ...hostDirs.map((d, i) => keygen(join(d, 'ssh_host_ed25519_key'), `h${i + 1}.${id}`)),
    ]);
    writeFileSync(join(dir, 'authorized_keys'), `${clientPub}\n`, { mode: 0o644 });

    // Underlay: a bridge in the root namespace, a veth per host.
    const bridge = `ktb${id}`;
    state.bridge = bridge;
    saveState(state);
    must('ip', ['link', 'add', bridge, 'type', 'bridge']);
    must('ip', ['addr', 'add', `10.250.${x}.1/24`, 'dev', bridge]);
    must('ip', ['link', 'set', bridge, 'up']);
    // With bridge-nf-call-iptables=1, bridged host-to-host frames traverse the root FORWARD
    // chain, where a DROP policy (e.g. a Docker engine in the root namespace) would eat them.
    const rule = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
    state.iptables.push(rule);
    saveState(state);
    must('iptables', ['-w', '5', '-I', ...rule]);

    const hosts: TestHost[] = [];
    for (let i = 0; i < count; i++) {
      const n = i + 1;
      const ns = `ktb-${id}-h${n}`;
      const veth = `ktb${id}h${n}`;
      const address = `10.250.${x}.${10 + n}`;
      state.netns.push(ns);
      state.veths.push(veth);
      saveState(state);
      must('ip', ['netns', 'add', ns]);
      must('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      must('ip', ['link', 'set', veth, 'master', bridge, 'up']);
      must('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', ns, 'route', 'add', 'default', 'via', `10.250.${x}.1`]);
      hosts.push({
        name: `h${n}`,
        address,
        port: 22,
        user: 'root',
        identityFile: clientKey,
        hostKey: hostPubs[i]!.split(' ').slice(0, 2).join(' '),
        dockerSocket: join(hostDirs[i]!, 'docker.sock'),
        netns: ns,
      });
    }

    // Daemons, all hosts at once.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const tarsP = buildImageTars(join(dir, 'images'), images);
    tarsP.catch(() => undefined);
    const user = opts.nonRootUser ? ensureUser() : undefined;
    const daemons = new Map<string, { sshd: Daemon; dockerd: Daemon }>();
    await Promise.all(
      hosts.map(async (host, i) => {
        const hd = hostDirs[i]!;
        writeFileSync(join(hd, 'sshd_config'), sshdConfig(dir, hd, host.address));
        writeFileSync(join(hd, 'daemon.json'), '{}\n');
        const sshd: Daemon = {
          what: `sshd on ${host.name}`,
          netns: host.netns,
          argv: ['/usr/sbin/sshd', '-D', '-e', '-f', join(hd, 'sshd_config')],
          log: join(hd, 'sshd.log'),
          pidfile: join(hd, 'sshd.pid'),
          ready: () => tcpOpen(host.address, 22),
        };
        const dockerd: Daemon = {
          what: `dockerd on ${host.name}`,
          netns: host.netns,
          argv: [
            'dockerd',
            // Our own (empty) config: the machine's /etc/docker/daemon.json must not leak in.
            '--config-file', join(hd, 'daemon.json'),
            '--data-root', join(hd, 'docker'),
            '--exec-root', join(hd, 'exec'),
            '--host', `unix://${host.dockerSocket}`,
            '--pidfile', join(hd, 'docker.pid'),
            // A machine-wide containerd (if any) is shared: keep this engine's containers apart.
            '--containerd-namespace', `${host.netns}-moby`,
            '--containerd-plugins-namespace', `${host.netns}-plugins`,
            // Distinct per host so pod IPs never overlap across the bed (an overlay can route them).
            '--bip', `172.30.${i + 1}.1/24`,
            // Containers of this engine under their own cgroup, so teardown finds every one of
            // them (and removes the cgroups) even when the engine is gone.
            '--exec-opt', 'native.cgroupdriver=cgroupfs',
            '--cgroup-parent', `/${host.netns}`,
            // On SIGTERM dockerd waits this long for running containers, not their 10 s each.
            '--shutdown-timeout', '1',
            '--log-level', 'warn',
          ],
          log: join(hd, 'dockerd.log'),
          pidfile: join(hd, 'dockerd.child.pid'),
          ready: () => ping(host.dockerSocket),
          // dockerd already gives the socket to a group named docker; say so explicitly, since
          // the non-root suite depends on it.
          started: user
            ? () => {
                chownSync(host.dockerSocket, 0, user.gid);
                chmodSync(host.dockerSocket, 0o660);
              }
            : undefined,
        };
        daemons.set(host.name, { sshd, dockerd });
        await Promise.all([launch(state, sshd), launch(state, dockerd)]);
        if (user) host.user = TESTBED_USER;
        const tars = await tarsP;
        await Promise.all(images.map((img) => importImage(host.dockerSocket, img, tars.get(img.ref)!)));
      }),
    );
    // The client key is read by the suites (root); keep it private as the cluster file requires.
    chmodSync(clientKey, 0o600);
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, hosts.map((h) => `${h.address} ${h.hostKey}\n`).join(''));

    const of = (name: string) => {
      const host = hosts.find((h) => h.name === name);
      const d = daemons.get(name);
      if (!host || !d) throw new Error(`no host ${name} in this test bed`);
      return { host, veth: state.veths[hosts.indexOf(host)]!, ...d };
    };
    return {
      hosts,
      dir,
      id,
      bridge,
      forwardRule: rule,
      knownHostsFile,
      nodes: () =>
        hosts.map((h) => ({
          name: h.name,
          address: h.address,
          port: h.port,
          user: h.user,
          identityFile: h.identityFile,
          hostKey: h.hostKey,
          dockerSocket: h.dockerSocket,
        })),
      exec: async (name, command) => {
        const { host } = of(name);
        return new Promise((resolve) => {
          execFile(
            'nsenter',
            [`--net=/run/netns/${host.netns}`, 'sh', '-c', command],
            { timeout: 30_000, encoding: 'utf8' },
            (err, stdout, stderr) => {
              const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
              resolve({ code, stdout, stderr });
            },
          );
        });
      },
      disconnect: async (name) => void must('ip', ['link', 'set', of(name).veth, 'down']),
      reconnect: async (name) => void must('ip', ['link', 'set', of(name).veth, 'up']),
      stopDocker: (name) => halt(state, of(name).dockerd),
      startDocker: (name) => launch(state, of(name).dockerd),
      stopSshd: (name) => halt(state, of(name).sshd),
      startSshd: (name) => launch(state, of(name).sshd),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
