import ipaddr from 'ipaddr.js';
import { IpRangeIndex } from './ip-range-index.js';

/**
 * Which addresses Renkei may connect to when it fetches a reported site
 * (liveness checks, security.txt): public unicast only. Loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
 * unique-local, multicast, reserved and documentation ranges are refused —
 * whatever name, DNS answer or redirect leads there — unless an
 * administrator allows a range (RENKEI_FETCH_ALLOW, e.g. for a lab).
 */
export class FetchPolicy {
  readonly #allowed = new IpRangeIndex<true>();
  readonly allowList: readonly string[];

  constructor(allow: readonly string[] = []) {
    this.allowList = allow;
    for (const cidr of allow) this.#allowed.add(cidr, true);
  }

  /** Undefined when allowed; otherwise why not, in words. */
  refusal(address: string): string | undefined {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.parse(address);
    } catch {
      return `${address} is not an IP address`;
    }
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (this.#allowed.lookup(parsed.toString())) return undefined;
    const range = parsed.range();
    if (range === 'unicast') return undefined;
    return `${parsed.toString()} is ${range === 'linkLocal' ? 'link-local (cloud metadata lives there)' : range}: not fetched (allow a range with RENKEI_FETCH_ALLOW)`;
  }
}
