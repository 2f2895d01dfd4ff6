// SPDY/3.1 framing and header compression (lib/api/spdy.ts), checked against byte vectors from
// Chromium's SPDY/3 framer tests (net/spdy/spdy_framer_test.cc, CreateSynReplyCompressed), and a
// session driven by a hand-made client the way spdystream (client-go) drives it.
import { strict as assert } from 'node:assert';
import {
  SPDY_DICTIONARY,
  FrameParser,
  SpdySession,
  type SpdyStream,
  type Frame,
  createHeaderCompressor,
  createHeaderDecompressor,
  decodeFrame,
  decodeHeaderBlock,
  encodeFrame,
  encodeHeaderBlock,
  FLAG_FIN,
  RST_CANCEL,
} from '../../lib/api/spdy.js';
import { acceptSpdyCommandStreams } from '../../lib/api/remote-command-spdy.js';

const hex = (s: string) => Buffer.from(s.replace(/0x|,|\s/g, ''), 'hex');

/** SYN_REPLY, stream 1, headers bar: foo and foo: bar, compressed (Chromium, 2012: level 9, windowBits 11, memLevel 1). */
const CHROMIUM_SYN_REPLY = hex(`
  0x80, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x01,
  0x38, 0xea, 0xe3, 0xc6, 0xa7, 0xc2, 0x02, 0xe5, 0x0e, 0x50, 0xc2, 0x4b,
  0x4a, 0x04, 0xe5, 0x0b, 0xe6, 0xb4, 0xfc, 0x7c, 0x24, 0x0a, 0x28, 0x08,
  0x00, 0x00, 0x00, 0xff, 0xff`);
/** The same frame as later Chromium releases and their SIMD zlib compress it (other deflate choices, same content). */
const CHROMIUM_SYN_REPLY_LATER = hex(`
  0x80, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x01,
  0x38, 0xea, 0xe3, 0xc6, 0xa7, 0xc2, 0x02, 0xe5, 0x0e, 0x50, 0xc2, 0x4b,
  0x4a, 0x04, 0xe5, 0x0b, 0x66, 0x80, 0x00, 0x4a, 0xcb, 0xcf, 0x07, 0x08,
  0x20, 0x10, 0x95, 0x96, 0x9f, 0x0f, 0xa2, 0x00, 0x02, 0x28, 0x29, 0xb1,
  0x08, 0x20, 0x80, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff`);
const CHROMIUM_SYN_REPLY_SIMD = hex(`
  0x80, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x01,
  0x38, 0xea, 0xe3, 0xc6, 0xa7, 0xc2, 0x02, 0xe5, 0x0e, 0x50, 0xc2, 0x4b,
  0x4a, 0x04, 0xe5, 0x0b, 0x66, 0x80, 0x00, 0x4a, 0xcb, 0xcf, 0x07, 0x08,
  0x20, 0x24, 0x0a, 0x20, 0x80, 0x92, 0x12, 0x8b, 0x00, 0x02, 0x08, 0x00,
  0x00, 0x00, 0xff, 0xff`);

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

function parseAll(bytes: Buffer, chunk = bytes.length): Frame[] {
  const p = new FrameParser();
  const out: Frame[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...p.push(bytes.subarray(i, i + chunk)));
  return out;
}

