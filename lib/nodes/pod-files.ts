// Writes files into pods' state directories on a host (volume files, termination-message files)
// through one container per node that never runs and binds <state>/pods: the Engine extracts
// archives into a container's bind mounts as root, over the API, with nothing on the host.
//
// Why not through each pod's sandbox: the Engine holds a container's lock for the whole of its
// start and of an archive upload, so files written through the sandbox wait for it to run. Through
// this container they are written while the sandbox starts, off the pod's start path.
import type Docker from 'dockerode';
import { HOST_STATE_DIR } from './container-spec.js';
import { dockerStatus } from './docker-client.js';
import { INFRA_IMAGE, PAUSE_PATH, tarArchive, type TarEntry } from './infra-image.js';
import { withTimeout } from './timeout.js';
import { CONTAINER_LABELS } from './types.js';

/** Where the pods directory appears inside the writer container. */
const MOUNT = '/pods';
const CALL_MS = 30_000;
/** An empty file in each pod directory written here (see write). */
const MARKER = '.kubeshim-pod';

export class PodFileWriter {
  private container?: Promise<string>;

  constructor(
    private readonly docker: Docker,
    private readonly nodeName: string,
  ) {}

  /** The writer's name: one per node on an engine (a second control plane finds and shares it). */
  get name(): string {
    return `kubeshim_pod-files_${this.nodeName}`;
  }

  /**
   * Extracts `entries` (paths relative to the pod's directory) into the directory of pod `uid`,
   * creating it when missing. Needs the infra image on the host.
   */
  async write(uid: string, entries: TarEntry[]): Promise<void> {
    // The pod's directory may come into being at this moment (the Engine makes it as the sandbox's
    // bind source). Docker's unpacker makes a directory entry with lstat-then-mkdir, which fails with
    // EEXIST in that race, but makes a file entry's missing parents with MkdirAll, which does not:
    // so the pod directory comes from the parent of a file entry, never from an entry of its own.
    const tar = tarArchive([{ name: `${uid}/${MARKER}`, type: 'file', data: Buffer.alloc(0), mode: 0o644 }, ...entries.map((e) => ({ ...e, name: `${uid}/${e.name}` }))]);
    try {
      await this.put(tar);
    } catch (e) {
      // Removed behind our back (docker container prune removes containers that never ran): make it again.
      if (dockerStatus(e) !== 404) throw e;
      this.container = undefined;
      await this.put(tar);
    }
  }

  private async put(tar: Buffer): Promise<void> {
    const id = await this.ensure();
    await withTimeout(this.docker.getContainer(id).putArchive(tar, { path: MOUNT }), CALL_MS, 'write pod files');
  }

  private ensure(): Promise<string> {
    this.container ??= (async () => {
      const body = {
        name: this.name,
        Image: INFRA_IMAGE,
        Cmd: [PAUSE_PATH],
        Labels: { [CONTAINER_LABELS.node]: this.nodeName, [CONTAINER_LABELS.role]: 'pod-files' },
        NetworkDisabled: true,
        HostConfig: { Binds: [`${HOST_STATE_DIR}/pods:${MOUNT}`], NetworkMode: 'none' },
      };
      try {
        return (await withTimeout(this.docker.createContainer(body as never), CALL_MS, 'create pod file writer')).id;
      } catch (e) {
        if (dockerStatus(e) !== 409) throw e;
        return (await withTimeout(this.docker.getContainer(this.name).inspect(), CALL_MS, 'inspect pod file writer')).Id as string;
      }
    })();
    this.container.catch(() => (this.container = undefined));
    return this.container;
  }
}
