// A resource is described by one ResourceType: identity (group/version/kind/plural, scope,
// short names, categories) plus small strategy hooks, as upstream's per-resource strategy.go
// does. The generic store (lib/registry/generic-store.ts) does all the mechanics
// (uid, resourceVersion, generation, finalizers, watch, dry-run, patch); a resource file
// holds no HTTP or storage code.
import type { FieldError } from '../api/errors.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  managedFields?: Array<Record<string, unknown>>;
  selfLink?: string;
  [k: string]: unknown;
}

/** A Kubernetes object in its JSON wire form. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [k: string]: any;
}

/** One column of a server-side Table (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 = always shown; > 0 = only with -o wide. */
  priority?: number;
}

export interface TableSpec {
  /** All columns, Name first, in upstream's order (pkg/printers/internalversion/printers.go). */
  columns: TableColumn[];
  /** One cell per column for this object. `now` is ms since epoch, for Age-like cells. */
  row(obj: KObject, now: number): unknown[];
}

/** Where the scale subresource finds replicas (as a CRD's scale subresource declares it). */
export interface ScaleSpec {
  /** Dotted path of the desired replica count, e.g. `spec.replicas`. */
  specReplicasPath: string;
  /** Dotted path of the observed replica count, e.g. `status.replicas`. */
  statusReplicasPath: string;
  /** Dotted path of the label selector string in status, e.g. `status.selector` (optional). */
  labelSelectorPath?: string;
  /** How to compute the selector string when the object has a LabelSelector at spec.selector. */
  selectorFromSpec?: boolean;
}

/** A subresource listed in discovery (status and scale are served generically; others by lib/api handlers). */
export interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** client-node model class of the kind (e.g. `V1Pod`); drives OpenAPI and field validation. */
  model?: string;
  /** JSON schema (OpenAPI v3) for kinds without a model, e.g. custom resources. */
  schema?: Record<string, unknown>;
  /** Default: create, delete, deletecollection, get, list, patch, update, watch. */
  verbs?: string[];
  /** Serves `<plural>/status`; the main resource then ignores status changes and vice versa. */
  statusSubresource?: boolean;
  /** Serves `<plural>/scale` as autoscaling/v1 Scale. */
  scale?: ScaleSpec;
  /** Further subresources for discovery (log, exec, binding, eviction …). */
  subresources?: SubresourceInfo[];
  /**
   * Resources sharing storage across versions (HPA autoscaling/v1 + v2, core/v1 Event +
   * events.k8s.io/v1): the storage key `group/plural` of the stored version, and conversions.
   */
  storage?: { group: string; plural: string };
  toStorage?(obj: KObject): KObject;
  fromStorage?(obj: KObject): KObject;
  /** Generation bumps on changes outside metadata and status (default true; false for e.g. ConfigMap). */
  hasGeneration?: boolean;

  // --- strategy hooks (all optional, all mutate or inspect plain JSON objects) ---
  /** Scheme defaulting (SetDefaults_*): applied to every object decoded from a request. */
  defaults?(obj: KObject): void;
  /** Clears what a client may not set on create (e.g. status when statusSubresource). */
  prepareForCreate?(obj: KObject): void;
  /** Carries over what an update of the main resource may not change (e.g. status). */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** For `/status` updates: carries over everything but status (default does exactly that). */
  prepareForStatusUpdate?(obj: KObject, old: KObject): void;
  validate?(obj: KObject): FieldError[];
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  validateStatusUpdate?(obj: KObject, old: KObject): FieldError[];
  /** PUT of a missing object creates it (upstream AllowCreateOnUpdate). */
  allowCreateOnUpdate?: boolean;
  /** Server-side Table. Without it, Name and Age (as kube-apiserver's default table). */
  table?: TableSpec;
  /** Field-selector fields beyond metadata.name and metadata.namespace (e.g. spec.nodeName). */
  selectableFields?(obj: KObject): Record<string, string>;
  /**
   * Resources that are never stored (SelfSubjectAccessReview, TokenReview …): a create answers
   * with the computed object. `user` is the requester.
   */
  virtualCreate?(obj: KObject, user: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }): KObject | Promise<KObject>;
  /**
   * Deletion that must wait for cleanup the object itself records (Namespace: spec.finalizers).
   * Called on delete; returns true and marks `obj` when deletion must wait.
   */
  deferDelete?(obj: KObject): boolean;
  /**
   * Graceful deletion (upstream RESTGracefulDeleteStrategy), for resources that have it (pods):
   * the grace period to use given the one requested (undefined = none given). Resources without
   * this hook are deleted at once whatever the request says.
   */
  gracePeriodSeconds?(obj: KObject, requested: number | undefined): number;
}

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export function storageKeyOf(rt: ResourceType): { group: string; plural: string } {
  return rt.storage ?? { group: rt.group, plural: rt.plural };
}
