"use client";
/**
 * Sign in / sign up. Posts to /api/auth/*, which sets the httpOnly session cookie; then a full
 * page load to `next`, so every channel (pages, Socket.IO, Yjs) starts again as the signed-in user.
 */
import { useState, type FormEvent } from "react";
import Link from "next/link";
import { api } from "@/app/_lib/api";

export function AuthForm({ mode, next }: { mode: "signin" | "signup"; next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const signup = mode === "signup";

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const res = await api(`/api/auth/${mode}`, {
      body: {
        username: form.get("username"),
        password: form.get("password"),
        ...(signup ? { displayName: form.get("displayName") } : {}),
      },
    });
    if (res.ok) return window.location.assign(next);
    setPending(false);
    setError(res.message);
  };

  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="panel space-y-4 p-6"
      data-testid={`${mode}-form`}
    >
      <h1 className="text-xl font-semibold">{signup ? "Create an account" : "Sign in"}</h1>
      <label className="block">
        <span className="mb-1 block text-xs text-zinc-400">Username</span>
        <input
          name="username"
          required
          autoComplete="username"
          autoFocus
          minLength={3}
          maxLength={32}
          className="input w-full"
          data-testid="auth-username"
        />
      </label>
      {signup && (
        <label className="block">
          <span className="mb-1 block text-xs text-zinc-400">Display name (optional)</span>
          <input
            name="displayName"
            maxLength={40}
            className="input w-full"
            data-testid="auth-display-name"
          />
        </label>
      )}
      <label className="block">
        <span className="mb-1 block text-xs text-zinc-400">
          Password{signup ? " (10 characters or more)" : ""}
        </span>
        <input
          name="password"
          type="password"
          required
          autoComplete={signup ? "new-password" : "current-password"}
          minLength={signup ? 10 : 1}
          maxLength={256}
          className="input w-full"
          data-testid="auth-password"
        />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-300" data-testid="auth-error">
          {error}
        </p>
      )}
      <button
        className="btn btn-primary w-full justify-center"
        disabled={pending}
        data-testid="auth-submit"
      >
        {signup ? "Sign up" : "Sign in"}
      </button>
      <p className="text-center text-sm text-zinc-400">
        {signup ? (
          <>
            Have an account?{" "}
            <Link href={`/signin${query}`} className="text-fuchsia-400 hover:underline">
              Sign in
            </Link>
          </>
        ) : (
          <>
            New here?{" "}
            <Link
              href={`/signup${query}`}
              className="text-fuchsia-400 hover:underline"
              data-testid="to-signup"
            >
              Create an account
            </Link>
          </>
        )}
      </p>
    </form>
  );
}
