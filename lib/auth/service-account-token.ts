// ServiceAccount tokens as kube-apiserver issues them through the TokenRequest subresource
// (`kubectl create token`): ES256-signed JWTs with the upstream claims (iss, sub
// system:serviceaccount:<ns>:<name>, aud, exp/iat/nbf, and the kubernetes.io private claim
// binding the token to the ServiceAccount's uid). The signing key lives in the data dir.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** Upstream's default when spec.expirationSeconds is unset: one hour. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
  };
}

function b64url(buf: Buffer | string): string {
  return Buffer.from(buf).toString('base64url');
}

export class ServiceAccountTokens {
  private constructor(private readonly key: KeyObject, private readonly pub: KeyObject, readonly issuer: string) {}

  /** Loads `pki/sa.key` from the data dir, creating it on first start. */
  static load(dataDir: string, issuer = DEFAULT_ISSUER): ServiceAccountTokens {
    const path = join(dataDir, 'pki', 'sa.key');
    let pem: string;
    if (existsSync(path)) pem = readFileSync(path, 'utf8');
    else {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      writeFileSync(path, pem, { mode: 0o600 });
    }
    const key = createPrivateKey(pem);
    return new ServiceAccountTokens(key, createPublicKey(key), issuer);
  }

  issue(opts: { namespace: string; name: string; uid: string; audiences?: string[]; expirationSeconds?: number; now?: number }): { token: string; expiration: Date } {
    const now = Math.floor((opts.now ?? Date.now()) / 1000);
    const ttl = Math.max(MIN_EXPIRATION_SECONDS, opts.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS);
    const claims: ServiceAccountClaims = {
      iss: this.issuer,
      sub: `system:serviceaccount:${opts.namespace}:${opts.name}`,
      aud: opts.audiences?.length ? opts.audiences : [this.issuer],
      exp: now + ttl,
      iat: now,
      nbf: now,
      'kubernetes.io': { namespace: opts.namespace, serviceaccount: { name: opts.name, uid: opts.uid } },
    };
    const head = b64url(JSON.stringify({ alg: 'ES256', kid: this.keyId(), typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return { token: `${head}.${body}.${b64url(sig)}`, expiration: new Date(claims.exp * 1000) };
  }

  /** The claims of a token this cluster signed that is valid now, or undefined. */
  verify(token: string, now = Date.now()): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as ServiceAccountClaims;
      const t = Math.floor(now / 1000);
      if (claims.iss !== this.issuer || typeof claims.exp !== 'number' || claims.exp < t || (claims.nbf ?? 0) > t + 60) return undefined;
      if (!claims['kubernetes.io']?.serviceaccount?.name) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  /** Key id as upstream derives it: a hash of the public key (stable across restarts). */
  private keyId(): string {
    const der = this.pub.export({ type: 'spki', format: 'der' });
    return b64url(createHash('sha256').update(der).digest());
  }
}

