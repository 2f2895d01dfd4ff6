// SPDY/3.1, server side, just what kubectl's stream protocols need (port-forward, and exec/attach
// for kubectl ≤ 1.30 or with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false): the HTTP/1.1 upgrade, the
// frame layout, zlib-compressed header blocks with the SPDY/3 dictionary, and client-initiated
// streams as Node Duplexes. Mirrors moby/spdystream (what client-go speaks): no flow control
// (spdystream ignores WINDOW_UPDATE and SETTINGS), pings echoed, streams replied to with an empty
// SYN_REPLY as k8s.io/apimachinery/pkg/util/httpstream/spdy does. Spec: SPDY Protocol draft 3.1.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import type { WebSocketConnection } from './websocket.js';

export const SPDY_VERSION = 3;

export const FRAME_SYN_STREAM = 1;
export const FRAME_SYN_REPLY = 2;
export const FRAME_RST_STREAM = 3;
export const FRAME_SETTINGS = 4;
export const FRAME_PING = 6;
export const FRAME_GOAWAY = 7;
export const FRAME_HEADERS = 8;
export const FRAME_WINDOW_UPDATE = 9;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (spdy/types.go RstStreamStatus). */
export const RST_PROTOCOL_ERROR = 1;
export const RST_INVALID_STREAM = 2;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;
export const RST_INTERNAL_ERROR = 6;

export const GOAWAY_OK = 0;
export const GOAWAY_PROTOCOL_ERROR = 1;
export const GOAWAY_INTERNAL_ERROR = 2;

/** A frame's length field is 24 bits. */
export const MAX_FRAME_PAYLOAD = 0xffffff;
/** Data we send is cut into frames of at most this much, so one busy stream does not stall the others for long. */
const DATA_CHUNK = 32 * 1024;

/**
 * The SPDY/3 header compression dictionary (spec §2.6.10.1, spdy/dictionary.go): length-prefixed
 * header names and common values, then a run of plain text. Its Adler-32 (0xe3c6a7c2) travels in
 * every compressed stream's zlib header, so a single wrong byte fails with "Bad dictionary".
 */
export const SPDY_DICTIONARY: Buffer = (() => {
  const words = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
    'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
    'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
    'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
    'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
    'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
  ];
  const tail =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,' +
    'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts = words.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, 'latin1');
    return b;
  });
  return Buffer.concat([...parts, Buffer.from(tail, 'latin1')]);
})();

// ---------- frames ----------

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedTo: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'window_update'; streamId: number; delta: number }
  /** A control frame type SPDY/3 does not define: the spec says to ignore it. */
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

/** A frame the peer should not have sent; the session answers with GOAWAY PROTOCOL_ERROR. */
export class SpdyProtocolError extends Error {}

const STREAM_ID_MASK = 0x7fffffff;

function controlHeader(type: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`frame payload of ${length} bytes exceeds 2^24-1`);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return h;
}

/** The wire bytes of one frame (header blocks are passed already compressed). */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('data frame too large');
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24 | f.data.length) >>> 0, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const body = Buffer.alloc(10);
      body.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      body.writeUInt32BE(f.associatedTo & STREAM_ID_MASK, 4);
      body[8] = (f.priority & 0x7) << 5;
      body[9] = f.slot & 0xff;
      return Buffer.concat([controlHeader(FRAME_SYN_STREAM, f.flags, 10 + f.headerBlock.length), body, f.headerBlock]);
    }
    case 'syn_reply':
    case 'headers': {
      const id = Buffer.alloc(4);
      id.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      return Buffer.concat([controlHeader(f.type === 'syn_reply' ? FRAME_SYN_REPLY : FRAME_HEADERS, f.flags, 4 + f.headerBlock.length), id, f.headerBlock]);
    }
    case 'rst_stream': {
      const body = Buffer.alloc(8);
      body.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      body.writeUInt32BE(f.status >>> 0, 4);
      return Buffer.concat([controlHeader(FRAME_RST_STREAM, 0, 8), body]);
    }
    case 'settings': {
      const body = Buffer.alloc(4 + 8 * f.entries.length);
      body.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        body.writeUInt32BE(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
        body.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
      });
      return Buffer.concat([controlHeader(FRAME_SETTINGS, f.flags, body.length), body]);
    }
    case 'ping': {
      const body = Buffer.alloc(4);
      body.writeUInt32BE(f.id >>> 0, 0);
      return Buffer.concat([controlHeader(FRAME_PING, 0, 4), body]);
    }
    case 'goaway': {
      const body = Buffer.alloc(8);
      body.writeUInt32BE(f.lastGoodStreamId & STREAM_ID_MASK, 0);
      body.writeUInt32BE(f.status >>> 0, 4);
      return Buffer.concat([controlHeader(FRAME_GOAWAY, 0, 8), body]);
    }
    case 'window_update': {
      const body = Buffer.alloc(8);
      body.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      body.writeUInt32BE(f.delta & STREAM_ID_MASK, 4);
      return Buffer.concat([controlHeader(FRAME_WINDOW_UPDATE, 0, 8), body]);
    }
    case 'unknown':
      return Buffer.concat([controlHeader(f.frameType, f.flags, f.payload.length), f.payload]);
  }
}

