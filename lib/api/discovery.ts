// Discovery documents: legacy (/api, /apis, /api/v1, /apis/g/v) and aggregated
// (apidiscovery.k8s.io v2 and v2beta1; kubectl 1.28-1.29 ask for v2beta1 only).
// Shapes per KUBECTL-WIRE.md §1 and apimachinery apidiscovery/v2 types.
import { apiVersionOf, DEFAULT_VERBS, type ResourceType } from '../registry/resource-type.js';

/** Kubernetes version priority (GA > beta > alpha, higher numbers first), as version.CompareKubeAwareVersionStrings. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kind: -1, major: 0, minor: 0 };
    return { kind: m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.kind !== y.kind) return y.kind - x.kind;
  if (x.major !== y.major) return y.major - x.major;
  if (x.minor !== y.minor) return y.minor - x.minor;
  return a.localeCompare(b);
}

interface GroupInfo {
  name: string;
  versions: string[]; // preferred first
}

export function groupsOf(resources: ResourceType[]): GroupInfo[] {
  const groups = new Map<string, Set<string>>();
  for (const rt of resources) {
    if (!rt.group) continue;
    if (!groups.has(rt.group)) groups.set(rt.group, new Set());
    groups.get(rt.group)!.add(rt.version);
  }
  return [...groups.entries()].map(([name, vs]) => ({ name, versions: [...vs].sort(compareKubeVersions) }));
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroup(g: GroupInfo) {
  return {
    name: g.name,
    versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
  };
}

export function apiGroupList(resources: ResourceType[]) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(resources).map(apiGroup) };
}

export function apiGroupDoc(resources: ResourceType[], group: string) {
  const g = groupsOf(resources).find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

/** APIResourceList for one group-version, subresources as `pods/exec`. */
export function apiResourceList(resources: ResourceType[], group: string, version: string) {
  const list = resources.filter((r) => r.group === group && r.version === version);
  if (!list.length) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const rt of list) {
    const e: Record<string, unknown> = {
      name: rt.plural,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs ?? DEFAULT_VERBS,
    };
    if (rt.shortNames?.length) e.shortNames = rt.shortNames;
    if (rt.categories?.length) e.categories = rt.categories;
    out.push(e);
    for (const sub of subresourcesOf(rt)) {
      const s: Record<string, unknown> = { name: `${rt.plural}/${sub.name}`, singularName: '', namespaced: rt.namespaced, kind: sub.kind, verbs: sub.verbs };
      if (sub.group !== undefined && (sub.group !== rt.group || sub.version !== rt.version)) {
        s.group = sub.group;
        s.version = sub.version;
      }
      out.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources: out };
}

/** status/scale declared by flags plus any others the resource lists, without duplicates. */
export function subresourcesOf(rt: ResourceType) {
  const subs = [...(rt.subresources ?? [])];
  if (rt.statusSubresource && !subs.some((s) => s.name === 'status')) subs.push({ name: 'status', kind: rt.kind, verbs: ['get', 'patch', 'update'] });
  if (rt.scale && !subs.some((s) => s.name === 'scale')) subs.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  return subs.sort((a, b) => a.name.localeCompare(b.name));
}

function discoveryResource(rt: ResourceType) {
  const r: Record<string, unknown> = {
    resource: rt.plural,
    responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
    scope: rt.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: rt.singular,
    verbs: rt.verbs ?? DEFAULT_VERBS,
  };
  if (rt.shortNames?.length) r.shortNames = rt.shortNames;
  if (rt.categories?.length) r.categories = rt.categories;
  const subs = subresourcesOf(rt);
  if (subs.length) {
    r.subresources = subs.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? rt.group, version: s.version ?? rt.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return r;
}

/** Aggregated discovery for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(resources: ResourceType[], legacy: boolean, version: 'v2' | 'v2beta1') {
  const items: Record<string, unknown>[] = [];
  if (legacy) {
    items.push({
      metadata: {},
      versions: [{ version: 'v1', resources: resources.filter((r) => !r.group).map(discoveryResource), freshness: 'Current' }],
    });
  } else {
    for (const g of groupsOf(resources)) {
      items.push({
        metadata: { name: g.name },
        versions: g.versions.map((v) => ({
          version: v,
          resources: resources.filter((r) => r.group === g.name && r.version === v).map(discoveryResource),
          freshness: 'Current',
        })),
      });
    }
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.toLowerCase().replace(/\s/g, '');
    if (!p.includes('g=apidiscovery.k8s.io') || !p.includes('as=apigroupdiscoverylist')) continue;
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}
