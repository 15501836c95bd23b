// The vocabulary of the pipeline: evaluated parameter values, the build context a module sees, and the
// three module kinds (pixel transforms, index transforms, constraints). The registry lists the modules.
import type { Graph, Shape, Value } from "../graph";
import type { ConstraintName, EffectSpec, TransformName } from "../../../lib/experiment/params";
import type { Rng } from "./rng";

/** A parameter value after the trainer evaluated its expressions (numbers, number lists, strings). */
export type Evaluated = number | readonly number[] | string | boolean | null;
/** One transform's or constraint's parameters, evaluated for one view (single-value effects too: `{ std: [.1, .1, .1] }`). */
export type Values = Readonly<Record<string, Evaluated>>;

export type FloatArray = Float32Array | Float64Array;
/** Per-step input data by graph input name (int32: noise codes, see lookup-noise.ts). */
export type Feeds = Record<string, FloatArray | Uint32Array>;

/** Writes one per-step input from the per-view values of the module that declared it (`views.length` = batch). */
export type Fill = (views: readonly Values[], rng: Rng, out: FloatArray) => void;

/**
 * Where gaussian noise comes from. "graph": drawn inside the graph by RandomNormalLike, seeded at build
 * time (GPUs: one fast kernel). "hash": counter-based, a hash of each element's index and a per-step seed
 * looked up in a table of the normal's quantiles, computed in the graph only where the views look (CPUs;
 * see hash-noise.ts). "fed": drawn from the step's Rng and fed as an input (exactly reproducible from the
 * run's Rng; tests and `clipig views` use it).
 */
export type NoiseSource = "graph" | "hash" | "fed";

/** What a module sees while it builds its fragment. */
export interface BuildContext {
  readonly g: Graph;
  /** Views in the batch (B). Per-view inputs have it as their first axis; 1 for post-processing. */
  readonly batch: number;
  /** Values at build time: they fix what shapes the graph (sizes, kernel sizes, modes, loss kinds). */
  readonly params: Values;
  /**
   * Declares a per-step float input, filled by `fill` every step; never bake a changing value into the
   * graph. "pixels" inputs come in the graph's float type; "coords" ones stay float32/float64 (exact
   * integer pixel coordinates even when the graph computes in float16).
   */
  input(name: string, shape: Shape, fill: Fill, use?: "pixels" | "coords"): Value;
  /** Fresh standard-normal noise of `shape` every step (see NoiseSource). */
  gaussian(shape: Shape): Value;
  /**
   * The same noise as an addend carries it: a tensor that pixel moves gather like an image, or (noise
   * "hash") a field they evaluate only at the pixels they gather.
   */
  gaussianAddend(shape: Shape): Pick<Addend, "value">;
}

/** `[height, width]` of an image. */
export type Size = readonly [number, number];

interface ModuleBase<N extends string> {
  readonly name: N;
  /** The module's rows of the parameter table. */
  readonly spec: EffectSpec;
  /**
   * The part of the values baked into the graph (JSON-able). When it changes, the graph must be rebuilt;
   * every other value arrives through per-step inputs.
   */
  structure(p: Values): unknown;
}

/** A transform computed on pixels: `[B|1, 3, H, W]` in, `[B|1, 3, H', W']` out (broadcast to B where it varies per view). */
export interface PixelTransform extends ModuleBase<TransformName> {
  readonly kind: "pixel";
  build(x: Value, ctx: BuildContext): Value;
  /**
   * Transforms that add something independent of the pixels (noise) say what: `build(x)` is then
   * `x + value · scale`. When pixel moves follow, the chain gathers the addend with them and adds it
   * after the move, at the moved size, rather than adding it to the full image first (see chain.ts).
   */
  addend?(x: Value, ctx: BuildContext): Addend;
}

/** Noise defined at every element of a `[B, C, H, W]` `shape` by a function of its index (noise "hash"). */
export interface NoiseField {
  readonly shape: Shape;
  /** N(0, 1) at `pixels` (int32 `[n, 1, P]`, indices y·W + x of the H×W plane) → `[max(n, B), C, P]`. */
  at(pixels: Value): Value;
}

/** `value · scale` added to an image: `value` `[B|1, C|1, H, W]` or a field of that shape, `scale` `[B|1, C|1, 1, 1]` or none. */
export interface Addend {
  readonly value: Value | NoiseField;
  readonly scale: Value | null;
}

/**
 * Output pixel → source pixel coordinates, for transforms that only move pixels (crops, tiling, shifts,
 * rotations, scaling). `x`, `y` hold integer-valued pixel indices and broadcast to `[B, h, w]`
 * (separable maps keep `[1|B, 1, w]` and `[1|B, h, 1]`). `valid` false = outside the source (black).
 */
export interface Coords {
  readonly x: Value;
  readonly y: Value;
  readonly valid: Value | null;
  /** Colour `[B|1, 3, 1, 1]` of the pixels marked by `outside` (pad `fill`), instead of black. */
  readonly fill?: Value;
  /** Where `fill` applies (bool, broadcasts to `[B, h, w]`). Only the last stage of a fused run may fill. */
  readonly outside?: Value;
}

/**
 * A transform that only moves pixels. Consecutive ones are fused: their coordinate maps are chained
 * (last transform first) and the image is gathered once, at the final size only.
 */
export interface IndexTransform extends ModuleBase<TransformName> {
  readonly kind: "index";
  /** Output size for an input of `input` size. */
  size(input: Size, p: Values): Size;
  /** Maps output coordinates to input coordinates (`input` = this stage's input size). */
  map(c: Coords, input: Size, ctx: BuildContext): Coords;
  /** True when this stage paints the pixels it moves in with a colour (ends a fused run). */
  fills?(p: Values): boolean;
}

export type TransformModule = PixelTransform | IndexTransform;

/**
 * An image constraint: the views `[B, 3, h, w]` in, a loss per view `[B]` out (factor included,
 * weight not).
 */
export interface ConstraintModule extends ModuleBase<ConstraintName> {
  build(views: Value, ctx: BuildContext): Value;
}

/** One transform or constraint of a chain with its build-time values. */
export interface Step<N extends string = string> {
  readonly name: N;
  readonly params: Values;
}
