/**
 * The typed, validated experiment. Its shape mirrors the YAML (so JSON and export are plain maps),
 * with every default filled in. Numbers that use expression variables are `CompiledExpr`s.
 */
import type { CompiledExpr } from "./expr";
import type {
  CONSTRAINTS,
  FEATURE,
  INIT,
  POSTPROC_ITEM,
  TARGET,
  TOP,
  TRANSFORMS,
  ConstraintName,
  TransformName,
} from "./params";

/** A number, or an expression evaluated during training (never a constant one: those are folded). */
export type Num = number | CompiledExpr;

/** `start`/`end`: an epoch index or a fraction of the training (percentages are fractions). */
export interface FrameTime {
  readonly unit: "epoch" | "fraction";
  readonly value: number;
  /**
   * A constraint's start/end written as an expression with variables: CLIPig accepts it and never
   * deactivates the constraint with it (its check only compares ints and floats), so `value` is
   * 0.0 for a start and 1.0 for an end; the text is kept for export.
   */
  readonly expression?: string;
}

/** `snapshot_interval`: int = epochs, float = seconds; 0 = no periodic snapshots. */
export interface SnapshotInterval {
  readonly unit: "epochs" | "seconds";
  readonly value: number;
}

/** `init.image_tensor`: `[3][H][W]` pixel values. */
export type ImageTensor = readonly (readonly (readonly number[])[])[];

/** Any converted parameter value. */
export type ParamValue =
  Num | readonly Num[] | string | boolean | FrameTime | SnapshotInterval | ImageTensor | null;

/** Parameters of one transform or constraint, by parameter name. */
export type EffectParams = Readonly<Record<string, ParamValue>>;

export interface ExperimentConfig {
  verbose: number;
  output: string;
  snapshot_interval: SnapshotInterval;
  epochs: number;
  start_epoch: number;
  /** `[width, height]`. */
  resolution: readonly [Num, Num];
  interpolation: string;
  /** CLIPig's hidden clamp after every transform and postproc item (QUIRKS Q1). */
  clamp_items: boolean;
  model: string;
  device: string;
  learnrate: Num;
  learnrate_scale: Num;
  optimizer: string;
  init: InitConfig;
  targets: TargetConfig[];
  postproc: PostprocItem[];
}

export interface InitConfig {
  resolution: readonly [number, number] | null;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  image: string | null;
  image_tensor: ImageTensor | null;
}

export interface TargetConfig {
  active: boolean;
  name: string;
  start: FrameTime;
  end: FrameTime;
  weight: Num;
  batch_size: number;
  select: string;
  feature_scale: string;
  features: FeatureConfig[];
  transforms: TransformItem[];
  constraints: ConstraintItem[];
}

export interface FeatureConfig {
  text: string | null;
  image: string | null;
  start: FrameTime;
  end: FrameTime;
  weight: Num;
  scale: Num;
  loss: string;
}

/**
 * One `transforms` list item: transform names in YAML key order (several run in that order).
 * A single-parameter transform holds its value (`noise: [0.1, 0.1, 0.1]`), a multi-parameter one
 * its parameter map; null = not used.
 */
export type TransformItem = { readonly [N in TransformName]?: ParamValue | EffectParams };

/** One `constraints` list item: constraint name → its parameter map. */
export type ConstraintItem = { readonly [N in ConstraintName]?: EffectParams | null };

/** One `postproc` list item: `active`/`start`/`end` plus post-processing transforms. */
export type PostprocItem = { active: boolean; start: FrameTime; end: FrameTime } & TransformItem;

/** A transform or constraint with its parameters, as the pipeline builds it. */
export interface EffectStep<N extends string = string> {
  readonly name: N;
  readonly params: EffectParams;
}

// Compile-time check that these interfaces and the parameter table name the same parameters.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Sections = "init" | "targets" | "postproc";
type Lists = "features" | "transforms" | "constraints";
export const TABLE_MATCHES_TYPES: [
  Same<keyof typeof TOP, Exclude<keyof ExperimentConfig, Sections>>,
  Same<keyof typeof INIT, keyof InitConfig>,
  Same<keyof typeof TARGET, Exclude<keyof TargetConfig, Lists>>,
  Same<keyof typeof FEATURE, keyof FeatureConfig>,
  Same<keyof typeof POSTPROC_ITEM, "active" | "start" | "end">,
  Same<keyof typeof TRANSFORMS, TransformName>,
  Same<keyof typeof CONSTRAINTS, ConstraintName>,
] = [true, true, true, true, true, true, true];
