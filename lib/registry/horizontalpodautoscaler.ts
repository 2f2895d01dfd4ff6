// autoscaling HorizontalPodAutoscaler, stored as autoscaling/v2 and also served as
// autoscaling/v1: pkg/registry/autoscaling/horizontalpodautoscaler/strategy.go,
// SetDefaults_HorizontalPodAutoscaler (pkg/apis/autoscaling/v2/defaults.go),
// ValidateHorizontalPodAutoscaler (pkg/apis/autoscaling/validation), the v1 conversion of
// pkg/apis/autoscaling/v1/conversion.go (metrics other than CPU utilization, status metrics,
// conditions and behavior ride in autoscaling.alpha.kubernetes.io/* annotations) and
// printHorizontalPodAutoscaler.
import { field, type FieldError } from '../api/errors.js';
import { namePathSegment } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { parseQuantity } from '../validation/quantity.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';
import { ensure } from './workload.js';

type J = Record<string, any>;

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

const DEFAULT_CPU_UTILIZATION = 80;

function scaleUpDefaults(): J {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownDefaults(): J {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** copyHPAScalingRules: the user's non-nil fields over the defaults. */
function mergeRules(from: J | undefined, to: J): J {
  if (!from) return to;
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) if (from[k] != null) to[k] = from[k];
  return to;
}

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler. */
export function defaultHPAv2(obj: KObject): void {
  const spec = ensure(obj, 'spec') as J;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = mergeRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = mergeRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}

// ---------- validation ----------

function validateRef(ref: J | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['kind', 'name']) {
    const v = ref?.[k];
    if (!v) errs.push(field.required(`${path}.${k}`, ''));
    else for (const m of namePathSegment(v, false)) errs.push(field.invalid(`${path}.${k}`, v, m));
  }
  return errs;
}

function positiveQuantity(v: unknown, path: string): FieldError[] {
  if (v == null) return [];
  const q = parseQuantity(v as string);
  return q && q.value > 0 ? [] : [field.invalid(path, v, 'must be positive')];
}

