// Go's text forms of the time types that metav1 carries: metav1.Time (RFC 3339, seconds),
// metav1.MicroTime (RFC 3339 with 6 fraction digits) and metav1.Duration (time.Duration.String()).
// Their protobuf forms are {seconds, nanos} and a nanosecond count.

const SECOND = 1_000_000_000n;
const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n, // U+00B5 micro sign
  'μs': 1000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: SECOND,
  m: 60n * SECOND,
  h: 3600n * SECOND,
};

/** Formats like Go's time.Duration.String(): "1h2m3.5s", "300ms", "0s". */
export function formatGoDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  let out: string;
  const frac = (v: bigint, prec: number): [string, bigint] => {
    let s = '';
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n;
      print = print || digit !== 0n;
      if (print) s = digit.toString() + s;
      v /= 10n;
    }
    return [print ? `.${s}` : '', v];
  };
  if (u < SECOND) {
    if (u === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (u < 1000n) [unit, prec] = ['ns', 0];
    else if (u < 1_000_000n) [unit, prec] = ['µs', 3];
    else [unit, prec] = ['ms', 6];
    const [f, whole] = frac(u, prec);
    out = `${whole}${f}${unit}`;
  } else {
    const [f, secs] = frac(u, 9);
    u = secs;
    out = `${u % 60n}${f}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Parses Go's time.ParseDuration syntax; returns undefined when it does not parse. */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/u;
  while (rest.length) {
    const m = re.exec(rest);
    if (!m || (m[1] === '' && !m[2])) return undefined;
    const unit = UNITS[m[3]!]!;
    const whole = BigInt(m[1] || '0');
    let part = whole * unit;
    if (m[2]) part += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    total += part;
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

/** Go's zero time.Time as Unix seconds (January 1, year 1, UTC). */
export const GO_ZERO_TIME_SECONDS = -62135596800n;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** RFC 3339 in UTC as metav1.Time / MicroTime MarshalJSON print it. */
export function formatRfc3339(seconds: bigint, micros?: number): string {
  const d = new Date(Number(seconds) * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return micros === undefined ? `${base}Z` : `${base}.${pad(micros, 6)}Z`;
}

/** Parses RFC 3339 (with optional fraction and offset) into Unix seconds and nanoseconds. */
export function parseRfc3339(s: string): { seconds: bigint; nanos: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) return undefined;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  // Date.UTC maps years 0-99 to 1900+; fix them up.
  if (Number(m[1]) < 100) {
    const d = new Date(ms);
    d.setUTCFullYear(Number(m[1]));
    ms = d.getTime();
  }
  if (m[9]) {
    const off = (Number(m[10]) * 60 + Number(m[11])) * 60_000;
    ms += m[9] === '+' ? -off : off;
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos };
}
