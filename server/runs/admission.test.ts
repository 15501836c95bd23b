import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { s3Store } from "../storage/s3";
import { s3Stub, STUB_CREDENTIALS, STUB_REGION } from "../storage/testing";
import { saveUpload } from "../uploads";
import { admissionFromEnv, admitExperiment } from "./admission";

const stub = await s3Stub();
afterAll(() => stub.server.close());

describe("admission of uploads in a cluster", () => {
  it("a run started through node B may use an image uploaded to node A", async () => {
    const store = s3Store({
      endpoint: stub.endpoint,
      bucket: "studio",
      region: STUB_REGION,
      credentials: STUB_CREDENTIALS,
    });
    const [dirA, dirB] = ["a", "b"].map((n) => mkdtempSync(path.join(tmpdir(), `clipig-${n}-`)));
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#f60" } })
      .png()
      .toBuffer();
    const upload = await saveUpload(png, { dataDir: dirA, store });
    const ref = `upload:${upload.id}`;
    const yaml = `epochs: 4\nresolution: 32\ninit:\n  image: ${ref}\ntargets:\n  - features:\n      - text: a pig\n`;

    // Node B with only its own (default) storage: the upload is not there.
    const alone = await admitExperiment(yaml, admissionFromEnv(dirB));
    expect(alone).toMatchObject({ ok: false, message: expect.stringContaining("no such upload") });

    const admitted = await admitExperiment(yaml, admissionFromEnv(dirB, store));
    if (!admitted.ok) throw new Error(admitted.message);
    expect(Buffer.from(admitted.images[ref]).byteLength).toBe(upload.bytes);
    expect((await sharp(admitted.images[ref]).metadata()).width).toBe(8);
  });

  it("a store that fails is a diagnostic at the image, not a crash", async () => {
    const broken = s3Store({
      endpoint: stub.endpoint,
      bucket: "studio",
      region: STUB_REGION,
      credentials: { ...STUB_CREDENTIALS, secretAccessKey: "wrong" },
    });
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-b-"));
    const yaml = `epochs: 4\ninit:\n  image: upload:${"D".repeat(22)}\ntargets:\n  - features:\n      - text: x\n`;
    const refused = await admitExperiment(yaml, admissionFromEnv(dir, broken));
    expect(refused).toMatchObject({ ok: false, code: "invalid_experiment" });
    if (refused.ok) return;
    expect(refused.diagnostics[0]).toMatchObject({ path: "init.image", line: 3 });
    expect(refused.message).toMatch(/could not be read from the image store/);
  });
});
