import net from 'node:net';

const MAX_REMEMBERED_PEERS = 10_000;

/**
 * The client address: the socket's peer, unless that peer is a trusted proxy
 * (`server.trust_proxy`), in which case X-Forwarded-For is read right to left, skipping trusted hops
 * (SECURITY S5: a client cannot choose its own address by sending the header).
 */
export function createClientIpResolver(trustProxy: readonly string[]) {
  const checkTrusted = addressMatcher(trustProxy);
  // BlockList.check builds a SocketAddress on every call (~2% of a proxied request in the bench
  // profile); peers repeat, and trust_proxy is fixed for the life of the process.
  const verdicts = new Map<string, boolean>();
  const isTrusted = (ip: string) => {
    if (trustProxy.length === 0) return false;
    let verdict = verdicts.get(ip);
    if (verdict === undefined) {
      if (verdicts.size >= MAX_REMEMBERED_PEERS) verdicts.clear();
      verdict = checkTrusted(ip);
      verdicts.set(ip, verdict);
    }
    return verdict;
  };

  return {
    isTrusted,
    resolve(peer: string | undefined, forwardedFor: string | undefined): string {
      const socketIp = stripMapped(peer ?? '') || '0.0.0.0';
      if (trustProxy.length === 0 || !forwardedFor || !isTrusted(socketIp)) return socketIp;
      const hops = forwardedFor.split(',').map((hop) => stripMapped(hop.trim())).filter((hop) => net.isIP(hop) !== 0);
      for (let i = hops.length - 1; i >= 0; i--) {
        if (!isTrusted(hops[i]!)) return hops[i]!;
      }
      return hops[0] ?? socketIp;
    },
  };
}

/** Whether an address (IPv4-mapped IPv6 read as IPv4) is in a list of addresses and CIDRs as config validates them. */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = net.isIPv6(address!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(bits), family);
  }
  return (ip) => {
    const plain = stripMapped(ip);
    return net.isIP(plain) !== 0 && list.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}

export function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}
