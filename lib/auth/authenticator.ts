// Request authentication as kube-apiserver's union authenticator: an x509 client certificate
// verified against the cluster CA (CN = user, O = groups), or a bearer token from a static
// tokens file (--token-auth-file CSV: token,user,uid,"group1,group2"). Authenticated users also
// get system:authenticated. Anything else is anonymous: 401 except for the public paths.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import type { ServiceAccountTokens } from './service-account-token.js';
import type { UserInfo } from '../registry/generic-store.js';

export interface StaticToken {
  token: string;
  user: UserInfo;
}

/** Parses a kube-apiserver token file. Lines: token,user,uid[,"g1,g2"]; # comments and blanks skipped. */
export function parseTokenFile(text: string): StaticToken[] {
  const out: StaticToken[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = splitCsv(line);
    if (fields.length < 3) throw new Error(`token file: line needs at least token,user,uid`);
    const [token, username, uid, groups] = fields;
    out.push({ token, user: { username, uid, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] } });
  }
  return out;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

const certUsers = new WeakMap<TLSSocket, UserInfo | null>();

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Checks that a ServiceAccount token's account still exists with the uid it was issued for. */
export type ServiceAccountLookup = (namespace: string, name: string) => Promise<{ uid?: string } | undefined>;

export class Authenticator {
  private tokens = new Map<string, UserInfo>();

  constructor(tokenFile?: string, private readonly saTokens?: ServiceAccountTokens, private readonly saLookup?: ServiceAccountLookup) {
    if (tokenFile) this.loadTokens(readFileSync(tokenFile, 'utf8'));
  }

  loadTokens(text: string): void {
    this.tokens = new Map(parseTokenFile(text).map((t) => [digest(t.token).toString('hex'), t.user]));
  }

  /** A ServiceAccount token: valid signature and times, and the account still exists with its uid. */
  private async serviceAccount(token: string): Promise<UserInfo | undefined> {
    const claims = this.saTokens?.verify(token);
    if (!claims || !this.saLookup) return undefined;
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    const live = await this.saLookup(namespace, serviceaccount.name);
    if (!live || live.uid !== serviceaccount.uid) return undefined;
    return {
      username: `system:serviceaccount:${namespace}:${serviceaccount.name}`,
      uid: serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    };
  }

  /** The user behind a request, or undefined for anonymous. */
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const sock = req.socket as TLSSocket;
    if (sock.authorized && typeof sock.getPeerCertificate === 'function') {
      // The certificate is fixed for the connection's life: read it once per connection.
      let user = certUsers.get(sock);
      if (user === undefined) {
        const cert = sock.getPeerCertificate();
        const cn = cert?.subject?.CN;
        const o = cert?.subject?.O;
        user = cn ? withAuthenticated({ username: Array.isArray(cn) ? cn[0] : cn, groups: Array.isArray(o) ? o : o ? [o] : [] }) : null;
        certUsers.set(sock, user);
      }
      if (user) return user;
    }
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const token = auth.slice(7).trim();
      if (token) {
        // Look up by hash so the comparison cost does not depend on the token's prefix.
        const d = digest(token);
        const user = this.tokens.get(d.toString('hex'));
        if (user) return withAuthenticated(user);
        const sa = await this.serviceAccount(token);
        if (sa) return sa;
      }
    }
    return undefined;
  }
}

function withAuthenticated(u: UserInfo): UserInfo {
  const groups = u.groups.includes('system:authenticated') ? u.groups : [...u.groups, 'system:authenticated'];
  return { ...u, groups };
}

/** Paths anonymous clients may use, as kube-apiserver's default system:public-info-viewer. */
export function isPublicPath(path: string): boolean {
  return path === '/version' || path === '/version/' || /^\/(healthz|livez|readyz)(\/.*)?$/.test(path);
}
