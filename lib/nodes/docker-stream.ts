// Docker's multiplexed stream format (attach, exec and logs without a TTY): frames of an 8-byte
// header — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, big-endian payload size —
// then the payload. One reader for every place that splits it, whole or as it arrives.

/** Splits a multiplexed stream as its bytes arrive; frames may span chunks. */
export class DockerFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Calls onFrame for every whole frame so far; stops early when it returns false. */
  push(chunk: Buffer, onFrame: (stream: number, payload: Buffer) => boolean | void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const stream = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (onFrame(stream, payload) === false) return;
    }
  }
}

/** The text of a whole multiplexed stream (stdout and stderr interleaved). */
export function demuxDockerStream(raw: Buffer): string {
  let out = '';
  new DockerFrameReader().push(raw, (_, payload) => {
    out += payload.toString('utf8');
  });
  return out;
}
