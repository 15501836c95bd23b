/** Shown wherever a render or run uses the random-weight test model, so nobody judges its images. */
export function TinyClipNotice() {
  return (
    <p
      role="note"
      data-testid="tiny-clip-notice"
      className="rounded-md border border-amber-800/70 bg-amber-950/40 px-3 py-2 text-sm text-amber-200"
    >
      <strong className="font-semibold">tiny-clip</strong>: random weights: images are meaningless,
      for testing.
    </p>
  );
}
