"use client";
/**
 * The store's listing (`GET /api/models`) for the studio's model panel: fetched when the studio
 * opens, when the live text's model changes (debounced: typing a name passes through others), when
 * the room's wait ends (a download finished, or a start went ahead), when the tab regains focus
 * (a model removed on /models meanwhile), and every few seconds while a download that is not the
 * room's runs.
 */
import { useEffect, useRef, useState } from "react";
import { api } from "@/app/_lib/api";
import type { ModelsView } from "@/server/models/routes";
import type { ModelNeed } from "@/server/domain";

const DEBOUNCE_MS = 400;
const POLL_MS = 2000;

export function useModelListing(model: string | null, roomNeed: ModelNeed | null) {
  const [listing, setListing] = useState<ModelsView | null>(null);
  const [asked, setAsked] = useState(0);
  const seq = useRef(0);

  // The room's wait ended: what the listing said before is stale (the model may be in now).
  const hadNeed = useRef(false);
  useEffect(() => {
    if (hadNeed.current && !roomNeed) {
      setListing(null);
      setAsked((n) => n + 1);
    }
    hadNeed.current = roomNeed !== null;
  }, [roomNeed]);

  useEffect(() => {
    const again = () => document.visibilityState === "visible" && setAsked((n) => n + 1);
    window.addEventListener("focus", again);
    document.addEventListener("visibilitychange", again);
    return () => {
      window.removeEventListener("focus", again);
      document.removeEventListener("visibilitychange", again);
    };
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => {
      const mine = ++seq.current;
      void api<ModelsView>("/api/models", { method: "GET" }).then((res) => {
        // Only the newest answer counts; a failed one keeps what was known.
        if (mine === seq.current && res.ok) setListing(res.data);
      });
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [model, asked]);

  const elsewhere =
    !roomNeed &&
    !!listing?.downloads.some((d) => d.status === "checking" || d.status === "downloading");
  useEffect(() => {
    if (!elsewhere) return;
    const timer = setInterval(() => setAsked((n) => n + 1), POLL_MS);
    return () => clearInterval(timer);
  }, [elsewhere]);

  return listing;
}
