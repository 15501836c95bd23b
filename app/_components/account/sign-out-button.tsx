"use client";
import { useEffect, useState } from "react";
import { api } from "@/app/_lib/api";

/** Ends this session on the server (its live sockets are cut), then starts over as a visitor. */
export function SignOutButton() {
  // Server-rendered disabled: a click before hydration would otherwise do nothing at all.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const signOut = async () => {
    await api("/api/auth/signout");
    window.location.assign("/");
  };
  return (
    <button
      className="btn btn-ghost text-zinc-400"
      onClick={() => void signOut()}
      disabled={!hydrated}
      data-testid="sign-out"
    >
      Sign out
    </button>
  );
}