/** One frame from its 8-byte header and its payload. */
export function decodeFrame(header: Buffer, payload: Buffer): Frame {
  const first = header.readUInt32BE(0);
  const flags = header[4];
  if ((first & 0x80000000) === 0) return { type: 'data', streamId: first & STREAM_ID_MASK, flags, data: payload };
  const version = (first >>> 16) & 0x7fff;
  const type = first & 0xffff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const need = (n: number) => {
    if (payload.length < n) throw new SpdyProtocolError(`control frame type ${type} too short (${payload.length} bytes)`);
  };
  switch (type) {
    case FRAME_SYN_STREAM:
      need(10);
      return {
        type: 'syn_stream',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        associatedTo: payload.readUInt32BE(4) & STREAM_ID_MASK,
        priority: payload[8] >> 5,
        slot: payload[9],
        flags,
        headerBlock: payload.subarray(10),
      };
    case FRAME_SYN_REPLY:
    case FRAME_HEADERS:
      need(4);
      return { type: type === FRAME_SYN_REPLY ? 'syn_reply' : 'headers', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, flags, headerBlock: payload.subarray(4) };
    case FRAME_RST_STREAM:
      need(8);
      return { type: 'rst_stream', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, status: payload.readUInt32BE(4) };
    case FRAME_SETTINGS: {
      need(4);
      const n = payload.readUInt32BE(0);
      if (n > (payload.length - 4) / 8) throw new SpdyProtocolError('SETTINGS frame shorter than its entry count');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const idf = payload.readUInt32BE(4 + 8 * i);
        entries.push({ flags: idf >>> 24, id: idf & 0xffffff, value: payload.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags, entries };
    }
    case FRAME_PING:
      need(4);
      return { type: 'ping', id: payload.readUInt32BE(0) };
    case FRAME_GOAWAY:
      need(8);
      return { type: 'goaway', lastGoodStreamId: payload.readUInt32BE(0) & STREAM_ID_MASK, status: payload.readUInt32BE(4) };
    case FRAME_WINDOW_UPDATE:
      need(8);
      return { type: 'window_update', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, delta: payload.readUInt32BE(4) & STREAM_ID_MASK };
    default:
      return { type: 'unknown', frameType: type, flags, payload };
  }
}

/** Cuts a byte stream into frames, however the transport split it. */
export class FrameParser {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private header?: Buffer;

  push(chunk: Buffer): Frame[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (!this.header) {
        if (this.bytes < 8) break;
        this.header = this.take(8);
      }
      const length = this.header.readUInt32BE(4) & 0xffffff;
      if (this.bytes < length) break;
      const payload = this.take(length);
      const header = this.header;
      this.header = undefined;
      frames.push(decodeFrame(header, payload));
    }
    return frames;
  }

  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.bytes -= n;
    return out;
  }
}

// ---------- header blocks ----------

/** Header names are lower case on the wire; a name may carry several values (NUL-separated). */
export type SpdyHeaders = Map<string, string[]>;

/** The uncompressed name/value block: a 32-bit pair count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: Iterable<[string, string | string[]]>): Buffer {
  const pairs = [...headers];
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(pairs.length, 0);
  parts.push(count);
  for (const [name, value] of pairs) {
    for (const s of [name.toLowerCase(), Array.isArray(value) ? value.join('\0') : value]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length, 0);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let off = 0;
  const u32 = () => {
    if (off + 4 > block.length) throw new SpdyProtocolError('truncated header block');
    const v = block.readUInt32BE(off);
    off += 4;
    return v;
  };
  const str = () => {
    const n = u32();
    if (off + n > block.length) throw new SpdyProtocolError('truncated header block');
    const s = block.toString('utf8', off, off + n);
    off += n;
    return s;
  };
  const count = u32();
  // Each pair takes at least 8 bytes: a count larger than that cannot be honest.
  if (count > (block.length - 4) / 8) throw new SpdyProtocolError('header block shorter than its pair count');
  for (let i = 0; i < count; i++) {
    const name = str().toLowerCase();
    const values = str().split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}

/** The first value of a header (names are case-insensitive, as http.Header.Get canonicalizes). */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0];
}

