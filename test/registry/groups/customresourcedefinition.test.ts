import { strict as assert } from 'node:assert';
import { customresourcedefinitions as crds, validateStructural } from '../../../lib/registry/customresourcedefinition.js';
import { fieldErrorString } from '../../../lib/api/errors.js';
import { columns, create, row, update } from '../strategy.js';

/** The CronTab CRD of the Kubernetes documentation. */
const crontab = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { cronSpec: { type: 'string' }, image: { type: 'string' }, replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
  },
};

function crontabWith(mutate: (c: any) => void): typeof crontab {
  const c = structuredClone(crontab);
  mutate(c);
  return c;
}

describe('CustomResourceDefinition', () => {
  it('is served as crd/crds in the api-extensions category', () => {
    assert.deepEqual([crds.group, crds.version, crds.namespaced, crds.shortNames, crds.categories], ['apiextensions.k8s.io', 'v1', false, ['crd', 'crds'], ['api-extensions']]);
  });

  it('validates the CronTab CRD clean, defaults listKind and conversion, and records the stored version', () => {
    const { obj, errors } = create(crds, crontab);
    assert.deepEqual(errors, []);
    assert.equal(obj.spec.names.listKind, 'CronTabList');
    assert.deepEqual(obj.spec.conversion, { strategy: 'None' });
    assert.deepEqual(obj.status, { acceptedNames: { kind: '', plural: '' }, storedVersions: ['v1'] });
  });

  it('defaults the singular name from the kind', () => {
    const { obj } = create(crds, crontabWith((c) => delete c.spec.names.singular));
    assert.equal(obj.spec.names.singular, 'crontab');
  });

  it('must be named <plural>.<group> with a dotted group', () => {
    assert.deepEqual(create(crds, crontabWith((c) => (c.metadata.name = 'crontab.stable.example.com'))).errors, [
      'metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group',
    ]);
    const errors = create(crds, crontabWith((c) => {
      c.spec.group = 'stable';
      c.metadata.name = 'crontabs.stable';
    })).errors;
    assert.deepEqual(errors, ['spec.group: Invalid value: "stable": should be a domain with at least one dot']);
  });

  it('needs exactly one storage version and the names', () => {
    const errors = create(crds, crontabWith((c) => {
      c.spec.versions.push({ ...c.spec.versions[0], name: 'v2' });
      delete c.spec.names.kind;
    })).errors;
    assert.equal(errors.length, 4);
    assert.match(errors[0], /^spec\.versions: Invalid value: .*: must have exactly one version marked as storage version$/);
    assert.deepEqual(errors.slice(1, 3), ['spec.names.kind: Required value', 'spec.names.listKind: Required value']);
    // Only the first storage version is recorded on create, so the second is missing from status.
    assert.match(errors[3], /^status\.storedVersions: Invalid value: .*: must have the storage version v2$/);
    const none = create(crds, crontabWith((c) => (c.spec.versions[0].storage = false))).errors;
    assert.equal(none[none.length - 1], 'status.storedVersions: Invalid value: []string(nil): must have at least one stored version');
  });

  it('requires a schema and a scope', () => {
    const errors = create(crds, crontabWith((c) => {
      delete c.spec.versions[0].schema;
      c.spec.scope = 'Global';
    })).errors;
    assert.deepEqual(errors, ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"', 'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
    const webhook = create(crds, crontabWith((c) => (c.spec.conversion = { strategy: 'Webhook' }))).errors;
    assert.deepEqual(webhook, ['spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook', 'spec.conversion.conversionReviewVersions: Required value']);
  });

  it('enforces structural-schema basics with apiextensions wording', () => {
    const path = 'spec.versions[0].schema.openAPIV3Schema';
    const msgs = (schema: object) => validateStructural(schema, path).map(fieldErrorString);
    assert.deepEqual(msgs({}), [`${path}.type: Required value: must not be empty at the root`]);
    assert.deepEqual(msgs({ type: 'string' }), [`${path}.type: Invalid value: "string": must be object at the root`]);
    assert.deepEqual(msgs({ type: 'object', properties: { spec: { properties: { x: { type: 'array' } } } } }), [
      `${path}.properties[spec].properties[x].items: Required value: must be specified`,
      `${path}.properties[spec].type: Required value: must not be empty for specified object fields`,
    ]);
    assert.deepEqual(msgs({ type: 'object', additionalProperties: { type: 'string' } }), [`${path}.additionalProperties: Forbidden: must not be used at the root`]);
    assert.deepEqual(msgs({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }), [
      `${path}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    assert.deepEqual(msgs({ type: 'object', properties: { free: { 'x-kubernetes-preserve-unknown-fields': true }, port: { 'x-kubernetes-int-or-string': true } } }), []);
  });

  it('checks scale subresource paths and printer columns', () => {
    const errors = create(crds, crontabWith((c) => {
      c.spec.versions[0].subresources = { status: {}, scale: { specReplicasPath: '.replicas', statusReplicasPath: '.status.replicas' } };
      c.spec.versions[0].additionalPrinterColumns = [{ name: 'Spec', type: 'text', jsonPath: '.spec.cronSpec' }];
    })).errors;
    assert.deepEqual(errors, [
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".replicas": should be a json path under .spec',
      'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
    ]);
  });

  it('records a new storage version in status.storedVersions on update', () => {
    const { obj: old } = create(crds, crontab);
    const next = crontabWith((c) => {
      c.spec.versions[0].storage = false;
      c.spec.versions.push({ ...c.spec.versions[0], name: 'v2', storage: true });
    });
    const { obj, errors } = update(crds, old, next);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.status.storedVersions, ['v1', 'v2']);
  });

  it('prints Name and Created At', () => {
    const { obj } = create(crds, crontab);
    assert.deepEqual(columns(crds), ['Name', 'Created At']);
    assert.deepEqual(row(crds, obj), ['crontabs.stable.example.com', '2024-05-01T11:00:00Z']);
  });
});
