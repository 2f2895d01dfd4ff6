// resource.Quantity parsing and canonical form (k8s.io/apimachinery/pkg/api/resource/quantity.go).
// Values are held exactly as mantissa × 10^exponent with BigInt so canonical strings match
// upstream to the digit; `value` is a float convenience for comparisons and sums.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** Amount in base units (cores, bytes …) as a float. */
  value: number;
  /** Upstream's canonical String(): `500m`, `1Gi`, `1e3`, `1500`. */
  canonical: string;
  format: QuantityFormat;
  /** Exact amount: mantissa × 10^exp. */
  mantissa: bigint;
  exp: number;
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXP: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL_SUFFIX).map(([k, v]) => [v, k]));
const BINARY_BY_EXP: Record<number, string> = Object.fromEntries(Object.entries(BINARY_SUFFIX).map(([k, v]) => [v, k]));

/** Upstream's ErrFormatWrong text, for validation messages. */
export const QUANTITY_FORMAT_ERROR = 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';

const RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a quantity string (or a plain number); undefined when upstream would reject it. */
export function parseQuantity(input: string | number): Quantity | undefined {
  const s = typeof input === 'number' ? String(input) : input;
  if (typeof s !== 'string' || s.length === 0) return undefined;
  const m = RE.exec(s);
  if (!m) return undefined;
  const [, sign, intPart, fracPart = '', suffix] = m;
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in DECIMAL_SUFFIX) {
    format = 'DecimalSI';
    exp10 = DECIMAL_SUFFIX[suffix];
  } else if (suffix in BINARY_SUFFIX) {
    format = 'BinarySI';
    exp2 = BINARY_SUFFIX[suffix];
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number(suffix.slice(1));
  } else {
    return undefined;
  }
  let mantissa = BigInt((intPart || '0') + fracPart);
  let exp = exp10 - fracPart.length;
  if (exp2) mantissa *= 1n << BigInt(exp2);
  if (sign === '-') mantissa = -mantissa;
  // Quantities carry at most nano precision; upstream rounds up (away from zero for positives).
  if (exp < -9) {
    const div = pow10(-9 - exp);
    const q = mantissa / div;
    const r = mantissa % div;
    mantissa = r > 0n ? q + 1n : q;
    exp = -9;
  }
  [mantissa, exp] = normalize(mantissa, exp);
  return { value: Number(mantissa) * 10 ** exp, canonical: canonicalize(mantissa, exp, format), format, mantissa, exp };
}

function normalize(mantissa: bigint, exp: number): [bigint, number] {
  if (mantissa === 0n) return [0n, 0];
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exp++;
  }
  return [mantissa, exp];
}

/** Integer value when exact at scale 0. */
function asInteger(mantissa: bigint, exp: number): bigint | undefined {
  if (exp >= 0) return mantissa * pow10(exp);
  const d = pow10(-exp);
  return mantissa % d === 0n ? mantissa / d : undefined;
}

function canonicalize(mantissa: bigint, exp: number, format: QuantityFormat): string {
  if (mantissa === 0n) return '0';
  if (format === 'BinarySI') {
    const int = asInteger(mantissa, exp);
    const abs = int !== undefined && int < 0n ? -int : int;
    // Upstream shows small or fractional binary amounts in DecimalSI to avoid rounding.
    if (abs !== undefined && abs >= 1024n) {
      let n = int!;
      let e2 = 0;
      while (e2 < 60 && n % 1024n === 0n) {
        n /= 1024n;
        e2 += 10;
      }
      return `${n}${BINARY_BY_EXP[e2] ?? ''}`;
    }
    format = 'DecimalSI';
  }
  // Exponent a multiple of 3 at or below the exact one, mantissa an integer.
  let e3 = Math.floor(exp / 3) * 3;
  let mant = mantissa * pow10(exp - e3);
  if (format === 'DecimalSI') {
    if (e3 > 18) {
      mant *= pow10(e3 - 18);
      e3 = 18;
    }
    return `${mant}${DECIMAL_BY_EXP[e3]}`;
  }
  return e3 === 0 ? `${mant}` : `${mant}e${e3}`;
}

/**
 * Quantity.RoundUp(scale): resource lists are rounded up to milli precision on defaulting
 * (SetDefaults_ResourceList), so "0.0001" CPU is stored as "1m".
 */
export function roundUp(q: Quantity, scale = -3): Quantity {
  if (q.exp >= scale) return q;
  const div = pow10(scale - q.exp);
  const quot = q.mantissa / div;
  const mantissa = q.mantissa % div > 0n ? quot + 1n : quot;
  const [m, e] = normalize(mantissa, scale);
  return { ...q, mantissa: m, exp: e, value: Number(m) * 10 ** e, canonical: canonicalize(m, e, q.format) };
}

/** The stored form of a ResourceList value: parsed, rounded up to milli, canonical. Unparsable input is returned as is. */
export function canonicalResourceQuantity(raw: unknown): unknown {
  if (typeof raw !== 'string' && typeof raw !== 'number') return raw;
  const q = parseQuantity(raw);
  return q ? roundUp(q).canonical : raw;
}

/** Formats a base-unit float back to a quantity string, DecimalSI (for sums in tables). */
export function formatQuantity(value: number, format: QuantityFormat = 'DecimalSI'): string {
  const q = parseQuantity(value.toFixed(9).replace(/\.?0+$/, ''));
  if (!q) return String(value);
  return canonicalize(q.mantissa, q.exp, format);
}

/** Quantity values compare as decimals; returns -1, 0, 1. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  const e = Math.min(a.exp, b.exp);
  const am = a.mantissa * pow10(a.exp - e);
  const bm = b.mantissa * pow10(b.exp - e);
  return am < bm ? -1 : am > bm ? 1 : 0;
}
