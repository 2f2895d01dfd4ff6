import assert from 'node:assert/strict';
import { ApiError } from '../../lib/api/errors.js';
import {
  checkUnknownFields,
  fieldValidationDirective,
  strictDecodingError,
  strictPatchError,
  unknownFields,
  unknownFieldsInSchema,
  unknownFieldWarnings,
  warningHeaderValue,
} from '../../lib/schema/unknown-fields.js';
import { cronTabSchema } from '../openapi/fixtures.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'a/b': 'c' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'a', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } },
          { name: 'b', image: 'nginx', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
        ],
      },
    },
  },
};

describe('unknownFields (built-in kinds)', () => {
  it('accepts a valid Deployment, including maps, int-or-string and quantities', () => {
    assert.deepEqual(unknownFields(deployment, 'V1Deployment'), []);
  });

  it('reports unknown fields at the top, in spec and in metadata with upstream paths, in document order', () => {
    const obj = { foo: 1, ...deployment, metadata: { name: 'x', colour: 'red' }, spec: { ...deployment.spec, replicaz: 3 } };
    assert.deepEqual(unknownFields(obj, 'V1Deployment'), ['foo', 'metadata.colour', 'spec.replicaz']);
  });

  it('finds unknown fields inside list items with their index', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const obj = structuredClone(deployment) as any;
    obj.spec.template.spec.containers[1].imagee = 'typo';
    obj.spec.template.spec.containers[0].ports[0].hostPortt = 1;
    assert.deepEqual(unknownFields(obj, 'V1Deployment'), [
      'spec.template.spec.containers[0].ports[0].hostPortt',
      'spec.template.spec.containers[1].imagee',
    ]);
  });

  it('finds unknown fields deep in status, past maps of quantities and strings', () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'i' }], overhead: { cpu: '1' }, nodeSelector: { a: 'b' } },
      status: { containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'i', imageID: '', state: { running: { startedAt: 'x', bogus: 1 } } }] },
    };
    assert.deepEqual(unknownFields(pod, 'V1Pod'), ['status.containerStatuses[0].state.running.bogus']);
  });

  it('does not look inside RawExtension-like fields (ControllerRevision.data) and accepts null values of known fields', () => {
    const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'x', labels: null }, revision: 1, data: { anything: { goes: true } } };
    assert.deepEqual(unknownFields(cr, 'V1ControllerRevision'), []);
  });

  it('is case-sensitive, as the strict decoder is', () => {
    assert.deepEqual(unknownFields({ metadata: { Name: 'x' } }, 'V1ConfigMap'), ['metadata.Name']);
  });
});

describe('unknownFieldsInSchema (custom resources)', () => {
  const ct = {
    apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c', labels: { a: 'b' } },
    spec: { cronSpec: '* * * * */5', image: 'x', ports: [{ port: 1 }], labels: { x: 'y' }, size: 3, extra: { free: { form: 1 } } },
  };

  it('accepts fields the schema declares, additionalProperties maps and preserve-unknown-fields subtrees', () => {
    assert.deepEqual(unknownFieldsInSchema(ct, cronTabSchema), []);
  });

  it('reports unknown fields in objects, list items and metadata', () => {
    const bad = structuredClone(ct) as Record<string, any>;
    bad.spec.foo = 1;
    bad.spec.ports[0].protocol = 'TCP';
    bad.metadata.colour = 'red';
    bad.top = true;
    assert.deepEqual(unknownFieldsInSchema(bad, cronTabSchema), ['metadata.colour', 'spec.ports[0].protocol', 'spec.foo', 'top']);
  });

  it('accepts anything under a root that preserves unknown fields', () => {
    assert.deepEqual(unknownFieldsInSchema({ whatever: { x: 1 } }, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), []);
  });

  it('checks apiVersion/kind/metadata of embedded resources', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } } } } };
    const obj = { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', nope: 1 }, spec: {}, other: 1 } } };
    assert.deepEqual(unknownFieldsInSchema(obj, schema), ['spec.template.metadata.nope', 'spec.template.other']);
  });
});

describe('fieldValidation errors and warnings', () => {
  it('builds the strict create/update error exactly as kube-apiserver words it', () => {
    const err = strictDecodingError('Deployment', 'v1', ['spec.foo', 'spec.template.spec.containers[0].imagee']);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    assert.equal(err.status.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagee"');
  });

  it('builds the strict patch error as a 422 on the patch field', () => {
    const err = strictPatchError('{"spec":{"foo":1}}', ['spec.foo']);
    assert.equal(err.code, 422);
    assert.equal(err.status.message, ' "" is invalid: patch: Invalid value: "{\\"spec\\":{\\"foo\\":1}}": strict decoding error: unknown field "spec.foo"');
    assert.equal(err.status.details?.causes?.[0].field, 'patch');
  });

  it('turns each unknown field into one warning header value', () => {
    assert.deepEqual(unknownFieldWarnings(['spec.foo']), ['unknown field "spec.foo"']);
    assert.equal(warningHeaderValue('unknown field "spec.foo"'), '299 - "unknown field \\"spec.foo\\""');
  });

  it('defaults to Warn, and rejects unsupported directives with a 422 on the options kind', () => {
    assert.equal(fieldValidationDirective(undefined), 'Warn');
    assert.equal(fieldValidationDirective('Strict'), 'Strict');
    assert.throws(() => fieldValidationDirective('Loose', 'PatchOptions'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 422);
      assert.equal(e.status.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"');
      return true;
    });
  });

  it('applies a directive: Strict throws, Warn returns warnings, Ignore is silent', () => {
    assert.throws(() => checkUnknownFields('Strict', ['spec.foo'], 'Pod', 'v1'), /strict decoding error/);
    assert.deepEqual(checkUnknownFields('Warn', ['spec.foo'], 'Pod', 'v1'), ['unknown field "spec.foo"']);
    assert.deepEqual(checkUnknownFields('Ignore', ['spec.foo'], 'Pod', 'v1'), []);
    assert.deepEqual(checkUnknownFields('Strict', [], 'Pod', 'v1'), []);
  });
});
