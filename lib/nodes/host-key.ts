// Host key pinning, as OpenSSH's client does it: a host is trusted only by a key the operator
// pinned (`hostKey`) or one found for it in a known_hosts file; fingerprints are printed the way
// `ssh-keygen -l` / ssh's warnings print them (SHA256:<unpadded base64>), so an operator can compare
// what kubeshim says with what `ssh-keyscan HOST | ssh-keygen -lf -` says.
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import type { HostEndpoint, HostFault } from './types.js';

/** A host public key: its type name and the SSH wire-format blob (what ssh2's hostVerifier receives). */
export interface HostPublicKey {
  type: string;
  blob: Buffer;
}

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-dss',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** The key type written inside a wire-format blob (its first SSH string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  if (n > 64 || 4 + n > blob.length) return 'unknown';
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** "SHA256:…" exactly as OpenSSH prints a key fingerprint (base64 without '=' padding). */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * Parses an OpenSSH public key line: "ssh-ed25519 AAAA… [comment]"; a leading known_hosts host
 * field is tolerated so a line copied from `ssh-keyscan` can be pasted as is.
 */
export function parsePublicKey(text: string): HostPublicKey {
  const fields = text.trim().split(/\s+/);
  const i = fields.findIndex((f) => KEY_TYPES.has(f));
  if (i < 0 || i + 1 >= fields.length) {
    throw new Error(`not an SSH public key (expected "ssh-ed25519 AAAA…", "ssh-rsa AAAA…" or "ecdsa-sha2-nistp256 AAAA…"): ${JSON.stringify(text.slice(0, 40))}`);
  }
  const type = fields[i];
  const blob = Buffer.from(fields[i + 1], 'base64');
  // The blob names its own type; a line whose two disagree is corrupt (ssh-keygen rejects it too).
  if (blobKeyType(blob) !== type) throw new Error(`malformed ${type} public key: the key data does not encode a ${type} key`);
  return { type, blob };
}

/** How known_hosts names a host: "address" on port 22, "[address]:port" otherwise (sshd's convention). */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(name);
}

/** Whether a known_hosts host field (comma list, patterns, "!" negations, or |1|salt|hash) names this host. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    // Hashed entry (HashKnownHosts yes): HMAC-SHA1 keyed by the salt over the host name.
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Keys a known_hosts text holds for address:port; @revoked keys come back separately. */
export function findKnownHostKeys(text: string, address: string, port: number): { keys: HostPublicKey[]; revoked: HostPublicKey[] } {
  const name = knownHostsName(address, port);
  const keys: HostPublicKey[] = [];
  const revoked: HostPublicKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0].startsWith('@')) {
      marker = fields[0];
      fields = fields.slice(1);
    }
    // Certificate authorities sign host certificates, which kubeshim does not negotiate.
    if (marker === '@cert-authority' || fields.length < 3) continue;
    if (!hostFieldMatches(fields[0], name)) continue;
    let key: HostPublicKey;
    try {
      key = parsePublicKey(fields.slice(1).join(' '));
    } catch {
      continue; // ssh skips unparsable lines the same way
    }
    (marker === '@revoked' ? revoked : keys).push(key);
  }
  return { keys, revoked };
}

/** Remembers a host's key (trust on first use), as ssh's StrictHostKeyChecking=accept-new does. */
export function appendKnownHost(file: string, address: string, port: number, key: HostPublicKey): void {
  let prefix = '';
  if (existsSync(file) && statSync(file).size > 0) {
    const text = readFileSync(file, 'utf8');
    if (!text.endsWith('\n')) prefix = '\n';
  }
  appendFileSync(file, `${prefix}${knownHostsName(address, port)} ${key.type} ${key.blob.toString('base64')}\n`, { mode: 0o600 });
}

/** The host key algorithms to offer first so the server presents a key of a type we pinned. */
export function preferredHostKeyAlgorithms(keys: HostPublicKey[]): string[] {
  const all = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  const first: string[] = [];
  for (const k of keys) {
    const algs = k.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.type];
    for (const a of algs) if (all.includes(a) && !first.includes(a)) first.push(a);
  }
  return [...first, ...all.filter((a) => !first.includes(a))];
}

/** What the endpoint trusts: the pinned hostKey, else the known_hosts entries for address:port. */
export interface HostTrust {
  keys: HostPublicKey[];
  revoked: HostPublicKey[];
  /** Where the keys came from, for messages. */
  source: string;
}

export function loadHostTrust(ep: HostEndpoint): HostTrust {
  const port = ep.port ?? 22;
  if (ep.hostKey) return { keys: [parsePublicKey(ep.hostKey)], revoked: [], source: 'hostKey' };
  if (ep.knownHostsFile) {
    const text = existsSync(ep.knownHostsFile) ? readFileSync(ep.knownHostsFile, 'utf8') : '';
    return { ...findKnownHostKeys(text, ep.address, port), source: ep.knownHostsFile };
  }
  return { keys: [], revoked: [], source: '' };
}

export type HostKeyDecision = { accept: true; learned?: HostPublicKey } | { accept: false; fault: HostFault };

/**
 * Decides on the key a host presented. Mirrors ssh's StrictHostKeyChecking=yes (or accept-new when
 * trustOnFirstUse is set): a known key that differs is always refused, even with trustOnFirstUse.
 */
export function decideHostKey(ep: HostEndpoint, trust: HostTrust, presented: Buffer): HostKeyDecision {
  const port = ep.port ?? 22;
  const where = `${ep.address}:${port}`;
  const type = blobKeyType(presented);
  const fp = fingerprint(presented);
  if (trust.revoked.some((k) => k.blob.equals(presented))) {
    return { accept: false, fault: { reason: 'HostKeyMismatch', message: `host key ${type} ${fp} of ${where} is marked as revoked in ${trust.source}` } };
  }
  if (trust.keys.some((k) => k.blob.equals(presented))) return { accept: true };
  if (trust.keys.length > 0) {
    const expected = trust.keys.map((k) => `${k.type} ${fingerprint(k.blob)}`).join(' or ');
    return {
      accept: false,
      fault: {
        reason: 'HostKeyMismatch',
        message: `host key verification failed for ${where}: expected ${expected} (from ${trust.source}), host presented ${type} ${fp}; the host key has changed or the pin is wrong`,
      },
    };
  }
  if (ep.trustOnFirstUse) return { accept: true, learned: { type, blob: presented } };
  return {
    accept: false,
    fault: {
      reason: 'HostKeyUnknown',
      message:
        `host key of ${where} is not known: it presented ${type} ${fp}; pin it with hostKey "${type} ${presented.toString('base64')}" ` +
        `(compare with: ssh-keyscan -p ${port} ${ep.address} | ssh-keygen -lf -), add it to a knownHostsFile, or set trustOnFirstUse`,
    },
  };
}
