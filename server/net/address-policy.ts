/**
 * Which IP addresses a server-side fetch may connect to. Only globally routable unicast passes:
 * the special-purpose ranges (IANA registries, RFC 6890 and successors) are listed as data, one row
 * per range, and IPv6 must also lie in 2000::/3 (global unicast). IPv4-mapped and NAT64 IPv6
 * addresses are judged by the IPv4 address inside them, so `::ffff:127.0.0.1` is loopback.
 */
import { isIPv4, isIPv6 } from "node:net";

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

type Range = readonly [cidr: string, reason: string];

const V4_BLOCKED: readonly Range[] = [
  ["0.0.0.0/8", "unspecified ('this network')"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation"],
  ["192.88.99.0/24", "6to4 relay anycast"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["255.255.255.255/32", "broadcast"],
  ["240.0.0.0/4", "reserved"],
];

const V6_BLOCKED: readonly Range[] = [
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["64:ff9b:1::/48", "local-use NAT64"],
  ["100::/64", "discard-only"],
  ["2001::/32", "Teredo tunnel"],
  ["2001:db8::/32", "documentation"],
  ["2001::/23", "IETF protocol assignments"],
  ["2002::/16", "6to4 tunnel"],
  ["3fff::/20", "documentation"],
  ["fc00::/7", "unique-local"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local"],
  ["ff00::/8", "multicast"],
];

/** IPv4 as 4 bytes, IPv6 as 16; null when the text is not an address. */
export function parseIp(text: string): Uint8Array | null {
  const address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (isIPv4(address)) return Uint8Array.from(address.split(".").map(Number));
  if (!isIPv6(address)) return null;
  let body = address.split("%")[0].toLowerCase(); // zone ids (fe80::1%eth0) do not change the range
  const tail: number[] = [];
  const dotted = body.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = dotted[2].split(".").map(Number);
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    body = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const [head, rest] = body.split("::") as [string, string | undefined];
  const words = (s: string | undefined) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const left = words(head);
  const right = [...words(rest), ...tail];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...new Array<number>(fill).fill(0), ...right];
  if (all.length !== 8) return null;
  return Uint8Array.from(all.flatMap((w) => [w >> 8, w & 0xff]));
}

const compiled = (ranges: readonly Range[]) =>
  ranges.map(([cidr, reason]) => {
    const [base, bits] = cidr.split("/");
    return { bytes: parseIp(base)!, bits: Number(bits), reason: `${reason} (${cidr})` };
  });
const V4 = compiled(V4_BLOCKED);
const V6 = compiled(V6_BLOCKED);

function inPrefix(ip: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((ip[i / 8] & mask) !== (prefix[i / 8] & mask)) return false;
  }
  return true;
}

const MAPPED = parseIp("::ffff:0:0")!;
const NAT64 = parseIp("64:ff9b::")!;

/** Whether a server-side request may connect to this address. Anything unparsable is refused. */
export function classifyAddress(text: string): AddressVerdict {
  const ip = parseIp(text);
  if (ip === null) return { allowed: false, reason: "not an IP address" };
  if (ip.length === 4) {
    const hit = V4.find((r) => inPrefix(ip, r.bytes, r.bits));
    return hit ? { allowed: false, reason: hit.reason } : { allowed: true };
  }
  if (inPrefix(ip, MAPPED, 96) || inPrefix(ip, NAT64, 96)) {
    const inner = classifyAddress(Array.from(ip.subarray(12)).join("."));
    return inner.allowed ? inner : { allowed: false, reason: `IPv4 inside IPv6: ${inner.reason}` };
  }
  const hit = V6.find((r) => inPrefix(ip, r.bytes, r.bits));
  if (hit) return { allowed: false, reason: hit.reason };
  return (ip[0] & 0xe0) === 0x20
    ? { allowed: true }
    : { allowed: false, reason: "not global unicast (outside 2000::/3)" };
}

/** Canonical text of an address (lower-case IPv6, no brackets, no zone), for comparisons. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  if (ip === null) return null;
  if (ip.length === 4) return ip.join(".");
  const words = Array.from({ length: 8 }, (_, i) =>
    ((ip[2 * i] << 8) | ip[2 * i + 1]).toString(16),
  );
  return words.join(":");
}
