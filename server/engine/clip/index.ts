// Public, platform-free API of the CLIP module. Node-only helpers live in `../platform/`:
// `load-clip.ts` (loadClip from the store or a folder), `model-store.ts` + `download.ts` (model store,
// downloads), `image-io.ts` (decode/encode images with sharp).
export { ClipModel, cosine, l2normalize, type ModelFiles } from "./model";
export {
  parseClipConfig,
  visionTokens,
  type ClipConfig,
  type ClipTextConfig,
  type ClipVisionConfig,
  type HiddenAct,
} from "./config";
export { ClipTokenizer, cleanText, type TokenizeOptions } from "./tokenizer";
export { imageTower, type ImageTowerOptions } from "./vision";
export { textTower, embedTokens, poolPositions, contextFor } from "./text";
export { ClipWeights, floatToHalf } from "./weights";
export {
  SafeTensors,
  writeSafeTensors,
  halfToFloat,
  type F32Tensor,
  type SafeDType,
  type TensorInfo,
} from "./safetensors";
export {
  CLIP_MEAN,
  CLIP_STD,
  centerCrop,
  clipPreprocess,
  normalize,
  resizeBicubic,
  resizeShorterSide,
  toChw,
  type ChwImage,
  type RgbImage,
} from "./preprocess";
