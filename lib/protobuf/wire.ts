// Protobuf wire primitives (proto2, as gogo-protobuf writes Kubernetes types): varints, tags,
// length-delimited fields. Kept dependency-free; int64 values go through BigInt only when they
// do not fit in 53 bits.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** One field occurrence: varints as bigint, fixed as raw 4/8 bytes, length-delimited as bytes. */
export interface RawField {
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
}

export class ProtobufSyntaxError extends Error {}

/** Splits a message into its fields by number, keeping every occurrence in order. */
export function readFields(buf: Buffer): Map<number, RawField[]> {
  const out = new Map<number, RawField[]>();
  let pos = 0;
  const varint = (): bigint => {
    // Fast path: tags, lengths and most values fit in four bytes.
    let small = 0;
    for (let i = 0; i < 4 && pos + i < buf.length; i++) {
      const b = buf[pos + i]!;
      small |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        pos += i + 1;
        return BigInt(small >>> 0);
      }
    }
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ProtobufSyntaxError('unexpected EOF');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufSyntaxError('proto: integer overflow');
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const num = Math.floor(key / 8);
    const wire = key & 7;
    if (num <= 0) throw new ProtobufSyntaxError(`proto: illegal tag ${num} (wire type ${wire})`);
    let f: RawField;
    switch (wire) {
      case WIRE_VARINT:
        f = { wire, varint: varint() };
        break;
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const n = wire === WIRE_FIXED64 ? 8 : 4;
        if (pos + n > buf.length) throw new ProtobufSyntaxError('unexpected EOF');
        f = { wire, bytes: buf.subarray(pos, pos + n) };
        pos += n;
        break;
      }
      case WIRE_BYTES: {
        const len = Number(varint());
        if (len < 0 || pos + len > buf.length) throw new ProtobufSyntaxError('unexpected EOF');
        f = { wire, bytes: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      default:
        throw new ProtobufSyntaxError(`proto: illegal wireType ${wire}`);
    }
    const list = out.get(num);
    if (list) list.push(f);
    else out.set(num, [f]);
  }
  return out;
}

/** Reads the varints of a packed repeated field. */
export function readPackedVarints(buf: Buffer): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ProtobufSyntaxError('unexpected EOF');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(result);
  }
  return out;
}

/** Appends fields to a growing list of chunks; `finish()` concatenates. */
export class Writer {
  private chunks: Buffer[] = [];
  private length = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  varintRaw(v: bigint | number): void {
    if (typeof v === 'number' && v >= 0 && v < 0x10000000 && Number.isInteger(v)) {
      const bytes: number[] = [];
      while (v >= 0x80) {
        bytes.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      bytes.push(v);
      this.push(Buffer.from(bytes));
      return;
    }
    // Negative values are written as their 64-bit two's complement (10 bytes), as Go does for int32/int64.
    let n = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    while (n >= 0x80n) {
      bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    bytes.push(Number(n));
    this.push(Buffer.from(bytes));
  }

  tag(num: number, wire: number): void {
    this.varintRaw(num * 8 + wire);
  }

  varint(num: number, v: bigint | number): void {
    this.tag(num, WIRE_VARINT);
    this.varintRaw(v);
  }

  bytes(num: number, b: Buffer): void {
    this.tag(num, WIRE_BYTES);
    this.varintRaw(b.length);
    this.push(b);
  }

  string(num: number, s: string): void {
    this.bytes(num, Buffer.from(s, 'utf8'));
  }

  double(num: number, v: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.tag(num, WIRE_FIXED64);
    this.push(b);
  }

  float(num: number, v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.tag(num, WIRE_FIXED32);
    this.push(b);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
