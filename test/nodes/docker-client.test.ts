// The Docker client's pooled keep-alive channels against a stand-in engine on a unix socket that
// drops a connection when a second request arrives on it (as a restarting dockerd or sshd does to
// a pooled channel). No test bed: what is tested is the client's side of the race.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../lib/nodes/docker-client.js';
import { LocalHostConnection } from '../../lib/nodes/local-connection.js';

describe('Docker client over pooled channels', () => {
  let dir: string;
  let socketPath: string;
  let server: ReturnType<typeof createServer>;
  const seen: string[] = [];
  let conn: LocalHostConnection;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeshim-docker-client-'));
    socketPath = join(dir, 'docker.sock');
    const served = new WeakMap<Socket, number>();
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      seen.push(`${req.method} ${req.url} #${n}`);
      // The second request on a kept-alive connection finds it gone: no response, just the reset.
      if (n > 1) return req.socket.destroy();
      res.setHeader('Content-Type', 'application/json');
      if (req.method === 'POST') {
        res.statusCode = 204;
        return res.end();
      }
      res.end(req.url!.includes('/containers/json') ? '[]' : '{}');
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    conn = new LocalHostConnection({ name: 'fake', address: '127.0.0.1', local: true, dockerSocket: socketPath });
    await conn.start();
  });

  after(async () => {
    await conn.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a read again on a fresh channel when the pooled one was reset under it', async () => {
    const docker = createDockerClient(conn);
    seen.length = 0;
    assert.deepEqual(await docker.listContainers({ all: true }), []);
    // The second call goes out on the pooled channel, which the engine drops; it is sent again.
    assert.deepEqual(await docker.listContainers({ all: true }), []);
    assert.deepEqual(seen, ['GET /v1.26/containers/json?all=true #1', 'GET /v1.26/containers/json?all=true #2', 'GET /v1.26/containers/json?all=true #1']);
  });

  it('does not send a write twice: its failure is the caller\'s', async () => {
    const docker = createDockerClient(conn);
    seen.length = 0;
    await docker.listContainers({ all: true });
    await assert.rejects(docker.getContainer('abc').start(), (e: Error & { code?: string }) => e.code === 'ECONNRESET');
    assert.deepEqual(seen, ['GET /v1.26/containers/json?all=true #1', 'POST /v1.26/containers/abc/start #2']);
  });
});
