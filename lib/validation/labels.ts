// Labels, annotations and label selectors, as k8s.io/apimachinery/pkg/apis/meta/v1/validation
// and pkg/api/validation/objectmeta.go validate them.
import { field, type FieldError } from '../api/errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** apimachinery TotalAnnotationSizeLimitB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** metav1validation.ValidateLabelName. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => field.invalid(path, name, m));
}

/** metav1validation.ValidateLabels: keys are qualified names, values label values. */
export function validateLabels(labels: Record<string, string> | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    if (typeof v !== 'string') {
      errs.push(field.invalid(path, v, 'must be a string'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(field.invalid(path, v, m));
  }
  return errs;
}

/** Sum of key and value lengths, as ValidateAnnotationsSize counts them (bytes). */
export function annotationsSize(annotations: Record<string, string> | undefined | null): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  return total;
}

/** apimachinery ValidateAnnotations: keys are case-insensitive qualified names, 256 KiB in total. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, m));
  }
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** metav1validation.ValidateLabelSelectorRequirement. */
export function validateLabelSelectorRequirement(sr: LabelSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = sr.values ?? [];
  switch (sr.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(field.invalid(`${path}.operator`, sr.operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(sr.key ?? '', `${path}.key`));
  values.forEach((v, i) => {
    for (const m of isValidLabelValue(v)) errs.push(field.invalid(`${path}.values[${i}]`, v, m));
  });
  return errs;
}

/** metav1validation.ValidateLabelSelector (nil selector is valid). */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((e, i) => errs.push(...validateLabelSelectorRequirement(e, `${path}.matchExpressions[${i}]`)));
  return errs;
}

/** True when `labels` satisfy a LabelSelector (an empty selector matches everything). */
export function selectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(l[e.key])) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(l[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Upstream's Go-map rendering of a label map in messages: map[string]string{"app":"web"}. */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  const keys = Object.keys(m ?? {}).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m![k])}`).join(', ')}}`;
}
