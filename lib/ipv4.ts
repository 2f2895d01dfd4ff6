// IPv4 addresses as unsigned 32-bit numbers, for CIDR arithmetic (service IPs, pod CIDRs, networks).
export function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}

export function intToIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
