// The pod sandbox ("infra", upstream's "pause") image. Hosts reach no registry, so kubeshim carries
// its own: a static ELF of a few dozen bytes per architecture, written here as bytes, packed into a
// one-file tar in memory and loaded with the Engine API's image import (POST /images/create?fromSrc=-,
// available at API 1.26) when the host lacks it. Like upstream's pause (build/pause/linux/pause.c) it
// sleeps in pause(2) forever and exits 0 on SIGTERM/SIGINT: as PID 1 of its container, signals without
// a handler would be ignored and `docker stop` would always wait for SIGKILL.
import type Docker from 'dockerode';
import { dockerStatus } from './docker-client.js';

export const PAUSE_VERSION = '1.0';
export const INFRA_IMAGE = `kubeshim/pause:${PAUSE_VERSION}`;
/** The path of the binary inside the image, also the command the sandbox container runs. */
export const PAUSE_PATH = '/pause';

export type PauseArch = 'amd64' | 'arm64';

const BASE = 0x400000;
const HEADER_SIZE = 64 + 56; // ELF header + one program header
const SIGINT = 2;
const SIGTERM = 15;
// SA_RESTORER is mandatory on x86-64 (the kernel refuses to build a signal frame without one); the
// handler exits, so the restorer is never used and may point anywhere valid.
const SA_RESTORER = 0x04000000;

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** x86-64 code; returns the bytes and the offset of the handler (relative to the code start). */
function amd64Code(): { code: number[]; handler: number; act: number } {
  const code: number[] = [];
  const actFixups: number[] = []; // offsets of rel32 fields that must point at `act`
  const sigaction = (sig: number) => {
    code.push(0xb8, ...u32le(13)); // mov eax, SYS_rt_sigaction
    code.push(0xbf, ...u32le(sig)); // mov edi, sig
    code.push(0x48, 0x8d, 0x35); // lea rsi, [rip + act]
    actFixups.push(code.length);
    code.push(0, 0, 0, 0);
    code.push(0x31, 0xd2); // xor edx, edx (no old action)
    code.push(0x41, 0xba, ...u32le(8)); // mov r10d, sizeof(sigset_t)
    code.push(0x0f, 0x05); // syscall
  };
  sigaction(SIGTERM);
  sigaction(SIGINT);
  const loop = code.length;
  code.push(0xb8, ...u32le(34)); // mov eax, SYS_pause
  code.push(0x0f, 0x05); // syscall
  code.push(0xeb, (loop - (code.length + 2)) & 0xff); // jmp loop
  const handler = code.length;
  code.push(0xb8, ...u32le(60)); // mov eax, SYS_exit
  code.push(0x31, 0xff); // xor edi, edi
  code.push(0x0f, 0x05); // syscall
  while (code.length % 8) code.push(0x90);
  const act = code.length;
  for (const at of actFixups) code.splice(at, 4, ...u32le(act - (at + 4)));
  return { code, handler, act };
}

/** aarch64 code (no pause(2) there: rt_sigsuspend with an empty mask does the same). */
function arm64Code(): { code: number[]; handler: number; act: number } {
  const words: Array<number | ((at: number, act: number) => number)> = [];
  const movz = (rd: number, imm: number) => 0xd2800000 | (imm << 5) | rd;
  const svc = 0xd4000001;
  const adr = (rd: number, delta: number) => (0x10000000 | ((delta & 3) << 29) | (((delta >> 2) & 0x7ffff) << 5) | rd) >>> 0;
  const sigaction = (sig: number) => {
    words.push(movz(8, 134)); // x8 = SYS_rt_sigaction
    words.push(movz(0, sig));
    words.push((at, act) => adr(1, act - at)); // x1 = &act
    words.push(movz(2, 0));
    words.push(movz(3, 8));
    words.push(svc);
  };
  sigaction(SIGTERM);
  sigaction(SIGINT);
  const loop = words.length;
  words.push(movz(8, 133)); // x8 = SYS_rt_sigsuspend
  words.push((at, act) => adr(0, act + 24 - at)); // x0 = &act.sa_mask (all zero)
  words.push(movz(1, 8));
  words.push(svc);
  words.push((at) => (0x14000000 | (((loop * 4 - at) >> 2) & 0x3ffffff)) >>> 0); // b loop
  const handler = words.length * 4;
  words.push(movz(8, 93)); // x8 = SYS_exit
  words.push(movz(0, 0));
  words.push(svc);
  if (words.length % 2) words.push(0xd503201f); // nop, keep act 8-aligned
  const act = words.length * 4;
  const code: number[] = [];
  words.forEach((w, i) => code.push(...u32le(typeof w === 'number' ? w : w(i * 4, act))));
  return { code, handler, act };
}

