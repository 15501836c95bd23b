/**
 * What must hold before an experiment may run on this server: it parses within the byte and
 * expression limits, fits the quotas (resolution, epochs, batch sizes, views per epoch), and every
 * image it names can be handed to the trainer as vetted PNG bytes — an upload by its server-made
 * id (`upload:<id>`), or an http(s) URL fetched through `server/net` (no private, loopback or
 * link-local address after DNS, size and time limits, decoded and re-encoded). No file path a user
 * typed ever reaches the file system, and the worker never opens a URL. Problems come back as
 * diagnostics at their line and column, like parser errors.
 *
 * The text itself is read in a worker thread (`server/limits/admission-pool.ts`): parsing and
 * evaluating a hostile experiment must never stall the web server's event loop. What comes back is
 * plain data (`AdmittedConfig`); the images are fetched here, as that is I/O.
 */
import { quotasFromEnv, type Quotas } from "../limits";
import { sharedAdmissionPool, type PoolCheck } from "../limits/admission-pool";
import type { AdmittedConfig } from "../limits/text-check";
import type { Diagnostic } from "../../lib/experiment";
import { fetchImage, fetchOptionsFromEnv, FetchRefused, type FetchOptions } from "../net";
import { ImageRejected, isUploadId, readUpload } from "../uploads";
import { storageFromEnv } from "../storage/config";
import type { ImageStore } from "../storage/types";
import type { ErrorCode } from "../domain";

export interface AdmissionOptions {
  quotas: Quotas;
  /** The SSRF policy for image URLs (tests inject a resolver and exempt endpoints). */
  fetch: Partial<FetchOptions>;
  /** Where uploads live. */
  dataDir: string;
  /** The shared image store, for uploads made on another node (default: the data dir only). */
  store?: ImageStore;
  /** Where the text is checked (default: this process's admission pool of worker threads). */
  check?: TextChecker;
}

export type TextChecker = (yaml: string, quotas: Quotas) => Promise<PoolCheck>;

/** Settings from the environment; uploads also from the configured store (`CLIPIG_STORAGE`). */
export function admissionFromEnv(
  dataDir: string,
  store: ImageStore = storageFromEnv(process.env, dataDir),
): AdmissionOptions {
  return { quotas: quotasFromEnv(), fetch: fetchOptionsFromEnv(), dataDir, store };
}

export const UPLOAD_PREFIX = "upload:";
/** At most this many distinct images per experiment (each one is a fetch or a file read). */
export const MAX_IMAGES = 16;

export type Admission =
  | { ok: true; config: AdmittedConfig; images: Record<string, Uint8Array> }
  | { ok: false; code: ErrorCode; message: string; diagnostics: Diagnostic[] };

/** Parses under the limits, checks the quotas and fetches the images; never throws. */
export async function admitExperiment(yaml: string, options: AdmissionOptions): Promise<Admission> {
  const check = options.check ?? sharedAdmissionPool().check;
  const checked = await check(yaml, options.quotas);
  if (!checked.ok)
    return refuse(checked.diagnostics, "busy" in checked ? "busy" : "invalid_experiment");
  const images = await resolveImages(checked.config, options);
  return images.ok
    ? { ok: true, config: checked.config, images: images.images }
    : refuse(images.diagnostics);
}

function refuse(diagnostics: Diagnostic[], code: ErrorCode = "invalid_experiment"): Admission {
  return { ok: false, code, message: diagnostics[0]?.message ?? "invalid experiment", diagnostics };
}

async function resolveImages(
  config: AdmittedConfig,
  options: AdmissionOptions,
): Promise<
  { ok: true; images: Record<string, Uint8Array> } | { ok: false; diagnostics: Diagnostic[] }
> {
  const uses = config.images;
  if (uses.length === 0) return { ok: true, images: {} };
  const distinct = [...new Set(uses.map((u) => u.src))];
  const problems = new Map<string, string>();
  const images: Record<string, Uint8Array> = {};
  if (distinct.length > MAX_IMAGES) {
    problems.set(distinct[MAX_IMAGES], `at most ${MAX_IMAGES} different images per experiment`);
  } else {
    await Promise.all(
      distinct.map(async (src) => {
        const loaded = await loadImage(src, options);
        if (typeof loaded === "string") problems.set(src, loaded);
        else images[src] = loaded;
      }),
    );
  }
  if (problems.size === 0) return { ok: true, images };
  const diagnostics = uses
    .filter((u) => problems.has(u.src))
    .map((u) => ({ ...u.at, message: `image '${shorten(u.src)}': ${problems.get(u.src)}` }));
  return { ok: false, diagnostics };
}

/** PNG bytes, or why not. */
async function loadImage(src: string, options: AdmissionOptions): Promise<Uint8Array | string> {
  if (src.startsWith(UPLOAD_PREFIX)) {
    const id = src.slice(UPLOAD_PREFIX.length);
    if (!isUploadId(id)) return "not an upload id";
    try {
      return (await readUpload(id, options.dataDir, options.store)) ?? "no such upload";
    } catch (error) {
      console.error("admission: reading an upload from the image store failed:", error);
      return "could not be read from the image store; try again";
    }
  }
  if (!/^https?:\/\//i.test(src))
    return `use an uploaded image (${UPLOAD_PREFIX}<id>) or an http(s) URL; this server does not open file paths`;
  try {
    return (await fetchImage(src, options.fetch)).png;
  } catch (error) {
    if (error instanceof FetchRefused || error instanceof ImageRejected) return error.message;
    return "could not be fetched";
  }
}

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
