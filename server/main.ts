/**
 * The studio process: migrations, then Next.js + Socket.IO + Yjs on one port (see studio-server.ts).
 */
import next from "next";
import { serverConfig } from "./config";
import { migrate } from "./db/migrate";
import { closeDb } from "./db/client";
import { startStudioServer } from "./studio-server";

async function main() {
  const config = serverConfig();
  const applied = await migrate();
  if (applied.length) console.log(`database: applied ${applied.join(", ")}`);

  const app = next({ dev: config.dev, dir: process.cwd() });
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

  const shutdown = async () => {
    await server.close();
    await closeDb();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
