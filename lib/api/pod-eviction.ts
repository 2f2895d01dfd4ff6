// The pods/eviction subresource (policy/v1 Eviction; policy/v1beta1 bodies are accepted too), what
// `kubectl drain` uses: kube-apiserver's EvictionREST (pkg/registry/core/pod/storage/eviction.go).
// A pod is deleted only if the one PodDisruptionBudget that selects it allows a disruption, which
// is then spent (status.disruptionsAllowed - 1, the pod in status.disruptedPods) before the delete.
// There is no disruption controller yet (a later issue): PDB status is what clients wrote, and
// nothing recomputes disruptionsAllowed or prunes disruptedPods afterwards.
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, conflict, field, forbidden, invalid, methodNotAllowed, notFound, unsupportedMediaType, type FieldError } from './errors.js';
import { bodyKind, decodeTextBody, negotiate } from './negotiation.js';
import { readBody, sendObject } from './respond.js';
import { notFoundPath, type RestDeps, type SubresourceHandler } from './rest-handler.js';
import { checkUnknownFields, fieldValidationDirective, unknownFields } from '../schema/unknown-fields.js';
import { decodeValue, peekProtobufKind } from '../protobuf/codec.js';
import { selectorMatches } from '../validation/labels.js';
import { nowTimestamp, type DeleteOptions, type GenericStore, type WriteContext } from '../registry/generic-store.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';

const ACCEPTED_VERSIONS = ['policy/v1', 'policy/v1beta1'];
/** Upstream MaxDisruptedPodSize: more unconfirmed evictions than this and the PDB refuses. */
const MAX_DISRUPTED_POD_SIZE = 2000;
/** Upstream EvictionsRetry: 20 tries, 500 ms apart with 10 % jitter, for write conflicts. */
const RETRY_STEPS = 20;
const RETRY_DELAY_MS = 500;
const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

type Pod = KObject;
type Pdb = KObject;

