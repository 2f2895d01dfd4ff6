// What the workload resources (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob)
// share: the pod-template table cells of pkg/printers/internalversion/printers.go, the
// IntOrString and selector checks of pkg/apis/apps/validation, and Go-style value rendering
// for the field errors whose upstream text prints a Go value with %#v.
import { field, type FieldError } from '../api/errors.js';
import { goStringMap, selectorMatches, validateLabelSelector, type LabelSelector } from '../validation/labels.js';
import type { KObject, TableColumn } from './resource-type.js';

/** The -o wide columns every workload printer appends. */
export const CONTAINERS_COLUMN: TableColumn = { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' };
export const IMAGES_COLUMN: TableColumn = { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' };

export function selectorColumn(description: string): TableColumn {
  return { name: 'Selector', type: 'string', priority: 1, description };
}

/** layoutContainerCells: container names and images, comma separated. */
export function containerCells(podTemplate: KObject['spec'] | undefined): [string, string] {
  const containers: Array<{ name?: string; image?: string }> = podTemplate?.spec?.containers ?? [];
  return [containers.map((c) => c.name ?? '').join(','), containers.map((c) => c.image ?? '').join(',')];
}

/** metav1.LabelSelectorAsSelector(sel).String(): "" for a nil or empty selector. */
export function selectorString(sel: LabelSelector | undefined | null): string {
  if (!sel) return '';
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {})) parts.push(`${k}=${sel.matchLabels![k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else return '<invalid>';
  }
  // labels.Selector sorts its requirements by key, bytewise as Go compares strings.
  return parts.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)).join(',');
}

/** metav1.FormatLabelSelector: the selector string, "<none>" when empty. */
export function formatSelector(sel: LabelSelector | undefined | null): string {
  return selectorString(sel) || '<none>';
}

function keyOf(req: string): string {
  return req.replace(/^!/, '').split(/[= ]/)[0];
}

// ---------- Go value rendering (fmt %#v) ----------

/** %#v of an intstr.IntOrString as upstream prints it in field errors. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  const n = typeof v === 'number' ? v : 0;
  return `intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`;
}

function goStringSlice(v: string[] | undefined): string {
  return v ? `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}` : '[]string(nil)';
}

/** %#v of a metav1.LabelSelector (upstream prints it for immutable/invalid selector errors). */
export function goLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return 'null';
  const ml = sel.matchLabels ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const me = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${goStringSlice(e.values)}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

/** %#v of a label map: map[string]string{"app":"web"}, or map[string]string(nil). */
export function goLabels(m: Record<string, string> | undefined | null): string {
  return m ? goStringMap(m) : 'map[string]string(nil)';
}

/**
 * field.Invalid whose value upstream renders with Go's %#v (maps, structs). errors.ts renders
 * values as JSON, so the Go text goes in front of the detail and the raw value is not echoed
 * again; the message is then byte-for-byte upstream's.
 */
export function invalidGo(path: string, value: unknown, goText: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: path, value, omitValue: true, detail: `${goText}: ${detail}` };
}

// ---------- shared checks ----------

/** ValidateNonnegativeField. */
export function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** apps validation ValidatePositiveIntOrPercent. */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return PERCENT_RE.test(v) ? [] : [invalidGo(path, v, goIntOrString(v), PERCENT_MSG)];
  if (typeof v === 'number') return nonNegative(v, path);
  // Upstream passes this literal to field.Invalid unformatted, so its "%%" is printed as is.
  return [field.invalid(path, v, "must be an integer or percentage (e.g '5%%')")];
}

/** getIntOrPercentValue: the number of an int, or the percentage number of a "N%" string. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = parseInt(v.replace(/%$/, ''), 10);
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || !PERCENT_RE.test(v)) return [];
  return intOrPercentValue(v) > 100 ? [invalidGo(path, v, goIntOrString(v), 'must not be greater than 100%')] : [];
}

/**
 * The selector rules of ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateDaemonSetSpec /
 * ValidateStatefulSetSpec: required, valid, non-empty, and matching the template's labels.
 */
export function validateWorkloadSelector(spec: KObject['spec'] | undefined, kindWord: string, emptyCheck = true): FieldError[] {
  const errs: FieldError[] = [];
  const sel: LabelSelector | undefined = spec?.selector;
  if (!sel) {
    errs.push(field.required('spec.selector', ''));
    return errs;
  }
  errs.push(...validateLabelSelector(sel, 'spec.selector'));
  if (emptyCheck && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
    errs.push(invalidGo('spec.selector', sel, goLabelSelector(sel), `empty selector is invalid for ${kindWord}`));
  }
  errs.push(...templateMatchesSelector(spec, 'spec'));
  return errs;
}

/** "`selector` does not match template `labels`" when a non-empty selector misses the template. */
export function templateMatchesSelector(spec: KObject['spec'] | undefined, path: string): FieldError[] {
  const sel: LabelSelector | undefined = spec?.selector;
  if (!sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) return [];
  const labels = spec?.template?.metadata?.labels;
  if (selectorMatches(sel, labels)) return [];
  return [invalidGo(`${path}.template.metadata.labels`, labels, goLabels(labels), '`selector` does not match template `labels`')];
}

/** ValidatePodTemplateSpecForReplicaSet's extra rules: restartPolicy Always, no activeDeadlineSeconds. */
export function alwaysRestartTemplate(spec: KObject['spec'] | undefined, kindWord = 'ReplicaSet'): FieldError[] {
  const errs: FieldError[] = [];
  const podSpec = spec?.template?.spec;
  if (!podSpec) return errs;
  if (podSpec.restartPolicy !== 'Always') {
    errs.push(field.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindWord} is not Supported`));
  }
  return errs;
}

