import assert from 'node:assert/strict';
import { evalJsonPath, executeJsonPath, goFloat, parseJsonPath, printerColumnCell } from '../../lib/schema/jsonpath.js';

// Inputs and expectations from client-go util/jsonpath/jsonpath_test.go (JSON-decoded inputs:
// maps print with sorted keys, integers as int64, other numbers as float64).
const types = {
  bools: [true, false, true, false],
  integers: [1, 2, 3, 4],
  floats: [1.0, 2.2, 3.3, 4.0],
  strings: ['one', 'two', 'three', 'four'],
  interfaces: [true, 'one', 1, 1.1],
  maps: [
    { name: 'one', value: 1 },
    { name: 'two', value: 2.02 },
    { name: 'three', value: 3.03 },
    { name: 'four', value: 4.04 },
  ],
};

const store = {
  Name: 'jsonpath',
  Book: [
    { Category: 'reference', Author: 'Nigel Rees', Title: 'Sayings of the Centurey', Price: 8.95 },
    { Category: 'fiction', Author: 'Evelyn Waugh', Title: 'Sword of Honour', Price: 12.99 },
    { Category: 'fiction', Author: 'Herman Melville', Title: 'Moby Dick', Price: 8.99 },
  ],
  Bicycle: [
    { Color: 'red', Price: 19.95, IsNew: true },
    { Color: 'green', Price: 20.01, IsNew: false },
  ],
  Labels: { engieer: 10, 'web/html': 15, 'k8s-app': 20 },
  Employees: { jason: 'manager', dan: 'clerk' },
};

const points = [
  { id: 'i1', x: 4, y: -5 },
  { id: 'i2', x: -2, y: -5, z: 1 },
  { id: 'i3', x: 8, y: 3 },
  { id: 'i4', x: -6, y: -1 },
  { id: 'i5', x: 0, y: 2, z: 1 },
  { id: 'i6', x: 1, y: 4 },
];

const nodes = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, ready: true, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
      status: {
        capacity: { cpu: '8' },
        ready: false,
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe('executeJsonPath (kubectl -o jsonpath output)', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['a bool slice', '{ .bools }', types, '[true,false,true,false]'],
    ['a negative index', '{ .bools[-1] }', types, 'false'],
    ['a sub-slice', '{ .bools[0:2] }', types, 'true false'],
    ['a stepped slice', '{ .bools[:4:2] }', types, 'true true'],
    ['an integer from the end', '{ .integers[-2] }', types, '3'],
    ['a float slice', '{ .floats }', types, '[1,2.2,3.3,4]'],
    ['a float element', '{ .floats[-2] }', types, '3.3'],
    ['mixed values', '{ .interfaces[:4:2] }', types, 'true 1'],
    ['a map element as JSON', '{ .maps[0] }', types, '{"name":"one","value":1}'],
    ['every second map from 1', '{ .maps[1::2] }', types, '{"name":"two","value":2.02} {"name":"four","value":4.04}'],
    ['recursive descent alone', '{..}', [1, 2, 3], '[1,2,3]'],
    ['a filter on the current value', '{[?(@<5)]}', [2, 6, 3, 7], '2 3'],
    ['a quoted brace', '{"{"}', null, '{'],
    ['a union of indexes', '{[1,3,4]}', [0, 1, 2, 3, 4], '1 3 4'],
    ['text and a field', 'hello {.Name}', store, 'hello jsonpath'],
    ['a key with a slash', '{$.Labels.web/html}', store, '15'],
    ['a key with a dash', '{.Labels.k8s-app}', store, '20'],
    ['a field of every element', '{.Book[*].Author}', store, 'Nigel Rees Evelyn Waugh Herman Melville'],
    ['every field of every element in a range', '{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}', store, '{red 19.95 true} {green 20.01 false} '],
    ['recursive fields', '{..Price}', store, '8.95 12.99 8.99 19.95 20.01'],
    ['recursive fields after three dots', '{...Price}', store, '8.95 12.99 8.99 19.95 20.01'],
    ['the last element', '{.Book[-1:]}', store, '{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}'],
    ['a bool filter', '{.Bicycle[?(@.IsNew==true)]}', store, '{"Color":"red","IsNew":true,"Price":19.95}'],
    ['a missing key', 'before-{.hello}after', store, 'before-after'],
    ['an exists filter', '{[?(@.z)].id}', points, 'i2 i5'],
    ['a bracket key', "{[0]['id']}", points, 'i1'],
    ['a range with trailing text', '{range .items[*]}{.metadata.name}, {end}{.kind}', nodes, '127.0.0.1, 127.0.0.2, List'],
    ['a range with a quoted tab', '{range .items[*]}{.metadata.name}{"\\t"}{end}', nodes, '127.0.0.1\t127.0.0.2\t'],
    ['nested wildcards', '{.items[*].status.addresses[*].address}', nodes, '127.0.0.1 127.0.0.2 127.0.0.3'],
    ['nested ranges', '{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}', nodes, '127.0.0.1, 127.0.0.2, 127.0.0.3, '],
    ['a union of dict keys (split at dots, as upstream)', "{.items[*]['metadata.name', 'status.capacity']}", nodes, '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ['a range printing objects', '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', nodes, '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '],
    ['a string filter', '{.users[?(@.name=="e2e")].user.password}', nodes, 'secret'],
    ['an escaped dot', '{.items[0].metadata.labels.kubernetes\\.io/hostname}', nodes, '127.0.0.1'],
    ['a filter on an escaped key', '{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', nodes, 'None'],
    ['a filter through recursive descent', '{.items[?(@..ready==true)].metadata.name}', nodes, '127.0.0.1'],
    ['an empty range', '{range .items[*]}{.metadata.name}{end}', { items: [] }, ''],
    ['a bare expression, wrapped in braces as kubectl does', '.items[1].metadata.name', nodes, '127.0.0.2'],
    ['a null as fmt prints a nil interface', '{.a}', { a: null }, '<nil>'],
  ];
  for (const [what, template, input, want] of cases) {
    it(`prints ${what}`, () => {
      assert.equal(executeJsonPath(input, template), want);
    });
  }

  const failures: Array<[string, string, unknown, string]> = [
    ['an unknown identifier', '{hello}', store, 'unrecognized identifier hello'],
    ['an index into a map', '{.Labels[0]}', store, 'map[string]interface {} is not array or slice'],
    ['an unknown filter operator', '{.Book[?(@.Price<>10)]}', store, 'unrecognized filter operator <>'],
    ['a redundant end', '{range .Labels.*}{@}{end}{end}', store, 'not in range, nothing to end'],
    ['an index past the end', '{.bools[9]}', types, 'array index out of bounds: index 9, length 4'],
    ['a comparison of different kinds', '{.maps[?(@.name==1)]}', types, 'incompatible types for comparison'],
  ];
  for (const [what, template, input, want] of failures) {
    it(`fails on ${what}`, () => {
      assert.throws(() => executeJsonPath(input, template), { message: want });
    });
  }

  it('rejects templates that do not parse', () => {
    assert.throws(() => parseJsonPath('{.a'), { message: 'unclosed action' });
    assert.throws(() => parseJsonPath('{.a[0}'), { message: 'unterminated array' });
    assert.throws(() => parseJsonPath('{.a[x]}'), { message: 'invalid array index x' });
    assert.throws(() => parseJsonPath('{......a}'), { message: 'invalid multiple recursive descent' });
  });
});

