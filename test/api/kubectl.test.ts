// Stock kubectl against kubeshim: the everyday commands, with kubectl 1.32 (the traced client),
// an older one (1.28: aggregated discovery v2beta1 only, OpenAPI v2 protobuf) and a newer one (1.34,
// from npm). Each client works in its own namespace of one server.
import { strict as assert } from 'node:assert';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { Kubectl } from '../helpers/kubectl.js';

const deployment = (ns: string, image = 'nginx:1.14.2') => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  namespace: ${ns}
  labels:
    app: nginx
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchExpressions:
              - key: app
                operator: In
                values: [nginx]
            topologyKey: kubernetes.io/hostname
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;

const configMap = (ns: string, extra = '') => `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
  labels:
    tier: backend
data:
  a: "1"
  b: "2"
${extra}`;

for (const version of ['1.32', '1.28', '1.34']) {
  describe(`kubectl ${version} against kubeshim`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let k: Kubectl;
    let dir: string;
    const ns = `ns-${version.replace('.', '-')}`;

    before(async function () {
      this.timeout(120_000);
      t = await startTestServer();
      k = t.kubectl(version);
      dir = mkdtempSync(join(tmpdir(), 'kubeshim-manifests-'));
      await k.ok(['create', 'namespace', ns]);
    });
    after(async () => {
      await t?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const file = (name: string, content: string) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    };

    it('lists the system namespaces as Active', async () => {
      const out = await k.ok(['get', 'namespaces']);
      assert.match(out, /^NAME\s+STATUS\s+AGE/m);
      for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ns]) assert.match(out, new RegExp(`^${n}\\s+Active\\s+`, 'm'));
    });

    it('reports the server version and serves api-resources with short names', async () => {
      const v = await k.ok(['version']);
      assert.match(v, /Server Version: v1\.33\.0\+kubeshim/);
      const res = await k.ok(['api-resources']);
      assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
      assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod/m);
      assert.match(res, /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition/m);
    });

    it('creates from a file with strict validation, then gets it in every output form', async () => {
      const out = await k.ok(['create', '-f', file('deploy.yaml', deployment(ns))]);
      assert.match(out, /deployment.apps\/nginx-deployment created/);
      const table = await k.ok(['get', 'deploy', '-n', ns]);
      assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
      assert.match(table, /^nginx-deployment\s+0\/2\s+0\s+0\s+\d+s$/m);
      const wide = await k.ok(['get', 'deploy', '-n', ns, '-o', 'wide']);
      assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
      assert.match(wide, /nginx\s+nginx:1\.14\.2\s+app=nginx/);
      const json = JSON.parse(await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'json']));
      assert.equal(json.spec.strategy.rollingUpdate.maxSurge, '25%');
      assert.equal(json.spec.revisionHistoryLimit, 10);
      assert.equal(json.spec.template.spec.restartPolicy, 'Always');
      assert.equal(json.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
      assert.equal(json.metadata.generation, 1);
      assert.match(json.metadata.uid, /^[0-9a-f-]{36}$/);
      const yaml = await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'yaml']);
      assert.match(yaml, /^kind: Deployment$/m);
      assert.equal((await k.ok(['get', 'deploy', '-n', ns, '-o', 'name'])).trim(), 'deployment.apps/nginx-deployment');
      assert.equal(await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'jsonpath={.spec.replicas}']), '2');
      const cc = await k.ok(['get', 'deploy', '-n', ns, '-o', 'custom-columns=N:.metadata.name,R:.spec.replicas']);
      assert.match(cc, /^nginx-deployment\s+2$/m);
      const labels = await k.ok(['get', 'deploy', '-n', ns, '--show-labels']);
      assert.match(labels, /app=nginx/);
      const all = await k.ok(['get', 'deploy', '-A']);
      assert.match(all, new RegExp(`^${ns}\\s+nginx-deployment\\s+0/2`, 'm'));
    });

    it('refuses an unknown field under strict validation and warns under --validate=warn', async () => {
      const bad = file('bad.yaml', configMap(ns).replace('\ndata:', '\ndataa:\n  x: "1"\ndata:'));
      const err = await k.fails(['create', '-f', bad]);
      assert.match(err, /unknown field "dataa"/);
      const r = await k.run(['create', '-f', bad, '--validate=warn']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Warning: unknown field "dataa"/);
      await k.ok(['delete', 'configmap', 'settings', '-n', ns]);
    });

    it('applies, re-applies unchanged, and applies a change as a strategic merge patch', async () => {
      const p = file('cm.yaml', configMap(ns));
      assert.match(await k.ok(['apply', '-f', p]), /configmap\/settings created/);
      assert.match(await k.ok(['apply', '-f', p]), /configmap\/settings unchanged/);
      writeFileSync(p, configMap(ns).replace('b: "2"', 'c: "3"'));
      assert.match(await k.ok(['apply', '-f', p]), /configmap\/settings configured/);
      const cm = JSON.parse(await k.ok(['get', 'cm', 'settings', '-n', ns, '-o', 'json']));
      assert.deepEqual(cm.data, { a: '1', c: '3' });
      assert.ok(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
      // A deployment change through apply keeps list merge semantics (containers by name).
      await k.ok(['apply', '-f', file('deploy2.yaml', deployment(ns, 'nginx:1.16.1'))]);
      const d = JSON.parse(await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'json']));
      assert.equal(d.spec.template.spec.containers.length, 1);
      assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.16.1');
      assert.equal(d.metadata.generation, 2);
    });

    it('labels, annotates and selects by label', async () => {
      await k.ok(['label', 'cm', 'settings', '-n', ns, 'env=prod']);
      await k.ok(['annotate', 'cm', 'settings', '-n', ns, 'owner=team-a']);
      const sel = await k.ok(['get', 'cm', '-n', ns, '-l', 'env=prod,tier in (backend)', '-o', 'name']);
      assert.equal(sel.trim(), 'configmap/settings');
      assert.equal((await k.ok(['get', 'cm', '-n', ns, '-l', 'env!=prod', '-o', 'name'])).trim(), '');
      const err = await k.fails(['label', 'cm', 'settings', '-n', ns, 'env=dev']);
      assert.match(err, /'env' already has a value \(prod\), and --overwrite is false/);
      await k.ok(['label', 'cm', 'settings', '-n', ns, 'env-']);
      const cm = JSON.parse(await k.ok(['get', 'cm', 'settings', '-n', ns, '-o', 'json']));
      assert.equal(cm.metadata.labels.env, undefined);
      assert.equal(cm.metadata.annotations.owner, 'team-a');
    });

    it('patches with strategic, merge and JSON patches', async () => {
      await k.ok(['patch', 'deploy', 'nginx-deployment', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.17"}]}}}}']);
      await k.ok(['patch', 'cm', 'settings', '-n', ns, '--type', 'merge', '-p', '{"data":{"a":null,"d":"4"}}']);
      await k.ok(['patch', 'cm', 'settings', '-n', ns, '--type', 'json', '-p', '[{"op":"add","path":"/data/e","value":"5"}]']);
      const d = JSON.parse(await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'json']));
      assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.17');
      assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 80);
      const cm = JSON.parse(await k.ok(['get', 'cm', 'settings', '-n', ns, '-o', 'json']));
      assert.deepEqual(cm.data, { c: '3', d: '4', e: '5' });
      const err = await k.fails(['patch', 'cm', 'settings', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/data/e","value":"6"}]']);
      assert.match(err, /test|Invalid|unable/i);
    });

    it('scales through the scale subresource', async () => {
      assert.match(await k.ok(['scale', 'deployment', 'nginx-deployment', '-n', ns, '--replicas=5']), /scaled/);
      assert.equal(await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'jsonpath={.spec.replicas}']), '5');
      const rv = await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}']);
      await k.ok(['scale', 'deployment', 'nginx-deployment', '-n', ns, '--replicas=4', `--resource-version=${rv}`]);
      assert.equal(await k.ok(['get', 'deploy', 'nginx-deployment', '-n', ns, '-o', 'jsonpath={.spec.replicas}']), '4');
    });

    it('edits with a non-interactive EDITOR', async () => {
      const editor = file('editor.sh', `#!/bin/sh\nsed -i 's/^  d: "4"$/  d: "40"/' "$1"\n`);
      rmSync(editor + '.x', { force: true });
      await import('node:fs').then((fs) => fs.chmodSync(editor, 0o755));
      const out = await k.ok(['edit', 'cm', 'settings', '-n', ns], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
      assert.match(out, /configmap\/settings edited/);
      assert.equal(await k.ok(['get', 'cm', 'settings', '-n', ns, '-o', 'jsonpath={.data.d}']), '40');
    });

    it('replaces, refusing a stale resourceVersion with Conflict', async () => {
      const cm = JSON.parse(await k.ok(['get', 'cm', 'settings', '-n', ns, '-o', 'json']));
      cm.data = { only: 'this' };
      const p = file('replace.json', JSON.stringify(cm));
      assert.match(await k.ok(['replace', '-f', p]), /configmap\/settings replaced/);
      const err = await k.fails(['replace', '-f', p]);
      assert.match(err, /Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again/);
    });

    it('diffs a manifest against the live object', async () => {
      const r = await k.run(['diff', '-f', file('diff.yaml', configMap(ns))], { env: { KUBECTL_EXTERNAL_DIFF: 'diff -u' } });
      assert.equal(r.code, 1, `diff exits 1 when there are differences: ${r.stderr}`);
      assert.match(r.stdout, /^\+  a: "1"$/m);
    });

    it('applies server-side, tracking managedFields and reporting conflicts', async () => {
      const svc = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector:
    app: web
  sessionAffinity: ClientIP
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
`;
      const p = file('svc.yaml', svc);
      assert.match(await k.ok(['apply', '--server-side', '-f', p]), /service\/web serverside-applied/);
      const s = JSON.parse(await k.ok(['get', 'svc', 'web', '-n', ns, '-o', 'json', '--show-managed-fields']));
      assert.ok(s.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));
      assert.equal(s.spec.sessionAffinityConfig.clientIP.timeoutSeconds, 10800);
      await k.ok(['patch', 'svc', 'web', '-n', ns, '--type', 'merge', '-p', '{"spec":{"sessionAffinity":"None"}}'], {});
      const err = await k.fails(['apply', '--server-side', '-f', p]);
      assert.match(err, /conflict/i);
      assert.match(await k.ok(['apply', '--server-side', '--force-conflicts', '-f', p]), /serverside-applied/);
    });

    it('watches changes with get -w', async () => {
      const child = k.run(['get', 'cm', '-n', ns, '-w', '--request-timeout=4s'], { timeoutMs: 15_000 });
      await new Promise((r) => setTimeout(r, 1500));
      await k.ok(['create', 'configmap', 'watched', '-n', ns, '--from-literal=x=y']);
      const r = await child;
      assert.match(r.stdout, /^settings\s+\d+\s+/m);
      assert.match(r.stdout, /^watched\s+1\s+/m);
    });

    it('describes an object', async () => {
      const out = await k.ok(['describe', 'deploy', 'nginx-deployment', '-n', ns]);
      assert.match(out, /^Name:\s+nginx-deployment$/m);
      assert.match(out, /^Namespace:\s+/m);
      assert.match(out, /nginx:1\.17/);
    });

    it('explains fields from the OpenAPI schema', async () => {
      const out = await k.ok(['explain', 'deployment.spec.strategy']);
      assert.match(out, /DESCRIPTION:|FIELDS:/);
      assert.match(out, /rollingUpdate/);
    });

    it('creates a ServiceAccount token and answers whoami and can-i', async () => {
      await k.ok(['create', 'serviceaccount', 'deployer', '-n', ns]);
      const token = (await k.ok(['create', 'token', 'deployer', '-n', ns])).trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      assert.equal(claims.sub, `system:serviceaccount:${ns}:deployer`);
      assert.match(await k.ok(['auth', 'whoami']), /kubeshim-admin/);
      assert.equal((await k.ok(['auth', 'can-i', 'create', 'pods', '-n', ns])).trim(), 'yes');
    });

    it('reports NotFound and AlreadyExists as kube-apiserver does', async () => {
      assert.match(await k.fails(['get', 'pod', 'nope', '-n', ns]), /Error from server \(NotFound\): pods "nope" not found/);
      const err = await k.fails(['create', '-f', file('dup.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: ${ns}\n`)]);
      assert.match(err, /Error from server \(AlreadyExists\): error when creating ".*dup.yaml": configmaps "watched" already exists/);
    });

    it('rejects invalid objects with field causes', async () => {
      const err = await k.fails(['create', '-f', file('invalid.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: ${ns}\n`)]);
      assert.match(err, /The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    });

    it('deletes by name and by label selector', async () => {
      await k.ok(['create', 'configmap', 'one', '-n', ns, '--from-literal=a=b']);
      await k.ok(['label', 'cm', 'one', 'watched', '-n', ns, 'sweep=yes']);
      const out = await k.ok(['delete', 'cm', '-n', ns, '-l', 'sweep=yes']);
      assert.match(out, /configmap "one" deleted/);
      assert.match(out, /configmap "watched" deleted/);
      assert.match(await k.ok(['delete', '-f', join(dir, 'deploy.yaml')]), /deployment.apps "nginx-deployment" deleted/);
      assert.equal((await k.ok(['get', 'deploy', '-n', ns, '-o', 'name'])).trim(), '');
    });

    it('creates a CustomResourceDefinition and serves its custom resources', async () => {
      const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec:
                type: string
              image:
                type: string
              replicas:
                type: integer
                default: 1
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames:
    - ct
`;
      await k.ok(['apply', '-f', file('crd.yaml', crd)]);
      await k.ok(['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=20s']);
      const cr = `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-new-cron-object
  namespace: ${ns}
spec:
  cronSpec: "* * * * */5"
  image: my-awesome-cron-image
`;
      await k.ok(['apply', '-f', file('cr.yaml', cr)]);
      const out = await k.ok(['get', 'ct', '-n', ns]);
      assert.match(out, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m);
      assert.match(out, /^my-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+/m);
      await k.ok(['scale', 'crontab', 'my-new-cron-object', '-n', ns, '--replicas=3']);
      assert.equal(await k.ok(['get', 'crontab', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.spec.replicas}']), '3');
      const bad = await k.fails(['apply', '-f', file('cr-bad.yaml', cr.replace('image: my-awesome-cron-image', 'image: 42'))]);
      assert.match(bad, /spec.image: Invalid value: "integer": spec.image in body must be of type string: "integer"/);
    });
  });
}
