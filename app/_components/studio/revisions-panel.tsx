"use client";
/** Named versions: save the live text under a name; restore writes it back into the shared text. */
import { useState, type FormEvent } from "react";
import type { RevisionDto } from "@/server/data/experiments";
import { timeAgo } from "../format";

interface Props {
  revisions: RevisionDto[];
  canEdit: boolean;
  onSave(name: string): Promise<string | null>;
  onRestore(revision: RevisionDto): void;
}

export function RevisionsPanel({ revisions, canEdit, onSave, onRestore }: Props) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const problem = await onSave(name);
    setBusy(false);
    setError(problem);
    if (!problem) setName("");
  };
  return (
    <div className="space-y-3 text-sm" data-testid="revisions">
      {canEdit && (
        <form onSubmit={submit} className="flex gap-2">
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Name this version"
            maxLength={80}
            className="input flex-1"
            aria-label="Revision name"
            data-testid="revision-name"
          />
          <button className="btn" disabled={busy || !name.trim()} data-testid="revision-save">
            Save
          </button>
        </form>
      )}
      {error && <p className="text-xs text-red-400">{error}</p>}
      {revisions.length === 0 ? (
        <p className="text-xs text-zinc-500">No saved versions yet.</p>
      ) : (
        <ul className="divide-y divide-zinc-800">
          {revisions.map((r) => (
            <li
              key={r.id}
              className="flex items-center justify-between gap-2 py-1.5"
              data-testid="revision"
            >
              <div className="min-w-0">
                <div className="truncate">{r.name}</div>
                <div className="text-[11px] text-zinc-500">
                  {r.author ?? "anonymous"} · {timeAgo(r.createdAt)}
                </div>
              </div>
              {canEdit && (
                <button
                  className="btn px-2 py-0.5 text-xs"
                  onClick={() => onRestore(r)}
                  data-testid="revision-restore"
                >
                  Restore
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
