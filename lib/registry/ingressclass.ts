// networking.k8s.io/v1 IngressClass: pkg/registry/networking/ingressclass/strategy.go,
// SetDefaults_IngressClass, ValidateIngressClass* (pkg/apis/networking/validation) and
// printIngressClass.
import { field, FIELD_IMMUTABLE, type FieldError } from '../api/errors.js';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { AGE_COLUMN, NAME_COLUMN, age } from './printing.js';
import type { KObject, ResourceType } from './resource-type.js';

/** IngressClass.spec.controller may be at most this long. */
const MAX_CONTROLLER_LEN = 250;
const HTTP_PATH_FMT = '[A-Za-z0-9/\\-._~%!$&\'()*+,;=:]+';
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** validation.IsDomainPrefixedPath. */
function domainPrefixedPath(v: string, path: string): FieldError[] {
  if (!v) return [field.required(path, '')];
  const i = v.indexOf('/');
  const host = i < 0 ? v : v.slice(0, i);
  const rest = i < 0 ? '' : v.slice(i + 1);
  if (i < 0 || host.length === 0 || rest.length === 0) return [field.invalid(path, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
  if (!HTTP_PATH_RE.test(rest)) errs.push(field.invalid(path, rest, `Invalid path (regex used for validation is '${HTTP_PATH_FMT}')`));
  return errs;
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  const controller: string = spec.controller ?? '';
  if (controller.length > MAX_CONTROLLER_LEN) errs.push(field.tooLong('spec.controller', controller, MAX_CONTROLLER_LEN));
  errs.push(...domainPrefixedPath(controller, 'spec.controller'));
  const params = spec.parameters;
  if (params) {
    const p = 'spec.parameters';
    if (!params.kind) errs.push(field.required(`${p}.kind`, ''));
    if (!params.name) errs.push(field.required(`${p}.name`, ''));
    if (params.scope === 'Namespace') {
      if (!params.namespace) errs.push(field.required(`${p}.namespace`, '`parameters.scope` is set to \'Namespace\''));
    } else if (params.scope === 'Cluster') {
      if (params.namespace) errs.push(field.forbidden(`${p}.namespace`, '`parameters.scope` is set to \'Cluster\''));
    } else if (params.scope != null) {
      errs.push(field.notSupported(`${p}.scope`, params.scope, ['Cluster', 'Namespace']));
    } else {
      errs.push(field.required(`${p}.scope`, ''));
    }
  }
  return errs;
}

export const ingressclasses: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  model: 'V1IngressClass',
  defaults(obj) {
    const params = obj.spec?.parameters;
    if (params && params.scope == null) params.scope = 'Cluster';
  },
  validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateSpec(obj)],
  validateUpdate(obj, old) {
    const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)];
    if ((obj.spec?.controller ?? '') !== (old.spec?.controller ?? '')) errs.push(field.invalid('spec.controller', obj.spec?.controller ?? '', FIELD_IMMUTABLE));
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Controller', type: 'string', description: 'Controller that is responsible for handling this class' },
      { name: 'Parameters', type: 'string', description: 'A reference to a resource with additional parameters' },
      AGE_COLUMN,
    ],
    row: (obj, now) => {
      const p = obj.spec?.parameters;
      const params = p ? `${p.kind ?? ''}${p.apiGroup != null ? '.' + p.apiGroup : ''}/${p.name ?? ''}` : '<none>';
      return [obj.metadata.name, obj.spec?.controller ?? '', params, age(obj, now)];
    },
  },
};
