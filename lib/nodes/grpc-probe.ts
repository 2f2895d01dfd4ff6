// The kubelet's gRPC probe (pkg/probe/grpc): one grpc.health.v1.Health/Check call over plaintext
// HTTP/2 (h2c) to the pod's port, reached through the node's SSH connection; success only when the
// server answers SERVING. Failure texts are upstream's, so `kubectl describe` reads the same.
import { connect, constants } from 'node:http2';
import type { Duplex } from 'node:stream';

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_UNIMPLEMENTED = 12;
/** google.golang.org/grpc/codes names, as grpc-go prints them in "rpc error: code = …". */
const GRPC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** HealthCheckRequest{service}: field 1, length-delimited; in gRPC's 5-byte message frame. */
export function healthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const body = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(body.length, 1);
  return Buffer.concat([frame, body]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** The status of a framed HealthCheckResponse (field 1, varint); 0 (UNKNOWN) when absent. */
export function healthCheckStatus(frame: Buffer): number {
  if (frame.length < 5) return 0;
  const body = frame.subarray(5, 5 + frame.readUInt32BE(1));
  for (let i = 0; i < body.length; ) {
    const key = body[i++];
    const wire = key & 7;
    let v = 0;
    let shift = 0;
    if (wire === 0 || wire === 2) {
      for (;;) {
        const b = body[i++];
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80) || i >= body.length) break;
      }
      if (wire === 0 && key >> 3 === 1) return v;
      if (wire === 2) i += v;
    } else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else break;
  }
  return 0;
}

/**
 * Runs the check over `socket` (already connected to host:port); resolves undefined when SERVING,
 * else the failure as the kubelet words it.
 */
export function grpcHealthCheck(socket: Duplex, addr: string, service: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timeoutText = `${timeoutMs / 1000}s`;
    let settled = false;
    const session = connect(`http://${addr}`, { createConnection: () => socket as never });
    const done = (failure: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      socket.destroy();
      resolve(failure);
    };
    const timer = setTimeout(() => done(`timeout: health rpc did not complete within ${timeoutText}`), timeoutMs);
    session.on('error', (e) => done(`error: failed to connect service at "${addr}": ${e.message}`));
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      'user-agent': 'kube-probe/1.33',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    req.on('response', (headers) => {
      // A trailers-only answer carries the status in the headers.
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(headers['grpc-message']));
      const http = Number(headers[constants.HTTP2_HEADER_STATUS]);
      if (http !== 200) done(`error: health rpc probe failed: rpc error: code = Unknown desc = unexpected HTTP status code received from server: ${http}`);
    });
    req.on('trailers', (trailers) => {
      if (trailers['grpc-status'] !== undefined) grpcStatus = String(trailers['grpc-status']);
      if (trailers['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(trailers['grpc-message']));
    });
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('error', (e) => done(`error: health rpc probe failed: ${e.message}`));
    req.on('end', () => {
      if (grpcStatus !== undefined && grpcStatus !== '0') {
        if (Number(grpcStatus) === GRPC_UNIMPLEMENTED) return done(`error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage}`);
        return done(`error: health rpc probe failed: rpc error: code = ${GRPC_CODES[Number(grpcStatus)] ?? `Code(${grpcStatus})`} desc = ${grpcMessage}`);
      }
      const status = healthCheckStatus(Buffer.concat(chunks));
      done(status === 1 ? undefined : `service unhealthy (responded with "${SERVING_STATUS[status] ?? String(status)}")`);
    });
    req.end(healthCheckRequest(service));
  });
}
