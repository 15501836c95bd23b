"use client";
import { api } from "@/app/_lib/api";

/** Ends this session on the server (its live sockets are cut), then starts over as a visitor. */
export function SignOutButton() {
  const signOut = async () => {
    await api("/api/auth/signout");
    window.location.assign("/");
  };
  return (
    <button
      className="btn btn-ghost text-zinc-400"
      onClick={() => void signOut()}
      data-testid="sign-out"
    >
      Sign out
    </button>
  );
}
