// Moved to `../platform/model-store.ts` (Node-only code lives in the platform folder). This re-export
// stays only while importers outside this change (server/models, an app test) still use the old path.
export * from "../platform/model-store";
