// `npm run docs:reference`: rewrites docs/reference.md from the parameter table. Run it after changing
// lib/experiment/params.ts; scripts/reference.test.ts fails while the committed page is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { REFERENCE_FILE, referencePage } from "./reference-page";

const file = fileURLToPath(new URL(`../${REFERENCE_FILE}`, import.meta.url));
writeFileSync(file, referencePage());
console.log(`wrote ${REFERENCE_FILE}`);
