import { strict as assert } from 'node:assert';
import { endpoints } from '../../../lib/registry/endpoints.js';
import { columns, create, row } from '../strategy.js';

describe('Endpoints', () => {
  it('lists at most three addresses, then how many more', () => {
    const { obj, errors } = create(endpoints, {
      metadata: { name: 'web' },
      subsets: [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip })), ports: [{ port: 80 }, { port: 443, name: 'https' }].map((p, i) => ({ ...p, name: i ? 'https' : 'http' })) }],
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(columns(endpoints), ['Name', 'Endpoints', 'Age']);
    assert.deepEqual(row(endpoints, obj), ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 5 more...', '60m']);
    assert.equal(obj.subsets[0].ports[0].protocol, 'TCP');
  });

  it('prints <none> without subsets and rejects bad addresses', () => {
    const { obj } = create(endpoints, { metadata: { name: 'web' } });
    assert.equal(row(endpoints, obj)[1], '<none>');
    const { errors } = create(endpoints, { metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 80 }] }] });
    assert.deepEqual(errors, [
      'subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address',
    ]);
    const loop = create(endpoints, { metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }] }] }).errors;
    assert.deepEqual(loop, ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  });
});
