"use client";
/** Gallery search: a plain GET form (works without JS); "/" focuses it from anywhere on the page. */
import { useEffect, useRef } from "react";

export function SearchBox({ q, sort }: { q: string; sort: string }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== "/" || target?.closest("input, textarea, [contenteditable]")) return;
      e.preventDefault();
      ref.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <form role="search" action="/" className="relative">
      {sort !== "newest" && <input type="hidden" name="sort" value={sort} />}
      <input
        ref={ref}
        name="q"
        type="search"
        defaultValue={q}
        placeholder="Search titles and prompts"
        aria-label="Search the gallery"
        className="input w-64 pr-8"
        data-testid="gallery-search"
      />
      <span className="kbd pointer-events-none absolute top-1/2 right-2 -translate-y-1/2">/</span>
    </form>
  );
}
