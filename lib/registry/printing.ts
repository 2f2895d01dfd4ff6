// Helpers for server-side Table cells, matching k8s.io/apimachinery/pkg/util/duration and
// the column definitions in kubernetes pkg/printers/internalversion/printers.go.
import type { KObject, TableColumn } from './resource-type.js';

/** duration.HumanDuration: "45s", "5m10s", "3h", "2d5h", "400d", "3y20d". */
export function humanDuration(ms: number): string {
  let seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  seconds = 0;
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** translateTimestampSince: "<unknown>" for no time, else HumanDuration(now - t). */
export function since(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

/** The Age cell of an object. */
export function age(obj: KObject, now: number): string {
  return since(obj.metadata.creationTimestamp, now);
}

/** Name column, as upstream: format "name". */
export const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
};

export const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

/** kube-apiserver's default table convertor column (rest.NewDefaultTableConvertor). */
export const CREATED_AT_COLUMN: TableColumn = {
  name: 'Created At',
  type: 'date',
  description: AGE_COLUMN.description,
};

/** The default table for resources without their own printer: Name, Created At (as kube-apiserver). */
export const DEFAULT_TABLE = {
  columns: [NAME_COLUMN, CREATED_AT_COLUMN],
  row: (obj: KObject) => [obj.metadata.name, obj.metadata.creationTimestamp ?? null],
};

/** "<none>" for empty strings, as printers do. */
export function orNone(s: string | undefined | null): string {
  return s ? s : '<none>';
}

/** Renders a LabelSelector as metav1.FormatLabelSelector does ("app=web,tier in (a,b)", "<none>", "<all>"?). */
export function formatLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined | null): string {
  if (!sel) return '<none>';
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) parts.push(`${k}=${sel.matchLabels![k]}`);
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  const s = parts.join(',');
  return s.length === 0 ? '<none>' : s;
}

/** A map selector (Service, RC) as labels.FormatLabels: "a=b,c=d" or "<none>". */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  if (!m || Object.keys(m).length === 0) return '<none>';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join(',');
}
