// Server-side printing: meta.k8s.io Table with one row per object and a PartialObjectMetadata in
// every row (kubectl needs it for -A, --show-labels and -L; KUBECTL-WIRE.md §3).
import { DEFAULT_TABLE } from '../registry/printing.js';
import type { KObject, ResourceType } from '../registry/resource-type.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialObjectMetadata(obj: KObject, asVersion = 'v1'): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${asVersion}`, metadata: obj.metadata };
}

export function buildTable(
  rt: ResourceType,
  objects: KObject[],
  opts: { includeObject?: IncludeObject; asVersion?: string; listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number }; noHeaders?: boolean },
): Record<string, unknown> {
  const spec = rt.table ?? DEFAULT_TABLE;
  const now = Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj) => {
    let cells: unknown[];
    try {
      cells = spec.row(obj, now);
    } catch {
      // A printer must never fail a list: the name, and <unknown> for the rest.
      cells = [obj.metadata.name];
      while (cells.length < spec.columns.length) cells.push('<unknown>');
    }
    const row: Record<string, unknown> = { cells };
    if (include === 'Object') row.object = obj;
    else if (include === 'Metadata') row.object = partialObjectMetadata(obj, opts.asVersion);
    return row;
  });
  const table: Record<string, unknown> = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.asVersion ?? 'v1'}`,
    metadata: opts.listMeta ?? {},
    columnDefinitions: opts.noHeaders
      ? []
      : spec.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows,
  };
  return table;
}
