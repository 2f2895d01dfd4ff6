// Pure pieces of the pod worker, on plain data: how a pod spec becomes Engine API create bodies
// (container-spec), the pause image's bytes (infra-image), and the status the kubelet would report
// for what runs (pod-status).
import { strict as assert } from 'node:assert';
import {
  containerCreateOptions,
  ContainerConfigError,
  expandVars,
  hostVolumes,
  milliCPUToQuota,
  memoryVolumes,
  milliCPUToShares,
  pullAuth,
  resolveEnv,
  sandboxCreateOptions,
  sandboxDNS,
  serviceEnv,
  servicesForPod,
  verifyRunAsNonRoot,
  volumeFiles,
  volumeTarEntries,
  type EnvSources,
} from '../../lib/nodes/container-spec.js';
import { pauseElf, singleFileTar, tarArchive } from '../../lib/nodes/infra-image.js';
import { cidrsOverlap, defaultPodSubnet } from '../../lib/nodes/pod-network.js';
import { computePodStatus, podPhase, type ObservedContainer, type PodObservation } from '../../lib/nodes/pod-status.js';
import { goDuration } from '../../lib/nodes/pod-worker.js';
import { CONTAINER_LABELS } from '../../lib/nodes/types.js';
import type { KObject } from '../../lib/registry/resource-type.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

function podOf(spec: J, meta: J = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' }, ...meta }, spec: { nodeName: 'h1', serviceAccountName: 'default', ...spec } };
}

const noSources: EnvSources = { configMaps: new Map(), secrets: new Map() };

describe('$(VAR) expansion', () => {
  const vars: Record<string, string> = { A: 'alpha', B: 'beta' };
  const map = (n: string) => vars[n];
  it('replaces defined variables and leaves undefined ones as written', () => {
    assert.equal(expandVars('$(A)-$(B)-$(C)', map), 'alpha-beta-$(C)');
  });
  it('treats $$ as an escaped dollar and keeps unterminated references', () => {
    assert.equal(expandVars('$$(A) $(A $', map), '$(A) $(A $');
    assert.equal(expandVars('cost: $5', map), 'cost: $5');
  });
});

