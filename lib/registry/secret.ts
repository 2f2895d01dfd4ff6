// core/v1 Secret: stringData folded into data (upstream does it converting v1 → internal),
// type Opaque by default, ValidateSecret(Update) with the per-type required keys, printSecret.
import { badRequest, field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { isConfigMapKey } from '../validation/names.js';
import { MAX_DATA_SIZE } from './configmap.js';
import { age, AGE_COLUMN, NAME_COLUMN } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

const B64 = /[A-Za-z0-9+/]/;

/**
 * Where Go's base64.StdEncoding gives up on a value ([]byte fields are base64 in JSON), or -1.
 * Line breaks are skipped as Go does; the index is that of the bad byte or of the cut quantum.
 */
function base64ErrorOffset(v: string): number {
  const chars: Array<[string, number]> = [];
  for (let i = 0; i < v.length; i++) if (v[i] !== '\n' && v[i] !== '\r') chars.push([v[i], i]);
  let pad = 0;
  for (let k = 0; k < chars.length; k++) {
    const [c, i] = chars[k];
    if (c === '=') {
      // Padding may only end the last quantum, one or two characters long.
      if (k % 4 < 2) return i;
      pad++;
      continue;
    }
    if (pad > 0 || !B64.test(c)) return i;
  }
  if (chars.length % 4 !== 0) return chars.length - (chars.length % 4);
  return -1;
}

/** SetDefaults_Secret, plus Convert_v1_Secret_To_core_Secret's stringData merge (write-only field). */
function defaults(s: KObject): void {
  for (const v of Object.values((s.data ?? {}) as Record<string, unknown>)) {
    const at = typeof v === 'string' ? base64ErrorOffset(v) : 0;
    if (at >= 0) {
      // Upstream fails while decoding the body: a 400, not a 422.
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`);
    }
  }
  s.type ||= 'Opaque';
  if (s.stringData && typeof s.stringData === 'object') {
    s.data ??= {};
    for (const [k, v] of Object.entries(s.stringData as Record<string, string>)) s.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete s.stringData;
}

function dataBytes(s: KObject, key: string): number {
  const v = s.data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

function validate(s: KObject): FieldError[] {
  const errs = validateObjectMeta(s.metadata, { namespaced: true });
  let total = 0;
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    total += Buffer.from(String(v), 'base64').length;
  }
  if (total > MAX_DATA_SIZE) errs.push(field.tooLong('data', '', MAX_DATA_SIZE));
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      if (!s.metadata.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(field.required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      if (!s.data?.['.dockercfg']) errs.push(field.required('data[.dockercfg]'));
      else if (!isJSON(s.data['.dockercfg'])) errs.push(field.invalid('data[.dockercfg]', '<secret contents redacted>', 'invalid character'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!s.data?.['.dockerconfigjson']) errs.push(field.required('data[.dockerconfigjson]'));
      else if (!isJSON(s.data['.dockerconfigjson'])) errs.push(field.invalid('data[.dockerconfigjson]', '<secret contents redacted>', 'invalid character'));
      break;
    case 'kubernetes.io/basic-auth':
      // Either key may be empty, but one must be present.
      if (!(s.data && 'username' in s.data) && !(s.data && 'password' in s.data)) {
        errs.push(field.required('data[username]'));
        errs.push(field.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!dataBytes(s, 'ssh-privatekey')) errs.push(field.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!s.data || !('tls.crt' in s.data)) errs.push(field.required('data[tls.crt]'));
      if (!s.data || !('tls.key' in s.data)) errs.push(field.required('data[tls.key]'));
      break;
    default:
      break;
  }
  return errs;
}

function isJSON(b64: string): boolean {
  try {
    JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** ValidateSecretUpdate: type is immutable; so is everything once `immutable: true`. */
function validateUpdate(s: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  if ((s.type || 'Opaque') !== (old.type || 'Opaque')) errs.push(field.invalid('type', s.type, FIELD_IMMUTABLE));
  if (old.immutable === true) {
    if (s.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(s.data, old.data)) errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
  }
  // ValidateSecretUpdate re-runs ValidateSecret; its object-meta part repeats the update checks.
  errs.push(...validate(s).filter((e) => !e.field.startsWith('metadata.') || e.field.startsWith('metadata.annotations[')));
  return errs;
}

export const secret: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  model: 'V1Secret',
  hasGeneration: false,
  defaults,
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Type', type: 'string', description: 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types' },
      { name: 'Data', type: 'string', description: 'Data contains the secret data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4' },
      AGE_COLUMN,
    ],
    row: (s, now) => [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
  },
  selectableFields: (s) => ({ type: s.type ?? '' }),
};
