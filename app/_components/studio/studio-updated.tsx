"use client";
/**
 * Shown when the server's `hello` names another protocol version than this page's build: the
 * studio was deployed anew while the tab was open. The room's socket is closed by then; a reload
 * fetches the new page.
 */
export function StudioUpdated() {
  return (
    <div
      role="alert"
      data-testid="studio-updated"
      className="flex items-center gap-3 border-b border-sky-900 bg-sky-950/80 px-4 py-2 text-sm text-sky-100"
    >
      <p className="flex-1">The studio was updated — reload to continue.</p>
      <button className="btn" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  );
}
