/**
 * Access for the collaboration server: the `authenticate` hook (the caller's role decides
 * read-only vs editing; hidden experiments look missing) and `closeOnRevocation`, which cuts this
 * node's connections of anyone whose access shrank (`onAccessRevoked`: revocations made here, and
 * in a cluster those relayed from the other nodes). A cut client reconnects and is authenticated
 * afresh: read-only, or refused.
 */
import { onAccessRevoked, type AccessRevoked, type Role } from "../accounts";
import { canEdit, roleFor as defaultRoleFor } from "../auth/access";
import { rightsId, type Identity } from "../auth/identity";
import type { CollabServer, ConnectionInfo } from "./collab-server";
import { CollabRefusal, type CloseReason, type Extension } from "./types";

type RoleLookup = (identity: Identity | null, experimentId: string) => Promise<Role | null>;

export function accessExtension(roleFor: RoleLookup = defaultRoleFor): Extension {
  return {
    async authenticate({ documentName, identity }) {
      const role = await roleFor(identity, documentName);
      if (!role) throw new CollabRefusal("notFound"); // private ones look missing, too
      return { readOnly: !canEdit(role) };
    },
  };
}

/** How to close a connection whose user now has `role`: not at all, to reconnect read-only, or for good. */
const cut = (c: ConnectionInfo, role: Role | null): CloseReason | null =>
  role === null
    ? "forbidden"
    : !canEdit(role) && (c.pending || !c.readOnly)
      ? "accessChanged"
      : null;

/** Subscribes the collaboration server to revocations; returns the unsubscribe function. */
export function closeOnRevocation(
  collab: CollabServer,
  roleFor: RoleLookup = defaultRoleFor,
): () => void {
  const onEvent = async (event: AccessRevoked) => {
    if (event.kind === "sessions") {
      const ended = new Set(event.sessionIds);
      collab.closeWhere((c) => ended.has(c.identity?.sessionId ?? ""), "unauthorized");
    } else if (event.kind === "member") {
      for (const c of collab.connectionsTo(event.experimentId)) {
        const reason = rightsId(c.identity) === event.userId ? cut(c, event.role) : null;
        if (reason) collab.closeWhere((other) => other === c, reason);
      }
    } else {
      // Went private: everyone on the document is checked again, one role lookup per person.
      const roles = new Map<string | null, Promise<Role | null>>();
      const lookup = (c: ConnectionInfo) => {
        const key = rightsId(c.identity);
        if (!roles.has(key)) roles.set(key, roleFor(c.identity, event.experimentId));
        return roles.get(key)!;
      };
      await Promise.all(
        collab.connectionsTo(event.experimentId).map(async (c) => {
          const reason = cut(c, await lookup(c));
          if (reason) collab.closeWhere((other) => other === c, reason);
        }),
      );
    }
  };
  return onAccessRevoked(
    (event) =>
      void onEvent(event).catch((e: unknown) =>
        console.error("collab: revocation check failed:", e),
      ),
  );
}