/** ValidateImmutableField for a selector, with upstream's %#v rendering. */
export function immutableSelector(sel: LabelSelector | undefined, oldSel: LabelSelector | undefined, path: string): FieldError[] {
  if (JSON.stringify(normalizeSelector(sel)) === JSON.stringify(normalizeSelector(oldSel))) return [];
  return [invalidGo(path, sel, goLabelSelector(sel), 'field is immutable')];
}

function normalizeSelector(sel: LabelSelector | undefined): unknown {
  if (!sel) return null;
  const ml = sel.matchLabels ?? {};
  return {
    matchLabels: Object.fromEntries(Object.keys(ml).sort().map((k) => [k, ml[k]])),
    matchExpressions: (sel.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? [] })),
  };
}

/** Upstream PrepareForCreate of workloads: a client may not set status. */
export function resetStatus(obj: KObject): void {
  obj.status = {};
}

/** Ensures obj[key] is an object and returns it (for defaulting nested structs). */
export function ensure<T extends Record<string, unknown>>(parent: Record<string, unknown>, key: string): T {
  const v = parent[key];
  if (v === undefined || v === null || typeof v !== 'object') parent[key] = {};
  return parent[key] as T;
}

/**
 * The status checks shared by ValidateDeploymentStatus, ValidateReplicaSetStatus and
 * ValidateStatefulSetStatus: counters are non-negative and none exceeds status.replicas;
 * available never exceeds ready.
 */
export function validateReplicaStatus(
  status: Record<string, any> | undefined,
  counters: string[],
  boundedByReplicas: string[],
  availableOverReady = 'cannot be greater than readyReplicas',
): FieldError[] {
  const st = status ?? {};
  const errs: FieldError[] = [];
  for (const c of counters) errs.push(...nonNegative(st[c], `status.${c}`));
  const replicas = st.replicas ?? 0;
  for (const c of boundedByReplicas) {
    if ((st[c] ?? 0) > replicas) errs.push(field.invalid(`status.${c}`, st[c], 'cannot be greater than status.replicas'));
  }
  if ((st.availableReplicas ?? 0) > (st.readyReplicas ?? 0)) errs.push(field.invalid('status.availableReplicas', st.availableReplicas, availableOverReady));
  return errs;
}

/** apivalidation.IsDecremented for a collision count: "cannot be decremented". */
export function notDecremented(v: number | undefined | null, old: number | undefined | null, path: string): FieldError[] {
  if (old == null) return [];
  return v == null || v < old ? [field.invalid(path, v ?? 0, 'cannot be decremented')] : [];
}
