// exec/attach over SPDY/3.1, as the kubelet serves it (pkg/kubelet/cri/streaming/remotecommand/
// httpstream.go): the client opens one stream per channel, each named by its `streamType` header
// (error, stdin, stdout, stderr, resize); the session starts once every expected stream has been
// replied to. v4 sends the end Status as JSON on the error stream (exit codes); v1–v3 send only a
// failure's message as text, and resize exists from v3 on.
import { CHANNEL_STDERR, CHANNEL_STDOUT, ResizeEvents, type ChannelStatus, type CommandStreams, type StreamOptions, type TerminalSize } from './pod-exec.js';
import type { SpdySession, SpdyStream } from './spdy.js';

/** The kubelet's SPDY remotecommand protocols (SupportedStreamingProtocols), newest first. */
export const SPDY_STREAM_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;

/** kubelet's default stream creation timeout. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/**
 * Replies to the client's streams until all that the options call for are there (createHTTPStreamStreams:
 * 1 for errors, one per requested std stream, and resize with a tty from v3 on), then hands them over.
 * The session is closed if they do not all come in time.
 */
export function acceptSpdyCommandStreams(session: SpdySession, protocol: string, opts: StreamOptions, timeoutMs = STREAM_CREATION_TIMEOUT_MS): Promise<SpdyCommandStreams> {
  const v4 = protocol === 'v4.channel.k8s.io';
  const resizable = v4 || protocol === 'v3.channel.k8s.io';
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr) + Number(opts.tty && resizable);
  return new Promise((resolve, reject) => {
    const streams = new Map<StreamType, SpdyStream>();
    let received = 0;
    const timer = setTimeout(() => {
      cleanup();
      session.close();
      reject(new Error('timed out waiting for client to create streams'));
    }, timeoutMs);
    const onStream = (s: SpdyStream) => {
      s.reply();
      const type = s.header('streamType') as StreamType | undefined;
      // kubelet logs an unexpected type and still counts the stream once it is replied to.
      if (type && ['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) streams.set(type, s);
      if (++received < expected) return;
      cleanup();
      resolve(new SpdyCommandStreams(session, streams, v4));
    };
    const onClose = () => {
      cleanup();
      reject(new Error('connection closed before the client created its streams'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
    };
    session.on('stream', onStream);
    session.on('close', onClose);
  });
}

/** The remote command channels as SPDY streams. */
export class SpdyCommandStreams implements CommandStreams {
  private readonly resizes = new ResizeEvents();
  private ended = false;

  constructor(private readonly session: SpdySession, private readonly streams: Map<StreamType, SpdyStream>, private readonly v4: boolean) {
    const resize = streams.get('resize');
    if (resize) {
      // A stream of JSON objects (client-go json.Encoder: one per line), read as they come.
      let pending = '';
      resize.setEncoding('utf8');
      resize.on('data', (text: string) => {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        this.resizes.push(lines.join('\n'));
      });
    }
    // Nobody reads what the client sends on the output streams (nothing): drain it so they can end.
    for (const t of ['error', 'stdout', 'stderr'] as const) streams.get(t)?.resume();
  }

  write(channel: typeof CHANNEL_STDOUT | typeof CHANNEL_STDERR, data: Buffer): boolean {
    const s = this.streams.get(channel === CHANNEL_STDOUT ? 'stdout' : 'stderr');
    if (!s || s.destroyed) return true;
    return s.write(data);
  }

  drained(): Promise<void> {
    const behind = (['stdout', 'stderr'] as const).map((t) => this.streams.get(t)).filter((s): s is SpdyStream => !!s && s.writableNeedDrain && !s.destroyed);
    return Promise.all(behind.map((s) => new Promise<void>((resolve) => {
      s.once('drain', resolve);
      s.once('close', resolve);
    }))).then(() => undefined);
  }

  onStdin(fn: (data: Buffer | null) => void): void {
    const s = this.streams.get('stdin');
    if (!s) return;
    // Until now the stream held what the client sent (paused mode): it arrives here in order.
    s.on('data', (d: Buffer) => fn(d));
    s.on('end', () => fn(null));
  }

  onResize(fn: (size: TerminalSize) => void): void {
    this.resizes.onResize(fn);
  }

  onClose(fn: () => void): void {
    if (this.session.isClosed) fn();
    else this.session.on('close', fn);
  }

  pauseStdin(): void {
    this.streams.get('stdin')?.pause();
  }

  resumeStdin(): void {
    this.streams.get('stdin')?.resume();
  }

  finish(status: ChannelStatus): void {
    if (this.ended) return;
    this.ended = true;
    const error = this.streams.get('error');
    if (error && !error.destroyed) {
      if (this.v4) error.write(JSON.stringify({ metadata: {}, ...status }));
      // v1WriteStatusFunc: nothing on success, the message otherwise.
      else if (status.status !== 'Success') error.write(status.message ?? status.reason ?? 'error');
    }
    // FIN on every stream of ours once its data is out, then GOAWAY and the connection ends
    // (the kubelet closes the connection when the command is done).
    const ours = (['stdout', 'stderr', 'error'] as const).map((t) => this.streams.get(t)).filter((s): s is SpdyStream => !!s && !s.destroyed);
    void Promise.all(ours.map((s) => new Promise<void>((resolve) => {
      s.once('finish', resolve);
      s.once('close', resolve);
      s.end();
    }))).then(() => this.session.close());
  }
}