describe('SPDY/3.1 framing', () => {
  it('has the SPDY/3 dictionary whose Adler-32 the compressed vectors carry', () => {
    assert.equal(SPDY_DICTIONARY.length, 1423);
    assert.equal(adler32(SPDY_DICTIONARY), 0xe3c6a7c2);
    // zlib header (0x38 0xea: FDICT set) followed by the dictionary id.
    assert.equal(CHROMIUM_SYN_REPLY.readUInt32BE(14), 0xe3c6a7c2);
  });

  it('round-trips every frame type, however the bytes are split', () => {
    const frames: Frame[] = [
      { type: 'data', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
      { type: 'data', streamId: 7, flags: 0, data: Buffer.alloc(0) },
      { type: 'syn_stream', streamId: 3, associatedTo: 1, priority: 7, slot: 2, flags: FLAG_FIN, headerBlock: Buffer.from('hb') },
      { type: 'syn_reply', streamId: 3, flags: 0, headerBlock: Buffer.from('reply') },
      { type: 'headers', streamId: 9, flags: FLAG_FIN, headerBlock: Buffer.from('more') },
      { type: 'rst_stream', streamId: 3, status: RST_CANCEL },
      { type: 'settings', flags: 1, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
      { type: 'ping', id: 0xfffffffd },
      { type: 'goaway', lastGoodStreamId: 11, status: 0 },
      { type: 'window_update', streamId: 1, delta: 4096 },
      { type: 'unknown', frameType: 10, flags: 0, payload: Buffer.from([1, 2, 3]) },
    ];
    const bytes = Buffer.concat(frames.map(encodeFrame));
    assert.deepEqual(parseAll(bytes), frames);
    assert.deepEqual(parseAll(bytes, 1), frames);
    assert.deepEqual(parseAll(bytes, 7), frames);
  });

  it('lays out control and data frames as spdystream does', () => {
    // PING id 1: control bit + version 3, type 6, flags 0, length 4, id.
    assert.deepEqual(encodeFrame({ type: 'ping', id: 1 }), hex('80 03 00 06 00 00 00 04 00 00 00 01'));
    // DATA stream 3 with FIN: no control bit, flags in the length word's top byte.
    assert.deepEqual(encodeFrame({ type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('ok') }), hex('00 00 00 03 01 00 00 02 6f 6b'));
    // RST_STREAM stream 1 CANCEL (5).
    assert.deepEqual(encodeFrame({ type: 'rst_stream', streamId: 1, status: 5 }), hex('80 03 00 03 00 00 00 08 00 00 00 01 00 00 00 05'));
  });

  it('refuses a control frame of another SPDY version', () => {
    assert.throws(() => decodeFrame(hex('80 02 00 06 00 00 00 04'), hex('00 00 00 01')), /unsupported SPDY version 2/);
  });

  it('encodes header blocks with lower-case names and NUL-joined values', () => {
    const block = encodeHeaderBlock([['StreamType', 'data'], ['port', ['80', '81']]]);
    assert.deepEqual(block, Buffer.concat([hex('00000002'), hex('0000000a'), Buffer.from('streamtype'), hex('00000004'), Buffer.from('data'), hex('00000004'), Buffer.from('port'), hex('00000005'), Buffer.from('80\x0081')]));
    assert.deepEqual(decodeHeaderBlock(block), new Map([['streamtype', ['data']], ['port', ['80', '81']]]));
    assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated header block/);
    assert.throws(() => decodeHeaderBlock(hex('7fffffff')), /shorter than its pair count/);
  });
});

describe('SPDY/3 header compression', () => {
  const headers: Array<[string, string]> = [['bar', 'foo'], ['foo', 'bar']];

  it('compresses a SYN_REPLY to the bytes of Chromium\'s framer test', async () => {
    const c = createHeaderCompressor();
    const frame = encodeFrame({ type: 'syn_reply', streamId: 1, flags: 0, headerBlock: await c.compress(encodeHeaderBlock(headers)) });
    c.close();
    assert.equal(frame.toString('hex'), CHROMIUM_SYN_REPLY.toString('hex'));
  });

  for (const [what, vector] of [['2012', CHROMIUM_SYN_REPLY], ['later', CHROMIUM_SYN_REPLY_LATER], ['SIMD zlib', CHROMIUM_SYN_REPLY_SIMD]] as const) {
    it(`decompresses Chromium's ${what} SYN_REPLY vector`, async () => {
      const [f] = parseAll(vector);
      assert.equal(f.type, 'syn_reply');
      if (f.type !== 'syn_reply') return;
      assert.equal(f.streamId, 1);
      const d = createHeaderDecompressor();
      assert.deepEqual(decodeHeaderBlock(await d.decompress(f.headerBlock)), new Map([['bar', ['foo']], ['foo', ['bar']]]));
      d.close();
    });
  }

  it('keeps one zlib context per direction across frames', async () => {
    const c = createHeaderCompressor();
    const d = createHeaderDecompressor();
    const first = await c.compress(encodeHeaderBlock([['streamtype', 'error'], ['port', '80'], ['requestid', '0']]));
    const second = await c.compress(encodeHeaderBlock([['streamtype', 'data'], ['port', '80'], ['requestid', '0']]));
    assert.deepEqual(decodeHeaderBlock(await d.decompress(first)).get('streamtype'), ['error']);
    assert.deepEqual(decodeHeaderBlock(await d.decompress(second)).get('streamtype'), ['data']);
    // The second block refers back to the first: a fresh context cannot read it.
    const fresh = createHeaderDecompressor();
    await assert.rejects(fresh.decompress(second));
    for (const z of [c, d, fresh]) z.close();
  });
});

/** A client in the test: its own compressor, frames in, frames out. */
class FakeClient {
  readonly received: Frame[] = [];
  private readonly parser = new FrameParser();
  private readonly compressor = createHeaderCompressor();
  private readonly decompressor = createHeaderDecompressor();
  readonly replyHeaders: Array<Map<string, string[]>> = [];
  ended = false;
  paused = false;
  readonly session: SpdySession;
  private drain?: () => void;
  full = false;

  constructor() {
    this.session = new SpdySession({
      write: (d) => {
        this.received.push(...this.parser.push(d));
        return !this.full;
      },
      onDrain: (fn) => (this.drain = fn),
      pause: () => (this.paused = true),
      resume: () => (this.paused = false),
      end: () => {
        this.ended = true;
        this.session.transportClosed();
      },
    });
  }

  release(): void {
    this.full = false;
    this.drain?.();
  }

  async open(id: number, headers: Array<[string, string]>, flags = 0): Promise<void> {
    this.session.receive(encodeFrame({ type: 'syn_stream', streamId: id, associatedTo: 0, priority: 0, slot: 0, flags, headerBlock: await this.compressor.compress(encodeHeaderBlock(headers)) }));
  }

  send(f: Frame): void {
    this.session.receive(encodeFrame(f));
  }

  async replies(): Promise<number[]> {
    const ids = [];
    for (const f of this.received) {
      if (f.type !== 'syn_reply') continue;
      this.replyHeaders.push(decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock)));
      ids.push(f.streamId);
    }
    return ids;
  }

  data(id: number): { bytes: string; fin: boolean } {
    const frames = this.received.filter((f): f is Extract<Frame, { type: 'data' }> => f.type === 'data' && f.streamId === id);
    return { bytes: Buffer.concat(frames.map((f) => f.data)).toString(), fin: frames.some((f) => (f.flags & FLAG_FIN) !== 0) };
  }
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('SPDY/3.1 session (server side)', () => {
  it('replies to a client stream, carries data both ways with FIN, and echoes pings', async () => {
    const client = new FakeClient();
    const streams: SpdyStream[] = [];
    client.session.on('stream', (s: SpdyStream) => {
      streams.push(s);
      s.reply();
      s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
      s.on('end', () => s.end());
    });
    await client.open(1, [['streamType', 'data'], ['port', '80']]);
    client.send({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('hello ') });
    client.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('world') });
    client.send({ type: 'ping', id: 1 });
    client.send({ type: 'ping', id: 2 }); // an even id answers a server ping: not echoed
    await tick();
    assert.equal(streams[0].header('StreamType'), 'data');
    assert.equal(streams[0].header('port'), '80');
    assert.deepEqual(await client.replies(), [1]);
    assert.deepEqual(client.replyHeaders, [new Map()]);
    assert.deepEqual(client.data(1), { bytes: 'HELLO WORLD', fin: true });
    assert.deepEqual(client.received.filter((f) => f.type === 'ping'), [{ type: 'ping', id: 1 }]);
    // The SYN_REPLY goes out before any data of its stream (spdystream drops data for unreplied streams).
    assert.equal(client.received.findIndex((f) => f.type === 'syn_reply'), 0);
  });

  it('resets streams with an even or reused id, and after GOAWAY refuses new ones', async () => {
    const client = new FakeClient();
    client.session.on('stream', (s: SpdyStream) => s.reply());
    await client.open(2, [['streamtype', 'error']]);
    await client.open(3, [['streamtype', 'error']]);
    await client.open(3, [['streamtype', 'data']]);
    await tick();
    assert.deepEqual(client.received.filter((f) => f.type === 'rst_stream'), [
      { type: 'rst_stream', streamId: 2, status: 1 },
      { type: 'rst_stream', streamId: 3, status: 1 },
    ]);
    assert.deepEqual(await client.replies(), [3]);
    client.session.close();
    await client.open(5, [['streamtype', 'data']]);
    await tick();
    assert.deepEqual(client.received.find((f) => f.type === 'goaway'), { type: 'goaway', lastGoodStreamId: 3, status: 0 });
    assert.equal(client.ended, true);
  });

  it('ends a stream on RST_STREAM and answers a malformed frame with GOAWAY PROTOCOL_ERROR', async () => {
    const client = new FakeClient();
    let stream: SpdyStream | undefined;
    client.session.on('stream', (s: SpdyStream) => {
      stream = s;
      s.reply();
    });
    await client.open(1, [['streamtype', 'data']]);
    await tick();
    const closed = new Promise((r) => stream!.on('close', r));
    client.send({ type: 'rst_stream', streamId: 1, status: RST_CANCEL });
    await closed;
    assert.equal(stream!.resetByPeer, true);
    client.session.receive(hex('80 02 00 01 00 00 00 00'));
    await tick();
    assert.deepEqual(client.received.at(-1), { type: 'goaway', lastGoodStreamId: 1, status: 1 });
    assert.equal(client.session.isClosed, true);
  });

  it('answers a header block that does not inflate with GOAWAY PROTOCOL_ERROR', async () => {
    const client = new FakeClient();
    client.session.on('stream', (s: SpdyStream) => s.reply());
    client.send({ type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, slot: 0, flags: 0, headerBlock: Buffer.from('not zlib at all') });
    await tick();
    assert.deepEqual(client.received, [{ type: 'goaway', lastGoodStreamId: 0, status: 1 }]);
    assert.equal(client.session.isClosed, true);
  });

  it('waits for the transport to drain and pauses input while a reader is behind', async () => {
    const client = new FakeClient();
    let stream: SpdyStream | undefined;
    client.session.on('stream', (s: SpdyStream) => {
      stream = s;
      s.reply();
    });
    await client.open(1, [['streamtype', 'stdin']]);
    await tick();
    // Nobody reads: past the stream's buffer the transport is paused, and resumed once read.
    for (let i = 0; i < 4; i++) client.send({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(8 * 1024) });
    await tick();
    assert.equal(client.paused, true);
    stream!.resume();
    await tick();
    assert.equal(client.paused, false);
    // The transport is full: a write completes only after drain.
    client.full = true;
    let written = false;
    stream!.write(Buffer.from('x'), () => (written = true));
    stream!.write(Buffer.from('y'));
    await tick();
    assert.equal(written, false);
    client.release();
    await tick();
    assert.equal(written, true);
    assert.equal(client.data(1).bytes, 'xy');
  });
});

