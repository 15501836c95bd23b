/** Test helper: a fresh SQLite file per test file, migrated, as the real server would use it. */
export { useTempDatabase } from "../db/testing";
