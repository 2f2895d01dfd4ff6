import { strict as assert } from 'node:assert';
import { canonicalResourceQuantity, parseQuantity } from '../../lib/validation/quantity.js';

describe('resource.Quantity', () => {
  const cases: Array<[string, string, number]> = [
    ['0.5', '500m', 0.5],
    ['1Gi', '1Gi', 1073741824],
    ['1024Mi', '1Gi', 1073741824],
    ['1.5Gi', '1536Mi', 1610612736],
    ['1000m', '1', 1],
    ['12000', '12k', 12000],
    ['1e3', '1e3', 1000],
    ['100m', '100m', 0.1],
    ['0.0000000001', '1n', 1e-9],
    ['512', '512', 512],
    // From apimachinery's quantity_test.go (TestQuantityString / TestQuantityParseEmit).
    ['.001Ki', '1024m', 1.024],
    ['.000000000001Ki', '2n', 2e-9],
    ['1025', '1025', 1025],
    ['300e6', '300e6', 300e6],
    ['80e-3', '80e-3', 0.08],
    ['1000M', '1G', 1e9],
    ['-9.01', '-9010m', -9.01],
  ];
  for (const [input, canonical, value] of cases) {
    it(`parses ${input} to ${canonical}`, () => {
      const q = parseQuantity(input);
      assert.ok(q);
      assert.equal(q.canonical, canonical);
      assert.equal(q.value, value);
    });
  }

  it('rejects unknown suffixes and surrounding whitespace', () => {
    for (const bad of ['1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', ' 1', '1 ']) assert.equal(parseQuantity(bad), undefined, bad);
    assert.equal(parseQuantity('1K'), undefined);
    assert.equal(parseQuantity('abc'), undefined);
    assert.equal(parseQuantity(''), undefined);
  });
});

describe('resource list rounding', () => {
  it('rounds up to milli precision as SetDefaults_ResourceList does', () => {
    assert.equal(canonicalResourceQuantity('0.0001'), '1m');
    assert.equal(canonicalResourceQuantity('1.5'), '1500m');
    assert.equal(canonicalResourceQuantity('2Gi'), '2Gi');
    assert.equal(canonicalResourceQuantity('bogus'), 'bogus');
  });
});
