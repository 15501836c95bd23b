import { redirect } from "next/navigation";
import { signedInCaller } from "@/server/data/caller";
import { safeNext } from "@/app/_lib/api";
import { AuthForm } from "./auth-form";

/** The sign-in and sign-up pages: a signed-in visitor goes straight on to `next`. */
export async function AuthPage({
  mode,
  searchParams,
}: {
  mode: "signin" | "signup";
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  if (await signedInCaller()) redirect(next);
  return (
    <section className="mx-auto max-w-sm px-5 py-16">
      <AuthForm mode={mode} next={next} />
    </section>
  );
}