/**
 * One direction's zlib context: SPDY/3 compresses every header block of a connection as one zlib
 * stream (with the dictionary), flushed with Z_SYNC_FLUSH at the end of each frame. Node's zlib
 * is asynchronous, so blocks are processed strictly one after the other.
 */
class HeaderZlib {
  private queue: Promise<unknown> = Promise.resolve();
  private failed?: Error;

  constructor(private readonly z: zlib.Deflate | zlib.Inflate) {
    // An error rejects the block being processed; the stream itself is then unusable.
    z.on('error', (e: Error) => (this.failed = e));
  }

  process(input: Buffer): Promise<Buffer> {
    const run = this.queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failed) return reject(this.failed);
          const out: Buffer[] = [];
          const onData = (d: Buffer) => out.push(d);
          const onError = (e: Error) => {
            this.z.off('data', onData);
            reject(e);
          };
          this.z.on('data', onData);
          this.z.once('error', onError);
          this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.z.off('data', onData);
            this.z.off('error', onError);
            if (this.failed) reject(this.failed);
            else resolve(Buffer.concat(out));
          });
        }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.z.close();
  }
}

/** Chromium's SPDY/3 compressor settings (level 9, 2 KiB window, memLevel 1): small per connection. */
export function createHeaderCompressor(): { compress(block: Buffer): Promise<Buffer>; close(): void } {
  const z = new HeaderZlib(zlib.createDeflate({ level: 9, windowBits: 11, memLevel: 1, dictionary: SPDY_DICTIONARY }));
  return { compress: (b) => z.process(b), close: () => z.close() };
}

export function createHeaderDecompressor(): { decompress(block: Buffer): Promise<Buffer>; close(): void } {
  const z = new HeaderZlib(zlib.createInflate({ dictionary: SPDY_DICTIONARY }));
  return { decompress: (b) => z.process(b), close: () => z.close() };
}

// ---------- session and streams ----------

/** The byte pipe a session runs over: a raw upgraded socket, or binary WebSocket messages (the port-forward tunnel). */
export interface SpdyTransport {
  /** false when the transport is full: the session waits for onDrain. */
  write(data: Buffer): boolean;
  onDrain(fn: () => void): void;
  /** Stop/restart delivering input (a stream's reader is behind: SPDY as kubectl speaks it has no flow control). */
  pause(): void;
  resume(): void;
  /** Ends the connection after what was written. */
  end(): void;
}

/**
 * A stream the client opened (SYN_STREAM). Readable side: the client's DATA; writable side: ours,
 * with end() sending FIN. The listener of the session's 'stream' event must call reply() (SYN_REPLY:
 * client-go's CreateStream waits for it) or reset().
 */
export class SpdyStream extends Duplex {
  /** Set when the client reset the stream (RST_STREAM) rather than ending it. */
  resetByPeer = false;

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: SpdyHeaders) {
    super({ allowHalfOpen: true });
    // Errors only come from misuse after the session is gone; a client's misbehaviour must not
    // crash the server, and 'close' tells users the stream is over.
    this.on('error', () => undefined);
  }

  header(name: string): string | undefined {
    return headerValue(this.headers, name);
  }

  reply(): void {
    this.session.sendReply(this.id);
  }

  /** RST_STREAM (default CANCEL, as spdystream's Stream.Reset) and drop the stream. */
  reset(status = RST_CANCEL): void {
    if (this.destroyed) return;
    this.session.sendReset(this.id, status);
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.session.sendData(this.id, Buffer.alloc(0), true, cb);
  }

  override _read(): void {
    this.session.readResumed(this);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.session.forget(this);
    cb(err);
  }
}

/**
 * The server end of one SPDY/3.1 connection. Feed it the transport's bytes with receive() and tell
 * it when the transport is gone with transportClosed(). Events: 'stream' (SpdyStream), 'goaway',
 * 'close'.
 */
export class SpdySession extends EventEmitter {
  private readonly parser = new FrameParser();
  private readonly inflater = createHeaderDecompressor();
  private readonly deflater = createHeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  /** Streams whose reader is behind: the transport stays paused while any is. */
  private readonly blocked = new Set<SpdyStream>();
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private drainWaiters: Array<() => void> = [];
  private lastClientStreamId = 0;
  private goneAway = false;
  private closed = false;

