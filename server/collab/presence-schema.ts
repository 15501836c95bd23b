/**
 * The shape of one presence (Yjs awareness) state as the server relays it: `user`, made by the
 * server from the authenticated identity, and `cursor`, y-codemirror.next's selection as two Yjs
 * relative positions. Pure and browser-safe: the server checks the cursor a client sends with it,
 * the studio checks every remote state with it before anything renders one.
 */
import { YJS_TEXT_FIELD } from "../realtime/protocol";
import {
  int,
  nullable,
  obj,
  oneOf,
  optional,
  str,
  type Infer,
  type Schema,
} from "../limits/schema";

const HEX_COLOR = /^#[0-9a-f]{6}$/i;
const HEX_COLOR_ALPHA = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;

/** A Yjs item id: client ids are unsigned 32-bit, clocks safe integers. */
const itemId = obj({ client: int({ min: 0, max: 0xffff_ffff }), clock: int({ min: 0 }) });

const relativeFields = obj({
  type: optional(nullable(itemId)),
  // Only the editor's text: another root name would make every client create that type.
  tname: optional(nullable(oneOf(YJS_TEXT_FIELD))),
  item: optional(nullable(itemId)),
  assoc: optional(int({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
});

/** A relative position must name something (Yjs throws on one with no item, type or name). */
const relativePosition: Schema<Infer<typeof relativeFields>> = {
  optional: false,
  check(value, path) {
    const r = relativeFields.check(value, path);
    if (r.ok && r.value.item == null && r.value.type == null && r.value.tname == null)
      return { ok: false, issue: { path, message: "names no position" } };
    return r;
  },
};

export const cursorSchema = nullable(obj({ anchor: relativePosition, head: relativePosition }));
export type PresenceCursor = Infer<typeof cursorSchema>;

/** Who a state belongs to, as the server says. */
export const presenceUserSchema = obj({
  id: str({ min: 1, max: 80 }),
  name: str({ min: 1, max: 80 }),
  color: str({ max: 7, pattern: HEX_COLOR }),
  colorLight: str({ max: 9, pattern: HEX_COLOR_ALPHA }),
  /** What the connection may do to the document. */
  role: oneOf("editor", "viewer"),
  kind: oneOf("user", "guest", "anonymous"),
});
export type PresenceUser = Infer<typeof presenceUserSchema>;

/** A whole relayed state: closed, so nothing else travels along. */
export const presenceStateSchema = obj({
  user: presenceUserSchema,
  cursor: optional(cursorSchema),
});
export type PresenceState = Infer<typeof presenceStateSchema>;
