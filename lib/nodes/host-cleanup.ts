// "Leave the host as you found it": what `kubeshim node remove` takes off a host once its pods
// are gone — every container kubeshim made there (found by its labels, whichever node name it was
// made for), their volumes, the kubeshim bridge network, the pause image and /var/lib/kubeshim.
// Other containers, networks and images on the host are not touched. In /var/lib/kubeshim only the
// directories of pods whose containers ran on this engine are removed, then the directory itself
// once empty: hosts that share one filesystem (the test bed's namespace hosts) keep each other's.
import type Docker from 'dockerode';
import { dockerStatus } from './docker-client.js';
import { HOST_STATE_DIR } from './container-spec.js';
import { INFRA_IMAGE } from './infra-image.js';
import { prepareHostStateDir, removeStateDir } from './host-state.js';
import { withTimeout } from './timeout.js';
import { POD_NETWORK } from './pod-network.js';
import { CONTAINER_LABELS, type HostConnection } from './types.js';

const CALL_MS = 30_000;

const bounded = <T>(p: Promise<T>, what: string): Promise<T> => withTimeout(p, CALL_MS, what);

function text(e: unknown): string {
  const j = (e as { json?: { message?: string } })?.json;
  return j?.message ?? (e instanceof Error ? e.message : String(e));
}

const notFound = (e: unknown) => dockerStatus(e) === 404;

/** Removes what kubeshim put on the host; returns one message per thing that could not be removed. */
export async function cleanHost(docker: Docker, connection: HostConnection): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await bounded(fn(), what);
    } catch (e) {
      if (!notFound(e)) problems.push(`${what}: ${text(e)}`);
    }
  };
  const owned = { label: [CONTAINER_LABELS.node] };
  let containers: Array<{ Id: string; Names?: string[]; Labels?: Record<string, string> }> = [];
  await step('list containers', async () => (containers = await docker.listContainers({ all: true, filters: owned })));
  // Force removal kills what still runs (the drain already stopped the pods gracefully).
  for (const c of containers) await step(`remove container ${c.Names?.[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)}`, () => docker.getContainer(c.Id).remove({ force: true, v: true }));
  let volumes: Array<{ Name: string }> = [];
  await step('list volumes', async () => (volumes = (await docker.listVolumes({ filters: owned })).Volumes ?? []));
  for (const v of volumes) await step(`remove volume ${v.Name}`, () => docker.getVolume(v.Name).remove());
  let networks: Array<{ Id: string; Name: string; Labels?: Record<string, string> }> = [];
  await step('list networks', async () => (networks = (await docker.listNetworks()) as typeof networks));
  // The network kubeshim made carries its label; a same-named network someone else made is theirs.
  for (const n of networks.filter((n) => n.Name === POD_NETWORK && n.Labels?.[CONTAINER_LABELS.node] !== undefined)) {
    await step(`remove network ${n.Name}`, () => docker.getNetwork(n.Id).remove());
  }
  const uids = [...new Set(containers.map((c) => c.Labels?.[CONTAINER_LABELS.podUid] ?? ''))].filter((u) => /^[0-9a-f-]+$/i.test(u));
  // Before the pause image goes: a non-root SSH user removes root-owned files through it.
  await step(`remove ${HOST_STATE_DIR}`, async () => {
    const owner = uids.length ? await prepareHostStateDir(connection, docker) : undefined;
    for (const u of uids) await removeStateDir(connection, docker, `${HOST_STATE_DIR}/pods/${u}`, owner);
    const r = await connection.exec(
      `{ ! [ -d ${HOST_STATE_DIR}/pods ] || rmdir ${HOST_STATE_DIR}/pods 2>/dev/null || true; } && { ! [ -d ${HOST_STATE_DIR} ] || rmdir ${HOST_STATE_DIR} 2>/dev/null || true; }`,
      { timeoutMs: CALL_MS },
    );
    if (r.code !== 0) throw new Error(r.stderr.trim() || `exit code ${r.code}`);
  });
  await step(`remove image ${INFRA_IMAGE}`, () => docker.getImage(INFRA_IMAGE).remove());
  return problems;
}
