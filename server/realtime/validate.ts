/**
 * Payload schemas for every client event (the event maps in protocol.ts are types, not checks).
 * Each payload is measured first (bytes, depth, no cycles or class instances), then checked
 * against a closed object: unknown keys, wrong types and malformed ids are `bad_request`, and
 * only the declared fields come out.
 */
import { int, obj, optional, payloadGuard, str, type Checked } from "../limits";
import type { ClientToServerEvents } from "./protocol";
import { ID_PATTERN } from "../domain";

const id = str({ max: 64, min: 1, pattern: ID_PATTERN });
const ref = obj({ experimentId: id });
const modelName = str({ max: 128, min: 1, pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/ });

/** Client payloads are tiny; anything bigger is hostile. */
const LIMITS = { maxBytes: 2048, maxDepth: 3 };

export const PAYLOADS = {
  "room:join": payloadGuard(ref, LIMITS),
  "room:leave": payloadGuard(ref, LIMITS),
  "run:start": payloadGuard(
    obj({
      experimentId: id,
      seed: optional(int({ min: 0, max: 2 ** 31 - 1 })),
      model: optional(modelName),
    }),
    LIMITS,
  ),
  "run:update": payloadGuard(ref, LIMITS),
  "run:pause": payloadGuard(ref, LIMITS),
  "run:resume": payloadGuard(ref, LIMITS),
  "run:stop": payloadGuard(ref, LIMITS),
  "run:continue": payloadGuard(obj({ experimentId: id, runId: optional(id) }), LIMITS),
  "model:pull": payloadGuard(obj({ experimentId: id, model: optional(modelName) }), LIMITS),
  "model:cancel": payloadGuard(ref, LIMITS),
} satisfies Record<keyof ClientToServerEvents, (payload: unknown) => Checked<unknown>>;

export type ClientEvent = keyof typeof PAYLOADS;
export type PayloadOf<E extends ClientEvent> = Extract<
  ReturnType<(typeof PAYLOADS)[E]>,
  { ok: true }
>["value"];

export const isClientEvent = (name: unknown): name is ClientEvent =>
  typeof name === "string" && Object.hasOwn(PAYLOADS, name);

export class BadPayload extends Error {}

/** The checked payload of `event`; throws `BadPayload` naming the field at fault. */
export function checkPayload<E extends ClientEvent>(event: E, payload: unknown): PayloadOf<E> {
  const checked = PAYLOADS[event](payload);
  if (!checked.ok) {
    const { path, message } = checked.issue;
    throw new BadPayload(path ? `'${path}' ${message}` : `payload ${message}`);
  }
  const value = checked.value as { model?: unknown };
  // Model names are looked up in the model store; never let one walk out of it.
  if (typeof value.model === "string" && value.model.includes(".."))
    throw new BadPayload("'model' has an invalid format");
  return checked.value as PayloadOf<E>;
}
