/**
 * `npm run worker -- --device cuda:N`: one GPU worker process (run one per GPU). Needs REDIS_URL and
 * the cluster's DATABASE_URL; reads the same CLIPIG_* settings as the web nodes. SIGTERM / SIGINT
 * drain it: the current run saves a snapshot and goes back in line for another worker.
 */
import { hostname } from "node:os";
import { parseWorkerArgs } from "./args";

async function main() {
  const args = parseWorkerArgs(process.argv.slice(2));
  // Before onnxruntime initialises CUDA: this process sees only its own GPU.
  if (args.cudaIndex !== null) process.env.CUDA_VISIBLE_DEVICES = String(args.cudaIndex);
  const [
    { clusterConfig },
    { migrate },
    { closeDb },
    { dataDir },
    { runSettingsFromEnv },
    { admissionFromEnv },
    { RunStore },
    { storageFromEnv, localCache },
    { GpuWorker },
  ] = await Promise.all([
    import("../cluster/config"),
    import("../db/migrate"),
    import("../db/client"),
    import("../db/url"),
    import("../runs/settings"),
    import("../runs/admission"),
    import("../runs/store"),
    import("../storage"),
    import("./gpu-worker"),
  ]);
  const cluster = clusterConfig();
  if (!cluster) throw new Error("the worker needs REDIS_URL (and the cluster's DATABASE_URL)");
  await migrate();
  const settings = runSettingsFromEnv();
  const dir = dataDir();
  const id = args.id ?? `${hostname()}:${args.label}:${process.pid}`;
  const lockMs = Number(process.env.CLIPIG_WORKER_LOCK_MS ?? 30_000);
  const worker = new GpuWorker({
    redisUrl: cluster.redisUrl,
    prefix: cluster.prefix,
    id,
    device: args.device,
    store: new RunStore(),
    admission: admissionFromEnv(dir),
    dataDir: dir,
    images: localCache(storageFromEnv(process.env, dir), dir),
    fps: settings.fps,
    frameFormat: settings.frameFormat,
    statsIntervalMs: 250,
    lockMs,
  });
  await worker.start();
  console.log(`worker ${id}: waiting for runs on ${args.label}`);

  let stopping = false;
  const drain = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`worker ${id}: ${signal}, finishing the current step`);
    await worker.drain();
    await closeDb();
    process.exit(0);
  };
  process.once("SIGTERM", () => void drain("SIGTERM"));
  process.once("SIGINT", () => void drain("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
