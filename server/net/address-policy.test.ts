import { describe, expect, it } from "vitest";
import { canonicalIp, classifyAddress, parseIp } from "./address-policy";

// Pure classification: no address here is ever connected to.
const BLOCKED: [string, string][] = [
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.168.1.1", "private"],
  ["100.64.0.1", "carrier-grade NAT"],
  ["100.127.255.255", "carrier-grade NAT"],
  ["169.254.169.254", "link-local"], // cloud metadata service
  ["192.0.0.8", "IETF"],
  ["192.0.2.1", "documentation"],
  ["198.18.0.1", "benchmarking"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["255.255.255.255", "broadcast"],
  ["240.0.0.1", "reserved"],
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["[::1]", "loopback"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf:ffff::1", "link-local"],
  ["fc00::1", "unique-local"],
  ["fd12:3456:789a::1", "unique-local"],
  ["fec0::1", "site-local"],
  ["ff02::1", "multicast"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.1.2.3", "private"],
  ["::ffff:169.254.169.254", "link-local"],
  ["::ffff:0.0.0.0", "unspecified"],
  ["64:ff9b::7f00:1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "link-local"],
  ["64:ff9b:1::1", "local-use NAT64"],
  ["::127.0.0.1", "outside 2000::/3"], // deprecated IPv4-compatible form
  ["2001:db8::1", "documentation"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
  ["2002:7f00:1::1", "6to4"],
  ["100::1", "discard"],
  ["4000::1", "outside 2000::/3"],
  ["not-an-ip", "not an IP"],
  ["1.2.3", "not an IP"],
  ["", "not an IP"],
];

const ALLOWED = [
  "8.8.8.8",
  "1.1.1.1",
  "93.184.215.14",
  "172.15.255.255",
  "172.32.0.0",
  "100.63.255.255",
  "100.128.0.0",
  "169.253.255.255",
  "192.169.0.1",
  "223.255.255.255",
  "2606:4700:4700::1111",
  "2a00:1450:4001:82b::200e",
  "::ffff:8.8.8.8",
  "64:ff9b::808:808",
];

describe("classifyAddress", () => {
  it.each(BLOCKED)("refuses %s (%s)", (address, why) => {
    const verdict = classifyAddress(address);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.reason).toContain(why);
  });

  it.each(ALLOWED)("allows %s", (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true });
  });

  it("checks every address of the special ranges, edge to edge", () => {
    for (let b = 0; b < 256; b++) {
      expect(classifyAddress(`127.0.${b}.${255 - b}`).allowed).toBe(false);
      expect(classifyAddress(`172.${b}.0.1`).allowed).toBe(!(b >= 16 && b <= 31));
      expect(classifyAddress(`100.${b}.0.1`).allowed).toBe(!(b >= 64 && b <= 127));
      expect(classifyAddress(`169.${b}.0.1`).allowed).toBe(b !== 254);
    }
  });
});

describe("parseIp", () => {
  it("reads every IPv6 spelling of the same address alike", () => {
    const forms = [
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "0:0:0:0:0:ffff:7f00:0001",
      "[::FFFF:7F00:1]",
    ];
    for (const f of forms) expect(canonicalIp(f)).toBe("0:0:0:0:0:ffff:7f00:1");
    expect(Array.from(parseIp("1:2:3:4:5:6:1.2.3.4")!)).toEqual([
      0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4,
    ]);
    expect(parseIp("1::2::3")).toBeNull();
    expect(parseIp("::g")).toBeNull();
  });
});
