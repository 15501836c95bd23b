/**
 * Shared image storage: snapshots, renders and uploads that every web node and GPU worker can read.
 * Keys are relative paths built by the code (`images/<runId>/snap-10.png`, `uploads/<id>.png` from
 * an id that matched `UPLOAD_ID`), never user input.
 */
export interface ImageStore {
  readonly kind: "directory" | "s3";
  /** The directory of a directory store. */
  readonly root?: string;
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The stored bytes, or null when there is no such object. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removing a missing object is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys are slash-separated names of letters, digits, `.`, `_` and `-`; no empty, `.` or `..` segment. */
const SEGMENT = /^[A-Za-z0-9_.-]{1,128}$/;

export function checkKey(key: string): string {
  const segments = key.split("/");
  if (segments.length > 8 || !segments.every((s) => SEGMENT.test(s) && s !== "." && s !== "..")) {
    throw new Error(`invalid storage key '${key}'`);
  }
  return key;
}
