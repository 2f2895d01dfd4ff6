// Container images for the test bed, made without a registry (none can be reached from CI): one
// rootfs from Debian's static busybox (package busybox-static) with every applet linked, imported
// into each host's engine under the names the suites and upstream examples use. Each stand-in
// differs only by a few files and its `--change 'CMD …'` / EXPOSE (../shared/TESTBED.md).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestImage {
  /** repo:tag as pods name it. */
  ref: string;
  /** Dockerfile instructions applied on import (CMD, EXPOSE, ENV). */
  changes: string[];
  /** Extra files (path in the rootfs → content; executable when the path ends in .cgi or lies under /usr/local/bin). */
  files?: Record<string, string>;
}

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function nginxPage(ref: string): string {
  // Names the image so a suite can tell which version a rollout actually serves.
  return `<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1><p>${ref}</p></body></html>\n`;
}

function nginx(ref: string): TestImage {
  return {
    ref,
    changes: [PATH_ENV, 'EXPOSE 80', 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]'],
    files: { '/www/index.html': nginxPage(ref) },
  };
}

/** Every image the test bed knows, by ref. */
export const KNOWN_IMAGES: readonly TestImage[] = [
  { ref: 'busybox:latest', changes: [PATH_ENV, 'CMD ["sh"]'] },
  { ref: 'busybox:1.36', changes: [PATH_ENV, 'CMD ["sh"]'] },
  nginx('nginx:1.14.2'),
  nginx('nginx:1.16.1'),
  nginx('nginx:1.17'),
  {
    // luksa/kubia answers every request with the pod's hostname; busybox httpd runs
    // /cgi-bin/index.cgi for a directory URL that has no index.html.
    ref: 'luksa/kubia:latest',
    changes: [PATH_ENV, 'EXPOSE 8080', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]'],
    files: {
      '/www/cgi-bin/index.cgi':
        '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nprintf "You\'ve hit %s\\n" "$(hostname)"\n',
    },
  },
  {
    // Answers each line like a Redis PING; enough for a readiness probe or a connect test.
    ref: 'redis:latest',
    changes: [PATH_ENV, 'EXPOSE 6379', 'CMD ["nc", "-ll", "-p", "6379", "-e", "/usr/local/bin/redis-pong"]'],
    files: { '/usr/local/bin/redis-pong': '#!/bin/sh\nwhile read -r line; do printf "+PONG\\r\\n"; done\n' },
  },
  {
    ref: 'postgres:latest',
    changes: [PATH_ENV, 'EXPOSE 5432', 'CMD ["nc", "-ll", "-p", "5432", "-e", "/bin/cat"]'],
  },
];

export function findImage(ref: string): TestImage {
  const image = KNOWN_IMAGES.find((i) => i.ref === ref);
  if (!image) throw new Error(`the test bed has no image ${ref}; known: ${KNOWN_IMAGES.map((i) => i.ref).join(', ')}`);
  return image;
}

const BUSYBOX = '/bin/busybox';

/** The shared rootfs: busybox and a link per applet at the path busybox itself lists. */
async function buildBaseRootfs(root: string): Promise<void> {
  if (!existsSync(BUSYBOX)) {
    throw new Error(`${BUSYBOX} is missing: install the Debian package busybox-static (scripts/install-test-deps.sh)`);
  }
  const { stdout } = await run(BUSYBOX, ['--list-full']);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'etc', 'tmp', 'www', 'proc', 'sys', 'dev', 'var/run', 'root']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  writeFileSync(join(root, 'bin/busybox'), readFileSync(BUSYBOX), { mode: 0o755 });
  for (const applet of stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const target = join(root, applet);
    if (existsSync(target) || applet === 'bin/busybox') continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync('/bin/busybox', target);
  }
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
}

function writeExtras(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    const exec = path.endsWith('.cgi') || path.startsWith('/usr/local/bin/');
    writeFileSync(target, content, { mode: exec ? 0o755 : 0o644 });
  }
}

/** Builds (once per cache dir) one tar per image; returns ref → tar path. */
export async function buildImageTars(cacheDir: string, images: readonly TestImage[]): Promise<Map<string, string>> {
  const tars = new Map<string, string>();
  if (images.length === 0) return tars;
  const base = join(cacheDir, 'rootfs');
  if (!existsSync(join(base, 'bin/busybox'))) await buildBaseRootfs(base);
  await Promise.all(
    images.map(async (image, i) => {
      const tar = join(cacheDir, `image-${i}.tar`);
      if (!existsSync(tar)) {
        let root = base;
        if (image.files) {
          // A copy of the base with the image's files (docker import rejects a tar with duplicate paths).
          root = join(cacheDir, `rootfs-${i}`);
          await run('cp', ['-a', base, root]);
          writeExtras(root, image.files);
        }
        await run('tar', ['-c', '-f', tar, '--owner=0', '--group=0', '--numeric-owner', '-C', root, '.']);
      }
      tars.set(image.ref, tar);
    }),
  );
  return tars;
}

/** POST /images/create?fromSrc=- on one engine (what `docker import --change …` sends). */
export function importImage(socketPath: string, image: TestImage, tar: string, timeoutMs = 60_000): Promise<void> {
  const colon = image.ref.lastIndexOf(':');
  const q = new URLSearchParams({ fromSrc: '-', repo: image.ref.slice(0, colon), tag: image.ref.slice(colon + 1) });
  for (const c of image.changes) q.append('changes', c);
  const body = readFileSync(tar);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: 'POST',
        path: `/v1.26/images/create?${q}`,
        headers: { 'Content-Type': 'application/x-tar', 'Content-Length': body.length },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          // The engine streams progress as JSON lines; a failure arrives as {"error": …} with status 200.
          if (res.statusCode !== 200 || /"error"\s*:/.test(text)) {
            reject(new Error(`importing ${image.ref} into ${socketPath} failed (${res.statusCode}): ${text.slice(0, 500)}`));
          } else resolve();
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`importing ${image.ref} into ${socketPath} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
