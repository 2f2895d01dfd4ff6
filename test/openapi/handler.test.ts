import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ResourceType } from '../../lib/registry/resource-type.js';
import { OpenAPIService } from '../../lib/openapi/handler.js';
import { broadResources, cronTabs, deployments, namespaces, pods } from './fixtures.js';
import { readMessage, str } from './protobuf-reader.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe('OpenAPIService over HTTP', () => {
  let resources: ResourceType[];
  let service: OpenAPIService;
  let server: Server;
  let base: string;

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeEach(async () => {
    resources = [pods, namespaces, deployments];
    service = new OpenAPIService(() => resources);
    server = createServer((req, res) => {
      if (!service.handle(req, res)) {
        res.writeHead(404, { 'X-Fallthrough': 'yes' });
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('serves the v3 discovery document and each group-version at its serverRelativeURL, immutable and ETagged', async () => {
    const root = await get('/openapi/v3');
    assert.equal(root.status, 200);
    assert.equal(root.headers['content-type'], 'application/json');
    const paths = JSON.parse(root.body.toString()).paths;
    assert.deepEqual(Object.keys(paths).sort(), ['api', 'api/v1', 'apis', 'apis/apps', 'apis/apps/v1', 'version']);
    const url: string = paths['apis/apps/v1'].serverRelativeURL;
    const hash = new URL(url, base).searchParams.get('hash');
    const doc = await get(url, { Accept: 'application/json' });
    assert.equal(doc.status, 200);
    assert.equal(doc.headers['cache-control'], 'public, immutable');
    assert.equal(doc.headers.etag, `"${hash}"`);
    assert.equal(JSON.parse(doc.body.toString()).openapi, '3.0.0');
    const again = await get(url, { 'If-None-Match': `"${hash}"` });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  it('redirects a stale hash to the current one and 404s an unknown group-version', async () => {
    const stale = await get('/openapi/v3/apis/apps/v1?hash=ABC');
    assert.equal(stale.status, 301);
    assert.match(String(stale.headers.location), /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    assert.equal((await get('/openapi/v3/apis/nope/v1')).status, 404);
  });

  it('without a hash the document is served but not marked immutable', async () => {
    const doc = await get('/openapi/v3/api/v1');
    assert.equal(doc.status, 200);
    assert.equal(doc.headers['cache-control'], undefined);
  });

  it('serves /openapi/v2 as gnostic protobuf or JSON by Accept, and /swagger.json as JSON', async () => {
    const pb = await get('/openapi/v2', { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.equal(str(readMessage(pb.body), 1), '2.0');
    const json = await get('/openapi/v2', { Accept: 'application/json' });
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(JSON.parse(json.body.toString()).swagger, '2.0');
    assert.equal(pb.headers.etag, json.headers.etag, 'both forms share the JSON document\'s ETag');
    assert.equal(JSON.parse((await get('/swagger.json')).body.toString()).swagger, '2.0');
    assert.equal((await get('/openapi/v2', { Accept: 'text/html' })).status, 406);
  });

  it('compresses for clients that accept gzip', async () => {
    const r = await get('/openapi/v3/api/v1', { 'Accept-Encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(gunzipSync(r.body).toString()).openapi, '3.0.0');
  });

  it('leaves other paths to the caller and refuses writes', async () => {
    assert.equal((await get('/api/v1')).headers['x-fallthrough'], 'yes');
    assert.equal((await get('/openapi/v3', {}, 'POST')).status, 405);
  });

  it('picks up a new custom resource without being told, and re-renders after invalidate()', async () => {
    const before = JSON.parse((await get('/openapi/v3')).body.toString()).paths;
    resources = [...resources, cronTabs];
    const after = JSON.parse((await get('/openapi/v3')).body.toString()).paths;
    assert.ok(after['apis/stable.example.com/v1']);
    assert.equal(after['api/v1'].serverRelativeURL, before['api/v1'].serverRelativeURL);
    const ct = await get(after['apis/stable.example.com/v1'].serverRelativeURL);
    assert.ok(JSON.parse(ct.body.toString()).components.schemas['com.example.stable.v1.CronTab']);
    service.invalidate();
    assert.equal((await get(after['apis/stable.example.com/v1'].serverRelativeURL)).status, 200);
  });

  it('answers cached requests in well under a millisecond after the first render', () => {
    const svc = new OpenAPIService(() => broadResources);
    const t0 = performance.now();
    svc.rootDocument();
    svc.v2Document('protobuf');
    const first = performance.now() - t0;
    const t1 = performance.now();
    const n = 200;
    for (let i = 0; i < n; i++) svc.v3Document('apis/apps/v1');
    const cached = (performance.now() - t1) / n;
    assert.ok(first < 2000, `first render ${first.toFixed(0)} ms`);
    assert.ok(cached < 1, `cached ${cached.toFixed(3)} ms`);
  });
});
