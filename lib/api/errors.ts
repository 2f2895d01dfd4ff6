// One typed API error that carries a metav1.Status; the only place Status JSON is built.
// Reasons, codes and message forms follow k8s.io/apimachinery/pkg/api/errors and
// k8s.io/apimachinery/pkg/util/validation/field.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Field error types, with the cause reason string upstream puts in StatusCause.type. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  type: FieldErrorType;
  /** JSON-ish path as upstream prints it, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  value?: unknown;
  detail?: string;
  /** Set when the value must not be echoed (secrets). */
  omitValue?: boolean;
}

/** Renders a value the way field.Error does (%#v-ish for strings, plain for numbers/bools). */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** field.Error.ErrorBody(): the message without the field path. */
export function fieldErrorBody(e: FieldError): string {
  const withValue = (prefix: string) => {
    let s = prefix;
    if (!e.omitValue && e.value !== undefined) s += `: ${renderValue(e.value)}`;
    if (e.detail) s += `: ${e.detail}`;
    return s;
  };
  switch (e.type) {
    case 'FieldValueRequired':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'FieldValueForbidden':
      return e.detail ? `Forbidden: ${e.detail}` : 'Forbidden';
    case 'FieldValueTooLong':
      return e.detail ? `Too long: ${e.detail}` : 'Too long';
    case 'FieldValueTooMany':
      // field.TooMany prints the actual count when it is known ("Too many: 4: must have at most 3 items").
      if (typeof e.value === 'number' && e.value >= 0) return `Too many: ${e.value}: ${e.detail ?? ''}`;
      return e.detail ? `Too many: ${e.detail}` : 'Too many';
    case 'InternalError':
      return `Internal error: ${e.detail ?? ''}`;
    case 'FieldValueNotFound':
      return withValue('Not found');
    case 'FieldValueDuplicate':
      return withValue('Duplicate value');
    case 'FieldValueNotSupported':
      return withValue('Unsupported value');
    case 'FieldValueTypeInvalid':
      return withValue('Invalid value');
    case 'FieldValueInvalid':
    default:
      return withValue('Invalid value');
  }
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

// Field error constructors, named as in k8s.io/apimachinery/pkg/util/validation/field.
export const field = {
  required: (path: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field: path, detail }),
  invalid: (path: string, value: unknown, detail?: string): FieldError => ({ type: 'FieldValueInvalid', field: path, value, detail }),
  notSupported: (path: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path,
    value,
    detail: supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : undefined,
  }),
  duplicate: (path: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: path, value }),
  forbidden: (path: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: path, detail }),
  notFound: (path: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: path, value }),
  tooLong: (path: string, value: unknown, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: path,
    value,
    omitValue: true,
    detail: `may not be more than ${max} bytes`,
  }),
  tooMany: (path: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: path,
    detail: `must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
    value: actual,
  }),
  internal: (path: string, detail: string): FieldError => ({ type: 'InternalError', field: path, detail }),
};

/** apimachinery's ImmutableFieldError message. */
export const FIELD_IMMUTABLE = 'field is immutable';

export class ApiError extends Error {
  readonly status: Status;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Record<string, string>;
  constructor(status: Omit<Status, 'kind' | 'apiVersion' | 'metadata' | 'status'> & { status?: 'Failure' }, headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? 'error');
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status } as Status;
    this.headers = headers;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export interface GroupResource {
  group: string;
  resource: string;
}

/** `pods` or `deployments.apps`, as upstream's GroupResource.String(). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError({
    code: 404,
    reason: 'NotFound',
    message: `${qualifiedResource(gr)} "${name}" not found`,
    details: { name, group: gr.group || undefined, kind: gr.resource },
  });
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError({
    code: 409,
    reason: 'AlreadyExists',
    message: `${qualifiedResource(gr)} "${name}" already exists`,
    details: { name, group: gr.group || undefined, kind: gr.resource },
  });
}

/** 409 Conflict: "Operation cannot be fulfilled on pods "x": <why>". */
export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError({
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    details: { name, group: gr.group || undefined, kind: gr.resource },
  });
}

export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid with one cause per field error; message as errors.NewInvalid builds it. */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): ApiError {
  const msgs = errs.map(fieldErrorString);
  const agg = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  return new ApiError({
    code: 422,
    reason: 'Invalid',
    // schema.GroupKind.String(): "Deployment.apps", plain "Pod" for core.
    message: `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${agg}`,
    details: {
      name,
      group: group || undefined,
      kind,
      causes: errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    },
  });
}

export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError({ code: 400, reason: 'BadRequest', message, details: causes ? { causes } : undefined });
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError({ code: 405, reason: 'MethodNotAllowed', message });
}

export function notAcceptable(message: string): ApiError {
  return new ApiError({ code: 406, reason: 'NotAcceptable', message });
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError({
    code: 415,
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    details: contentType ? { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] } : undefined,
  });
}

export function requestEntityTooLarge(message = 'the server has received a request that is too large'): ApiError {
  return new ApiError({ code: 413, reason: 'RequestEntityTooLarge', message });
}

export function gone(message: string): ApiError {
  return new ApiError({ code: 410, reason: 'Expired', message });
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError({ code: 401, reason: 'Unauthorized', message });
}

export function forbidden(gr: GroupResource, name: string, why: string): ApiError {
  const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return new ApiError({
    code: 403,
    reason: 'Forbidden',
    message: `${what} is forbidden: ${why}`,
    details: { name: name || undefined, group: gr.group || undefined, kind: gr.resource },
  });
}

export function internalError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError({
    code: 500,
    reason: 'InternalError',
    message: `Internal error occurred: ${msg}`,
    details: { causes: [{ message: msg }] },
  });
}

export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(
    { code: 429, reason: 'TooManyRequests', message, details: { retryAfterSeconds } },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError({ code: 503, reason: 'ServiceUnavailable', message });
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
