// core/v1 PersistentVolume: SetDefaults_PersistentVolume (Retain, Filesystem), the strategy's
// Pending phase on create, ValidatePersistentVolume(Update) and printPersistentVolume.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { canonicalResourceQuantity, parseQuantity } from '../validation/quantity.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];

/** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
export function accessModesString(modes: string[] | undefined): string {
  const m = new Set(modes ?? []);
  const out: string[] = [];
  if (m.has('ReadWriteOnce')) out.push('RWO');
  if (m.has('ReadOnlyMany')) out.push('ROX');
  if (m.has('ReadWriteMany')) out.push('RWX');
  if (m.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** SetDefaults_ResourceList: canonical form, rounded up to milli precision. */
export function canonicalizeResources(list: J): void {
  if (!list || typeof list !== 'object') return;
  for (const k of Object.keys(list)) list[k] = canonicalResourceQuantity(list[k]);
}

function defaults(pv: KObject): void {
  const spec = (pv.spec ??= {});
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ??= 'Filesystem';
  canonicalizeResources(spec.capacity);
  if (spec.hostPath) spec.hostPath.type ??= '';
  pv.status ??= {};
  pv.status.phase ||= 'Pending';
}

/** ValidatePersistentVolumeSpec: what users hit. */
function validateSpec(pv: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pv.spec ?? {};
  const modes: string[] = spec.accessModes ?? [];
  if (modes.length === 0) errs.push(field.required('spec.accessModes'));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(field.notSupported('spec.accessModes', m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(field.forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  }
  const cap = spec.capacity ?? {};
  if (Object.keys(cap).length === 0) errs.push(field.required('spec.capacity'));
  if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(field.notSupported('spec.capacity', cap, ['storage']));
  for (const [k, v] of Object.entries(cap as Record<string, string>)) {
    const q = parseQuantity(v);
    if (!q) errs.push(field.invalid(`spec.capacity[${k}]`, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    else if (q.mantissa < 0n) errs.push(field.invalid(`spec.capacity[${k}]`, q.canonical, 'must be greater than or equal to 0'));
  }
  if (spec.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  }
  const sources = PV_SOURCES.filter((s) => spec[s] != null);
  if (sources.length === 0) errs.push(field.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(field.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(field.required('spec.hostPath.path'));
  if (spec.nfs) {
    if (!spec.nfs.server) errs.push(field.required('spec.nfs.server'));
    if (!spec.nfs.path) errs.push(field.required('spec.nfs.path'));
  }
  if (spec.local) {
    if (!spec.local.path) errs.push(field.required('spec.local.path'));
    if (!spec.nodeAffinity) errs.push(field.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (spec.volumeMode && !['Block', 'Filesystem'].includes(spec.volumeMode)) errs.push(field.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  if (spec.persistentVolumeReclaimPolicy === 'Recycle' && spec.hostPath && !/^\/tmp\/.+/.test(spec.hostPath.path ?? '')) {
    errs.push(field.forbidden('spec.persistentVolumeReclaimPolicy', 'may not be \'recycle\' for a hostPath mount of \'/\''));
  }
  return errs;
}

function sourceOf(spec: J): Record<string, unknown> {
  return Object.fromEntries(PV_SOURCES.filter((s) => spec?.[s] != null).map((s) => [s, spec[s]]));
}

function validateUpdate(pv: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pv.metadata, old.metadata), ...validateSpec(pv)];
  if (!deepEqual(sourceOf(pv.spec), sourceOf(old.spec))) {
    errs.push(field.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (old.spec?.volumeMode ?? 'Filesystem')) errs.push(field.invalid('spec.volumeMode', pv.spec?.volumeMode, FIELD_IMMUTABLE));
  if (old.spec?.nodeAffinity && !deepEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) errs.push(field.invalid('spec.nodeAffinity', pv.spec?.nodeAffinity, FIELD_IMMUTABLE));
  return errs;
}

function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GetPersistentVolumeClass: the beta annotation wins over spec.storageClassName. */
function storageClass(pv: KObject): string {
  return pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pv.spec?.storageClassName ?? '';
}

export const persistentVolume: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  model: 'V1PersistentVolume',
  statusSubresource: true,
  hasGeneration: false,
  defaults,
  prepareForCreate: (pv) => {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowTimestamp() };
  },
  validate: (pv) => [...validateObjectMeta(pv.metadata, { namespaced: false }), ...validateSpec(pv)],
  validateUpdate,
  validateStatusUpdate: (pv, old) => validateObjectMetaUpdate(pv.metadata, old.metadata),
  prepareForStatusUpdate: (pv, old) => {
    if (pv.status?.phase && pv.status.phase !== old.status?.phase) pv.status.lastPhaseTransitionTime = nowTimestamp();
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Capacity', type: 'string', description: 'capacity is the description of the persistent volume\'s resources and capacity.' },
      { name: 'Access Modes', type: 'string', description: 'accessModes contains all ways the volume can be mounted.' },
      { name: 'Reclaim Policy', type: 'string', description: 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.' },
      { name: 'Status', type: 'string', description: 'phase indicates if a volume is available, bound to a claim, or released by a claim.' },
      { name: 'Claim', type: 'string', description: 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.' },
      { name: 'StorageClass', type: 'string', description: 'storageClassName is the name of StorageClass to which this persistent volume belongs.' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'Name of VolumeAttributesClass to which this persistent volume belongs.' },
      { name: 'Reason', type: 'string', description: 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.' },
      AGE_COLUMN,
      { name: 'VolumeMode', type: 'string', priority: 1, description: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.' },
    ],
    row(pv, now) {
      const ref = pv.spec?.claimRef;
      const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
      const phase = pv.metadata.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
      const cap = pv.spec?.capacity?.storage;
      return [
        pv.metadata.name,
        cap ? parseQuantity(cap)?.canonical ?? cap : '0',
        accessModesString(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        storageClass(pv),
        pv.spec?.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        age(pv, now),
        pv.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  // Upstream's legacy "name" field selector (PersistentVolumeToSelectableFields).
  selectableFields: (pv) => ({ name: pv.metadata.name ?? '' }),
};
