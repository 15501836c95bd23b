/**
 * The studio process: migrations, then Next.js + Socket.IO + Yjs on one port (see studio-server.ts).
 */
import next from "next";
import { serverConfig } from "./config";
import { migrate } from "./db/migrate";
import { closeDb } from "./db/client";
import { dataDir } from "./db/url";
import { storageFromEnv } from "./storage/config";
import { startStudioServer } from "./studio-server";
import { startUploadSweeper, uploadSettingsFromEnv } from "./uploads";

async function main() {
  const config = serverConfig();
  const applied = await migrate();
  if (applied.length) console.log(`database: applied ${applied.join(", ")}`);

  // Next needs the real host and port to resolve server-action redirects without an extra round trip.
  const app = next({
    dev: config.dev,
    dir: process.cwd(),
    hostname: "localhost",
    port: config.port,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  const nextUpgrade = app.getUpgradeHandler();

  const server = await startStudioServer({
    port: config.port,
    host: config.host,
    handle: (req, res) => void handle(req, res),
    upgrade: config.dev ? (req, socket, head) => void nextUpgrade(req, socket, head) : undefined,
  });
  console.log(`CLIPig Studio on http://localhost:${server.port}`);
  // Uploads nothing uses are removed after the grace period (CLIPIG_UPLOAD_* settings).
  const dir = dataDir();
  const sweeper = startUploadSweeper(uploadSettingsFromEnv(), {
    dataDir: dir,
    store: storageFromEnv(process.env, dir),
  });

  // Graceful: live runs are marked interrupted (they can continue), open documents are stored.
  // A second signal exits at once.
  let closing = false;
  const shutdown = async () => {
    if (closing) process.exit(1);
    closing = true;
    // Graceful, within a deadline: a stuck close (a connection or a worker that never ends) must
    // not keep a stopped server alive.
    setTimeout(() => {
      console.error("shutdown: still closing after 15 s; exiting");
      process.exit(1);
    }, 15_000).unref();
    await sweeper.stop();
    await server.close();
    await closeDb();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
