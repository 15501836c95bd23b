import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { runCli } from "../testing";
import { createServer } from "node:http";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { TINY_CLIP_DIR } from "../../server/engine/platform/model-store";
import { startTestHub, type TestHub } from "../../server/engine/clip/testing";

/** A hub that serves tiny-clip's files under the default model's name. */
let hub: TestHub;
let hubUrl: string;
beforeAll(async () => {
  hub = await startTestHub(["openai/clip-vit-base-patch32"]);
  hubUrl = hub.url;
});
afterAll(() => hub.close());

describe("clipig models", () => {
  it("pulls the default model with a progress bar, then lists and locates it", async () => {
    const env = {
      CLIPIG_MODELS_DIR: mkdtempSync(path.join(tmpdir(), "clipig-cli-")),
      CLIPIG_HUB_URL: hubUrl,
    };
    const missing = await runCli(["models", "path", "ViT-B/32"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /not downloaded yet: run `clipig models pull openai\/clip-vit-base-patch32`/,
    );

    const pulled = await runCli(["models", "pull"], env);
    expect(pulled.code).toBe(0);
    const dir = path.join(env.CLIPIG_MODELS_DIR, "openai--clip-vit-base-patch32");
    expect(pulled.stdout.trim()).toBe(dir);
    expect(pulled.stderr).toMatch(
      /\(4\/4\) model\.safetensors {2}\[#{24}\] 100% {2}14\.3 MB\/14\.3 MB {2}[\d.]+ [kMG]?B\/s/,
    );

    const located = await runCli(["models", "path", "ViT-B/32"], env);
    expect(located.stdout.trim()).toBe(dir);
    const listed = await runCli(["models", "list"], env);
    expect(listed.stdout).toMatch(
      /openai\/clip-vit-base-patch32 \(default\) +ViT-B\/32, clip-vit-base-patch32 +installed +15\.6 MB/,
    );
    expect(listed.stdout).toMatch(/tiny-clip +bundled/);
    expect(listed.stdout).toMatch(/store .*: 15\.6 MB used, [\d.]+ [kMG]?B free; hub http:\/\/127/);

    const removed = await runCli(["models", "remove", "ViT-B/32"], env);
    expect(removed.stdout).toMatch(/removed ViT-B\/32: 15\.6 MB freed/);
    expect(existsSync(dir)).toBe(false);
    expect((await runCli(["models", "remove", "tiny-clip"], env)).stderr).toMatch(
      /clipig models: tiny-clip ships with CLIPig Studio/,
    );
  });

  it("explains a failed download and points to the offline model", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = {
      CLIPIG_MODELS_DIR: mkdtempSync(path.join(tmpdir(), "clipig-cli-")),
      CLIPIG_HUB_URL: `http://127.0.0.1:${port}`,
    };
    const result = await runCli(["models", "pull", "ViT-B/16"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot download http:\/\/127\.0\.0\.1:\d+\/openai\/clip-vit-base-patch16\/resolve\/main\/config\.json \(ECONNREFUSED\)/,
    );
    expect(result.stderr).toMatch(/tiny-clip model works offline/);
    expect((await runCli(["models", "path", "tiny-clip"], env)).stdout.trim()).toBe(TINY_CLIP_DIR);
  });
});