  constructor(private readonly transport: SpdyTransport) {
    super();
    transport.onDrain(() => {
      for (const fn of this.drainWaiters.splice(0)) fn();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (e) {
      return this.fail(e);
    }
    for (const f of frames) {
      // Header blocks inflate asynchronously; frames are still handled strictly in order (a DATA
      // frame must find the stream its SYN_STREAM created).
      this.inbound = this.inbound.then(() => (this.closed ? undefined : this.handle(f))).catch((e) => this.fail(e));
    }
  }

  /** The transport is gone: every stream ends where it is. */
  transportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.drainWaiters.splice(0)) fn();
    for (const s of [...this.streams.values()]) s.destroy();
    this.streams.clear();
    this.inflater.close();
    this.deflater.close();
    this.emit('close');
  }

  /** GOAWAY, then the transport ends once everything queued before it is written. */
  close(status = GOAWAY_OK): void {
    if (this.closed || this.goneAway) return;
    this.goneAway = true;
    this.enqueue(() => encodeFrame({ type: 'goaway', lastGoodStreamId: this.lastClientStreamId, status }));
    this.outbound = this.outbound.then(() => {
      if (!this.closed) this.transport.end();
    });
  }

  sendReply(id: number): void {
    // An empty header block, as apimachinery's spdy connection replies to every accepted stream.
    this.enqueue(async () => encodeFrame({ type: 'syn_reply', streamId: id, flags: 0, headerBlock: await this.deflater.compress(encodeHeaderBlock([])) }));
  }

  sendReset(id: number, status: number): void {
    this.enqueue(() => encodeFrame({ type: 'rst_stream', streamId: id, status }));
  }

  sendData(id: number, data: Buffer, fin: boolean, done: (err?: Error | null) => void): void {
    if (this.closed) return done();
    if (data.length === 0 && fin) this.enqueue(() => encodeFrame({ type: 'data', streamId: id, flags: FLAG_FIN, data }));
    for (let off = 0; off < data.length; off += DATA_CHUNK) {
      const piece = data.subarray(off, off + DATA_CHUNK);
      const flags = fin && off + DATA_CHUNK >= data.length ? FLAG_FIN : 0;
      this.enqueue(() => encodeFrame({ type: 'data', streamId: id, flags, data: piece }));
    }
    // Written (or dropped because the transport went away): the stream may send more.
    this.outbound = this.outbound.then(() => done());
  }

  /** A stream's reader wants more: resume the transport when no other stream is behind. */
  readResumed(stream: SpdyStream): void {
    if (this.blocked.delete(stream) && this.blocked.size === 0 && !this.closed) this.transport.resume();
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.readResumed(stream);
  }

  private enqueue(build: () => Buffer | Promise<Buffer>): void {
    this.outbound = this.outbound
      .then(async () => {
        if (this.closed) return;
        const bytes = await build();
        if (this.closed) return;
        if (!this.transport.write(bytes)) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      })
      .catch((e) => this.fail(e));
  }

  private async handle(f: Frame): Promise<void> {
    switch (f.type) {
      case 'syn_stream': {
        // Inflate even a stream we refuse: the zlib context spans the whole connection.
        const headers = await this.headerBlock(f.headerBlock);
        if (f.streamId % 2 === 0 || f.streamId <= this.lastClientStreamId) {
          // spdystream's validateStreamId: client streams are odd and increasing.
          this.sendReset(f.streamId, RST_PROTOCOL_ERROR);
          return;
        }
        this.lastClientStreamId = f.streamId;
        if (this.goneAway || this.listenerCount('stream') === 0) {
          this.sendReset(f.streamId, RST_REFUSED_STREAM);
          return;
        }
        const stream = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, stream);
        if (f.flags & FLAG_FIN) stream.push(null);
        this.emit('stream', stream);
        return;
      }
      case 'syn_reply':
      case 'headers':
        // Keep the zlib context in step; we open no streams, and extra headers mean nothing here.
        await this.headerBlock(f.headerBlock);
        return;
      case 'data': {
        const stream = this.streams.get(f.streamId);
        // Data for a stream that is gone is dropped, as spdystream does.
        if (!stream || stream.destroyed) return;
        if (f.data.length && !stream.push(f.data)) {
          this.blocked.add(stream);
          this.transport.pause();
        }
        if (f.flags & FLAG_FIN) stream.push(null);
        return;
      }
      case 'rst_stream': {
        const stream = this.streams.get(f.streamId);
        if (!stream) return;
        stream.resetByPeer = true;
        stream.destroy();
        return;
      }
      case 'ping':
        // Odd ids are the client's: answer with the same frame. Even ids would be answers to ours.
        if (f.id % 2 === 1) this.enqueue(() => encodeFrame(f));
        return;
      case 'goaway':
        // The client opens no more streams; those open finish normally.
        this.emit('goaway');
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        // No flow control on either side (spdystream ignores both); unknown control frames are ignored (spec §2.2.1).
        return;
    }
  }

  private async headerBlock(compressed: Buffer): Promise<SpdyHeaders> {
    let block: Buffer;
    try {
      block = await this.inflater.decompress(compressed);
    } catch (e) {
      // Corrupt compressed data is the client's fault, like any malformed frame.
      throw new SpdyProtocolError(`bad header block: ${e instanceof Error ? e.message : String(e)}`);
    }
    return decodeHeaderBlock(block);
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    const status = e instanceof SpdyProtocolError ? GOAWAY_PROTOCOL_ERROR : GOAWAY_INTERNAL_ERROR;
    this.emit('protocolError', e);
    if (!this.goneAway) {
      this.goneAway = true;
      // Best effort: the GOAWAY goes out directly, whatever is queued.
      this.transport.write(encodeFrame({ type: 'goaway', lastGoodStreamId: this.lastClientStreamId, status }));
    }
    this.transport.end();
    this.transportClosed();
  }
}

