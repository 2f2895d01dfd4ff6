// The pods/log subresource (`kubectl logs`): kube-apiserver's LogREST (pkg/registry/core/pod/rest/log.go,
// pod.LogLocation in pkg/registry/core/pod/strategy.go) validates the options and the container name,
// then streams the kubelet's containerLogs answer as text/plain. Here the "kubelet" part is the Docker
// Engine API of the pod's host, reached over its SSH connection; which Docker container holds a given
// run is read from the labels the pod worker puts on it (CONTAINER_LABELS), as the kubelet's
// validateContainerLogStatus (pkg/kubelet/kubelet_pods.go) reads it from the container statuses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, field, internalError, invalid, methodNotAllowed, serviceUnavailable, type FieldError } from './errors.js';
import type { SubresourceHandler } from './rest-handler.js';
import type { KObject } from '../registry/resource-type.js';
import type { NodeManager } from '../nodes/node-manager.js';
import { CONTAINER_LABELS, type DockerClient } from '../nodes/types.js';
import { DockerFrameReader } from '../nodes/docker-stream.js';
import { withTimeout } from '../nodes/timeout.js';

/** core.PodLogOptions as the query parameters carry them. */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

/** How long the container lookup may take (the log stream itself is unbounded while following). */
const DOCKER_LOOKUP_MS = 15_000;

/** strconv.ParseBool, as the query parameter conversion of PodLogOptions uses it. */
function boolOf(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function intOf(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[-+]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** Decodes and validates the options (validation.ValidatePodLogOptions; errors are Invalid PodLogOptions). */
export function podLogOptions(q: URLSearchParams, podName: string): PodLogOptions {
  const opts: PodLogOptions = {
    container: q.get('container') || undefined,
    follow: boolOf(q, 'follow'),
    previous: boolOf(q, 'previous'),
    timestamps: boolOf(q, 'timestamps'),
    tailLines: intOf(q, 'tailLines'),
    sinceSeconds: intOf(q, 'sinceSeconds'),
    limitBytes: intOf(q, 'limitBytes'),
  };
  const since = q.get('sinceTime');
  if (since) {
    const t = Date.parse(since);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(since) || Number.isNaN(t)) throw badRequest(`parsing time "${since}" as "2006-01-02T15:04:05Z07:00": cannot parse "${since}" as "2006"`);
    opts.sinceTime = new Date(t);
  }
  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) errs.push(field.invalid('tailLines', opts.tailLines, 'must be greater than or equal to 0'));
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) errs.push(field.invalid('limitBytes', opts.limitBytes, 'must be greater than 0'));
  if (opts.sinceSeconds !== undefined && opts.sinceTime) errs.push(field.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) errs.push(field.invalid('sinceSeconds', opts.sinceSeconds, 'must be greater than 0'));
  if (errs.length) throw invalid('PodLogOptions', '', podName, errs);
  return opts;
}

interface SpecContainer {
  name: string;
  tty?: boolean;
}

/** Init, regular and ephemeral containers, in podutil.VisitContainers order. */
function specContainers(pod: KObject): SpecContainer[] {
  const s = pod.spec ?? {};
  return [...(s.initContainers ?? []), ...(s.containers ?? []), ...(s.ephemeralContainers ?? [])];
}

/** pod.validateContainer: defaults a lone container, else the name must be given and exist. */
export function validateContainer(container: string | undefined, pod: KObject): string {
  const name = pod.metadata.name;
  if (!container) {
    const regular: SpecContainer[] = pod.spec?.containers ?? [];
    if (regular.length === 1) return regular[0].name;
    if (regular.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    // fmt's %s of a []string: "[a b]".
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${specContainers(pod).map((c) => c.name).join(' ')}]`);
  }
  if (!specContainers(pod).some((c) => c.name === container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

interface ListedContainer {
  Id: string;
  State: string;
  Created: number;
  Labels: Record<string, string>;
}

const bounded = <T>(p: Promise<T>, what: string): Promise<T> => withTimeout(p, DOCKER_LOOKUP_MS, what);

/** The container's status in the pod (regular, init or ephemeral), as the kubelet last reported it. */
function statusOf(pod: KObject, container: string): Record<string, any> | undefined {
  const st = pod.status ?? {};
  return [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? []), ...(st.ephemeralContainerStatuses ?? [])].find((s) => s.name === container);
}

/** validateContainerLogStatus's "waiting" answers, for a container with no run to read. */
function waitingError(pod: KObject, container: string): ApiError {
  const who = `container "${container}" in pod "${pod.metadata.name}"`;
  const reason: string = statusOf(pod, container)?.state?.waiting?.reason ?? 'ContainerCreating';
  if (reason === 'ErrImagePull') return badRequest(`${who} is waiting to start: image can't be pulled`);
  if (reason === 'ImagePullBackOff') return badRequest(`${who} is waiting to start: trying and failing to pull image`);
  return badRequest(`${who} is waiting to start: ${reason}`);
}

/**
 * The Docker container whose log to read: the latest run (highest restartCount label), or with
 * `previous` the run before it — the one the kubelet reports as lastState.terminated.
 */
async function findRun(docker: DockerClient, pod: KObject, container: string, previous: boolean): Promise<ListedContainer> {
  const label = [`${CONTAINER_LABELS.podUid}=${pod.metadata.uid}`, `${CONTAINER_LABELS.containerName}=${container}`];
  const listed = (await bounded(docker.listContainers({ all: true, filters: { label } }), 'list containers')) as unknown as ListedContainer[];
  const runs = listed
    .filter((c) => c.Labels[CONTAINER_LABELS.role] !== 'infra')
    .sort((a, b) => Number(b.Labels[CONTAINER_LABELS.restartCount] ?? 0) - Number(a.Labels[CONTAINER_LABELS.restartCount] ?? 0) || b.Created - a.Created);
  const [latest, before] = runs;
  if (previous) {
    if (!before || before.State === 'running') throw badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
    return before;
  }
  if (!latest) throw waitingError(pod, container);
  // Created but never started (Docker could not start it, or it is being started): the kubelet
  // falls back to the last terminated run, if there is one.
  if (latest.State === 'created') {
    if (before) return before;
    throw waitingError(pod, container);
  }
  return latest;
}

/** Docker's `since`: unix seconds with a fraction. */
function dockerSince(opts: PodLogOptions): string | undefined {
  const t = opts.sinceTime?.getTime() ?? (opts.sinceSeconds !== undefined ? Date.now() - opts.sinceSeconds * 1000 : undefined);
  return t === undefined ? undefined : (t / 1000).toFixed(3);
}

function openLogStream(docker: DockerClient, id: string, opts: PodLogOptions): Promise<IncomingMessage> {
  const query: Record<string, string | number | boolean> = { stdout: true, stderr: true, follow: opts.follow, timestamps: opts.timestamps };
  if (opts.tailLines !== undefined) query.tail = opts.tailLines;
  const since = dockerSince(opts);
  if (since !== undefined) query.since = since;
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: `/containers/${id}/logs?`, method: 'GET', isStream: true, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' }, options: query },
      (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as IncomingMessage)),
    );
  });
}

