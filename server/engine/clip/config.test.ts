import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { parseClipConfig, visionTokens } from "./config";

describe("parseClipConfig", () => {
  it("reads the tiny CLIP config", () => {
    const config = parseClipConfig(
      JSON.parse(
        readFileSync(new URL("../../../models/tiny-clip/config.json", import.meta.url), "utf8"),
      ),
    );
    expect(config.projectionDim).toBe(32);
    expect(config.vision).toMatchObject({
      imageSize: 224,
      patchSize: 32,
      width: 64,
      layers: 2,
      heads: 4,
      act: "quick_gelu",
      eps: 1e-5,
    });
    expect(config.text).toMatchObject({
      width: 64,
      contextLength: 77,
      eosTokenId: 49407,
      vocabSize: 49408,
    });
    expect(visionTokens(config.vision)).toBe(50);
  });

  it("fills transformers' defaults and reads the older *_config_dict layout", () => {
    const config = parseClipConfig({
      model_type: "clip",
      projection_dim: 768,
      text_config_dict: { hidden_size: 768, num_attention_heads: 12, eos_token_id: 2 },
      vision_config_dict: {
        patch_size: 14,
        hidden_size: 1024,
        num_hidden_layers: 24,
        num_attention_heads: 16,
        intermediate_size: 4096,
      },
    });
    expect(config.vision).toMatchObject({
      patchSize: 14,
      width: 1024,
      layers: 24,
      heads: 16,
      imageSize: 224,
      act: "quick_gelu",
    });
    expect(config.text).toMatchObject({
      width: 768,
      heads: 12,
      layers: 12,
      eosTokenId: 2,
      intermediateSize: 2048,
    });
    expect(visionTokens(config.vision)).toBe(257);
  });

  it("names the offending field", () => {
    expect(() => parseClipConfig({ model_type: "siglip" })).toThrow(/model_type 'siglip'/);
    expect(() => parseClipConfig({ vision_config: { hidden_act: "relu" } })).toThrow(
      /hidden_act 'relu'/,
    );
    expect(() => parseClipConfig({ vision_config: { patch_size: "32" } })).toThrow(
      /'patch_size' must be a number/,
    );
  });
});
