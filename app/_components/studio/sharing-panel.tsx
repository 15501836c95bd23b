"use client";
/**
 * The owner's sharing panel: invite by username with a role, change or remove a member, hand out
 * share links carrying a role (the link is shown once: only its hash is stored) and revoke them.
 * Everything goes through /api/experiments/<id>/sharing; removing or lowering someone cuts their
 * live connections at once.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { LinkRow, MemberRow, SharingDto } from "@/server/data/sharing";
import { api } from "@/app/_lib/api";

const ROLES = ["editor", "runner", "viewer"] as const;
const ROLE_HELP: Record<(typeof ROLES)[number], string> = {
  editor: "edits and runs",
  runner: "starts and stops runs",
  viewer: "watches",
};

export function SharingPanel({ experimentId, onClose }: { experimentId: string; onClose(): void }) {
  const base = `/api/experiments/${experimentId}/sharing`;
  const [sharing, setSharing] = useState<SharingDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<{ id: string; url: string } | null>(null);

  const load = useCallback(async () => {
    const res = await api<SharingDto>(base, { method: "GET" });
    if (res.ok) setSharing(res.data);
    else setError(res.message);
  }, [base]);

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (path: string, method: "POST" | "PUT" | "DELETE", body?: unknown) => {
    setError(null);
    const res = await api<unknown>(`${base}${path}`, { method, body });
    if (!res.ok) setError(res.message);
    await load();
    return res;
  };

  const invite = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const res = await act("/members", "POST", {
      username: data.get("username"),
      role: data.get("role"),
    });
    if (res.ok) form.reset();
  };

  const createLink = async (role: string) => {
    const res = await act("/links", "POST", { role });
    if (res.ok) {
      const link = res.data as LinkRow & { path: string };
      setFresh({ id: link.id, url: `${window.location.origin}${link.path}` });
    }
  };

  return (
    <div
      className="panel space-y-4 p-4 text-sm"
      data-testid="sharing-panel"
      role="dialog"
      aria-label="Sharing"
    >
      <div className="flex items-center justify-between">
        <h2 className="font-semibold">Share</h2>
        <button className="text-zinc-400 hover:text-white" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      {error && (
        <p role="alert" className="text-red-300" data-testid="sharing-error">
          {error}
        </p>
      )}
      <form onSubmit={(e) => void invite(e)} className="flex flex-wrap gap-2">
        <input
          name="username"
          required
          placeholder="username"
          aria-label="Username to invite"
          className="input min-w-32 flex-1"
          data-testid="invite-username"
        />
        <select
          name="role"
          defaultValue="editor"
          className="input"
          aria-label="Role"
          data-testid="invite-role"
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r} — {ROLE_HELP[r]}
            </option>
          ))}
        </select>
        <button className="btn btn-primary" data-testid="invite">
          Invite
        </button>
      </form>

      <section>
        <h3 className="mb-1 text-xs tracking-wide text-zinc-400 uppercase">People</h3>
        {sharing && sharing.members.length === 0 && (
          <p className="text-zinc-500">Only you so far.</p>
        )}
        <ul className="divide-y divide-zinc-800" data-testid="members">
          {sharing?.members.map((m: MemberRow) => (
            <li
              key={m.userId}
              className="flex items-center gap-2 py-1.5"
              data-testid="member"
              data-username={m.username}
            >
              <span className="flex-1 truncate">
                {m.displayName} <span className="text-zinc-500">@{m.username}</span>
              </span>
              <select
                value={m.role}
                onChange={(e) =>
                  void act("/members", "POST", { username: m.username, role: e.target.value })
                }
                className="input py-0.5 text-xs"
                aria-label={`Role of ${m.username}`}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
              <button
                className="btn btn-ghost py-0.5 text-xs"
                onClick={() => void act(`/members/${m.userId}`, "DELETE")}
                data-testid="member-remove"
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section>
        <h3 className="mb-1 text-xs tracking-wide text-zinc-400 uppercase">Share links</h3>
        <div className="mb-2 flex flex-wrap gap-1.5">
          {ROLES.map((r) => (
            <button
              key={r}
              className="btn py-0.5 text-xs"
              onClick={() => void createLink(r)}
              data-testid={`link-create-${r}`}
            >
              + {r} link
            </button>
          ))}
        </div>
        {fresh && (
          <p className="mb-2 rounded bg-zinc-800 p-2 text-xs">
            Copy it now, it is shown only once:
            <input
              readOnly
              value={fresh.url}
              onFocus={(e) => e.currentTarget.select()}
              className="input mt-1 w-full font-mono text-[11px]"
              data-testid="link-url"
            />
          </p>
        )}
        <ul className="divide-y divide-zinc-800" data-testid="links">
          {sharing?.links.map((l: LinkRow) => (
            <li key={l.id} className="flex items-center gap-2 py-1.5 text-xs" data-testid="link">
              <span className="flex-1">
                {l.role} link · {new Date(l.createdAt).toLocaleString()}
              </span>
              {l.revoked ? (
                <span className="text-zinc-500">revoked</span>
              ) : (
                <button
                  className="btn btn-ghost py-0.5 text-xs"
                  onClick={() => void act(`/links/${l.id}`, "DELETE")}
                  data-testid="link-revoke"
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
