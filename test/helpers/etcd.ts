// Starts a real, throwaway etcd (the Debian package etcd-server) for tests and benchmarks.
// The etcd is owned by its pid: stop() kills exactly that process and removes its data dir, and
// an exit hook kills any still running if the test process ends without calling stop().

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface RunningEtcd {
  /** Client URL, http://127.0.0.1:PORT (https:// with tls). */
  endpoint: string;
  pid: number;
  /** With tls: the CA that signed etcd's certificate and a client certificate it accepts. */
  tls?: EtcdTlsFiles;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
function killAll(): void {
  for (const child of running) {
    // Synchronous last resort; stop() is the normal path.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
  running.clear();
}
process.once('exit', killAll);
// A test run killed by a signal (timeout(1), CI cancel) emits no 'exit': kill our etcds, then
// re-raise so the process still dies the way the signal meant.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig);
  });
}

function etcdBinary(): string {
  const bin = process.env.ETCD_BIN ?? 'etcd';
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the etcd binary (${bin}) was not found or does not run: install the Debian package etcd-server ` +
        `(apt-get install -y etcd-server) or set ETCD_BIN`,
    );
  }
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function openssl(dir: string, args: string[]): void {
  const res = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (res.error || res.status !== 0) throw new Error(`openssl ${args[0]} failed: ${res.error?.message ?? res.stderr}`);
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(dir: string): EtcdTlsFiles & { serverCert: string; serverKey: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=kubeshim-test-ca', '-days', '2']);
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ]) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  }
  return {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'client.crt'),
    keyFile: join(dir, 'client.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

async function healthy(endpoint: string, tls?: EtcdTlsFiles): Promise<boolean> {
  try {
    if (!tls) {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      return ((await res.json()) as { health?: string }).health === 'true';
    }
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${endpoint}/health`,
        { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), timeout: 1000 },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
    return (JSON.parse(body) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Starts etcd on free loopback ports in a fresh temp dir and waits until it reports healthy. */
export async function startEtcd(opts: { timeoutMs?: number; tls?: boolean } = {}): Promise<RunningEtcd> {
  const bin = etcdBinary();
  const dir = mkdtempSync(join(tmpdir(), 'kubeshim-etcd-'));
  let certs: ReturnType<typeof makeCertificates> | undefined;
  try {
    certs = opts.tls ? makeCertificates(dir) : undefined;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const tls: EtcdTlsFiles | undefined = certs && { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile };
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `${certs ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    bin,
    [
      '--name=test',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--logger=zap',
      '--log-level=error',
      ...(certs
        ? [`--cert-file=${certs.serverCert}`, `--key-file=${certs.serverKey}`, `--trusted-ca-file=${certs.caFile}`, '--client-cert-auth']
        : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      if (!(await waitExit(child, 5000))) {
        process.kill(child.pid, 'SIGKILL');
        await waitExit(child, 5000);
      }
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (!(await healthy(endpoint, tls))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy at ${endpoint}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, pid: child.pid ?? 0, ...(tls ? { tls } : {}), stop };
}
