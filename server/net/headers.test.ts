import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, securityHeaders } from "./headers";
import { clientAddress, hostTrusted, originAllowed, originPolicyFromEnv } from "./origin";

describe("securityHeaders", () => {
  it("production: CSP without unsafe-eval, no framing, nosniff, HSTS behind TLS", () => {
    const h = Object.fromEntries(securityHeaders({ secure: true }));
    expect(h["Content-Security-Policy"]).not.toContain("unsafe-eval");
    expect(h["Content-Security-Policy"]).toContain("frame-ancestors 'none'");
    expect(h["Content-Security-Policy"]).toContain("object-src 'none'");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["X-Frame-Options"]).toBe("DENY");
    expect(h["Strict-Transport-Security"]).toContain("max-age=");
    expect(
      Object.fromEntries(securityHeaders({ secure: false }))["Strict-Transport-Security"],
    ).toBeUndefined();
  });

  it("cross-origin isolated (COOP same-origin + COEP require-corp): WASM threads in the browser engine", () => {
    const h = Object.fromEntries(securityHeaders({ secure: false }));
    expect(h["Cross-Origin-Opener-Policy"]).toBe("same-origin");
    expect(h["Cross-Origin-Embedder-Policy"]).toBe("require-corp");
  });

  it("eval only for the dev server; a nonce replaces unsafe-inline", () => {
    expect(contentSecurityPolicy({ secure: false, dev: true })).toContain("'unsafe-eval'");
    const withNonce = contentSecurityPolicy({ secure: false, nonce: "abc123" });
    expect(withNonce).toMatch(/script-src 'self' 'nonce-abc123';/);
  });
});

describe("originAllowed", () => {
  const studio = originPolicyFromEnv({ CLIPIG_ALLOWED_ORIGINS: "https://studio.example.org" });

  it("same origin only, unless listed", () => {
    expect(originAllowed("http://localhost:3000", "localhost:3000")).toBe(true);
    expect(originAllowed("http://127.0.0.1:3000", "127.0.0.1:3000")).toBe(true);
    expect(originAllowed("http://[::1]:3000", "[::1]:3000")).toBe(true);
    expect(originAllowed("http://studio.localhost:3000", "studio.localhost:3000")).toBe(true);
    expect(originAllowed("https://STUDIO.example.org", "studio.example.org", studio)).toBe(true);
    // A listed name reached over another scheme or port is still that name.
    expect(originAllowed("http://studio.example.org:3000", "studio.example.org:3000", studio)).toBe(
      true,
    );
    expect(originAllowed("https://evil.example", "studio.example.org", studio)).toBe(false);
    expect(
      originAllowed("https://studio.example.org.evil.example", "studio.example.org", studio),
    ).toBe(false);
    expect(originAllowed("http://localhost:8080", "localhost:3000")).toBe(false);
    expect(originAllowed(undefined, "localhost:3000")).toBe(false);
    expect(originAllowed("null", "localhost:3000")).toBe(false);
    expect(originAllowed("file://", "localhost:3000")).toBe(false);
    const policy = originPolicyFromEnv({
      CLIPIG_ALLOWED_ORIGINS: "https://app.example.org, http://localhost:5173",
    });
    expect(originAllowed("https://app.example.org", "api.example.org", policy)).toBe(true);
    expect(originAllowed("http://localhost:5173", "api.example.org", policy)).toBe(true);
    expect(() => originPolicyFromEnv({ CLIPIG_ALLOWED_ORIGINS: "*" })).toThrow(/not an origin/);
  });

  it("never believes a Host name that is not an IP literal, localhost or listed (DNS rebinding)", () => {
    // The attacker's page on rebind.evil.example, its name now pointing at this server.
    expect(originAllowed("http://rebind.evil.example:3000", "rebind.evil.example:3000")).toBe(
      false,
    );
    expect(originAllowed("http://studio.local:3000", "studio.local:3000")).toBe(false);
    expect(originAllowed("http://localhost.evil.example", "localhost.evil.example")).toBe(false);
    expect(originAllowed("http://127.0.0.1.nip.io", "127.0.0.1.nip.io")).toBe(false);
    expect(originAllowed("http://evil.example", "evil.example", studio)).toBe(false);
    expect(hostTrusted("10.1.2.3:3000", studio)).toBe(true);
    expect(hostTrusted("[fe80::1]", studio)).toBe(true);
    expect(hostTrusted("studio.example.org:8443", studio)).toBe(true);
    expect(hostTrusted("studio.example.org.evil.example", studio)).toBe(false);
    expect(hostTrusted("", studio)).toBe(false);
    expect(hostTrusted("local host", studio)).toBe(false);
  });
});

describe("clientAddress", () => {
  it("ignores X-Forwarded-For unless a proxy is trusted, then takes the proxy's entry", () => {
    expect(clientAddress("::ffff:10.0.0.7", "1.2.3.4", false)).toBe("10.0.0.7");
    expect(clientAddress("10.0.0.7", "6.6.6.6, 1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientAddress("10.0.0.7", undefined, true)).toBe("10.0.0.7");
  });
});