describe('exec/attach streams over SPDY (remote-command-spdy.ts)', () => {
  const opts = { command: ['true'], container: 'c', stdin: false, stdout: true, stderr: false, tty: true };

  it('waits for the error, std and (v3+, tty) resize streams, then ends with a JSON Status on v4', async () => {
    const client = new FakeClient();
    const ready = acceptSpdyCommandStreams(client.session, 'v4.channel.k8s.io', opts);
    await client.open(1, [['streamType', 'error']]);
    await client.open(3, [['streamType', 'stdout']]);
    await client.open(5, [['streamType', 'resize']]);
    client.send({ type: 'data', streamId: 5, flags: 0, data: Buffer.from('{"Width":80,"Heig') });
    client.send({ type: 'data', streamId: 5, flags: 0, data: Buffer.from('ht":24}\n') });
    const streams = await ready;
    const sizes: unknown[] = [];
    streams.onResize((size) => sizes.push(size));
    assert.equal(streams.write(1, Buffer.from('out')), true);
    streams.finish({ status: 'Failure', reason: 'NonZeroExitCode', message: 'exit 3', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    await tick();
    assert.deepEqual(sizes, [{ Width: 80, Height: 24 }]);
    assert.deepEqual(await client.replies(), [1, 3, 5]);
    assert.deepEqual(client.data(3), { bytes: 'out', fin: true });
    assert.deepEqual(JSON.parse(client.data(1).bytes), { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'exit 3', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    assert.equal(client.data(1).fin, true);
    assert.equal(client.received.at(-1)?.type, 'goaway');
  });

  it('writes only a failure\'s message on v1–v3, and nothing on success', async () => {
    for (const [protocol, status, text] of [
      ['v3.channel.k8s.io', { status: 'Failure' as const, message: 'command terminated with non-zero exit code' }, 'command terminated with non-zero exit code'],
      // v2 has no resize stream, even with a tty.
      ['v2.channel.k8s.io', { status: 'Success' as const }, ''],
    ] as const) {
      const client = new FakeClient();
      const ready = acceptSpdyCommandStreams(client.session, protocol, { ...opts, tty: protocol === 'v2.channel.k8s.io' });
      await client.open(1, [['streamType', 'error']]);
      await client.open(3, [['streamType', 'stdout']]);
      (await ready).finish(status);
      await tick();
      assert.deepEqual(client.data(1), { bytes: text, fin: true }, protocol);
    }
  });

  it('closes the connection when the client does not open its streams in time', async () => {
    const client = new FakeClient();
    const ready = acceptSpdyCommandStreams(client.session, 'v4.channel.k8s.io', opts, 50);
    await client.open(1, [['streamType', 'error']]);
    await assert.rejects(ready, /timed out waiting for client to create streams/);
    await tick();
    assert.equal(client.ended, true);
  });
});