export function podEvictionHandler(): SubresourceHandler {
  return async ({ req, res, info, rt, query, user, deps }) => {
    if (req.method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
    if (info.namespace === undefined || info.rest.length) throw notFoundPath();
    const namespace = info.namespace;
    const name = info.name!;
    const fmt = negotiate(req.headers.accept);
    const queryDryRun = query.getAll('dryRun');
    const dryRunErrs = dryRunErrors(queryDryRun);
    if (dryRunErrs.length) throw optionsInvalid('CreateOptions', dryRunErrs);
    const warnings: string[] = [];
    const eviction = await decodeEviction(req, deps, query, warnings);

    // The create handler's namespace check, then EvictionREST.Create's own checks, in their order.
    if (eviction.metadata.namespace && eviction.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if ((eviction.metadata.name ?? '') !== name) throw badRequest('name in URL does not match name in Eviction object');
    const options = deleteOptionsOf(eviction, queryDryRun);

    const pdbType = deps.registry.lookup('policy', 'v1', 'poddisruptionbudgets');
    if (!pdbType) throw new Error('policy/v1 poddisruptionbudgets is not registered');
    await new Eviction(deps.store, rt, pdbType, namespace, name, options, { user }).run();
    // A Success Status gets the create's code, as upstream's create handler fills it in.
    sendObject(req, res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, fmt.serialization, warnings);
  };
}

/** One eviction request: EvictionREST.Create's two phases (PDB-free deletion, then the budget). */
class Eviction {
  private readonly dryRun: boolean;

  constructor(
    private readonly store: GenericStore,
    private readonly podType: ResourceType,
    private readonly pdbType: ResourceType,
    private readonly namespace: string,
    private readonly name: string,
    private readonly options: DeleteOptions,
    private readonly ctx: WriteContext,
  ) {
    this.dryRun = (options.dryRun ?? []).length > 0;
  }

  async run(): Promise<void> {
    // Phase 1: pods that are not running (or already terminating) go without asking any budget.
    // With no resourceVersion precondition from the client, conflicts (the pod changed between
    // our read and the delete) are retried.
    const clientRV = this.options.preconditions?.resourceVersion;
    let pod: Pod | undefined;
    let deleted = false;
    await retry(clientRV ? () => false : isConflict, async () => {
      pod = await this.store.get(this.podType, this.namespace, this.name);
      if (!canIgnorePDB(pod)) return;
      // Pinning the resourceVersion keeps a pod that just started running (and so counts for a
      // budget) from being deleted on the strength of the read above.
      const opts = shouldEnforceResourceVersion(pod) && !clientRV ? withResourceVersion(this.options, pod.metadata.resourceVersion!) : this.options;
      await this.markAndDelete(opts);
      deleted = true;
    });
    if (deleted) return;

    // Phase 2: the pod runs; the PodDisruptionBudget selecting it decides.
    const pdbs = await this.matchingBudgets(pod!);
    if (pdbs.length > 1) {
      // Upstream returns this Status as the create's result; its create handler turns a Failure
      // Status into the error response as it stands (no reason).
      throw new ApiError({ code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
    }
    let pinToRead = false;
    const pdb = pdbs[0];
    if (pdb) {
      if (!isPodReady(pod!) && unhealthyPodMayGo(pdb)) {
        // An unready pod does not count as healthy: deleting it spends no budget, provided it is
        // still unready when deleted (the resourceVersion pin below).
        pinToRead = true;
      } else {
        let current = pdb;
        await retry(isConflict, async (attempt) => {
          if (attempt > 0) current = await this.store.get(this.pdbType, this.namespace, pdb.metadata.name!);
          await this.checkAndDecrement(current);
        });
      }
    }
    const opts = pinToRead ? withResourceVersion(this.options, pod!.metadata.resourceVersion!) : this.options;
    try {
      await this.markAndDelete(opts);
    } catch (e) {
      // The unready pod changed (maybe became ready): tell the client to come back, as upstream.
      if (isConflict(e) && pinToRead && !clientRV) throw budgetStillProcessing(pdb!.metadata.name!);
      throw e;
    }
  }

  /** PDBs of the pod's namespace whose selector matches it (a null selector matches nothing, {} everything). */
  private async matchingBudgets(pod: Pod): Promise<Pdb[]> {
    const { items } = await this.store.list(this.pdbType, this.namespace, {});
    return items.filter((pdb) => selectorMatches(pdb.spec?.selector, pod.metadata.labels));
  }

  /** Upstream checkAndDecrement: refuse (429/403) or spend one disruption, recorded in the PDB's status. */
  private async checkAndDecrement(pdb: Pdb): Promise<void> {
    const pdbName = pdb.metadata.name!;
    const status = structuredClone(pdb.status ?? {});
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetStillProcessing(pdbName);
    const allowed: number = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, pdbName, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
      throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, pdbName, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      // No Retry-After here: upstream passes 0, which leaves both the header and the field out.
      throw new ApiError({
        code: 429,
        reason: 'TooManyRequests',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        details: { causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${pdbName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently` }] },
      });
    }
    status.disruptionsAllowed = allowed - 1;
    if (status.disruptionsAllowed === 0) setDisruptionAllowedCondition(status);
    if (this.dryRun) return;
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [this.name]: nowTimestamp() };
    // The resourceVersion we read is the precondition: a concurrent writer makes this a 409, retried.
    await this.store.guaranteedUpdate(
      this.pdbType, this.namespace, pdbName,
      () => ({ ...structuredClone(pdb), status }),
      this.ctx,
      { subresource: 'status', allowCreate: false },
    );
  }

  /**
   * Upstream addConditionAndDeletePod: the pod gets the DisruptionTarget condition (a status
   * write, checked against the delete's preconditions), then the delete itself.
   */
  private async markAndDelete(opts: DeleteOptions): Promise<void> {
    if (!this.dryRun) {
      const { object } = await this.store.guaranteedUpdate(
        this.podType, this.namespace, this.name,
        (live) => {
          if (!live) throw notFound({ group: '', resource: 'pods' }, this.name);
          checkPreconditions(live, opts);
          const status = live.status ?? {};
          status.conditions = withDisruptionTarget(status.conditions ?? []);
          // No resourceVersion: a concurrent write is retried on the fresh pod, preconditions rechecked.
          const { resourceVersion: _rv, ...metadata } = live.metadata;
          return { ...live, metadata, status };
        },
        this.ctx,
        { subresource: 'status', allowCreate: false },
      );
      // Our own write moved the resourceVersion the delete is pinned to.
      if (opts.preconditions?.resourceVersion) opts = withResourceVersion(opts, object.metadata.resourceVersion!);
    }
    await this.store.delete(this.podType, this.namespace, this.name, opts, { ...this.ctx, dryRun: this.dryRun });
  }
}

/** Reads the Eviction body: JSON, YAML or protobuf, policy/v1 or policy/v1beta1. */
async function decodeEviction(req: IncomingMessage, deps: RestDeps, query: URLSearchParams, warnings: string[]): Promise<KObject> {
  const buf = await readBody(req);
  const kind = bodyKind(req.headers['content-type']);
  if (!kind) throw unsupportedMediaType(String(req.headers['content-type']));
  let obj: unknown;
  if (kind === 'protobuf') {
    if (!deps.decodeProtobuf) throw unsupportedMediaType(String(req.headers['content-type']));
    obj = isV1beta1Eviction(buf) ? decodeV1beta1Eviction(buf) : deps.decodeProtobuf(buf, 'Eviction');
  } else {
    if (buf.length === 0) throw badRequest('the body of the request was empty');
    obj = decodeTextBody(buf, kind);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest(`the object provided is unrecognized (must be of type Eviction): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(obj) ? 'array' : typeof obj} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  const ev = obj as KObject;
  const apiVersion = ev.apiVersion || 'policy/v1';
  // EvictionREST.AcceptsGroupVersion: both policy versions decode into the one internal Eviction.
  if (!ACCEPTED_VERSIONS.includes(apiVersion)) throw badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (policy/v1)`);
  const version = apiVersion.split('/')[1];
  if (ev.kind && ev.kind !== 'Eviction') {
    throw badRequest(`Eviction in version "${version}" cannot be handled as a ${ev.kind}: the kind in the data (${ev.kind}) does not match the expected kind (Eviction)`);
  }
  if (ev.metadata !== undefined && (ev.metadata === null || typeof ev.metadata !== 'object' || Array.isArray(ev.metadata))) {
    throw badRequest(`Eviction in version "${version}" cannot be handled as a Eviction: json: cannot unmarshal ${Array.isArray(ev.metadata) ? 'array' : typeof ev.metadata} into Go struct field Eviction.metadata of type v1.ObjectMeta`);
  }
  if (ev.deleteOptions != null && (typeof ev.deleteOptions !== 'object' || Array.isArray(ev.deleteOptions))) {
    throw badRequest(`Eviction in version "${version}" cannot be handled as a Eviction: json: cannot unmarshal ${Array.isArray(ev.deleteOptions) ? 'array' : typeof ev.deleteOptions} into Go struct field Eviction.deleteOptions of type v1.DeleteOptions`);
  }
  ev.metadata ??= {};
  // fieldValidation applies to the Eviction as to any create body (both versions have one shape).
  const mode = fieldValidationDirective(query.get('fieldValidation'), 'CreateOptions');
  if (mode !== 'Ignore' && kind !== 'protobuf') warnings.push(...checkUnknownFields(mode, unknownFields(ev, 'V1Eviction'), 'Eviction', version));
  return ev;
}

function isV1beta1Eviction(buf: Buffer): boolean {
  const { apiVersion, kind } = peekProtobufKind(buf);
  return apiVersion === 'policy/v1beta1' && kind === 'Eviction';
}

/**
 * policy/v1beta1 Eviction in protobuf: the schema table holds served kinds only, and v1beta1's
 * message has v1's fields and numbers (k8s.io/api policy/v1beta1/generated.proto), so its raw
 * bytes decode as policy.v1.Eviction.
 */
function decodeV1beta1Eviction(buf: Buffer): KObject {
  try {
    const unknown = decodeValue('runtime.Unknown', buf.subarray(4)) as { '-'?: string };
    const ev = decodeValue('policy.v1.Eviction', Buffer.from(unknown['-'] ?? '', 'base64')) as KObject;
    return { kind: 'Eviction', apiVersion: 'policy/v1beta1', ...ev };
  } catch (e) {
    throw badRequest(`Eviction in version "v1beta1" cannot be handled as a Eviction: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The DeleteOptions to delete with: the Eviction's own, with the request's dryRun carried in
 * (upstream propagateDryRun), validated as the delete would (ValidateDeleteOptions) — here, before
 * any budget is spent rather than after.
 */
function deleteOptionsOf(eviction: KObject, queryDryRun: string[]): DeleteOptions {
  const given = (eviction.deleteOptions ?? {}) as DeleteOptions & { kind?: string; apiVersion?: string };
  const opts: DeleteOptions = {};
  if (given.gracePeriodSeconds != null) opts.gracePeriodSeconds = Number(given.gracePeriodSeconds);
  if (given.preconditions && (given.preconditions.uid || given.preconditions.resourceVersion)) opts.preconditions = { ...given.preconditions };
  if (given.propagationPolicy != null) opts.propagationPolicy = given.propagationPolicy;
  if (given.orphanDependents != null) opts.orphanDependents = given.orphanDependents;
  const bodyDryRun = given.dryRun ?? [];
  if (bodyDryRun.length && queryDryRun.length && JSON.stringify(bodyDryRun) !== JSON.stringify(queryDryRun)) {
    // A plain error upstream, which its handler reports as a 500 with reason Unknown.
    throw new ApiError({ code: 500, reason: 'Unknown', message: `Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${bodyDryRun.join(' ')}]` });
  }
  const dryRun = bodyDryRun.length ? bodyDryRun : queryDryRun;
  if (dryRun.length) opts.dryRun = dryRun;

  const errs: FieldError[] = [];
  if (opts.orphanDependents != null && opts.propagationPolicy != null) errs.push(field.invalid('propagationPolicy', opts.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
  if (opts.propagationPolicy != null && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    errs.push(field.notSupported('propagationPolicy', opts.propagationPolicy, ['Foreground', 'Background', 'Orphan', 'nil']));
  }
  errs.push(...dryRunErrors(dryRun));
  if (errs.length) throw optionsInvalid('DeleteOptions', errs);
  // Upstream BeforeDelete: a negative grace period means 1 s.
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

function dryRunErrors(values: string[]): FieldError[] {
  return values.some((v) => v !== 'All') ? [field.notSupported('dryRun', values, ['All'])] : [];
}

/** `CreateOptions.meta.k8s.io "" is invalid: …`, as upstream's options validation reports. */
function optionsInvalid(kind: string, errs: FieldError[]): ApiError {
  const err = invalid(kind, 'meta.k8s.io', '', errs);
  err.status.details = { ...err.status.details, group: 'meta.k8s.io', kind };
  return err;
}

/** Upstream createTooManyRequestsError: the budget's status is behind its spec (or the pod changed). */
function budgetStillProcessing(pdbName: string): ApiError {
  return new ApiError(
    {
      code: 429,
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { retryAfterSeconds: 10, causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${pdbName} is still being processed by the server.` }] },
    },
    { 'Retry-After': '10' },
  );
}

/** Terminal, pending or terminating pods disrupt nothing more by going (upstream canIgnorePDB). */
function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** Pending pods are pinned too (they may start running); terminal and terminating ones need not be. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

/** podutil.IsPodReady, the current meaning of "healthy" for a budget. */
function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c?.type === 'Ready' && c.status === 'True');
}

/**
 * May an unready pod go without spending budget? Always with unhealthyPodEvictionPolicy
 * AlwaysAllow; otherwise (IfHealthyBudget, the default) only while the application is not
 * disrupted (currentHealthy >= desiredHealthy > 0). If not, checkAndDecrement decides.
 */
function unhealthyPodMayGo(pdb: Pdb): boolean {
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const current = pdb.status?.currentHealthy ?? 0;
  const desired = pdb.status?.desiredHealthy ?? 0;
  return current >= desired && desired > 0;
}

/** pdbhelper.UpdateDisruptionAllowedCondition for disruptionsAllowed 0 (apimeta.SetStatusCondition semantics). */
function setDisruptionAllowedCondition(status: KObject['status']): void {
  const conditions: Array<Record<string, unknown>> = status.conditions ?? [];
  const wanted = { type: 'DisruptionAllowed', status: 'False', observedGeneration: status.observedGeneration ?? 0, reason: 'InsufficientPods', message: '' };
  const i = conditions.findIndex((c) => c?.type === 'DisruptionAllowed');
  if (i < 0) conditions.push({ ...wanted, lastTransitionTime: nowTimestamp() });
  else {
    const old = conditions[i];
    conditions[i] = { ...old, ...wanted, lastTransitionTime: old.status === wanted.status && old.lastTransitionTime ? old.lastTransitionTime : nowTimestamp() };
  }
  status.conditions = conditions;
}

/** podutil.UpdatePodCondition with the eviction API's DisruptionTarget condition. */
function withDisruptionTarget(conditions: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const cond = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp(), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
  const i = conditions.findIndex((c) => c?.type === 'DisruptionTarget');
  if (i < 0) return [...conditions, cond];
  const out = [...conditions];
  if (out[i].status === cond.status && out[i].lastTransitionTime) cond.lastTransitionTime = out[i].lastTransitionTime as string;
  out[i] = cond;
  return out;
}

/** The delete's preconditions, checked before the condition write (upstream getLatestPod's Conflicts, on "Pod"). */
function checkPreconditions(live: Pod, opts: DeleteOptions): void {
  const gr = { group: '', resource: 'Pod' };
  const { uid, resourceVersion } = opts.preconditions ?? {};
  if (uid && uid !== live.metadata.uid) {
    throw conflict(gr, live.metadata.name!, `the UID in the precondition (${uid}) does not match the UID in record (${live.metadata.uid}). The object might have been deleted and then recreated`);
  }
  if (resourceVersion && resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(gr, live.metadata.name!, `the ResourceVersion in the precondition (${resourceVersion}) does not match the ResourceVersion in record (${live.metadata.resourceVersion}). The object might have been modified`);
  }
}

function withResourceVersion(opts: DeleteOptions, resourceVersion: string): DeleteOptions {
  return { ...opts, preconditions: { ...opts.preconditions, resourceVersion } };
}

function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409;
}

/**
 * client-go retry.OnError with EvictionsRetry: up to 20 tries while `retriable` says so, 500 ms
 * (+ up to 10 %) apart; when tries run out the last error stands.
 */
async function retry(retriable: (e: unknown) => boolean, fn: (attempt: number) => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!retriable(e) || attempt + 1 >= RETRY_STEPS) throw e;
    }
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * (1 + Math.random() * 0.1)));
  }
}
