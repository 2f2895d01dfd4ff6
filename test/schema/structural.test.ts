import assert from 'node:assert/strict';
import { fieldErrorString, type FieldError } from '../../lib/api/errors.js';
import { applyDefaults, prune, validateCustomObject, validateStructuralSchema, type Schema } from '../../lib/schema/structural.js';

const messages = (errs: FieldError[]) => errs.map(fieldErrorString);

/** The CronTab CRD of the Kubernetes docs (tasks/extend-kubernetes/custom-resources). */
const cronTab: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
      },
    },
  },
};

const cron = (spec: Record<string, unknown>) => ({
  apiVersion: 'stable.example.com/v1',
  kind: 'CronTab',
  metadata: { name: 'my-new-cron-object' },
  spec,
});

/** A schema exercising nested arrays of objects, int-or-string, enums, formats and list types. */
const app: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5, minLength: 2 },
        mode: { type: 'string', enum: ['a', 'b'] },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        when: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        size: { type: 'integer', format: 'int32', exclusiveMinimum: true, minimum: 0, multipleOf: 2 },
        ratio: { type: 'number', maximum: 1.5 },
        note: { type: 'string', nullable: true },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, 'x-kubernetes-list-type': 'set' },
        labels: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 2 },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string' },
              protocol: { type: 'string', default: 'TCP' },
              hosts: { type: 'array', items: { type: 'object', properties: { ip: { type: 'string', format: 'ipv4' } } } },
            },
          },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
  },
};

const appObj = (spec: Record<string, unknown>) => ({ apiVersion: 'x.example.com/v1', kind: 'App', metadata: { name: 'a' }, spec: { name: 'abc', ...spec } });

