import { strict as assert } from 'node:assert';
import { secret } from '../../../lib/registry/secret.js';
import { columns, create, row, update } from '../strategy.js';

describe('Secret', () => {
  it('folds stringData into base64 data and defaults the type to Opaque', () => {
    const { obj, errors } = create(secret, { metadata: { name: 'db' }, data: { user: Buffer.from('admin').toString('base64') }, stringData: { password: 's3cr3t' } });
    assert.deepEqual(errors, []);
    assert.equal(obj.type, 'Opaque');
    assert.deepEqual(obj.data, { user: 'YWRtaW4=', password: 'czNjcjN0' });
    assert.equal(obj.stringData, undefined);
  });

  it('lets stringData win over data for the same key', () => {
    const { obj } = create(secret, { metadata: { name: 'db' }, data: { password: 'b2xk' }, stringData: { password: 'new' } });
    assert.equal(obj.data.password, 'bmV3');
  });

  it('requires the keys of typed secrets', () => {
    const { errors } = create(secret, { metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: {} });
    assert.deepEqual(errors, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  });

  it('keeps the type immutable', () => {
    const old = create(secret, { metadata: { name: 's' }, data: {} }).obj;
    const { errors } = update(secret, old, { metadata: { name: 's' }, type: 'kubernetes.io/basic-auth', data: { username: 'YQ==' } });
    assert.deepEqual(errors, ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
  });

  it('prints type and data count, and selects by type', () => {
    assert.deepEqual(columns(secret), ['Name', 'Type', 'Data', 'Age']);
    const { obj } = create(secret, { metadata: { name: 's' }, stringData: { a: '1', b: '2' } });
    assert.deepEqual(row(secret, obj), ['s', 'Opaque', 2, '60m']);
    assert.deepEqual(secret.selectableFields!(obj), { type: 'Opaque' });
  });
});

describe('Secret data decoding', () => {
  it('refuses data that is not base64 with the decoder error kube-apiserver returns', () => {
    const err = (() => {
      try {
        create(secret, { metadata: { name: 's' }, data: { a: 'YWJj', b: 'not base64!' } });
      } catch (e) {
        return e as { code: number; message: string };
      }
      return undefined;
    })();
    assert.ok(err);
    assert.equal(err.code, 400);
    assert.equal(err.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  });

  it('accepts padded values and line breaks', () => {
    assert.deepEqual(create(secret, { metadata: { name: 's' }, data: { a: 'YQ==', b: 'YWJj\nZGVm' } }).errors, []);
  });
});
