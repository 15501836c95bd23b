import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "CLIPig Studio",
  description: "Make images with CLIP, together.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <header className="flex items-center gap-6 border-b border-zinc-800 px-6 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight">
            CLIPig <span className="text-fuchsia-400">Studio</span>
          </Link>
          <nav className="flex gap-4 text-sm text-zinc-400">
            <Link href="/" className="hover:text-zinc-100">
              Gallery
            </Link>
          </nav>
        </header>
        <main className="px-6 py-6">{children}</main>
      </body>
    </html>
  );
}
