import Link from "next/link";

export default function NotFound() {
  return (
    <section className="mx-auto max-w-md px-5 py-24 text-center" data-testid="not-found">
      <h1 className="mb-2 text-2xl font-semibold">Nothing here</h1>
      <p className="mb-6 text-zinc-400">This page does not exist, or it is private.</p>
      <Link href="/" className="btn">
        ← Back to the gallery
      </Link>
    </section>
  );
}
