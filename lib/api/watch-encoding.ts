// Protobuf framing for watch streams, installed by the server when lib/protobuf is wired.
type FrameEncoder = (type: string, obj: unknown) => Buffer;
let encoder: FrameEncoder | undefined;

export function setProtobufWatchEncoder(e: FrameEncoder): void {
  encoder = e;
}

export function getProtobufWatchEncoder(): FrameEncoder | undefined {
  return encoder;
}
