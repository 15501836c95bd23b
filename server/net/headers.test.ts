import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, securityHeaders } from "./headers";
import { clientAddress, originAllowed, originPolicyFromEnv } from "./origin";

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

  it("eval only for the dev server; a nonce replaces unsafe-inline", () => {
    expect(contentSecurityPolicy({ secure: false, dev: true })).toContain("'unsafe-eval'");
    const withNonce = contentSecurityPolicy({ secure: false, nonce: "abc123" });
    expect(withNonce).toMatch(/script-src 'self' 'nonce-abc123';/);
  });
});

describe("originAllowed", () => {
  it("same origin only, unless listed", () => {
    expect(originAllowed("http://studio.local:3000", "studio.local:3000")).toBe(true);
    expect(originAllowed("https://STUDIO.example.org", "studio.example.org")).toBe(true);
    expect(originAllowed("https://evil.example", "studio.example.org")).toBe(false);
    expect(originAllowed("https://studio.example.org.evil.example", "studio.example.org")).toBe(
      false,
    );
    expect(originAllowed("http://studio.example.org:8080", "studio.example.org")).toBe(false);
    expect(originAllowed(undefined, "studio.example.org")).toBe(false);
    expect(originAllowed("null", "studio.example.org")).toBe(false);
    expect(originAllowed("file://", "studio.example.org")).toBe(false);
    const policy = originPolicyFromEnv({
      CLIPIG_ALLOWED_ORIGINS: "https://app.example.org, http://localhost:5173",
    });
    expect(originAllowed("https://app.example.org", "api.example.org", policy)).toBe(true);
    expect(originAllowed("http://localhost:5173", "api.example.org", policy)).toBe(true);
    expect(() => originPolicyFromEnv({ CLIPIG_ALLOWED_ORIGINS: "*" })).toThrow(/not an origin/);
  });
});

describe("clientAddress", () => {
  it("ignores X-Forwarded-For unless a proxy is trusted, then takes the proxy's entry", () => {
    expect(clientAddress("::ffff:10.0.0.7", "1.2.3.4", false)).toBe("10.0.0.7");
    expect(clientAddress("10.0.0.7", "6.6.6.6, 1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientAddress("10.0.0.7", undefined, true)).toBe("10.0.0.7");
  });
});