describe('Container environment', () => {
  it('resolves values, field refs and references to earlier variables', () => {
    const pod = podOf({});
    const env = resolveEnv(
      pod,
      {
        env: [
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'URL', value: 'http://$(POD).$(NS):$(PORT)' },
          { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        ],
      },
      noSources,
      { podIP: '10.244.1.5' },
    );
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
      POD: 'web',
      NS: 'shop',
      TIER: 'front',
      IP: '10.244.1.5',
      NODE: 'h1',
      SA: 'default',
      URL: 'http://web.shop:$(PORT)',
      LABELS: 'app="web"\ntier="front"',
    });
  });

  it('reads ConfigMap and Secret keys and whole sources with envFrom prefixes', () => {
    const sources: EnvSources = {
      configMaps: new Map([['cfg', { metadata: { name: 'cfg' }, data: { mode: 'fast', level: '3' } } as KObject]]),
      secrets: new Map([['pw', { metadata: { name: 'pw' }, data: { password: Buffer.from('s3cret').toString('base64') } } as KObject]]),
    };
    const env = resolveEnv(
      podOf({}),
      {
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'pw', key: 'password' } } },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
          { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
        ],
      },
      sources,
    );
    assert.deepEqual(env, [
      { name: 'CFG_mode', value: 'fast' },
      { name: 'CFG_level', value: '3' },
      { name: 'PASSWORD', value: 's3cret' },
      { name: 'MODE', value: 'fast' },
    ]);
  });

  it('fails the container with the kubelet message for a missing source or key', () => {
    assert.throws(() => resolveEnv(podOf({}), { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, noSources), (e: J) => e instanceof ContainerConfigError && e.message === 'configmap "nope" not found');
    const sources: EnvSources = { configMaps: new Map([['cfg', { metadata: { name: 'cfg' }, data: {} } as KObject]]), secrets: new Map() };
    assert.throws(() => resolveEnv(podOf({}), { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }, sources), /^Error: couldn't find key k in ConfigMap shop\/cfg$/);
  });

  it('gives resource fields in divisor units, rounded up, and node allocatable for an unset limit', () => {
    const c = { name: 'app', resources: { requests: { cpu: '250m', memory: '64Mi' } } };
    const env = resolveEnv(
      podOf({ containers: [c] }),
      {
        ...c,
        env: [
          { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
          { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
          { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
          { name: 'CPU_LIM', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        ],
      },
      noSources,
      { allocatable: { cpu: '2' } },
    );
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), { CPU_REQ: '1', CPU_REQ_M: '250', MEM_MI: '64', CPU_LIM: '2' });
  });
});

describe('Service environment variables', () => {
  const svc = (ns: string, name: string, clusterIP: string, ports: J[]) => ({ metadata: { name, namespace: ns }, spec: { clusterIP, ports } }) as KObject;
  const services = [
    svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
    svc('shop', 'redis-master', '10.96.0.20', [{ port: 6379 }, { name: 'metrics', port: 9121, protocol: 'TCP' }]),
    svc('shop', 'headless', 'None', [{ port: 80 }]),
    svc('other', 'elsewhere', '10.96.0.30', [{ port: 80 }]),
  ];
  it('gives Docker-links variables of the namespace services and the master service', () => {
    const env = Object.fromEntries(serviceEnv(servicesForPod(podOf({}), services)).map((e) => [e.name, e.value]));
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
    assert.equal(env.KUBERNETES_PORT, 'tcp://10.96.0.1:443');
    assert.equal(env.REDIS_MASTER_SERVICE_HOST, '10.96.0.20');
    assert.equal(env.REDIS_MASTER_SERVICE_PORT, '6379');
    assert.equal(env.REDIS_MASTER_SERVICE_PORT_METRICS, '9121');
    assert.equal(env.REDIS_MASTER_PORT_6379_TCP, 'tcp://10.96.0.20:6379');
    assert.equal(env.REDIS_MASTER_PORT_6379_TCP_PROTO, 'tcp');
    assert.equal(env.REDIS_MASTER_PORT_6379_TCP_PORT, '6379');
    assert.equal(env.REDIS_MASTER_PORT_6379_TCP_ADDR, '10.96.0.20');
    assert.equal(env.HEADLESS_SERVICE_HOST, undefined);
    assert.equal(env.ELSEWHERE_SERVICE_HOST, undefined);
  });
  it('keeps only the master service without service links, and lets the container override and reference them', () => {
    const names = serviceEnv(servicesForPod(podOf({ enableServiceLinks: false }), services)).map((e) => e.name);
    assert.ok(names.every((n) => n.startsWith('KUBERNETES_')), names.join());
    const env = resolveEnv(podOf({}), { env: [{ name: 'KUBERNETES_SERVICE_PORT', value: '8443' }, { name: 'URL', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' }] }, noSources, {
      serviceEnv: serviceEnv(servicesForPod(podOf({}), services)),
    });
    const m = Object.fromEntries(env.map((e) => [e.name, e.value]));
    assert.equal(m.URL, 'https://10.96.0.1:8443');
  });
});

describe('Container create body', () => {
  const volumes = hostVolumes(podOf({ volumes: [{ name: 'data', emptyDir: {} }, { name: 'logs', hostPath: { path: '/var/log' } }, { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] }));
  const ctx = { nodeName: 'h1', infraId: 'infra123', role: 'app' as const, restartCount: 2, env: [{ name: 'WHO', value: 'world' }], volumes };

  it('joins the sandbox namespaces, maps command/args with $(VAR), and never lets Docker restart it', () => {
    const body = containerCreateOptions(podOf({}), { name: 'app', image: 'busybox:latest', command: ['sh', '-c'], args: ['echo hello $(WHO)'], workingDir: '/srv', stdin: true, tty: true }, ctx);
    assert.equal(body.Image, 'busybox:latest');
    assert.deepEqual(body.Entrypoint, ['sh', '-c']);
    assert.deepEqual(body.Cmd, ['echo hello world']);
    assert.deepEqual(body.Env, ['WHO=world']);
    assert.equal(body.WorkingDir, '/srv');
    assert.equal(body.HostConfig.NetworkMode, 'container:infra123');
    assert.equal(body.HostConfig.IpcMode, 'container:infra123');
    assert.deepEqual(body.HostConfig.RestartPolicy, { Name: 'no' });
    assert.equal(body.OpenStdin, true);
    assert.equal(body.Tty, true);
    assert.equal(body.Labels[CONTAINER_LABELS.podUid], 'u-1');
    assert.equal(body.Labels[CONTAINER_LABELS.containerName], 'app');
    assert.equal(body.Labels[CONTAINER_LABELS.restartCount], '2');
    assert.equal(body.Labels[CONTAINER_LABELS.role], 'app');
    assert.equal(body.Labels[CONTAINER_LABELS.node], 'h1');
  });

  it('drops the image CMD when only command is given, and keeps the ENTRYPOINT when only args are', () => {
    assert.deepEqual(containerCreateOptions(podOf({}), { name: 'a', image: 'x', command: ['sleep', '5'] }, ctx).Cmd, []);
    const argsOnly = containerCreateOptions(podOf({}), { name: 'a', image: 'x', args: ['--port', '80'] }, ctx);
    assert.equal(argsOnly.Entrypoint, undefined);
    assert.deepEqual(argsOnly.Cmd, ['--port', '80']);
  });

  it('turns requests and limits into CPU shares, quota and a memory limit', () => {
    const body = containerCreateOptions(podOf({}), { name: 'a', image: 'x', resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '128Mi' } } }, ctx);
    assert.equal(body.HostConfig.CpuShares, 256);
    assert.equal(body.HostConfig.CpuQuota, 50000);
    assert.equal(body.HostConfig.CpuPeriod, 100000);
    assert.equal(body.HostConfig.Memory, 128 * 1024 * 1024);
    assert.equal(containerCreateOptions(podOf({}), { name: 'a', image: 'x' }, ctx).HostConfig.CpuShares, 2);
    assert.equal(milliCPUToShares(1), 2);
    assert.equal(milliCPUToQuota(1), 1000);
  });

  it('applies the security context (container over pod)', () => {
    const pod = podOf({ securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000] } });
    const body = containerCreateOptions(
      pod,
      { name: 'a', image: 'x', securityContext: { runAsUser: 2000, privileged: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } },
      ctx,
    );
    assert.equal(body.User, '2000:3000');
    assert.equal(body.HostConfig.Privileged, true);
    assert.equal(body.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(body.HostConfig.CapAdd, ['NET_ADMIN']);
    assert.deepEqual(body.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(body.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.deepEqual(body.HostConfig.GroupAdd, ['4000']);
  });

  it('refuses root with runAsNonRoot, as the kubelet does', () => {
    const pod = podOf({ securityContext: { runAsNonRoot: true } });
    assert.throws(() => verifyRunAsNonRoot(pod, { name: 'a' }, ''), /^Error: container has runAsNonRoot and image will run as root \(pod: "web_shop\(u-1\)", container: a\)$/);
    assert.throws(() => verifyRunAsNonRoot(pod, { name: 'a', securityContext: { runAsUser: 0 } }, '1000'), /runAsUser breaks non-root policy/);
    verifyRunAsNonRoot(pod, { name: 'a' }, '1000');
  });

  it('mounts emptyDir from the kubelet-style host path, hostPath as is, Memory emptyDir as a shared tmpfs volume', () => {
    const body = containerCreateOptions(
      podOf({}),
      { name: 'a', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'logs', mountPath: '/logs', readOnly: true, subPath: 'app' }, { name: 'scratch', mountPath: '/tmp' }] },
      ctx,
    );
    assert.deepEqual(body.HostConfig.Binds, ['/var/lib/kubeshim/pods/u-1/volumes/kubernetes.io~empty-dir/data:/data', '/var/log/app:/logs:ro', 'kubeshim-u-1-scratch:/tmp']);
    assert.deepEqual(memoryVolumes(podOf({ volumes: [{ name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] })), [{ name: 'scratch', volume: 'kubeshim-u-1-scratch', options: `size=${64 * 1024 * 1024}` }]);
    assert.throws(() => containerCreateOptions(podOf({}), { name: 'a', image: 'x', volumeMounts: [{ name: 'nope', mountPath: '/n' }] }, ctx), ContainerConfigError);
  });
});

describe('Volume files', () => {
  const sources = {
    configMaps: new Map([['cfg', { metadata: { name: 'cfg' }, data: { a: '1', b: '2' }, binaryData: { bin: Buffer.from([0, 1]).toString('base64') } } as KObject]]),
    secrets: new Map([['sec', { metadata: { name: 'sec' }, data: { token: Buffer.from('t0k').toString('base64') } } as KObject]]),
    tokens: new Map([['api/token', 'jwt']]),
  };
  const show = (files: Array<{ path: string; data: Buffer; mode: number }> | undefined) => files?.map((f) => `${f.path}=${f.data.toString('base64')}:${f.mode.toString(8)}`);

  it('writes every key of a ConfigMap (data and binaryData), or just the listed items with their modes', () => {
    assert.deepEqual(show(volumeFiles(podOf({}), { name: 'v', configMap: { name: 'cfg', defaultMode: 0o644 } }, sources)), ['a=MQ==:644', 'b=Mg==:644', 'bin=AAE=:644']);
    assert.deepEqual(show(volumeFiles(podOf({}), { name: 'v', configMap: { name: 'cfg', items: [{ key: 'b', path: 'conf/b.txt', mode: 0o600 }] } }, sources)), ['conf/b.txt=Mg==:600']);
  });

  it('decodes Secret data and fails like MountVolume.SetUp for what is missing', () => {
    assert.deepEqual(show(volumeFiles(podOf({}), { name: 'v', secret: { secretName: 'sec', defaultMode: 0o400 } }, sources)), [`token=${Buffer.from('t0k').toString('base64')}:400`]);
    assert.throws(() => volumeFiles(podOf({}), { name: 'v', secret: { secretName: 'nope' } }, sources), /^Error: secret "nope" not found$/);
    assert.deepEqual(volumeFiles(podOf({}), { name: 'v', secret: { secretName: 'nope', optional: true } }, sources), []);
    assert.throws(() => volumeFiles(podOf({}), { name: 'v', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'z' }] } }, sources), /configmap references non-existent config key: zz/);
  });

  it('projects downward API fields and service account tokens', () => {
    const files = volumeFiles(
      podOf({}),
      { name: 'api', projected: { defaultMode: 0o644, sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
      sources,
    );
    assert.deepEqual(files?.map((f) => `${f.path}=${f.data.toString()}`), ['token=jwt', 'a=1', 'namespace=shop']);
    assert.equal(volumeFiles(podOf({}), { name: 'v', emptyDir: {} }, sources), undefined);
  });

  it('lays files out as the AtomicWriter: a versioned payload, ..data, and top-level links through it', () => {
    const entries = volumeTarEntries('kubernetes.io~configmap/cfg', [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }, { path: 'conf/b', data: Buffer.from('2'), mode: 0o600 }], 'v1');
    assert.deepEqual(
      entries.map((e) => `${e.type} ${e.name}${e.linkname ? ' -> ' + e.linkname : ''}`),
      [
        'dir kubernetes.io~configmap/cfg',
        'dir kubernetes.io~configmap/cfg/..v1',
        'file kubernetes.io~configmap/cfg/..v1/a',
        'dir kubernetes.io~configmap/cfg/..v1/conf',
        'file kubernetes.io~configmap/cfg/..v1/conf/b',
        'symlink kubernetes.io~configmap/cfg/..data -> ..v1',
        'symlink kubernetes.io~configmap/cfg/a -> ..data/a',
        'symlink kubernetes.io~configmap/cfg/conf -> ..data/conf',
      ],
    );
  });
});

describe('Image pull credentials', () => {
  const cfg = (auths: object) => ({ metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') } }) as KObject;
  it('picks the imagePullSecret entry of the image registry, decoding auth', () => {
    const secrets = [cfg({ 'registry.example.com:5000': { auth: Buffer.from('bob:pa:ss').toString('base64') } }), cfg({ 'https://index.docker.io/v1/': { username: 'hub', password: 'pw' } })];
    assert.deepEqual(pullAuth('registry.example.com:5000/team/app:1', secrets), { username: 'bob', password: 'pa:ss', serveraddress: 'registry.example.com:5000' });
    assert.deepEqual(pullAuth('nginx:1.25', secrets), { username: 'hub', password: 'pw', serveraddress: 'https://index.docker.io/v1/' });
    assert.equal(pullAuth('quay.io/x/y', secrets), undefined);
  });
});

describe('Sandbox create body', () => {
  it('runs the pause image on the pod network with the pod name as hostname and host ports bound', () => {
    const body = sandboxCreateOptions(podOf({ containers: [{ name: 'web', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }] }), { nodeName: 'h1', network: 'kubeshim', attempt: 0 });
    assert.equal(body.Image, 'kubeshim/pause:1.0');
    assert.deepEqual(body.Cmd, ['/pause']);
    assert.equal(body.Hostname, 'web');
    assert.equal(body.HostConfig.NetworkMode, 'kubeshim');
    assert.deepEqual(body.HostConfig.PortBindings, { '80/tcp': [{ HostPort: '8080' }] });
    assert.equal(body.Labels[CONTAINER_LABELS.role], 'infra');
    assert.equal(body.Labels['io.kubernetes.docker.type'], 'podsandbox');
  });
  it('writes hostAliases into the shared /etc/hosts', () => {
    const body = sandboxCreateOptions(podOf({ hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }], containers: [] }), { nodeName: 'h1', network: 'kubeshim', attempt: 0 });
    assert.deepEqual(body.HostConfig.ExtraHosts, ['foo.local:10.1.2.3', 'bar.local:10.1.2.3']);
  });
  it('resolves through the cluster DNS with the namespace search path for ClusterFirst (dns.go)', () => {
    const ctx = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' };
    assert.deepEqual(sandboxDNS(podOf({}), ctx), { Dns: ['10.96.0.10'], DnsSearch: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], DnsOptions: ['ndots:5'] });
    assert.deepEqual(sandboxDNS(podOf({ hostNetwork: true }), ctx), {});
    assert.deepEqual(sandboxDNS(podOf({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['x.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), ctx), {
      Dns: ['1.1.1.1'],
      DnsSearch: ['x.local'],
      DnsOptions: ['ndots:2', 'edns0'],
    });
    assert.deepEqual(sandboxDNS(podOf({}), {}), {});
  });
  it('uses the host network for hostNetwork pods', () => {
    const body = sandboxCreateOptions(podOf({ hostNetwork: true, containers: [] }), { nodeName: 'h1', network: 'kubeshim', attempt: 1 });
    assert.equal(body.HostConfig.NetworkMode, 'host');
    assert.equal(body.Hostname, undefined);
    assert.equal(body.Labels[CONTAINER_LABELS.restartCount], '1');
  });
});

describe('Pause image', () => {
  it('is a static x86-64 and aarch64 ELF executable', () => {
    for (const [arch, machine] of [['amd64', 0x3e], ['arm64', 0xb7]] as const) {
      const elf = pauseElf(arch);
      assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
      assert.equal(elf.readUInt16LE(16), 2, 'ET_EXEC');
      assert.equal(elf.readUInt16LE(18), machine);
      assert.ok(elf.length < 512, `${arch} pause is ${elf.length} bytes`);
    }
  });
  it('packs long paths with the ustar prefix field', () => {
    const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file`;
    const tar = tarArchive([{ name: long, type: 'file', data: Buffer.from('x') }]);
    assert.equal(tar.subarray(345, 345 + 80).toString(), 'd'.repeat(80));
    assert.equal(tar.subarray(0, 65).toString(), `${'e'.repeat(60)}/file`);
  });
  it('packs into a valid one-file ustar archive', () => {
    const tar = singleFileTar('pause', Buffer.from('abc'));
    assert.equal(tar.length, 512 * 2 + 1024);
    assert.equal(tar.subarray(0, 5).toString(), 'pause');
    assert.equal(tar.subarray(257, 262).toString(), 'ustar');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : tar[i];
    assert.equal(parseInt(tar.subarray(148, 154).toString(), 8), sum);
  });
});

describe('Pod network subnet', () => {
  it('picks a default /24 that avoids the subnets the daemon already uses', () => {
    assert.equal(defaultPodSubnet(['172.17.0.0/16']), '10.88.0.0/24');
    assert.equal(defaultPodSubnet(['10.88.0.0/24', '10.88.1.0/24']), '10.88.2.0/24');
    assert.ok(cidrsOverlap('10.0.0.0/8', '10.88.3.0/24'));
    assert.ok(!cidrsOverlap('10.88.3.0/24', '10.88.4.0/24'));
  });
});

describe('Pod status', () => {
  const t0 = '2026-01-01T10:00:00.123456789Z';
  const t1 = '2026-01-01T10:00:05.5Z';
  const now = new Date('2026-01-01T10:01:00Z');
  const base = (over: Partial<ObservedContainer>): ObservedContainer => ({ id: 'a'.repeat(64), name: 'app', role: 'app', restartCount: 0, imageID: 'docker://sha256:abc', running: true, exitCode: 0, oomKilled: false, createdAt: t0, startedAt: t0, finishedAt: '0001-01-01T00:00:00Z', ...over });
  const obs = (containers: ObservedContainer[], waiting: Array<[string, { reason: string; message?: string }]> = []): PodObservation => ({ sandbox: { id: 's', running: true, ip: '10.244.1.7' }, containers, waiting: new Map(waiting), hostIP: '10.250.0.11', now });

  it('reports a running pod as Running and Ready with the pod IP and kubelet-style container status', () => {
    const pod = podOf({ containers: [{ name: 'app', image: 'busybox' }] });
    pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
    const st = computePodStatus(pod, obs([base({})]));
    assert.equal(st.phase, 'Running');
    assert.equal(st.podIP, '10.244.1.7');
    assert.deepEqual(st.podIPs, [{ ip: '10.244.1.7' }]);
    assert.equal(st.hostIP, '10.250.0.11');
    assert.equal(st.qosClass, 'BestEffort');
    assert.deepEqual(st.containerStatuses[0], {
      name: 'app',
      state: { running: { startedAt: '2026-01-01T10:00:00Z' } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'busybox:latest',
      imageID: 'docker://sha256:abc',
      containerID: `docker://${'a'.repeat(64)}`,
      started: true,
    });
    assert.deepEqual(st.conditions.map((c: J) => [c.type, c.status]), [['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
  });

  it('names unready containers in Ready and ContainersReady as generate.go does, and keeps transition times', () => {
    const pod = podOf({ containers: [{ name: 'app', image: 'x' }, { name: 'side', image: 'x' }] });
    const st = computePodStatus(pod, obs([base({})]));
    const ready = st.conditions.find((c: J) => c.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [side]']);
    assert.equal(st.containerStatuses[1].state.waiting.reason, 'ContainerCreating');
    pod.status = { ...st, conditions: st.conditions.map((c: J) => ({ ...c, lastTransitionTime: '2025-12-31T00:00:00Z' })) };
    const again = computePodStatus(pod, obs([base({})]));
    assert.ok(again.conditions.every((c: J) => c.lastTransitionTime === '2025-12-31T00:00:00Z'));
  });

  it('shows CrashLoopBackOff with the last termination and the restart count', () => {
    const pod = podOf({ containers: [{ name: 'app', image: 'x' }] });
    const dead = base({ running: false, exitCode: 2, restartCount: 3, finishedAt: t1 });
    const st = computePodStatus(pod, obs([dead, base({ id: 'b'.repeat(64), running: false, exitCode: 2, restartCount: 2, finishedAt: t1 })], [['app', { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=web_shop(u-1)' }]]));
    const cs = st.containerStatuses[0];
    assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=web_shop(u-1)' } });
    assert.equal(cs.lastState.terminated.exitCode, 2);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    assert.equal(cs.lastState.terminated.finishedAt, '2026-01-01T10:00:05Z');
    assert.equal(cs.restartCount, 3);
    assert.equal(st.phase, 'Running');
  });

  it('derives the phase from restartPolicy and exit codes (getPhase)', () => {
    const exited = (code: number, oom = false) => computePodStatus(podOf({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'x' }] }), obs([base({ running: false, exitCode: code, oomKilled: oom, finishedAt: t1 })]));
    const failed = exited(1);
    assert.equal(failed.phase, 'Failed');
    assert.equal(failed.containerStatuses[0].state.terminated.reason, 'Error');
    assert.deepEqual(failed.conditions.find((c: J) => c.type === 'Ready').reason, 'PodFailed');
    assert.equal(exited(0).phase, 'Succeeded');
    assert.equal(exited(0).containerStatuses[0].state.terminated.reason, 'Completed');
    assert.equal(exited(137, true).containerStatuses[0].state.terminated.reason, 'OOMKilled');
    assert.equal(podPhase(podOf({ restartPolicy: 'Always', containers: [{ name: 'app' }] }), [], [{ name: 'app', state: { terminated: { exitCode: 1 } } }]), 'Running');
    assert.equal(podPhase(podOf({ restartPolicy: 'OnFailure', containers: [{ name: 'app' }] }), [], [{ name: 'app', state: { terminated: { exitCode: 0 } } }]), 'Succeeded');
    assert.equal(podPhase(podOf({ containers: [{ name: 'app' }] }), [], [{ name: 'app', state: { waiting: { reason: 'ErrImagePull' } } }]), 'Pending');
  });

  it('keeps the pod Pending and Initialized False while init containers run', () => {
    const pod = podOf({ initContainers: [{ name: 'setup', image: 'x' }, { name: 'migrate', image: 'x' }], containers: [{ name: 'app', image: 'x' }] });
    const st = computePodStatus(pod, obs([base({ name: 'setup', role: 'init', running: false, exitCode: 0, finishedAt: t1 }), base({ name: 'migrate', role: 'init' })]));
    assert.equal(st.phase, 'Pending');
    const init = st.conditions.find((c: J) => c.type === 'Initialized');
    assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [migrate]']);
    assert.equal(st.initContainerStatuses[0].state.terminated.reason, 'Completed');
    assert.equal(st.initContainerStatuses[0].ready, true);
    assert.equal(st.containerStatuses[0].state.waiting.reason, 'PodInitializing');
  });

  it('never leaves a terminal phase and keeps the last pod IP once the sandbox is gone', () => {
    const pod = podOf({ containers: [{ name: 'app', image: 'x' }] });
    pod.status = { phase: 'Failed', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }] };
    const st = computePodStatus(pod, { ...obs([base({})]), sandbox: undefined });
    assert.equal(st.phase, 'Failed');
    assert.equal(st.podIP, '10.244.1.7');
  });
});

describe('Back-off durations', () => {
  it('print as Go durations in kubelet messages', () => {
    assert.deepEqual([10_000, 40_000, 80_000, 300_000].map(goDuration), ['10s', '40s', '1m20s', '5m0s']);
  });
});
