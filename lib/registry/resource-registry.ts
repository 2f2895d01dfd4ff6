// The live set of served resources: built-ins at start, custom resources added and removed at
// run time as CRDs come and go. Discovery and OpenAPI listen for changes.
import type { ResourceType } from './resource-type.js';

export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  private readonly listeners = new Set<() => void>();

  constructor(initial: ResourceType[] = []) {
    for (const rt of initial) this.byKey.set(keyOf(rt.group, rt.version, rt.plural), rt);
  }

  add(rt: ResourceType): void {
    this.byKey.set(keyOf(rt.group, rt.version, rt.plural), rt);
    this.changed();
  }

  remove(group: string, version: string, plural: string): void {
    if (this.byKey.delete(keyOf(group, version, plural))) this.changed();
  }

  /** Replaces every resource of a group (used when a CRD's versions change). */
  replaceGroupResources(predicate: (rt: ResourceType) => boolean, next: ResourceType[]): void {
    for (const [k, rt] of this.byKey) if (predicate(rt)) this.byKey.delete(k);
    for (const rt of next) this.byKey.set(keyOf(rt.group, rt.version, rt.plural), rt);
    this.changed();
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byKey.get(keyOf(group, version, plural));
  }

  /** Finds a resource by kind in a group-version (for bodies whose kind must be resolved). */
  lookupKind(group: string, version: string, kind: string): ResourceType | undefined {
    for (const rt of this.byKey.values()) if (rt.group === group && rt.version === version && rt.kind === kind) return rt;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Whether any resource is served in this group(-version). */
  hasGroupVersion(group: string, version?: string): boolean {
    for (const rt of this.byKey.values()) if (rt.group === group && (version === undefined || rt.version === version)) return true;
    return false;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

function keyOf(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}