describe('validateCustomObject', () => {
  it('accepts the CronTab of the docs', () => {
    assert.deepEqual(validateCustomObject(cron({ cronSpec: '* * * * */5', image: 'my-awesome-cron-image', replicas: 3 }), cronTab), []);
  });

  it('reports the CronTab docs example errors with upstream paths and messages', () => {
    assert.deepEqual(messages(validateCustomObject(cron({ cronSpec: '* * * *', image: 'my-awesome-cron-image', replicas: 15 }), cronTab)), [
      `spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`,
      'spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10',
    ]);
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a wrong type', { image: 5 }, ['spec.image: Invalid value: "integer": spec.image in body must be of type string: "integer"']],
    ['a float for an integer', { replicas: 1.5 }, ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']],
    ['an object for a string', { image: { a: 1 } }, ['spec.image: Invalid value: "object": spec.image in body must be of type string: "object"']],
    ['a null for a non-nullable field', { image: null }, ['spec.image: Invalid value: "null": spec.image in body must be of type string: "null"']],
    ['a value below the minimum', { replicas: 0 }, ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']],
  ];
  for (const [what, spec, want] of cases) {
    it(`reports ${what} on the CronTab`, () => {
      assert.deepEqual(messages(validateCustomObject(cron(spec), cronTab)), want);
    });
  }

  const appCases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a missing required field', { name: undefined }, ['spec.name: Required value']],
    ['a pattern mismatch', { name: 'AB' }, [`spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'`]],
    ['a string over maxLength', { name: 'abcdef' }, ['spec.name: Too long: may not be more than 5 bytes']],
    ['a string under minLength', { name: 'a' }, ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']],
    ['a value outside an enum', { mode: 'c' }, ['spec.mode: Unsupported value: "c": supported values: "a", "b"']],
    ['a bad date-time', { when: 'yesterday' }, ['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']],
    ['an impossible date', { day: '2023-02-30' }, ['spec.day: Invalid value: "2023-02-30": spec.day in body must be of type date: "2023-02-30"']],
    [
      'a float for an int32 (the format decides the type message; number checks still run)',
      { size: 2.5 },
      ['spec.size: Invalid value: "float64": spec.size in body must be of type int32: "float64"', 'spec.size: Invalid value: 2.5: spec.size in body should be a multiple of 2'],
    ],
    ['an exclusive minimum', { size: 0 }, ['spec.size: Invalid value: 0: spec.size in body should be greater than 0']],
    ['a multipleOf violation', { size: 3 }, ['spec.size: Invalid value: 3: spec.size in body should be a multiple of 2']],
    ['a float above a float maximum', { ratio: 1.75 }, ['spec.ratio: Invalid value: 1.75: spec.ratio in body should be less than or equal to 1.5']],
    ['too few items', { tags: [] }, ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']],
    ['a duplicate in a list-type set', { tags: ['x', 'y', 'x'] }, ['spec.tags[2]: Duplicate value: "x"']],
    ['too few properties', { labels: {} }, ['spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties']],
    ['a wrong additionalProperties value', { labels: { a: 1 } }, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']],
    [
      'errors inside nested arrays of objects',
      { ports: [{ name: 'http', hosts: [{ ip: '10.0.0.1' }, { ip: 'nope' }] }, { protocol: 'UDP' }] },
      [
        'spec.ports[0].hosts[1].ip: Invalid value: "nope": spec.ports[0].hosts[1].ip in body must be of type ipv4: "nope"',
        'spec.ports[1].name: Required value',
      ],
    ],
    ['a duplicate key in a list-type map', { ports: [{ name: 'a' }, { name: 'a' }] }, ['spec.ports[1]: Duplicate value: {"name":"a"}']],
    [
      'a non-object in a list-type map (schema error, then the list-type check)',
      { ports: [{ name: 'a' }, 'b'] },
      ['spec.ports[1]: Invalid value: "string": spec.ports[1] in body must be of type object: "string"', 'spec.ports[1]: Invalid value: "b": must be an object for an array of list-type map'],
    ],
    [
      'a boolean for an int-or-string (the anyOf error and its best failure, as kube-openapi reports them)',
      { port: true },
      [
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        '<nil>: Invalid value: "": "spec.port" must validate at least one schema (anyOf)',
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"',
      ],
    ],
    ['an embedded resource without apiVersion and kind', { template: { metadata: { name: 'x' } } }, ['spec.template.apiVersion: Required value', 'spec.template.kind: Required value']],
    [
      'an embedded resource with a bad kind',
      { template: { apiVersion: 'v1', kind: 'Foo_Bar' } },
      [
        `spec.template.kind: Invalid value: "Foo_Bar": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
  ];
  for (const [what, spec, want] of appCases) {
    it(`reports ${what}`, () => {
      assert.deepEqual(messages(validateCustomObject(appObj(spec), app)), want);
    });
  }

  it('accepts valid values of every kind in the rich schema', () => {
    const ok = appObj({
      mode: 'a',
      port: 8080,
      when: '2024-01-02T03:04:05Z',
      day: '2024-02-29',
      size: 4,
      ratio: 1,
      note: null,
      tags: ['x', 'y'],
      labels: { a: 'b' },
      ports: [{ name: 'http', hosts: [{ ip: '10.0.0.1' }] }, { name: 'https' }],
      extra: { anything: [1, 'two'], known: { a: 'x' } },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
    });
    assert.deepEqual(validateCustomObject(ok, app), []);
    assert.deepEqual(validateCustomObject(appObj({ port: 'http' }), app), []);
  });

  it('reports too many items and properties as TooMany with the actual count', () => {
    const errs = validateCustomObject(appObj({ tags: ['a', 'b', 'c', 'd'], labels: { a: 'a', b: 'b', c: 'c' } }), app);
    assert.deepEqual(
      errs.map((e) => [e.type, e.field, e.value, e.detail]),
      [
        ['FieldValueTooMany', 'spec.tags', 4, 'must have at most 3 items'],
        ['FieldValueTooMany', 'spec.labels', 3, 'must have at most 2 items'],
      ],
    );
  });

  it('reports oneOf and not failures at the nil path (<nil>), as the custom resource strategy does', () => {
    const s: Schema = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }], not: { required: ['c'] } } },
    };
    assert.deepEqual(messages(validateCustomObject({ spec: { a: 'x', b: 'y' } }, s)), ['<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found 2 valid alternatives']);
    assert.deepEqual(messages(validateCustomObject({ spec: {} }, s)), [
      '<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found none valid',
      'spec.a: Required value',
    ]);
    assert.deepEqual(messages(validateCustomObject({ spec: { a: 'x', c: 'z' } }, s)), ['<nil>: Invalid value: "": "spec" must not validate the schema (not)']);
  });

  it('reports allOf failures with each failing branch', () => {
    const s: Schema = { type: 'object', properties: { n: { type: 'integer', allOf: [{ minimum: 1 }, { maximum: 5 }] } } };
    assert.deepEqual(messages(validateCustomObject({ n: 7 }, s)), ['n: Invalid value: 7: n in body should be less than or equal to 5', '<nil>: Invalid value: "": "n" must validate all the schemas (allOf)']);
  });
});

// apiextensions-apiserver pkg/apiserver/validation/validation_test.go TestValidateCustomResource
// (upstream compares sorted lists; so do we).
describe('validateCustomObject against upstream TestValidateCustomResource', () => {
  const field = (f: Schema): Schema => ({ type: 'object', properties: { field: f } });
  const typeErr = (t: string, got: string) => `field: Invalid value: "${got}": field in body must be of type ${t}: "${got}"`;
  const anyOf = (got: string) => [
    '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
    typeErr('integer,string', got),
    typeErr('integer', got),
  ];
  const tests: Array<{ name: string; schema: Schema; objects: unknown[]; failing: Array<[unknown, string[]]> }> = [
    {
      name: '!nullable',
      schema: field({ type: 'object', nullable: false }),
      objects: [{}, { field: {} }],
      failing: [
        [{ field: 'foo' }, [typeErr('object', 'string')]],
        [{ field: 42 }, [typeErr('object', 'integer')]],
        [{ field: true }, [typeErr('object', 'boolean')]],
        [{ field: 1.2 }, [typeErr('object', 'number')]],
        [{ field: [] }, [typeErr('object', 'array')]],
        [{ field: null }, [typeErr('object', 'null')]],
      ],
    },
    {
      name: 'nullable',
      schema: field({ type: 'object', nullable: true }),
      objects: [{}, { field: {} }, { field: null }],
      failing: [
        [{ field: 'foo' }, [typeErr('object', 'string')]],
        [{ field: [] }, [typeErr('object', 'array')]],
      ],
    },
    {
      name: 'nullable and no type',
      schema: field({ nullable: true }),
      objects: [{}, { field: {} }, { field: null }, { field: 'foo' }, { field: 42 }, { field: true }, { field: 1.2 }, { field: [] }],
      failing: [],
    },
    {
      name: 'x-kubernetes-int-or-string',
      schema: field({ 'x-kubernetes-int-or-string': true }),
      objects: [{}, { field: 42 }, { field: 'foo' }],
      failing: [
        [{ field: null }, [typeErr('integer,string', 'null')]],
        [{ field: true }, [typeErr('integer,string', 'boolean')]],
        [{ field: 1.2 }, [typeErr('integer,string', 'number')]],
        [{ field: {} }, [typeErr('integer,string', 'object')]],
        [{ field: [] }, [typeErr('integer,string', 'array')]],
      ],
    },
    {
      name: 'nullable, x-kubernetes-int-or-string and user-provided anyOf',
      schema: field({ nullable: true, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }),
      objects: [{}, { field: null }, { field: 42 }, { field: 'foo' }],
      failing: [
        [{ field: true }, anyOf('boolean')],
        [{ field: 1.2 }, anyOf('number')],
        [{ field: {} }, anyOf('object')],
        [{ field: [] }, anyOf('array')],
      ],
    },
    {
      name: 'nullable, x-kubernetes-int-or-string and user-provided allOf',
      schema: field({ nullable: true, 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }] }),
      objects: [{}, { field: null }, { field: 42 }, { field: 'foo' }],
      failing: [[{ field: true }, ['<nil>: Invalid value: "": "field" must validate all the schemas (allOf). None validated', ...anyOf('boolean')]]],
    },
    {
      name: 'invalid regex',
      schema: field({ type: 'string', pattern: '+' }),
      objects: [],
      failing: [[{ field: 'foo' }, ["field: Invalid value: \"foo\": field in body should match '+, but pattern is invalid: error parsing regexp: missing argument to repetition operator: `+`'"]]],
    },
    {
      name: 'required field',
      schema: { type: 'object', required: ['field'], properties: { field: { type: 'object', required: ['nested'], properties: { nested: {} } } } },
      objects: [],
      failing: [
        [{ test: 'a' }, ['field: Required value']],
        [{ field: {} }, ['field.nested: Required value']],
      ],
    },
    {
      name: 'enum',
      schema: field({
        type: 'object',
        required: ['nestedint', 'nestedstring'],
        properties: { nestedint: { type: 'integer', enum: [1, 2] }, nestedstring: { type: 'string', enum: ['a', 'b'] } },
      }),
      objects: [{ field: { nestedint: 2, nestedstring: 'a' } }],
      failing: [
        [{ field: {} }, ['field.nestedint: Required value', 'field.nestedstring: Required value']],
        [
          { field: { nestedint: 'x', nestedstring: true } },
          [
            'field.nestedint: Invalid value: "string": field.nestedint in body must be of type integer: "string"',
            'field.nestedint: Unsupported value: "x": supported values: "1", "2"',
            'field.nestedstring: Invalid value: "boolean": field.nestedstring in body must be of type string: "boolean"',
            'field.nestedstring: Unsupported value: true: supported values: "a", "b"',
          ],
        ],
      ],
    },
  ];
  for (const t of tests) {
    it(`behaves as upstream for ${t.name}`, () => {
      for (const o of t.objects) assert.deepEqual(messages(validateCustomObject(o, t.schema)), [], JSON.stringify(o));
      for (const [o, want] of t.failing) assert.deepEqual(messages(validateCustomObject(o, t.schema)).sort(), [...want].sort(), JSON.stringify(o));
    });
  }
});

describe('applyDefaults', () => {
  it('defaults the CronTab replicas to 1 when missing, and keeps a given value', () => {
    const o = cron({ image: 'x' });
    applyDefaults(o, cronTab);
    assert.equal(o.spec.replicas, 1);
    const p = cron({ image: 'x', replicas: 4 });
    applyDefaults(p, cronTab);
    assert.equal(p.spec.replicas, 4);
  });

  it('does not create a missing parent object to hold a default', () => {
    const o: Record<string, unknown> = { apiVersion: 'v', kind: 'CronTab', metadata: {} };
    applyDefaults(o, cronTab);
    assert.equal(o.spec, undefined);
  });

  it('defaults inside every element of an array of objects, and inside defaulted objects', () => {
    const s: Schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          default: {},
          properties: { strategy: { type: 'string', default: 'Rolling' }, ports: app.properties!.spec.properties!.ports },
        },
      },
    };
    const o: Record<string, any> = {};
    applyDefaults(o, s);
    assert.deepEqual(o, { spec: { strategy: 'Rolling' } });
    const p: Record<string, any> = { spec: { ports: [{ name: 'a' }, { name: 'b', protocol: 'UDP' }] } };
    applyDefaults(p, s);
    assert.deepEqual(p.spec.ports, [{ name: 'a', protocol: 'TCP' }, { name: 'b', protocol: 'UDP' }]);
  });

  it('replaces a null with the default when not nullable, drops nulls without a default, keeps nullable nulls', () => {
    const s: Schema = {
      type: 'object',
      properties: {
        a: { type: 'string', default: 'x' },
        b: { type: 'string' },
        c: { type: 'string', nullable: true },
        d: { type: 'string', nullable: true, default: 'y' },
      },
    };
    const o: Record<string, unknown> = { a: null, b: null, c: null, d: null, e: null };
    applyDefaults(o, s);
    assert.deepEqual(o, { a: 'x', c: null, d: null, e: null });
  });

  it('deep-copies defaults so objects never share them', () => {
    const s: Schema = { type: 'object', properties: { m: { type: 'object', properties: { k: { type: 'string' } }, default: { k: 'v' } } } };
    const a: Record<string, any> = {};
    const b: Record<string, any> = {};
    applyDefaults(a, s);
    applyDefaults(b, s);
    a.m.k = 'changed';
    assert.equal(b.m.k, 'v');
    assert.deepEqual(s.properties!.m.default, { k: 'v' });
  });

  it('defaults values of additionalProperties maps', () => {
    const s: Schema = { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'object', properties: { w: { type: 'integer', default: 1 } } } } } };
    const o: Record<string, any> = { m: { x: {}, y: { w: 2 } } };
    applyDefaults(o, s);
    assert.deepEqual(o.m, { x: { w: 1 }, y: { w: 2 } });
  });

  // schema/defaulting/algorithm_test.go TestDefault (structural schemas written as JSON schema).
  const upstreamDefault: Array<[string, string, Schema, string]> = [
    ['scalar', '4', { default: 'foo' }, '4'],
    ['scalar array', '[1,2]', { items: { default: 'foo' } }, '[1,2]'],
    [
      'object array',
      '[{"a":1},{"b":1},{"c":1}]',
      { items: { properties: { a: { default: 'A' }, b: { default: 'B' }, c: { default: 'C' } } } },
      '[{"a":1,"b":"B","c":"C"},{"a":"A","b":1,"c":"C"},{"a":"A","b":"B","c":1}]',
    ],
    [
      'object array object',
      '{"array":[{"a":1},{"b":2}],"object":{"a":1},"additionalProperties":{"x":{"a":1},"y":{"b":2}}}',
      {
        properties: {
          array: { items: { properties: { a: { default: 'A' }, b: { default: 'B' } } } },
          object: { properties: { a: { default: 'N' }, b: { default: 'O' } } },
          additionalProperties: { additionalProperties: { properties: { a: { default: 'alpha' }, b: { default: 'beta' } } } },
          foo: { default: 'bar' },
        },
      },
      '{"array":[{"a":1,"b":"B"},{"a":"A","b":2}],"object":{"a":1,"b":"O"},"additionalProperties":{"x":{"a":1,"b":"beta"},"y":{"a":"alpha","b":2}},"foo":"bar"}',
    ],
    [
      'empty and null',
      '[{},{"a":1},{"a":0},{"a":0.0},{"a":""},{"a":null},{"a":[]},{"a":{}}]',
      { items: { properties: { a: { default: 'A' } } } },
      '[{"a":"A"},{"a":1},{"a":0},{"a":0.0},{"a":""},{"a":"A"},{"a":[]},{"a":{}}]',
    ],
    ['null in nullable list', '[null]', { nullable: true, items: { properties: { a: { default: 'A' } } } }, '[null]'],
    ['null in non-nullable list', '[null]', { items: { default: 'A' } }, '["A"]'],
    ['null in nullable object', '{"a": null}', { properties: { a: { nullable: true, default: 'A' } } }, '{"a": null}'],
    ['null in non-nullable object', '{"a": null}', { properties: { a: { default: 'A' } } }, '{"a": "A"}'],
    ['null in nullable object with additionalProperties', '{"a": null}', { additionalProperties: { nullable: true, default: 'A' } }, '{"a": null}'],
    ['null in non-nullable object with additionalProperties', '{"a": null}', { additionalProperties: { default: 'A' } }, '{"a": "A"}'],
    ['null unknown field', '{"a": null}', { additionalProperties: true }, '{"a": null}'],
  ];
  for (const [name, input, schema, want] of upstreamDefault) {
    it(`matches upstream TestDefault: ${name}`, () => {
      const o = JSON.parse(input);
      applyDefaults(o, schema);
      assert.deepEqual(o, JSON.parse(want));
    });
  }
});

describe('prune', () => {
  it('removes unknown fields, keeps apiVersion/kind/metadata at the root, and reports sorted paths', () => {
    const o: Record<string, any> = { apiVersion: 'v', kind: 'CronTab', metadata: { name: 'x', whatever: 1 }, spec: { image: 'i', imagee: 'typo', replicas: 2 }, extra: true };
    assert.deepEqual(prune(o, cronTab), ['extra', 'spec.imagee']);
    assert.deepEqual(o, { apiVersion: 'v', kind: 'CronTab', metadata: { name: 'x', whatever: 1 }, spec: { image: 'i', replicas: 2 } });
  });

  it('reports unknown fields inside arrays with their index', () => {
    const o: Record<string, any> = appObj({ ports: [{ name: 'a', bogus: 1 }, { name: 'b', hosts: [{ ip: '1.2.3.4', mask: 8 }] }] });
    assert.deepEqual(prune(o, app), ['spec.ports[0].bogus', 'spec.ports[1].hosts[0].mask']);
    assert.deepEqual(o.spec.ports, [{ name: 'a' }, { name: 'b', hosts: [{ ip: '1.2.3.4' }] }]);
  });

  it('keeps everything under x-kubernetes-preserve-unknown-fields but still prunes specified children', () => {
    const o: Record<string, any> = appObj({ extra: { free: { form: [1] }, known: { a: 'x', b: 'pruned' } } });
    assert.deepEqual(prune(o, app), ['spec.extra.known.b']);
    assert.deepEqual(o.spec.extra, { free: { form: [1] }, known: { a: 'x' } });
  });

  it('keeps the apiVersion, kind and metadata of embedded resources', () => {
    const s: Schema = {
      type: 'object',
      properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } } },
    };
    const o: Record<string, any> = { t: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x', b: 'y' }, status: {} } };
    assert.deepEqual(prune(o, s), ['t.spec.b', 't.status']);
    assert.deepEqual(o.t, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } });
  });

  it('prunes apiVersion/kind/metadata like any field when not at a resource root', () => {
    const o: Record<string, any> = { kind: 'x', spec: { image: 'i' } };
    assert.deepEqual(prune(o, cronTab, false), []);
    assert.deepEqual(o, { spec: { image: 'i' } });
  });

  // schema/pruning/algorithm_test.go TestPrune (not at a resource root unless said so).
  const embeddedInput = {
    apiVersion: 'foo/v1',
    kind: 'Foo',
    metadata: { name: 'instance', unspecified: 'bar' },
    unspecified: 'bar',
    pruned: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } },
    preserving: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } },
    nested: {
      apiVersion: 'foo/v1',
      kind: 'Foo',
      unspecified: 'bar',
      metadata: { name: 'instance', unspecified: 'bar' },
      spec: {
        unspecified: 'bar',
        embedded: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } },
      },
    },
  };
  const embeddedSchema: Schema = {
    type: 'object',
    properties: {
      pruned: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
      preserving: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      nested: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        properties: {
          spec: { type: 'object', properties: { embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } } },
        },
      },
    },
  };
  const embeddedOutput = {
    pruned: { apiVersion: 'foo/v1', kind: 'Foo', metadata: { name: 'instance', unspecified: 'bar' }, spec: {} },
    preserving: embeddedInput.preserving,
    nested: {
      apiVersion: 'foo/v1',
      kind: 'Foo',
      metadata: { name: 'instance', unspecified: 'bar' },
      spec: { embedded: { apiVersion: 'foo/v1', kind: 'Foo', metadata: { name: 'instance', unspecified: 'bar' }, spec: {} } },
    },
  };
  const embeddedPruned = [
    'nested.spec.embedded.spec.unspecified',
    'nested.spec.embedded.unspecified',
    'nested.spec.unspecified',
    'nested.unspecified',
    'pruned.spec.unspecified',
    'pruned.unspecified',
    'unspecified',
  ];
  const upstreamPrune: Array<[string, unknown, Schema | undefined, boolean, unknown, string[]]> = [
    ['scalar', 4, {}, false, 4, []],
    ['scalar array', [1, 2], { items: {} }, false, [1, 2], []],
    ['object array', [{ a: 1 }, { b: 1 }, { a: 1, b: 2, c: 3 }], { items: { properties: { a: {}, c: {} } } }, false, [{ a: 1 }, {}, { a: 1, c: 3 }], ['[1].b', '[2].b']],
    ['object array with nil schema', [{ a: 1 }, { b: 1 }, { a: 1, b: 2, c: 3 }], undefined, false, [{}, {}, {}], ['[0].a', '[1].b', '[2].a', '[2].b', '[2].c']],
    [
      'object array object',
      { array: [{ a: 1 }, { b: 1 }, { a: 1, b: 2, c: 3 }], unspecified: { a: 1 }, specified: { a: 1, b: 2, c: 3 } },
      { properties: { array: { items: { properties: { a: {}, c: {} } } }, specified: { properties: { a: {}, c: {} } } } },
      false,
      { array: [{ a: 1 }, {}, { a: 1, c: 3 }], specified: { a: 1, c: 3 } },
      ['array[1].b', 'array[2].b', 'specified.b', 'unspecified'],
    ],
    [
      'additionalProperties with schema',
      { a: 1, b: 1, c: { a: 1, b: 2, c: { a: 1 } } },
      { properties: { a: {}, c: { additionalProperties: { type: 'integer' } } } },
      false,
      { a: 1, c: { a: 1, b: 2, c: {} } },
      ['b', 'c.c.a'],
    ],
    [
      'additionalProperties with bool',
      { a: 1, b: 1, c: { a: 1, b: 2, c: { a: 1, apiVersion: 'unknown' } } },
      { properties: { a: {}, c: { additionalProperties: false } } },
      false,
      { a: 1, c: { a: 1, b: 2, c: {} } },
      ['b', 'c.c.a', 'c.c.apiVersion'],
    ],
    ['x-kubernetes-embedded-resource', embeddedInput, embeddedSchema, false, embeddedOutput, embeddedPruned],
    [
      'x-kubernetes-embedded-resource, with root=true',
      embeddedInput,
      embeddedSchema,
      true,
      { apiVersion: 'foo/v1', kind: 'Foo', metadata: { name: 'instance', unspecified: 'bar' }, ...embeddedOutput },
      embeddedPruned,
    ],
  ];
  for (const [name, input, schema, root, want, wantPruned] of upstreamPrune) {
    it(`matches upstream TestPrune: ${name}`, () => {
      const o = structuredClone(input);
      assert.deepEqual(prune(o, schema as Schema, root), wantPruned);
      assert.deepEqual(o, want);
    });
  }
});

describe('validateStructuralSchema', () => {
  const path = 'spec.versions[0].schema.openAPIV3Schema';

  it('accepts the CronTab schema and the rich schema', () => {
    assert.deepEqual(validateStructuralSchema(cronTab, path), []);
    assert.deepEqual(validateStructuralSchema(app, path), []);
  });

  it('requires types everywhere outside preserve-unknown-fields and int-or-string, sorted as upstream sorts', () => {
    const s: Schema = { properties: { spec: { properties: { a: {}, b: { 'x-kubernetes-preserve-unknown-fields': true }, c: { 'x-kubernetes-int-or-string': true } } }, list: { type: 'array', items: {} } } };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.properties[list].items.type: Required value: must not be empty for specified array items`,
      `${path}.properties[spec].properties[a].type: Required value: must not be empty for specified object fields`,
      `${path}.properties[spec].type: Required value: must not be empty for specified object fields`,
      `${path}.type: Required value: must not be empty at the root`,
    ]);
  });

  it('rejects structure inside value validations, and fields only defined there', () => {
    const s: Schema = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
      anyOf: [{ properties: { spec: { type: 'object', description: 'x', properties: { b: { maxLength: 3 } } } } }],
    };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.anyOf[0].properties[spec].description: Forbidden: must be empty to be structural`,
      `${path}.anyOf[0].properties[spec].type: Forbidden: must be empty to be structural`,
      `${path}.properties[spec].properties[b]: Required value: because it is defined in ${path}.anyOf[0].properties[spec].properties[b]`,
    ]);
  });

  it('allows the two int-or-string anyOf/allOf patterns only', () => {
    const ok: Schema = { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, q: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: '^a' }] } } };
    assert.deepEqual(validateStructuralSchema(ok, path), []);
    const bad: Schema = { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 2 }] } } };
    assert.deepEqual(messages(validateStructuralSchema(bad, path)), [
      `${path}.properties[p].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${path}.properties[p].anyOf[1].type: Forbidden: must be empty to be structural`,
    ]);
  });

  it('restricts metadata at the root to name and generateName', () => {
    const ok: Schema = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } } };
    assert.deepEqual(validateStructuralSchema(ok, path), []);
    const bad: Schema = { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } };
    assert.deepEqual(messages(validateStructuralSchema(bad, path)), [
      `${path}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
  });

  it('checks embedded resources, root type and root additionalProperties', () => {
    const s: Schema = { type: 'array', items: { type: 'string' }, additionalProperties: { type: 'string' }, properties: { e: { type: 'string', 'x-kubernetes-embedded-resource': true } } };
    // structural errors (sorted) come first, then the OpenAPI checks, as in upstream's CRD validation
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.additionalProperties: Forbidden: must not be used at the root`,
      `${path}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
      `${path}.properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`,
      `${path}.type: Invalid value: "array": must be object at the root`,
      `${path}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ]);
  });

  it('rejects unsupported OpenAPI features before looking at structure', () => {
    const s: Schema = { type: 'object', properties: { a: { $ref: '#/definitions/x' }, b: { type: 'array', items: { type: 'string' }, uniqueItems: true }, c: { type: 'null' } } };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.properties[a].$ref: Forbidden: $ref is not supported`,
      `${path}.properties[b].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${path}.properties[c].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      `${path}.properties[c].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
    ]);
  });

  it('checks list and map types as upstream does for new CRDs', () => {
    const s: Schema = {
      type: 'object',
      properties: {
        tags: { type: 'string', 'x-kubernetes-list-type': 'sets' },
        objs: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', properties: { a: { type: 'string' } } } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', nullable: true, properties: { name: { type: 'string', nullable: true } } },
        },
        m: { type: 'string', 'x-kubernetes-map-type': 'fine' },
      },
    };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.properties[tags].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`,
      `${path}.properties[tags].x-kubernetes-list-type: Unsupported value: "sets": supported values: "atomic", "set", "map"`,
      `${path}.properties[objs].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`,
      `${path}.properties[ports].items.nullable: Forbidden: cannot be nullable when x-kubernetes-list-type is map`,
      `${path}.properties[ports].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${path}.properties[ports].items.properties[name].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable`,
      `${path}.properties[m].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified`,
      `${path}.properties[m].x-kubernetes-map-type: Unsupported value: "fine": supported values: "atomic", "granular"`,
    ]);
  });

  it('forbids defaults in top-level metadata and a nullable root', () => {
    const s: Schema = { type: 'object', nullable: true, properties: { metadata: { type: 'object', default: {} } } };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.nullable: Forbidden: nullable cannot be true at the root`,
      `${path}.properties[metadata].default: Forbidden: must not be set in top-level metadata`,
    ]);
  });

  it('reports what only the structural conversion refuses ($schema) on its own', () => {
    const s: Schema = { type: 'object', $schema: 'http://json-schema.org/draft-04/schema#' };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [`${path}: Invalid value: "": OpenAPIV3Schema 'schema' is not supported`]);
  });

  it('checks list-type map keys', () => {
    const s: Schema = { type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { n: { type: 'string' } } }, 'x-kubernetes-list-map-keys': ['m'] } } };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [`${path}.properties[l].x-kubernetes-list-map-keys: Invalid value: ["m"]: entries must all be names of item properties`]);
  });

  it('requires defaults to validate and to have no unknown fields', () => {
    const s: Schema = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { replicas: { type: 'integer', default: 'one' }, o: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 1 } } } } },
    };
    assert.deepEqual(messages(validateStructuralSchema(s, path)), [
      `${path}.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"`,
      `${path}.properties[spec].properties[o].default: Invalid value: {"a":"x","b":1}: must not have unknown fields`,
    ]);
  });
});