/**
 * Copies the Docker log stream to the client: demultiplexes stdcopy frames (8-byte header: stream,
 * 3 zero bytes, big-endian length) for non-TTY containers, honours limitBytes like the kubelet's
 * LimitWriter, and stops when either side goes away.
 */
function pipeLog(src: IncomingMessage, res: ServerResponse, tty: boolean, limitBytes: number | undefined, flush: boolean): Promise<void> {
  return new Promise((resolve) => {
    const frames = new DockerFrameReader();
    let left = limitBytes ?? Infinity;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      src.destroy();
      if (!res.writableEnded) res.end();
      resolve();
    };
    const emit = (payload: Buffer) => {
      if (done || !payload.length) return;
      const part = payload.length > left ? payload.subarray(0, left) : payload;
      left -= part.length;
      if (!res.write(part)) {
        src.pause();
        res.once('drain', () => src.resume());
      }
      if (left <= 0) finish();
    };
    src.on('data', (chunk: Buffer) => {
      if (tty) return emit(chunk);
      frames.push(chunk, (stream, payload) => {
        // 1 stdout, 2 stderr: the kubelet interleaves both into one log.
        if (stream === 1 || stream === 2) emit(payload);
        return !done;
      });
    });
    src.on('end', finish);
    src.on('error', finish);
    src.on('close', finish);
    res.on('close', finish);
    if (flush) res.flushHeaders();
  });
}

export function podLogHandler(nodes: NodeManager): SubresourceHandler {
  return async ({ req, res, info, rt, query, deps }) => {
    if (req.method !== 'GET') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const opts = podLogOptions(query, info.name!);
    const pod = await deps.store.get(rt, info.namespace ?? '', info.name!);
    const container = validateContainer(opts.container, pod);
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) {
      // LogLocation returns no location for an unscheduled pod; the LocationStreamer then
      // answers 204 with no body (kubectl prints nothing).
      res.writeHead(204);
      res.end();
      return;
    }
    const host = nodes.host(nodeName);
    if (!host) throw internalError(new Error(`node "${nodeName}" of pod "${pod.metadata.name}" is not managed by this server: no container runtime to read logs from`));
    if (host.connection.state !== 'ready') {
      const why = host.connection.fault ? `: ${host.connection.fault.message}` : '';
      throw serviceUnavailable(`node "${nodeName}" is unreachable, cannot read logs of pod "${pod.metadata.name}"${why}`);
    }
    let src: IncomingMessage;
    try {
      const run = await findRun(host.docker, pod, container, opts.previous);
      src = await openLogStream(host.docker, run.Id, opts);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      // A HostFault (SSH link or Docker socket gone) is the node being unavailable, not a server bug.
      const fault = (e as { fault?: { message?: string } })?.fault;
      if (fault?.message) throw serviceUnavailable(`node "${nodeName}" is unavailable, cannot read logs of pod "${pod.metadata.name}": ${fault.message}`);
      throw internalError(new Error(`reading logs of container "${container}" in pod "${pod.metadata.name}" on node "${nodeName}": ${e instanceof Error ? e.message : String(e)}`));
    }
    // The client may have gone while Docker was being asked: 'close' will not come again.
    if (res.destroyed || !!res.socket?.destroyed) {
      src.destroy();
      return;
    }
    const tty = !!specContainers(pod).find((c) => c.name === container)?.tty;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    await pipeLog(src, res, tty, opts.limitBytes, opts.follow);
  };
}
