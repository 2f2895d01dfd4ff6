import { strict as assert } from 'node:assert';
import { podTemplate } from '../../../lib/registry/podtemplate.js';
import { serviceAccount } from '../../../lib/registry/serviceaccount.js';
import { columns, create, row } from '../strategy.js';

describe('PodTemplate', () => {
  it('defaults and validates its template and prints containers, images and pod labels', () => {
    const { obj, errors } = create(podTemplate, {
      metadata: { name: 'web' },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } },
    });
    assert.deepEqual(errors, []);
    assert.equal(obj.template.spec.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(columns(podTemplate), ['Name', 'Containers', 'Images', 'Pod Labels']);
    assert.deepEqual(row(podTemplate, obj), ['web', 'nginx,log', 'nginx:1.27,busybox', 'app=web']);
  });

  it('reports template errors under template.spec', () => {
    const { errors } = create(podTemplate, { metadata: { name: 'web' }, template: { spec: { containers: [] } } });
    assert.deepEqual(errors, ['template.spec.containers: Required value']);
  });
});

describe('ServiceAccount', () => {
  it('is served as sa with the token subresource and prints its secret count', () => {
    assert.deepEqual(serviceAccount.shortNames, ['sa']);
    const token = serviceAccount.subresources!.find((s) => s.name === 'token')!;
    assert.deepEqual([token.group, token.version, token.kind], ['authentication.k8s.io', 'v1', 'TokenRequest']);
    const { obj, errors } = create(serviceAccount, { metadata: { name: 'builder' } });
    assert.deepEqual(errors, []);
    assert.deepEqual(columns(serviceAccount), ['Name', 'Secrets', 'Age']);
    assert.deepEqual(row(serviceAccount, obj), ['builder', 0, '60m']);
  });
});