function validateTarget(t: J | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t?.type) errs.push(field.required(`${path}.type`, 'must specify a metric target type'));
  else if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) errs.push(field.invalid(`${path}.type`, t.type, 'must be either Utilization, Value, or AverageValue'));
  errs.push(...positiveQuantity(t?.value, `${path}.value`));
  errs.push(...positiveQuantity(t?.averageValue, `${path}.averageValue`));
  if (t?.averageUtilization != null && t.averageUtilization < 1) errs.push(field.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

/** Metric source type → its field, in the order upstream's validateMetricSpec checks them. */
const SOURCE_FIELD: Record<string, string> = { Object: 'object', External: 'external', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource' };

function validateMetricName(metric: J | undefined, path: string): FieldError[] {
  const name = metric?.name ?? '';
  if (!name) return [field.required(`${path}.name`, 'must specify a metric name')];
  return namePathSegment(name, false).map((m) => field.invalid(`${path}.name`, name, m));
}

/** validateObjectSource / validateExternalSource / validatePodsSource / validate(Container)ResourceSource. */
function validateSource(type: string, src: J, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const t = src.target ?? {};
  switch (type) {
    case 'object':
      errs.push(...validateRef(src.describedObject, `${p}.describedObject`), ...validateMetricName(src.metric, `${p}.metric`), ...validateTarget(t, `${p}.target`));
      if (t.value == null && t.averageValue == null) errs.push(field.required(`${p}.target.averageValue`, 'must set either a target value or averageValue'));
      break;
    case 'external':
      errs.push(...validateMetricName(src.metric, `${p}.metric`), ...validateTarget(t, `${p}.target`));
      if (t.value == null && t.averageValue == null) errs.push(field.required(`${p}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (t.value != null && t.averageValue != null) errs.push(field.forbidden(`${p}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      errs.push(...validateMetricName(src.metric, `${p}.metric`), ...validateTarget(t, `${p}.target`));
      if (t.averageValue == null) errs.push(field.required(`${p}.target.averageValue`, 'must specify a positive target averageValue'));
      break;
    default:
      if (!src.name) errs.push(field.required(`${p}.name`, 'must specify a resource name'));
      if (type === 'containerResource' && !src.container) errs.push(field.required(`${p}.container`, 'must specify a container'));
      errs.push(...validateTarget(t, `${p}.target`));
      if (t.averageUtilization == null && t.averageValue == null) errs.push(field.required(`${p}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (t.averageUtilization != null && t.averageValue != null) errs.push(field.forbidden(`${p}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

/** validateMetricSpec: a known type, its source populated, and no other source. */
function validateMetric(m: J, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) errs.push(field.required(`${path}.type`, 'must specify a metric source type'));
  if (!SOURCE_FIELD[m.type]) errs.push(field.notSupported(`${path}.type`, m.type ?? '', ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']));
  const present = Object.values(SOURCE_FIELD).filter((f) => m[f] != null);
  // Only the first populated source is validated in depth.
  if (present.length) errs.push(...validateSource(present[0], m[present[0]], `${path}.${present[0]}`));
  const expected = SOURCE_FIELD[m.type] ?? String(m.type ?? '').toLowerCase();
  if (!present.includes(expected)) errs.push(field.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (present.length !== 1) for (const f of present.filter((x) => x !== expected)) errs.push(field.forbidden(`${path}.${f}`, 'must populate the given metric source only'));
  return errs;
}

function validateRules(r: J | undefined, path: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w != null && w < 0) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w != null && w > 3600) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (r.selectPolicy != null && !['Disabled', 'Max', 'Min'].includes(r.selectPolicy)) {
    errs.push(field.notSupported(`${path}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  if (!r.policies || r.policies.length === 0) errs.push(field.required(`${path}.policies`, 'must specify at least one Policy'));
  (r.policies ?? []).forEach((pol: J, i: number) => {
    const p = `${path}.policies[${i}]`;
    if (pol.type !== 'Pods' && pol.type !== 'Percent') errs.push(field.notSupported(`${p}.type`, pol.type ?? '', ['Percent', 'Pods']));
    if (!(pol.value > 0)) errs.push(field.invalid(`${p}.value`, pol.value ?? 0, 'must be greater than zero'));
    if (!(pol.periodSeconds > 0)) errs.push(field.invalid(`${p}.periodSeconds`, pol.periodSeconds ?? 0, 'must be greater than zero'));
    else if (pol.periodSeconds > 1800) errs.push(field.invalid(`${p}.periodSeconds`, pol.periodSeconds, 'must be less than or equal to 1800'));
  });
  return errs;
}

/** validateHorizontalPodAutoscalerSpec on the v2 (internal-shaped) object. */
export function validateHPAv2(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minReplicas != null && spec.minReplicas < 1) errs.push(field.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas ?? 0;
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (spec.minReplicas != null && max < spec.minReplicas) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  // Upstream reports only the first failing group: reference, then metrics, then behavior.
  const refErrs = validateRef(spec.scaleTargetRef, 'spec.scaleTargetRef');
  if (refErrs.length) return [...errs, ...refErrs];
  const metricErrs = (spec.metrics ?? []).flatMap((m: J, i: number) => validateMetric(m, `spec.metrics[${i}]`));
  if (metricErrs.length) return [...errs, ...metricErrs];
  return [...errs, ...validateRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown')];
}

// ---------- table ----------

function q(v: unknown): string {
  if (v == null) return '<unknown>';
  return parseQuantity(v as string)?.canonical ?? String(v);
}

/** formatHPAMetrics: at most two targets, then "+ N more...". */
export function formatHPAMetrics(specs: J[] | undefined, statuses: J[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const st = statuses ?? [];
  const list = specs.map((spec, i) => {
    const s = st[i];
    switch (spec.type) {
      case 'External':
        if (spec.external?.target?.averageValue != null) {
          const cur = s?.external?.current?.averageValue != null ? q(s.external.current.averageValue) : '<unknown>';
          return `${cur}/${q(spec.external.target.averageValue)} (avg)`;
        }
        return `${s?.external ? q(s.external.current?.value) : '<unknown>'}/${q(spec.external?.target?.value)}`;
      case 'Pods':
        return `${s?.pods ? q(s.pods.current?.averageValue) : '<unknown>'}/${q(spec.pods?.target?.averageValue)}`;
      case 'Object':
        if (spec.object?.target?.averageValue != null) {
          const cur = s?.object?.current?.averageValue != null ? q(s.object.current.averageValue) : '<unknown>';
          return `${cur}/${q(spec.object.target.averageValue)} (avg)`;
        }
        return `${s?.object ? q(s.object.current?.value) : '<unknown>'}/${q(spec.object?.target?.value)}`;
      case 'Resource':
      case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const src = spec[key] ?? {};
        const cur = s?.[key];
        if (src.target?.averageValue != null) return `${src.name}: ${cur ? q(cur.current?.averageValue) : '<unknown>'}/${q(src.target.averageValue)}`;
        const current = cur?.current?.averageUtilization != null ? `${cur.current.averageUtilization}%` : '<unknown>';
        const target = src.target?.averageUtilization != null ? `${src.target.averageUtilization}%` : '<auto>';
        return `${src.name}: ${current}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
  return list.join(', ');
}

const HPA_TABLE = {
  columns: [
    NAME_COLUMN,
    { name: 'Reference', type: 'string' as const, description: 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.' },
    { name: 'Targets', type: 'string' as const, description: 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.' },
    { name: 'MinPods', type: 'string' as const, description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.' },
    { name: 'MaxPods', type: 'string' as const, description: 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.' },
    { name: 'Replicas', type: 'string' as const, description: 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.' },
    AGE_COLUMN,
  ],
  /** Rows are computed on the v2 form, as upstream prints the internal object. */
  row: (obj: KObject, now: number) => {
    const spec = obj.spec ?? {};
    const ref = `${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}`;
    const minPods = spec.minReplicas != null ? String(spec.minReplicas) : '<unset>';
    return [obj.metadata.name, ref, formatHPAMetrics(spec.metrics, obj.status?.currentMetrics), minPods, spec.maxReplicas ?? 0, obj.status?.currentReplicas ?? 0, age(obj, now)];
  },
};

const COMMON = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  statusSubresource: true,
  // autoscaling/v2 HorizontalPodAutoscalerStatus.desiredReplicas is not omitempty.
  prepareForCreate(obj: KObject) {
    obj.status = { desiredReplicas: 0 };
  },
};

export const horizontalpodautoscalersV2: ResourceType = {
  ...COMMON,
  version: 'v2',
  model: 'V2HorizontalPodAutoscaler',
  defaults: defaultHPAv2,
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateHPAv2(obj)],
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateHPAv2(obj)],
  table: HPA_TABLE,
};

// ---------- autoscaling/v1 ⇄ v2 ----------

/** v1 MetricSpec (v2beta1-shaped, kept in the metrics annotation) → v2 MetricSpec. */
function metricFromV1(m: J): J {
  const out: J = { type: m.type };
  const target = (value?: unknown, averageValue?: unknown, averageUtilization?: unknown): J => {
    if (averageUtilization != null) return { type: 'Utilization', averageUtilization };
    if (averageValue != null) return { type: 'AverageValue', averageValue };
    return { type: 'Value', value };
  };
  if (m.object) {
    out.object = {
      describedObject: m.object.target,
      metric: { name: m.object.metricName, ...(m.object.selector ? { selector: m.object.selector } : {}) },
      target: m.object.averageValue != null ? { type: 'AverageValue', averageValue: m.object.averageValue } : { type: 'Value', value: m.object.targetValue },
    };
  }
  if (m.pods) out.pods = { metric: { name: m.pods.metricName, ...(m.pods.selector ? { selector: m.pods.selector } : {}) }, target: { type: 'AverageValue', averageValue: m.pods.targetAverageValue } };
  if (m.resource) out.resource = { name: m.resource.name, target: target(undefined, m.resource.targetAverageValue, m.resource.targetAverageUtilization) };
  if (m.containerResource) {
    out.containerResource = { name: m.containerResource.name, container: m.containerResource.container, target: target(undefined, m.containerResource.targetAverageValue, m.containerResource.targetAverageUtilization) };
  }
  if (m.external) {
    out.external = {
      metric: { name: m.external.metricName, ...(m.external.metricSelector ? { selector: m.external.metricSelector } : {}) },
      target: m.external.targetAverageValue != null ? { type: 'AverageValue', averageValue: m.external.targetAverageValue } : { type: 'Value', value: m.external.targetValue },
    };
  }
  return out;
}

/** v2 MetricSpec → v1 MetricSpec. */
function metricToV1(m: J): J {
  const out: J = { type: m.type };
  if (m.object) {
    out.object = {
      target: m.object.describedObject,
      metricName: m.object.metric?.name,
      ...(m.object.metric?.selector ? { selector: m.object.metric.selector } : {}),
      ...(m.object.target?.value != null ? { targetValue: m.object.target.value } : {}),
      ...(m.object.target?.averageValue != null ? { averageValue: m.object.target.averageValue } : {}),
    };
  }
  if (m.pods) out.pods = { metricName: m.pods.metric?.name, ...(m.pods.metric?.selector ? { selector: m.pods.metric.selector } : {}), targetAverageValue: m.pods.target?.averageValue };
  for (const key of ['resource', 'containerResource']) {
    const r = m[key];
    if (!r) continue;
    out[key] = {
      name: r.name,
      ...(r.container ? { container: r.container } : {}),
      ...(r.target?.averageUtilization != null ? { targetAverageUtilization: r.target.averageUtilization } : {}),
      ...(r.target?.averageValue != null ? { targetAverageValue: r.target.averageValue } : {}),
    };
  }
  if (m.external) {
    out.external = {
      metricName: m.external.metric?.name,
      ...(m.external.metric?.selector ? { metricSelector: m.external.metric.selector } : {}),
      ...(m.external.target?.value != null ? { targetValue: m.external.target.value } : {}),
      ...(m.external.target?.averageValue != null ? { targetAverageValue: m.external.target.averageValue } : {}),
    };
  }
  return out;
}

/** v2 MetricStatus → v1 MetricStatus. */
function metricStatusToV1(s: J): J {
  const out: J = { type: s.type };
  if (s.object) {
    out.object = { target: s.object.describedObject, metricName: s.object.metric?.name, currentValue: s.object.current?.value, ...(s.object.metric?.selector ? { selector: s.object.metric.selector } : {}), ...(s.object.current?.averageValue != null ? { averageValue: s.object.current.averageValue } : {}) };
  }
  if (s.pods) out.pods = { metricName: s.pods.metric?.name, currentAverageValue: s.pods.current?.averageValue, ...(s.pods.metric?.selector ? { selector: s.pods.metric.selector } : {}) };
  for (const key of ['resource', 'containerResource']) {
    const r = s[key];
    if (!r) continue;
    out[key] = { name: r.name, ...(r.container ? { container: r.container } : {}), currentAverageValue: r.current?.averageValue, ...(r.current?.averageUtilization != null ? { currentAverageUtilization: r.current.averageUtilization } : {}) };
  }
  if (s.external) out.external = { metricName: s.external.metric?.name, currentValue: s.external.current?.value, ...(s.external.current?.averageValue != null ? { currentAverageValue: s.external.current.averageValue } : {}), ...(s.external.metric?.selector ? { metricSelector: s.external.metric.selector } : {}) };
  return out;
}

/** v1 MetricStatus → v2 MetricStatus. */
function metricStatusFromV1(s: J): J {
  const out: J = { type: s.type };
  if (s.object) out.object = { describedObject: s.object.target, metric: { name: s.object.metricName, ...(s.object.selector ? { selector: s.object.selector } : {}) }, current: { value: s.object.currentValue, ...(s.object.averageValue != null ? { averageValue: s.object.averageValue } : {}) } };
  if (s.pods) out.pods = { metric: { name: s.pods.metricName, ...(s.pods.selector ? { selector: s.pods.selector } : {}) }, current: { averageValue: s.pods.currentAverageValue } };
  for (const key of ['resource', 'containerResource']) {
    const r = s[key];
    if (!r) continue;
    out[key] = { name: r.name, ...(r.container ? { container: r.container } : {}), current: { averageValue: r.currentAverageValue, ...(r.currentAverageUtilization != null ? { averageUtilization: r.currentAverageUtilization } : {}) } };
  }
  if (s.external) out.external = { metric: { name: s.external.metricName, ...(s.external.metricSelector ? { selector: s.external.metricSelector } : {}) }, current: { value: s.external.currentValue, ...(s.external.currentAverageValue != null ? { averageValue: s.external.currentAverageValue } : {}) } };
  return out;
}

/**
 * The behavior annotation holds the internal HorizontalPodAutoscalerBehavior marshalled by
 * encoding/json without tags: Go field names, nil pointers as null.
 */
function rulesToGo(r: J | undefined): J | null {
  if (!r) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: r.policies ? r.policies.map((p: J) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
  };
}

function rulesFromGo(r: J | undefined | null): J | undefined {
  if (!r) return undefined;
  const out: J = {};
  const get = (pascal: string, camel: string) => r[pascal] ?? r[camel];
  if (get('StabilizationWindowSeconds', 'stabilizationWindowSeconds') != null) out.stabilizationWindowSeconds = get('StabilizationWindowSeconds', 'stabilizationWindowSeconds');
  if (get('SelectPolicy', 'selectPolicy') != null) out.selectPolicy = get('SelectPolicy', 'selectPolicy');
  const policies = get('Policies', 'policies');
  if (policies != null) out.policies = policies.map((p: J) => ({ type: p.Type ?? p.type, value: p.Value ?? p.value, periodSeconds: p.PeriodSeconds ?? p.periodSeconds }));
  return out;
}

function behaviorToAnnotation(b: J): string {
  return JSON.stringify({ ScaleUp: rulesToGo(b.scaleUp), ScaleDown: rulesToGo(b.scaleDown) });
}

function behaviorFromAnnotation(v: J): J {
  const out: J = {};
  const up = rulesFromGo(v.ScaleUp ?? v.scaleUp);
  const down = rulesFromGo(v.ScaleDown ?? v.scaleDown);
  if (up) out.scaleUp = up;
  if (down) out.scaleDown = down;
  return out;
}

function isCPUUtilization(m: J): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.averageUtilization != null;
}

function parseAnnotation(v: string | undefined): J[] | J | undefined {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    // Upstream ignores an annotation it cannot decode.
    return undefined;
  }
}

/** Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler, then v2 defaults. */
export function hpaV1ToV2(v1: KObject): KObject {
  const ann = { ...(v1.metadata.annotations ?? {}) };
  const spec = v1.spec ?? {};
  const v2spec: J = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas != null) v2spec.minReplicas = spec.minReplicas;
  const metrics: J[] = [];
  const other = parseAnnotation(ann[METRIC_SPECS_ANNOTATION]);
  if (Array.isArray(other)) metrics.push(...other.map(metricFromV1));
  if (spec.targetCPUUtilizationPercentage != null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (metrics.length) v2spec.metrics = metrics;
  const behavior = parseAnnotation(ann[BEHAVIOR_ANNOTATION]);
  if (behavior && !Array.isArray(behavior)) v2spec.behavior = behaviorFromAnnotation(behavior);

  const st = v1.status;
  let v2status: J | undefined;
  if (st) {
    v2status = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) if (st[k] != null) v2status[k] = st[k];
    v2status.desiredReplicas ??= 0;
    const cur = parseAnnotation(ann[METRIC_STATUSES_ANNOTATION]);
    if (Array.isArray(cur)) v2status.currentMetrics = cur.map(metricStatusFromV1);
    else if (st.currentCPUUtilizationPercentage != null) {
      v2status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }];
    }
    const conds = parseAnnotation(ann[CONDITIONS_ANNOTATION]);
    if (Array.isArray(conds)) v2status.conditions = conds;
  }
  for (const k of ROUND_TRIP_ANNOTATIONS) delete ann[k];
  const metadata = { ...v1.metadata };
  if (Object.keys(ann).length) metadata.annotations = ann;
  else delete metadata.annotations;
  const out: KObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: v2spec };
  if (v2status) out.status = v2status;
  defaultHPAv2(out);
  return out;
}

/** Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler. */
export function hpaV2ToV1(v2: KObject): KObject {
  const ann: Record<string, string> = { ...(v2.metadata.annotations ?? {}) };
  for (const k of ROUND_TRIP_ANNOTATIONS) delete ann[k];
  const spec = v2.spec ?? {};
  const v1spec: J = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas != null) v1spec.minReplicas = spec.minReplicas;
  const metrics: J[] = spec.metrics ?? [];
  const cpu = metrics.find(isCPUUtilization);
  if (cpu) v1spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  const other = metrics.filter((m) => !isCPUUtilization(m)).map(metricToV1);
  if (other.length) ann[METRIC_SPECS_ANNOTATION] = JSON.stringify(other);
  if (spec.behavior) ann[BEHAVIOR_ANNOTATION] = behaviorToAnnotation(spec.behavior);

  let v1status: J | undefined;
  const st = v2.status;
  if (st) {
    v1status = {};
    for (const k of ['observedGeneration', 'lastScaleTime']) if (st[k] != null) v1status[k] = st[k];
    v1status.currentReplicas = st.currentReplicas ?? 0;
    v1status.desiredReplicas = st.desiredReplicas ?? 0;
    const curCPU = (st.currentMetrics ?? []).find((m: J) => m.type === 'Resource' && m.resource?.name === 'cpu');
    if (curCPU?.resource?.current?.averageUtilization != null) v1status.currentCPUUtilizationPercentage = curCPU.resource.current.averageUtilization;
    // The status metrics are saved whole, even the CPU one, to keep the raw values.
    if ((st.currentMetrics ?? []).length) ann[METRIC_STATUSES_ANNOTATION] = JSON.stringify(st.currentMetrics.map(metricStatusToV1));
    if ((st.conditions ?? []).length) ann[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
  }
  const metadata = { ...v2.metadata };
  if (Object.keys(ann).length) metadata.annotations = ann;
  else delete metadata.annotations;
  const out: KObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata, spec: v1spec };
  if (v1status) out.status = v1status;
  return out;
}

export const horizontalpodautoscalersV1: ResourceType = {
  ...COMMON,
  version: 'v1',
  model: 'V1HorizontalPodAutoscaler',
  storage: { group: 'autoscaling', plural: 'horizontalpodautoscalers' },
  toStorage: hpaV1ToV2,
  fromStorage: hpaV2ToV1,
  // autoscaling/v1 status counters are both not omitempty.
  prepareForCreate(obj) {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  // autoscaling/v1 SetDefaults_HorizontalPodAutoscaler.
  defaults(obj) {
    const spec = ensure(obj, 'spec') as J;
    spec.minReplicas ??= 1;
  },
  // Upstream validates the internal (v2-shaped) object.
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: true }), ...validateHPAv2(hpaV1ToV2(obj))],
  validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateHPAv2(hpaV1ToV2(obj))],
  table: { columns: HPA_TABLE.columns, row: (obj, now) => HPA_TABLE.row(hpaV1ToV2(obj), now) },
};
