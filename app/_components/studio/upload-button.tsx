"use client";
/**
 * Uploads an image for `init.image` / `features.image`: the server validates and re-encodes it and
 * answers with its name, `upload:<id>`, which goes to the clipboard (the studio never opens paths).
 */
import { useRef } from "react";

export function UploadButton({ onDone }: { onDone(text: string, tone: "info" | "error"): void }) {
  const input = useRef<HTMLInputElement>(null);
  const upload = async (file: File) => {
    const res = await fetch("/api/uploads", {
      method: "POST",
      headers: { "content-type": file.type || "application/octet-stream" },
      body: file,
    }).catch(() => null);
    const json = (await res?.json().catch(() => null)) as {
      ref?: string;
      error?: { message?: string };
    } | null;
    if (!res?.ok || !json?.ref) return onDone(json?.error?.message ?? "The upload failed", "error");
    await navigator.clipboard?.writeText(json.ref).catch(() => {});
    onDone(`Uploaded: use  image: ${json.ref}  (copied)`, "info");
  };
  return (
    <>
      <button
        className="btn"
        onClick={() => input.current?.click()}
        data-testid="upload"
        title="Upload an image for init.image or features.image"
      >
        ↑ Image
      </button>
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        hidden
        data-testid="upload-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void upload(file);
        }}
      />
    </>
  );
}
