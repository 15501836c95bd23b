// Moved to `../platform/download.ts` (Node-only code lives in the platform folder). This re-export
// stays only while importers outside this change (server/models) still use the old path.
export * from "../platform/download";
