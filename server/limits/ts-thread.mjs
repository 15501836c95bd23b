// Bootstrap of a worker thread that runs TypeScript: tsx registers its loader in the main thread
// only, so a thread registers it here and then loads its entry (`workerData.entry`, a file URL).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
