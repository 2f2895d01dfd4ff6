// Server side of RFC 6455, just what the Kubernetes stream protocols (exec/attach,
// v4/v5.channel.k8s.io) need: the handshake, unmasking client frames, fragmented messages,
// ping/pong and the close handshake. Written here rather than taken from `ws` because `ws` ships
// no type declarations and this is all a channel protocol uses.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** RFC 6455 §1.3: appended to Sec-WebSocket-Key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A message larger than this closes the connection with 1009 (stdin chunks are small). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** Whether the request asks for a WebSocket (GET, Upgrade: websocket, version 13, a key). */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    typeof req.headers['sec-websocket-key'] === 'string' &&
    req.headers['sec-websocket-version'] === '13'
  );
}

/** The first of the client's offered subprotocols (in its order) that the server supports. */
export function negotiateProtocol(req: IncomingMessage, supported: readonly string[]): string | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return offered.find((p) => supported.includes(p));
}

/** Answers an upgrade request with a plain HTTP response and closes the socket. */
export function rejectUpgrade(socket: Duplex, code: number, body: string, contentType = 'application/json'): void {
  const reason = STATUS_TEXT[code] ?? 'Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * One accepted WebSocket. Events: 'message' (data: Buffer, binary: boolean), 'close' (code: number),
 * 'drain' (the socket can take more after send() returned false).
 */
export class WebSocketConnection extends EventEmitter {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;
  private closeSent = false;
  private closed = false;

  constructor(readonly socket: Duplex, readonly protocol: string, head: Buffer) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', () => this.finish(1006));
    socket.on('close', () => this.finish(1006));
    socket.on('end', () => this.finish(1006));
    if (head.length > 0) this.receive(head);
  }

  get isOpen(): boolean {
    return !this.closed && !this.closeSent;
  }

  /** Sends one unfragmented message; false when the socket buffer is full (wait for 'drain'). */
  send(data: Buffer, binary = true): boolean {
    if (!this.isOpen) return true;
    return this.socket.write(frame(binary ? OP_BINARY : OP_TEXT, data));
  }

  /** Starts the close handshake; the socket ends when the peer answers (or after a short wait). */
  close(code = 1000, reason = ''): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.write(frame(OP_CLOSE, payload));
    // A client that never answers the close must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Drops the connection without a close handshake. */
  terminate(): void {
    this.socket.destroy();
    this.finish(1006);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code);
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE_BYTES)) return this.fail(1009);
        len = Number(big);
        off = 10;
      }
      // RFC 6455 §5.1: a server must close the connection on an unmasked client frame.
      if (!masked) return this.fail(1002);
      if (b.length < off + 4 + len) return;
      const mask = b.subarray(off, off + 4);
      const payload = Buffer.from(b.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      this.buffered = b.subarray(off + 4 + len);
      this.handleFrame(fin, opcode, payload);
      if (this.closed) return;
    }
  }

  private handleFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        if (this.isOpen) this.socket.write(frame(OP_PONG, payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.closeSent) {
          this.closeSent = true;
          this.socket.write(frame(OP_CLOSE, payload.subarray(0, 2)));
        }
        this.socket.end();
        this.finish(code);
        return;
      }
      case OP_TEXT:
      case OP_BINARY:
        if (this.fragments.length) return this.fail(1002);
        if (fin) {
          this.emit('message', payload, opcode === OP_BINARY);
          return;
        }
        this.fragmentOpcode = opcode;
        this.fragments = [payload];
        this.fragmentBytes = payload.length;
        return;
      case OP_CONTINUATION:
        if (!this.fragments.length) return this.fail(1002);
        this.fragments.push(payload);
        this.fragmentBytes += payload.length;
        if (this.fragmentBytes > MAX_MESSAGE_BYTES) return this.fail(1009);
        if (fin) {
          const message = Buffer.concat(this.fragments);
          this.fragments = [];
          this.fragmentBytes = 0;
          this.emit('message', message, this.fragmentOpcode === OP_BINARY);
        }
        return;
      default:
        return this.fail(1002);
    }
  }

  private fail(code: number): void {
    this.close(code);
    this.socket.end();
    this.finish(code);
  }
}

/** An unmasked (server) frame. */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Completes the handshake (101 with the accept key and the chosen subprotocol). */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  const key = String(req.headers['sec-websocket-key']);
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  if ('setNoDelay' in socket && typeof (socket as { setNoDelay?: unknown }).setNoDelay === 'function') (socket as unknown as { setNoDelay(v: boolean): void }).setNoDelay(true);
  return new WebSocketConnection(socket, protocol, head);
}
