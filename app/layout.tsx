import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { signedInCaller } from "@/server/data/caller";
import { SignOutButton } from "./_components/account/sign-out-button";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "CLIPig Studio", template: "%s · CLIPig Studio" },
  description: "Make images with CLIP, together.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const me = await signedInCaller();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <header className="sticky top-0 z-30 flex items-center gap-6 border-b border-zinc-800/80 bg-zinc-950/85 px-5 py-2.5 backdrop-blur">
          <Link href="/" className="text-lg font-semibold tracking-tight">
            CLIPig <span className="text-fuchsia-400">Studio</span>
          </Link>
          <nav className="flex flex-1 items-center gap-4 text-sm text-zinc-400">
            <Link href="/" className="hover:text-zinc-100">
              Gallery
            </Link>
            <Link href="/models" className="hover:text-zinc-100" data-testid="nav-models">
              Models
            </Link>
          </nav>
          {me ? (
            <span className="flex items-center gap-2 text-sm" data-testid="account">
              <span
                className="inline-block h-2.5 w-2.5 rounded-full"
                style={{ backgroundColor: me.color }}
                aria-hidden
              />
              <span data-testid="account-name">{me.name}</span>
              <SignOutButton />
            </span>
          ) : (
            <span className="flex items-center gap-2 text-sm">
              <Link href="/signin" className="btn btn-ghost" data-testid="nav-signin">
                Sign in
              </Link>
              <Link href="/signup" className="btn" data-testid="nav-signup">
                Sign up
              </Link>
            </span>
          )}
          <Link href="/new" className="btn btn-primary" data-testid="nav-new">
            New experiment
          </Link>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
