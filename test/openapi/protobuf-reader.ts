// A minimal protobuf wire reader for tests: decodes a message into its fields by number, leaving
// length-delimited values as bytes that can be read again as a message or as UTF-8 text.

export interface WireField {
  field: number;
  wireType: number;
  /** Varints and fixed64 as numbers; length-delimited as bytes. */
  value: number | Buffer;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
}

export function readMessage(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) {
      let v: number;
      [v, pos] = readVarint(buf, pos);
      out.push({ field, wireType, value: v });
    } else if (wireType === 1) {
      out.push({ field, wireType, value: buf.readDoubleLE(pos) });
      pos += 8;
    } else if (wireType === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      if (pos + len > buf.length) throw new Error('truncated field');
      out.push({ field, wireType, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return out;
}

/** All values of a field. */
export function all(msg: WireField[], field: number): WireField['value'][] {
  return msg.filter((f) => f.field === field).map((f) => f.value);
}

/** The single embedded message at `field`, decoded. */
export function sub(msg: WireField[], field: number): WireField[] {
  const v = msg.find((f) => f.field === field)?.value;
  if (!Buffer.isBuffer(v)) throw new Error(`no message at field ${field}`);
  return readMessage(v);
}

/** The string at `field`, or undefined. */
export function str(msg: WireField[], field: number): string | undefined {
  const v = msg.find((f) => f.field === field)?.value;
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

/** A gnostic NamedX list (name = 1, value = 2) as a map of decoded values. */
export function named(msgs: WireField['value'][]): Map<string, WireField[]> {
  const m = new Map<string, WireField[]>();
  for (const v of msgs) {
    const entry = readMessage(v as Buffer);
    m.set(str(entry, 1) ?? '', sub(entry, 2));
  }
  return m;
}