/** A static ELF executable that waits for signals forever and exits 0 on SIGTERM/SIGINT. */
export function pauseElf(arch: PauseArch = 'amd64'): Buffer {
  const { code, handler, act } = arch === 'arm64' ? arm64Code() : amd64Code();
  const codeAddr = BASE + HEADER_SIZE;
  const size = HEADER_SIZE + code.length + 32;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELFCLASS64, little endian, SYSV
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(arch === 'arm64' ? 0xb7 : 0x3e, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(codeAddr), 24); // e_entry
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeUInt16LE(64, 52); // e_ehsize
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(1, 56); // e_phnum
  // PT_LOAD of the whole file, read + execute.
  b.writeUInt32LE(1, 64);
  b.writeUInt32LE(5, 68);
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(BigInt(BASE), 80);
  b.writeBigUInt64LE(BigInt(BASE), 88);
  b.writeBigUInt64LE(BigInt(size), 96);
  b.writeBigUInt64LE(BigInt(size), 104);
  b.writeBigUInt64LE(0x1000n, 112);
  b.set(code, HEADER_SIZE);
  // struct sigaction as the kernel reads it: handler, flags, restorer, mask.
  const actAt = HEADER_SIZE + act;
  b.writeBigUInt64LE(BigInt(codeAddr + handler), actAt);
  b.writeBigUInt64LE(BigInt(SA_RESTORER), actAt + 8);
  b.writeBigUInt64LE(BigInt(codeAddr + handler), actAt + 16);
  b.writeBigUInt64LE(0n, actAt + 24);
  return b;
}

/** One entry of an in-memory tar archive. */
export interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  data?: Buffer;
  mode?: number;
  linkname?: string;
  /** Owner the Engine gives the extracted entry (tar headers carry it); root by default. */
  uid?: number;
  gid?: number;
}

function tarHeader(e: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  const put = (s: string, at: number, len: number) => header.write(s.slice(0, len), at, len, 'utf8');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  let name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long paths at a slash: prefix (155) + name (100).
    const at = [...name.matchAll(/\//g)].map((m) => m.index!).find((i) => i <= 155 && Buffer.byteLength(name.slice(i + 1)) <= 100);
    if (at === undefined) throw new Error(`path too long for a tar entry: ${name}`);
    prefix = name.slice(0, at);
    name = name.slice(at + 1);
  }
  put(name, 0, 100);
  put(octal(e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644), 8), 100, 8);
  put(octal(e.uid ?? 0, 8), 108, 8);
  put(octal(e.gid ?? 0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8);
  put(e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0', 156, 1);
  if (e.linkname) put(e.linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  if (prefix) put(prefix, 345, 155);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return header;
}

/** A ustar archive of the given entries (files, directories, symlinks), owned by root unless an entry says otherwise. */
export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? e.data ?? Buffer.alloc(0) : Buffer.alloc(0);
    parts.push(tarHeader(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A ustar archive holding one file (the image's whole root filesystem). */
export function singleFileTar(name: string, data: Buffer, mode = 0o755): Buffer {
  return tarArchive([{ name, type: 'file', data, mode }]);
}

/** The Docker architecture name (`docker version` Arch) → the pause flavour. */
export function pauseArchFor(dockerArch: string | undefined): PauseArch {
  return dockerArch === 'arm64' || dockerArch === 'aarch64' ? 'arm64' : 'amd64';
}

function consume(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** Makes sure the host has INFRA_IMAGE, importing it when missing. Safe to call concurrently and twice. */
export async function ensureInfraImage(docker: Docker, opts: { arch?: PauseArch } = {}): Promise<void> {
  try {
    await docker.getImage(INFRA_IMAGE).inspect();
    return;
  } catch (e) {
    if (dockerStatus(e) !== 404) throw e;
  }
  const arch = opts.arch ?? pauseArchFor(((await docker.version()) as { Arch?: string }).Arch);
  const tar = singleFileTar(PAUSE_PATH.slice(1), pauseElf(arch));
  const [repo, tag] = INFRA_IMAGE.split(':');
  const stream = (await docker.importImage(tar as unknown as NodeJS.ReadableStream, { repo, tag } as never)) as unknown as NodeJS.ReadableStream;
  const out = await consume(stream);
  // The import answers 200 and reports failures inside its JSON progress stream.
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    try {
      const msg = JSON.parse(line) as { error?: string };
      if (msg.error) throw new Error(`importing ${INFRA_IMAGE}: ${msg.error}`);
    } catch (e) {
      if (e instanceof SyntaxError) continue;
      throw e;
    }
  }
}
