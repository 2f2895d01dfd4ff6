// The cluster's PKI: a CA created on first start and kept in the data dir, a serving certificate
// with the usual kube-apiserver SANs, and client certificates (CN = user, O = groups) as
// Kubernetes' x509 authenticator reads them. ECDSA P-256 keys via WebCrypto (fast, no native deps).
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

function pemOf(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

async function importKey(keyPem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', derOf(keyPem), ALG, true, ['sign']) as Promise<CryptoKey>;
}

function serial(): string {
  // Positive 128-bit serial.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  return Buffer.from(b).toString('hex');
}

function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

export async function createCA(commonName = 'kubeshim-ca'): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(commonName)}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: pemOf('PRIVATE KEY', (await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) as ArrayBuffer) };
}

async function issue(ca: KeyPairPem, subject: string, opts: { server?: boolean; client?: boolean; dnsNames?: string[]; ips?: string[]; days?: number }): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const now = new Date(Date.now() - 60_000);
  const eku: string[] = [];
  if (opts.server) eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.client) eku.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  const names: x509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((d) => ({ type: 'dns' as const, value: d })),
    ...(opts.ips ?? []).map((ip) => ({ type: 'ip' as const, value: ip })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + (opts.days ?? 365) * 24 * 3600 * 1000),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: pemOf('PRIVATE KEY', (await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) as ArrayBuffer) };
}

/** A client certificate for `user` in `groups` (Kubernetes reads CN and O). */
export function issueClientCert(ca: KeyPairPem, user: string, groups: string[] = [], days = 365): Promise<KeyPairPem> {
  const subject = [...groups.map((g) => `O=${escapeDn(g)}`), `CN=${escapeDn(user)}`].join(', ');
  return issue(ca, subject, { client: true, days });
}

/** The serving certificate, valid for the names kube-apiserver's certificate carries plus ours. */
export function issueServingCert(ca: KeyPairPem, extraSans: string[] = []): Promise<KeyPairPem> {
  const dns = new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  for (const s of extraSans) {
    if (!s || s === '0.0.0.0' || s === '::') continue;
    if (isIP(s)) ips.add(s);
    else dns.add(s);
  }
  return issue(ca, 'CN=kube-apiserver', { server: true, dnsNames: [...dns], ips: [...ips] });
}

export interface ClusterPki {
  ca: KeyPairPem;
  serving: KeyPairPem;
}

/**
 * Loads the CA from the data dir, creating it on first start; re-issues the serving certificate
 * when its SANs no longer cover the addresses we serve on, or when it is close to expiry.
 */
export async function loadOrCreatePki(dataDir: string, sans: string[]): Promise<ClusterPki> {
  const dir = join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  let ca: KeyPairPem;
  if (existsSync(caCrt) && existsSync(caKey)) {
    ca = { certPem: readFileSync(caCrt, 'utf8'), keyPem: readFileSync(caKey, 'utf8') };
  } else {
    ca = await createCA();
    writeFileSync(caKey, ca.keyPem, { mode: 0o600 });
    writeFileSync(caCrt, ca.certPem, { mode: 0o644 });
  }
  const srvCrt = join(dir, 'apiserver.crt');
  const srvKey = join(dir, 'apiserver.key');
  let serving: KeyPairPem | undefined;
  if (existsSync(srvCrt) && existsSync(srvKey)) {
    const pem = readFileSync(srvCrt, 'utf8');
    const cert = new X509Certificate(pem);
    const covers = sans.every((s) => !s || s === '0.0.0.0' || s === '::' || (isIP(s) ? cert.checkIP(s) : cert.checkHost(s)));
    const fresh = Date.parse(cert.validTo) - Date.now() > 30 * 24 * 3600 * 1000;
    if (covers && fresh && cert.checkIssued(new X509Certificate(ca.certPem))) serving = { certPem: pem, keyPem: readFileSync(srvKey, 'utf8') };
  }
  if (!serving) {
    serving = await issueServingCert(ca, sans);
    writeFileSync(srvKey, serving.keyPem, { mode: 0o600 });
    writeFileSync(srvCrt, serving.certPem, { mode: 0o644 });
  }
  return { ca, serving };
}