describe('evalJsonPath', () => {
  const pod = {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }] },
    status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }] },
  };
  const cases: Array<[string, unknown[]]> = [
    ['.metadata.name', ['web']],
    ['metadata.name', ['web']],
    ['.spec.containers[0].image', ['nginx']],
    ['.spec.containers[*].name', ['a', 'b']],
    ['{.spec.containers[*].name}', ['a', 'b']],
    ["['metadata']['name']", ['web']],
    ['..image', ['nginx', 'busybox']],
    ['.status.conditions[?(@.type=="Ready")].status', ['False']],
    ['.spec.containers[0:1].name', ['a']],
    ['.spec.nope', []],
    ['.metadata.labels', [{ app: 'web' }]],
  ];
  for (const [expr, want] of cases) {
    it(`selects ${expr}`, () => {
      assert.deepEqual(evalJsonPath(pod, expr), want);
    });
  }
});

describe('printerColumnCell', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const crontab = {
    metadata: { name: 'c', creationTimestamp: '2024-05-01T11:55:00Z' },
    spec: { nothing: null, cronSpec: '* * * * */5', image: 'img', replicas: 3, ratio: 0.5, paused: false, list: [1, 'x'], obj: { b: 1, a: 'x' }, when: 'not a time', empty: '' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const cases: Array<[string, string, string, unknown]> = [
    ['a string', '.spec.cronSpec', 'string', '* * * * */5'],
    ['an integer', '.spec.replicas', 'integer', 3],
    ['a float in an integer column, truncated', '.spec.ratio', 'integer', 0],
    ['a number', '.spec.ratio', 'number', 0.5],
    ['a boolean', '.spec.paused', 'boolean', false],
    ['an age for a date', '.metadata.creationTimestamp', 'date', '5m'],
    ['<invalid> for a date that does not parse', '.spec.when', 'date', '<invalid>'],
    ['<unknown> for an empty date', '.spec.empty', 'date', '<unknown>'],
    ['a number printed in a string column', '.spec.replicas', 'string', '3'],
    ['an array as JSON in a string column', '.spec.list', 'string', '[1,"x"]'],
    ['an object as JSON with sorted keys', '.spec.obj', 'string', '{"a":"x","b":1}'],
    ['only the first result', '.status.conditions[*].type', 'string', 'Ready'],
    ['a filter result', '.status.conditions[?(@.type=="Ready")].status', 'string', 'True'],
    ['nothing (null, printed <none>) for a missing field', '.spec.nope', 'string', null],
    ['nothing for a value of another type', '.spec.image', 'integer', null],
    ['nothing when evaluation fails', '.spec.list[5]', 'string', null],
    ['<no value> for a null in a string column', '.spec.nothing', 'string', '<no value>'],
    ['nothing for a null in an integer column', '.spec.nothing', 'integer', null],
  ];
  for (const [what, path, type, want] of cases) {
    it(`renders ${what}`, () => {
      assert.deepEqual(printerColumnCell(crontab, path, type, undefined, now), want);
    });
  }
});

describe('goFloat', () => {
  it("prints floats as Go's %v does", () => {
    assert.deepEqual([0.5, 1.5, 1234567.5, 0.00001, 0.0001, 1e21].map(goFloat), ['0.5', '1.5', '1.2345675e+06', '1e-05', '0.0001', '1e+21']);
  });
});
