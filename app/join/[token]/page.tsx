import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { signedInCaller } from "@/server/data/caller";
import { JoinButton } from "./join-button";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Join an experiment", referrer: "no-referrer" };

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A share link: sign in first, then join with one click (a POST, so a link preview never joins). */
export default async function JoinPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!TOKEN.test(token)) notFound();
  if (!(await signedInCaller())) redirect(`/signin?next=${encodeURIComponent(`/join/${token}`)}`);
  return (
    <section className="mx-auto max-w-md px-5 py-24 text-center">
      <h1 className="mb-2 text-2xl font-semibold">You were invited to an experiment</h1>
      <p className="mb-6 text-zinc-400">
        Join it to see it in your studio with the role the link gives.
      </p>
      <JoinButton token={token} />
    </section>
  );
}
