/**
 * Headers that hold for every response Next serves, static files included. Pages also get a CSP
 * with a per-response nonce and the other security headers from proxy.ts; the custom server's own
 * routes (/api/, sockets) set theirs in server/api.
 */
const STATIC_SECURITY_HEADERS = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "same-origin" },
  // The engine's Web Worker script is a static chunk: a worker is cross-origin isolated (WASM
  // threads) only when its own response carries these too (docs/browser-engine.md).
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native and engine modules load at run time from node_modules, not through the bundler.
  serverExternalPackages: [
    "better-sqlite3",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "pg",
    "onnxruntime-node",
    "sharp",
    "@node-rs/argon2",
    // One Yjs in the process: bundled into the studio's server render it was a second copy beside the
    // collaboration server's ("Yjs was already imported"), which breaks Yjs's constructor checks.
    "yjs",
  ],
  typescript: { ignoreBuildErrors: true }, // `npm run typecheck` is the one type gate
  async headers() {
    return [{ source: "/:path*", headers: STATIC_SECURITY_HEADERS }];
  },
};

export default nextConfig;
