/** Authentication extension: the caller's role on the experiment decides read-only vs editing. */
import { canEdit, roleFor } from "../auth/access";
import type { Db } from "../db/client";
import { CollabRefusal, type Extension } from "./types";

export function accessExtension(database?: () => Db): Extension {
  return {
    async authenticate({ documentName, identity }) {
      const role = await roleFor(identity, documentName, database?.());
      if (!role) throw new CollabRefusal("notFound"); // private ones look missing, too
      return { readOnly: !canEdit(role) };
    },
  };
}
