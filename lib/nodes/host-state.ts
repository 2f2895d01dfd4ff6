// kubeshim's state directory on a host (/var/lib/kubeshim: pod volume files, emptyDirs,
// termination messages) when the SSH user is not root but in the docker group. dockerd writes
// there as root (bind-mount sources it creates, archives it extracts, files containers write), so
// the user cannot remove a deleted pod's directory with rm. The Engine can: extracting an archive
// entry that is not a directory over an existing directory makes dockerd remove that directory
// tree first (moby pkg/archive Unpack). The entry left in its place is a file the user owns, in a
// directory the user owns, so plain rm finishes the job.
import { HOST_STATE_DIR } from './container-spec.js';
import { INFRA_IMAGE, PAUSE_PATH, tarArchive } from './infra-image.js';
import { CONTAINER_LABELS, type DockerClient, type HostConnection } from './types.js';

/** The SSH user when it is not root. */
export interface HostOwner {
  uid: number;
  gid: number;
}

const STATE_PARENT = HOST_STATE_DIR.slice(0, HOST_STATE_DIR.lastIndexOf('/')); // /var/lib
const STATE_NAME = HOST_STATE_DIR.slice(STATE_PARENT.length + 1); // kubeshim

/**
 * Extracts `entries` into `hostDir` as root, through a container that never runs (the Engine
 * extracts archives into a container's bind mounts; the infra image is on every node).
 */
async function extractAsRoot(docker: DockerClient, hostDir: string, tar: Buffer): Promise<void> {
  const c = await docker.createContainer({ Image: INFRA_IMAGE, Cmd: [PAUSE_PATH], Labels: { [CONTAINER_LABELS.role]: 'host-state' }, HostConfig: { Binds: [`${hostDir}:/host`] } });
  try {
    await c.putArchive(tar, { path: '/host' });
  } finally {
    await c.remove({ force: true });
  }
}

/**
 * Makes HOST_STATE_DIR and its pods/ directory the SSH user's when it is not root (needs the
 * infra image present). Returns the user's ids, or undefined for root.
 */
export async function prepareHostStateDir(conn: HostConnection, docker: DockerClient): Promise<HostOwner | undefined> {
  const r = await conn.exec(`id -u && id -g && { test -O ${HOST_STATE_DIR}/pods && echo owned || true; }`, { timeoutMs: 15_000 });
  const [uid, gid, owned] = r.stdout.trim().split('\n');
  const owner = { uid: Number(uid), gid: Number(gid) };
  if (r.code !== 0 || !Number.isInteger(owner.uid) || !Number.isInteger(owner.gid)) throw new Error(`cannot read the SSH user's ids: ${r.stderr.trim()}`);
  if (owner.uid === 0) return undefined;
  if (owned !== 'owned') {
    // Archive entries keep the owner their headers name, existing directories included.
    await extractAsRoot(docker, STATE_PARENT, tarArchive([
      { name: STATE_NAME, type: 'dir', mode: 0o755, ...owner },
      { name: `${STATE_NAME}/pods`, type: 'dir', mode: 0o755, ...owner },
    ]));
  }
  return owner;
}

/**
 * Removes a directory under HOST_STATE_DIR/pods with everything in it, whoever owns the files.
 * `owner` is the non-root SSH user (prepareHostStateDir), undefined for root.
 */
export async function removeStateDir(conn: HostConnection, docker: DockerClient, dir: string, owner: HostOwner | undefined): Promise<void> {
  const quoted = `'${dir.replace(/'/g, `'\\''`)}'`;
  if (owner) {
    const parent = dir.slice(0, dir.lastIndexOf('/'));
    const name = dir.slice(parent.length + 1);
    const present = await conn.exec(`test -d ${quoted} && echo present || true`, { timeoutMs: 15_000 });
    if (present.stdout.trim() !== 'present') return;
    await extractAsRoot(docker, parent, tarArchive([{ name, type: 'file', data: Buffer.alloc(0), mode: 0o600, ...owner }]));
  }
  const r = await conn.exec(`rm -rf ${quoted}`, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`cannot remove ${dir} on the host: ${r.stderr.trim()}`);
}
