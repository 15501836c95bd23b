import type { Peer, SyncStatus } from "./use-collab";

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();

export function Presence({ peers, status }: { peers: Peer[]; status: SyncStatus }) {
  const label = {
    connected: "live",
    connecting: "connecting…",
    disconnected: "offline: your edits are kept and merge on reconnect",
  }[status];
  return (
    <div className="flex items-center gap-2" data-testid="presence">
      <ul className="flex -space-x-1.5">
        {peers.slice(0, 8).map((p) => (
          <li
            key={p.clientId}
            title={p.self ? `${p.name} (you)` : p.name}
            data-testid="presence-avatar"
            data-name={p.name}
            data-self={p.self}
            className="grid h-7 w-7 place-items-center rounded-full text-[10px] font-bold text-zinc-950 ring-2 ring-zinc-950"
            style={{ background: p.color }}
          >
            {initials(p.name)}
          </li>
        ))}
        {peers.length > 8 && (
          <li className="grid h-7 w-7 place-items-center rounded-full bg-zinc-700 text-[10px] ring-2 ring-zinc-950">
            +{peers.length - 8}
          </li>
        )}
      </ul>
      <span
        className="flex items-center gap-1.5 text-xs text-zinc-400"
        title={label}
        data-testid="sync-status"
        data-status={status}
      >
        <span
          className={`h-2 w-2 rounded-full ${status === "connected" ? "bg-emerald-400" : status === "connecting" ? "animate-pulse bg-amber-400" : "bg-red-500"}`}
        />
        <span className="hidden xl:inline">
          {status === "connected" ? `${peers.length} here` : label}
        </span>
      </span>
    </div>
  );
}
