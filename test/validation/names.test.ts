import { strict as assert } from 'node:assert';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSSubdomain,
} from '../../lib/validation/names.js';

describe('name validation (apimachinery util/validation)', () => {
  it('explains an invalid DNS-1123 subdomain with upstream text', () => {
    assert.deepEqual(isDNS1123Subdomain('My_App'), [
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(isDNS1123Subdomain('web.example.com'), []);
  });

  it('joins label examples the way RegexError does (double space before "or")', () => {
    assert.deepEqual(isDNS1123Label('a.b'), [
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('rejects DNS-1035 labels that start with a digit', () => {
    assert.equal(isDNS1035Label('1svc').length, 1);
    assert.match(isDNS1035Label('1svc')[0], /^a DNS-1035 label must consist of/);
    assert.deepEqual(isDNS1035Label('svc-1'), []);
  });

  it('reports the length limit and the pattern separately', () => {
    assert.deepEqual(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
  });

  it('checks qualified names part by part', () => {
    assert.deepEqual(isQualifiedName('example.com/app'), []);
    assert.deepEqual(isQualifiedName('/app'), ['prefix part must be non-empty']);
    assert.match(isQualifiedName('Bad_/x')[0], /^prefix part a lowercase RFC 1123 subdomain/);
    assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist of alphanumeric characters.*with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });

  it('accepts empty label values and rejects trailing dashes', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.match(isValidLabelValue('web-')[0], /^a valid label must be an empty string or consist of/);
  });

  it('allows generateName prefixes ending in a dash', () => {
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
    assert.notDeepEqual(nameIsDNSSubdomain('web-', false), []);
  });

  it('validates config keys and port names', () => {
    assert.deepEqual(isConfigMapKey('app.properties'), []);
    assert.match(isConfigMapKey('a b')[0], /^a valid config key must consist of alphanumeric characters, '-', '_' or '.'/);
    assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('80'), ['must contain at least one letter (a-z)']);
  });
});
