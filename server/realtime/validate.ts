/**
 * Payload checks for every client event (the event maps in protocol.ts are types, not checks).
 * Payloads are closed: unknown keys, wrong types and malformed ids are `bad_request`.
 */
import { ID_PATTERN, type ExperimentRef } from "./protocol";

export class BadPayload extends Error {}

type Fields = Record<string, (value: unknown) => boolean>;

const id = (v: unknown) => typeof v === "string" && ID_PATTERN.test(v);
const seed = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 31;
const modelName = (v: unknown) => typeof v === "string" && /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(v) && !v.includes("..");

function check<T>(payload: unknown, required: Fields, optional: Fields = {}): T {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new BadPayload("payload must be an object");
  const record = payload as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const test = required[key] ?? optional[key];
    if (!test) throw new BadPayload(`unknown field '${key}'`);
    if (record[key] !== undefined && !test(record[key])) throw new BadPayload(`invalid '${key}'`);
  }
  for (const key of Object.keys(required)) if (record[key] === undefined) throw new BadPayload(`missing '${key}'`);
  return record as T;
}

export const experimentRef = (p: unknown) => check<ExperimentRef>(p, { experimentId: id });

export const startPayload = (p: unknown) =>
  check<ExperimentRef & { seed?: number; model?: string }>(p, { experimentId: id }, { seed, model: modelName });

export const continuePayload = (p: unknown) => check<ExperimentRef & { runId?: string }>(p, { experimentId: id }, { runId: id });
