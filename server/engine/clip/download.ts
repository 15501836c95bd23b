// Moved to `../platform/download.ts` (Node-only code lives in the platform folder). This re-export
// stays only while server/models (another change in flight) still imports the old path.
export * from "../platform/download";
