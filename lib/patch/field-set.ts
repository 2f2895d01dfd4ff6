// Field paths and sets in the form structured-merge-diff (sigs.k8s.io/structured-merge-diff/v4
// fieldpath) gives them, and their `FieldsV1` encoding in metadata.managedFields:
//   f:<name>        a struct field or map entry
//   k:{"name":"x"}  an item of an associative list, by its keys (JSON, keys sorted)
//   v:<json>        an item of a set list, by value
//   i:<n>           an item of a list, by index (not produced by this implementation)
//   .               inside an encoded node: the node itself is a member, not only its children
import { isObject, type JsonObject } from './json-value.js';

/** One path element, already in its FieldsV1 token form. */
export type PathToken = string;
export type FieldPath = PathToken[];

const SEP = '\n'; // never appears in a token: JSON.stringify escapes newlines

export const fieldToken = (name: string): PathToken => `f:${name}`;
export const valueToken = (v: unknown): PathToken => `v:${JSON.stringify(v)}`;
export function keyToken(keys: Record<string, unknown>): PathToken {
  const sorted: JsonObject = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

export function pathKey(p: FieldPath): string {
  return p.join(SEP);
}
export function keyPath(k: string): FieldPath {
  return k === '' ? [] : k.split(SEP);
}

/** A set of field paths. */
export class FieldSet {
  private readonly members = new Set<string>();
  constructor(paths: Iterable<FieldPath | string> = []) {
    for (const p of paths) this.members.add(typeof p === 'string' ? p : pathKey(p));
  }
  insert(p: FieldPath): void {
    this.members.add(pathKey(p));
  }
  has(p: FieldPath | string): boolean {
    return this.members.has(typeof p === 'string' ? p : pathKey(p));
  }
  get size(): number {
    return this.members.size;
  }
  get empty(): boolean {
    return this.members.size === 0;
  }
  keys(): string[] {
    return [...this.members];
  }
  paths(): FieldPath[] {
    return this.keys().map(keyPath);
  }
  union(o: FieldSet): FieldSet {
    return new FieldSet([...this.members, ...o.members]);
  }
  intersection(o: FieldSet): FieldSet {
    return new FieldSet([...this.members].filter((m) => o.members.has(m)));
  }
  difference(o: FieldSet): FieldSet {
    return new FieldSet([...this.members].filter((m) => !o.members.has(m)));
  }
  /** Members not under (or at) any of the given prefixes (fieldpath.Set.RecursiveDifference). */
  withoutPrefixes(prefixes: FieldPath[]): FieldSet {
    const pk = prefixes.map(pathKey);
    return new FieldSet([...this.members].filter((m) => !pk.some((p) => m === p || m.startsWith(p + SEP))));
  }
  /** True when `p` is a member or some member lies under it. */
  coversOrContains(p: FieldPath): boolean {
    const k = pathKey(p);
    for (const m of this.members) if (m === k || m.startsWith(k + SEP)) return true;
    return false;
  }
}

function tokenRank(t: string): number {
  return { f: 0, k: 1, v: 2, i: 3 }[t[0] as 'f' | 'k' | 'v' | 'i'] ?? 4;
}
export function compareTokens(a: string, b: string): number {
  return tokenRank(a) - tokenRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

interface Node {
  member: boolean;
  children: Map<string, Node>;
}

/** Encodes a set as a FieldsV1 object (`{"f:spec":{"f:replicas":{}}}`). */
export function encodeFieldsV1(set: FieldSet): JsonObject {
  const root: Node = { member: false, children: new Map() };
  for (const p of set.paths()) {
    let n = root;
    for (const t of p) {
      let c = n.children.get(t);
      if (!c) n.children.set(t, (c = { member: false, children: new Map() }));
      n = c;
    }
    n.member = true;
  }
  const render = (n: Node): JsonObject => {
    const out: JsonObject = {};
    if (n.member && n.children.size > 0) out['.'] = {};
    for (const t of [...n.children.keys()].sort(compareTokens)) out[t] = render(n.children.get(t)!);
    return out;
  };
  return render(root);
}

/** Decodes a FieldsV1 object; malformed input yields what could be read. */
export function decodeFieldsV1(v: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: FieldPath) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) set.insert(path);
    for (const k of keys) {
      if (k === '.') set.insert(path);
      else walk(node[k], [...path, k]);
    }
  };
  walk(v, []);
  return set;
}

/** fieldpath.Path.String(): `.spec.template.spec.containers[name="nginx"].image`. */
export function pathString(p: FieldPath): string {
  const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return p
    .map((t) => {
      const body = t.slice(2);
      switch (t[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const keys = JSON.parse(body) as JsonObject;
          return `[${Object.keys(keys)
            .sort()
            .map((k) => `${k}=${show(keys[k])}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${show(JSON.parse(body))}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
