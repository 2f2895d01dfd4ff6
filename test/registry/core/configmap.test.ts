import { strict as assert } from 'node:assert';
import { configMap } from '../../../lib/registry/configmap.js';
import { columns, create, row, update } from '../strategy.js';

describe('ConfigMap', () => {
  it('is served as configmaps/cm without generation', () => {
    assert.deepEqual([configMap.plural, configMap.shortNames, configMap.hasGeneration], ['configmaps', ['cm'], false]);
  });

  it('validates a seed ConfigMap clean and prints its data count', () => {
    const { obj, errors } = create(configMap, { metadata: { name: 'fortune-config' }, data: { 'sleep-interval': '25', 'my-nginx-config.conf': 'server {}' } });
    assert.deepEqual(errors, []);
    assert.deepEqual(columns(configMap), ['Name', 'Data', 'Age']);
    assert.deepEqual(row(configMap, obj), ['fortune-config', 2, '60m']);
  });

  it('rejects invalid keys with the config key message', () => {
    const { errors } = create(configMap, { metadata: { name: 'c' }, data: { 'bad key': 'x' } });
    assert.deepEqual(errors, [
      `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
  });

  it('rejects a key present in both data and binaryData', () => {
    const { errors } = create(configMap, { metadata: { name: 'c' }, data: { a: 'x' }, binaryData: { a: 'eA==' } });
    assert.deepEqual(errors, ['data[a]: Invalid value: "a": duplicate of key present in binaryData']);
  });

  it('freezes data once immutable', () => {
    const old = create(configMap, { metadata: { name: 'c' }, data: { a: '1' }, immutable: true }).obj;
    const { errors } = update(configMap, old, { metadata: { name: 'c' }, data: { a: '2' }, immutable: true });
    assert.deepEqual(errors, ['data: Forbidden: field is immutable when `immutable` is set']);
    const unset = update(configMap, old, { metadata: { name: 'c' }, data: { a: '1' } }).errors;
    assert.deepEqual(unset, ['immutable: Forbidden: field is immutable when `immutable` is set']);
  });
});
