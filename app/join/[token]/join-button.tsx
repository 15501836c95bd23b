"use client";
import { useState } from "react";
import { api } from "@/app/_lib/api";

export function JoinButton({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const join = async () => {
    const res = await api<{ experimentId: string }>("/api/share/join", { body: { token } });
    if (res.ok) window.location.assign(`/e/${res.data.experimentId}`);
    else setError(res.message);
  };
  return (
    <>
      <button className="btn btn-primary" onClick={() => void join()} data-testid="join">
        Join
      </button>
      {error && (
        <p role="alert" className="mt-4 text-sm text-red-300" data-testid="join-error">
          {error}
        </p>
      )}
    </>
  );
}