// ---------- HTTP upgrade ----------

export const HEADER_SPDY_31 = 'SPDY/3.1';
export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
/** The WebSocket subprotocol prefix of the SPDY tunnel (apimachinery util/portforward constants). */
export const WEBSOCKET_SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';

/** Whether the request asks to upgrade to SPDY/3.1 (spdy.ResponseUpgrader's check). */
export function isSpdyUpgradeRequest(req: IncomingMessage): boolean {
  const connection = String(req.headers.connection ?? '').toLowerCase();
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  return connection.includes('upgrade') && upgrade.includes(HEADER_SPDY_31.toLowerCase());
}

/** The client's X-Stream-Protocol-Version values, in its order (repeated headers arrive joined with ", "). */
export function requestedStreamProtocols(req: IncomingMessage): string[] {
  return String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * httpstream.Handshake: the first of the client's protocols (in its order) the server supports,
 * or the error upstream answers (400 when none was sent, 403 when none matches).
 */
export function negotiateStreamProtocol(req: IncomingMessage, supported: readonly string[]): { protocol: string } | { code: number; message: string } {
  const offered = requestedStreamProtocols(req);
  if (offered.length === 0) return { code: 400, message: `unable to upgrade: ${HEADER_PROTOCOL_VERSION} is required` };
  const protocol = offered.find((p) => supported.includes(p));
  if (!protocol) {
    return { code: 403, message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]` };
  }
  return { protocol };
}

/** The 101 answer to a SPDY upgrade, then a session over the raw socket. */
export function acceptSpdy(socket: Duplex, head: Buffer, protocol: string): SpdySession {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${HEADER_SPDY_31}\r\n${HEADER_PROTOCOL_VERSION}: ${protocol}\r\n\r\n`);
  if ('setNoDelay' in socket && typeof (socket as { setNoDelay?: unknown }).setNoDelay === 'function') (socket as unknown as { setNoDelay(v: boolean): void }).setNoDelay(true);
  const session = new SpdySession({
    write: (d) => socket.write(d),
    onDrain: (fn) => socket.on('drain', fn),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    end: () => socket.end(),
  });
  socket.on('data', (d: Buffer) => session.receive(d));
  socket.on('end', () => session.transportClosed());
  socket.on('close', () => session.transportClosed());
  socket.on('error', () => session.transportClosed());
  if (head.length) session.receive(head);
  return session;
}

/**
 * A session whose frames travel inside binary WebSocket messages (client-go's TunnelingConnection):
 * every message's payload is the next piece of the SPDY byte stream, and each frame we send is one message.
 */
export function spdyOverWebSocket(ws: WebSocketConnection): SpdySession {
  const session = new SpdySession({
    write: (d) => ws.send(d, true),
    onDrain: (fn) => ws.on('drain', fn),
    pause: () => ws.socket.pause(),
    resume: () => ws.socket.resume(),
    end: () => ws.close(1000),
  });
  ws.on('message', (data: Buffer, binary: boolean) => {
    // TunnelingConnection.Read refuses anything but binary messages; so do we.
    if (!binary) return session.close(GOAWAY_PROTOCOL_ERROR);
    session.receive(data);
  });
  ws.on('close', () => session.transportClosed());
  return session;
}
