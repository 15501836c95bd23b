/**
 * The ONE parameter table (CLIPig's is `PARAMETERS`, defgsus/clipig src/parameters.py:207). Every
 * leaf parameter of a CLIPig experiment is a row here:
 * its Python types, sequence length, default, expression variable groups and doc text.
 * Parser, validation, defaults, YAML export, docs and editor completions all derive from it;
 * adding a parameter means adding one row.
 */

import { floatRepr } from "./float-repr";

/**
 * Expression variable groups (CLIPig's `EXPR_GROUPS`, defgsus/clipig src/parameters.py:191).
 * Mirrors `VarGroup` of `./expr`.
 */
export type Group = "T" | "R" | "L" | "Sf" | "Sc";

/**
 * Python types a value may be converted to, in conversion order
 * (defgsus/clipig src/parameters.py:52-61).
 */
export type PyType = "int" | "float" | "str" | "bool" | "list";

export interface ParamSpec {
  readonly types: readonly PyType[];
  /** Set for fixed-length sequence parameters: the allowed lengths (a single value is broadcast). */
  readonly lengths?: readonly number[];
  /**
   * `start`/`end`: int = epoch index, float = fraction, `"30%"` = percentage
   * (defgsus/clipig src/parameters.py:86-124).
   */
  readonly frameTime?: boolean;
  /** Default in final (converted) form; `null` = none, which also makes the parameter nullable. */
  readonly default: DefaultValue;
  /** Variables an expression may use; empty = only constant expressions (numeric types). */
  readonly groups: readonly Group[];
  /** Known values of a string parameter; `choiceSeverity` says how strict the check is. */
  readonly choices?: readonly string[];
  readonly choiceSeverity?: "error" | "warning";
  readonly caseInsensitive?: boolean;
  /** A transform/constraint cannot run with this left empty (the original fails at train time). */
  readonly required?: boolean;
  /** Smallest sensible constant value (each element for sequences). */
  readonly min?: number;
  /**
   * CLIPig's run-time failure for a constant value (torchvision's argument checks), reported at
   * validation: the message, or undefined when the value is fine (QUIRKS.md E2).
   */
  readonly fails?: (value: number) => string | undefined;
  /** Not a CLIPig parameter: exported only when it differs from its default, so CLIPig reads ours. */
  readonly extension?: boolean;
  /** Spec quirk number this row's behaviour decides (see QUIRKS.md). */
  readonly quirk?: string;
  readonly doc: string;
}

export type DefaultValue = null | number | string | boolean | readonly number[] | FrameTimeDefault;
export interface FrameTimeDefault {
  readonly unit: "epoch" | "fraction" | "epochs" | "seconds";
  readonly value: number;
}

// ---- row builders: keep the table below one line per parameter --------------------------------

type Extra = Partial<Omit<ParamSpec, "types" | "default" | "doc" | "lengths">>;
const row = (
  types: readonly PyType[],
  def: DefaultValue,
  doc: string,
  x: Extra = {},
): ParamSpec => ({
  types,
  default: def,
  groups: [],
  doc,
  ...x,
});
const int = (def: number | null, doc: string, x?: Extra) => row(["int"], def, doc, x);
const float = (def: number | null, doc: string, x?: Extra) => row(["float"], def, doc, x);
const str = (def: string | null, doc: string, x?: Extra) => row(["str"], def, doc, x);
const bool = (def: boolean, doc: string, x?: Extra) => row(["bool"], def, doc, x);
const seq = (
  type: "int" | "float",
  lengths: readonly number[],
  def: readonly number[] | null,
  doc: string,
  x?: Extra,
) => ({ ...row([type], def, doc, x), lengths });
const ints = (n: number, def: readonly number[] | null, doc: string, x?: Extra) =>
  seq("int", [n], def, doc, x);
const floats = (n: number, def: readonly number[] | null, doc: string, x?: Extra) =>
  seq("float", [n], def, doc, x);
const frameTime = (value: number, doc: string): ParamSpec =>
  row(["int", "float"], { unit: "fraction", value }, doc, { frameTime: true });

const T: readonly Group[] = ["T"];
const TR: readonly Group[] = ["T", "R"];
const TRL_SF: readonly Group[] = ["T", "R", "L", "Sf"];
const TRL_SC: readonly Group[] = ["T", "R", "L", "Sc"];
/**
 * Transform parameters may use T R L, in targets and in postproc alike (src/parameters.py:200-202).
 */
export const TRANSFORM_GROUPS: readonly Group[] = ["T", "R", "L"];
/** Constraint parameters may use T R L Sc (src/parameters.py:204). */
export const CONSTRAINT_GROUPS: readonly Group[] = TRL_SC;

export const OPTIMIZERS = ["adam", "sgd", "sparse_adam", "adadelta", "rmsprob"] as const;
export const INTERPOLATIONS = ["nearest", "linear", "cubic"] as const;
export const SELECT_MODES = ["all", "best", "worst", "mix"] as const;
export const FEATURE_LOSSES = ["cosine", "l1", "mae", "l2", "mse"] as const;
export const CONSTRAINT_LOSSES = ["l1", "mae", "l2", "mse"] as const;

// ---- top level ----------------------------------------------------------------------------------

export const TOP = {
  verbose: int(2, "0 = silent, 1 = progress bar, 2 = progress plus statistics and log lines.", {
    min: 0,
  }),
  output: str("./", "Output directory (ends with `/`) or file name of the rendered image."),
  snapshot_interval: row(
    ["int", "float"],
    { unit: "seconds", value: 20 },
    "int = a snapshot every N epochs, float = every N seconds, 0 = no periodic snapshots.",
    { min: 0 },
  ),
  epochs: int(300, "Number of epochs (optimisation steps of the whole image).", { min: 1 }),
  start_epoch: int(0, "First epoch index to run (used to continue a training).", { min: 0 }),
  resolution: ints(2, [224, 224], "Training image `[width, height]`; may change during training.", {
    groups: T,
    min: 1,
  }),
  interpolation: str(
    "cubic",
    "Filter used when `resolution` changes: `nearest`, `linear` or `cubic`.",
    { choices: INTERPOLATIONS, choiceSeverity: "warning" },
  ),
  clamp_items: bool(
    true,
    "CLIPig's defaults put `saturation: 1.0` and `contrast: 1.0` into every transform and postproc item, and torchvision clamps there: each item's output is clamped to [0, 1], with no gradient outside. `false` leaves those clamps out (ours, not CLIPig's).",
    { extension: true, quirk: "Q1" },
  ),
  model: str("ViT-B/32", "CLIP model name."),
  device: str("auto", "`auto` (GPU if available, else CPU), `cpu`, `cuda`, `cuda:1`, …"),
  learnrate: float(
    1,
    "Learning-rate factor: optimizer lr = base lr × `learnrate_scale` × `learnrate`.",
    { groups: TR },
  ),
  learnrate_scale: float(1, "Second learning-rate factor, meant for schedules like `1. - t`.", {
    groups: TR,
  }),
  optimizer: str(
    "adam",
    "`adam`, `sgd`, `sparse_adam` (RMSprop), `adadelta` or `rmsprob` (centred RMSprop).",
    { choices: OPTIMIZERS, choiceSeverity: "error", quirk: "Q18" },
  ),
} satisfies Record<string, ParamSpec>;

// ---- init ---------------------------------------------------------------------------------------

export const INIT = {
  resolution: ints(
    2,
    null,
    "Resolution at which the initial noise or image is made, before resizing to `resolution`.",
    { min: 1 },
  ),
  mean: floats(3, [0.5, 0.5, 0.5], "Mean of the initial noise; also added to an init image."),
  std: floats(
    3,
    [0.1, 0.1, 0.1],
    "Std of the initial noise; also multiplies an init image (`std: 1`, `mean: 0` keeps it).",
    { quirk: "Q12" },
  ),
  image: str(null, "Path or URL of a start image."),
  image_tensor: row(
    ["list"],
    null,
    "Nested list `[3][H][W]` of pixel values to continue from; wins over `image`.",
  ),
} satisfies Record<string, ParamSpec>;

// ---- targets ------------------------------------------------------------------------------------

export const TARGET = {
  active: bool(true, "`false` removes the target completely."),
  name: str("target", "Label of the target in the statistics."),
  start: frameTime(0, "Target inactive before this time (int = epoch, float = fraction, `30%`)."),
  end: frameTime(1, "Target inactive after this time (inclusive)."),
  weight: float(1, "Multiplies the target's whole loss (features and constraints).", {
    groups: TRL_SC,
  }),
  batch_size: int(1, "Transformed views of the image evaluated per epoch for this target.", {
    min: 1,
    quirk: "Q6",
  }),
  select: str("all", "How several features combine: `all`, `best`, `worst` or `mix`.", {
    choices: SELECT_MODES,
    choiceSeverity: "error",
  }),
  feature_scale: str(
    "equal",
    "`equal`: no auto-scaling; `fair`: per-feature scales from the initial image.",
    { choices: ["equal", "fair"], choiceSeverity: "warning" },
  ),
} satisfies Record<string, ParamSpec>;

// ---- targets.features ---------------------------------------------------------------------------

export const FEATURE = {
  text: str(null, "Text prompt (at most 77 CLIP tokens)."),
  image: str(
    null,
    "Path or URL of an image whose CLIP embedding is the target; used when `text` is empty.",
  ),
  start: frameTime(0, "Feature disabled before this time."),
  end: frameTime(1, "Feature disabled after this time (inclusive)."),
  weight: float(1, "Loss multiplier; negative pushes away from the feature.", { groups: TRL_SF }),
  scale: float(
    1,
    "Multiplies this feature's similarity for selection, `similarity` and statistics (not the loss).",
    { groups: TRL_SF, quirk: "Q10" },
  ),
  loss: str("cosine", "`cosine`, `l1`/`mae` or `l2`/`mse` (case-insensitive).", {
    choices: FEATURE_LOSSES,
    choiceSeverity: "error",
    caseInsensitive: true,
  }),
} satisfies Record<string, ParamSpec>;

// ---- transforms, in CLIPig's class order (src/transforms.py), the order postproc runs them ------

export interface EffectSpec {
  readonly doc: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Single-parameter effect: the YAML value IS this parameter (`noise: 0.1`). */
  readonly single?: string;
  /** Changes the image size; not usable as post-processing. */
  readonly resize?: boolean;
  /**
   * Makes a target produce distinct views per batch element (CLIPig's `IS_RANDOM`,
   * defgsus/clipig src/training.py:239,416).
   */
  readonly random?: boolean;
  readonly quirk?: string;
}

const one = (
  param: string,
  spec: ParamSpec,
  doc: string,
  x: Partial<EffectSpec> = {},
): EffectSpec => ({
  doc,
  params: { [param]: spec },
  single: param,
  ...x,
});
const many = (
  params: Record<string, ParamSpec>,
  doc: string,
  x: Partial<EffectSpec> = {},
): EffectSpec => ({
  doc,
  params,
  ...x,
});

const kernelSize = () => ints(2, [3, 3], "Gaussian kernel size `[x, y]`; even sizes are made odd.");
const sigma = () =>
  floats(2, null, "Gaussian sigma `[x, y]`; default `0.3·((k − 1)·0.5 − 1) + 0.8`.");
const borderSize = () =>
  ints(2, [1, 1], "Border width `[x, y]` in pixels; 0 = none on that axis.", { quirk: "Q13" });
const color3 = (def: readonly number[] | null, doc: string) => floats(3, def, doc);

export const TRANSFORMS = {
  blur: many({ kernel_size: kernelSize(), sigma: sigma() }, "Gaussian blur (reflected borders)."),
  resize: one(
    "size",
    ints(2, null, "New `[width, height]`.", { min: 1 }),
    "Resize the image (bilinear).",
    { resize: true },
  ),
  center_crop: one(
    "size",
    ints(2, null, "Crop size (read as `[height, width]`).", { min: 1, quirk: "Q7" }),
    "Crop the centre of the image; zero-pads when the crop is larger.",
    { resize: true, quirk: "Q7" },
  ),
  random_crop: one(
    "size",
    ints(2, null, "Crop size (read as `[height, width]`).", { min: 1, quirk: "Q7" }),
    "Crop a window at a random position.",
    { resize: true, random: false, quirk: "Q6" },
  ),
  crop: one(
    "xywh",
    floats(4, null, "`[x, y, width, height]`; values < 1 are fractions of the image size."),
    "Crop a fixed window.",
    { resize: true },
  ),
  repeat: one(
    "count",
    ints(2, null, "Tiles `[horizontal, vertical]`.", { min: 1 }),
    "Tile the image.",
    { resize: true },
  ),
  pad: many(
    {
      size: ints(2, null, "Pixels added `[left/right, top/bottom]`.", { required: true }),
      color: color3([0, 0, 0], "Fill colour for mode `fill`."),
      mode: str("fill", "`fill`, `edge` or `wrap`.", {
        choices: ["fill", "edge", "wrap"],
        choiceSeverity: "warning",
      }),
    },
    "Pad the image on all sides.",
    { resize: true },
  ),
  border: many(
    { size: borderSize(), color: color3([0, 0, 0], "Border colour.") },
    "Paint a border of the given colour.",
  ),
  noise: one(
    "std",
    floats(3, null, "Per-channel standard deviation."),
    "Add gaussian noise per pixel and channel.",
    { random: true },
  ),
  bwnoise: one(
    "std",
    float(null, "Standard deviation."),
    "Add the same gaussian noise to all channels of a pixel.",
    { random: true },
  ),
  rnoise: many(
    {
      std: floats(3, null, "Per-channel standard deviation.", { required: true }),
      resolution: ints(2, null, "Resolution `[width, height]` of the noise before upscaling.", {
        required: true,
        min: 1,
      }),
    },
    "Add low-resolution noise, upscaled bilinearly.",
    { random: true },
  ),
  fnoise: one(
    "std",
    floats(3, null, "Per-channel standard deviation (×15 in frequency space)."),
    "Add noise in the 1-D frequency domain of each channel.",
    { random: true, quirk: "Q5" },
  ),
  edge: many(
    {
      kernel_size: ints(2, [3, 3], "Gaussian kernel size `[x, y]` (odd, positive)."),
      sigma: floats(2, null, "Gaussian sigma `[x, y]`."),
      amount: floats(3, [1, 1, 1], "Per-channel multiplier of the edge image."),
    },
    "Edge image: `clamp((x − blur(x)) · amount, 0, 1)`.",
    { quirk: "Q4" },
  ),
  rotate: many(
    {
      degree: float(null, "Rotation in degrees (counter-clockwise).", { required: true }),
      center: floats(2, [0.5, 0.5], "Pivot `[x, y]` as fractions of the image size."),
    },
    "Rotate the image (nearest sampling, black fill).",
  ),
  random_rotate: many(
    {
      degree: floats(2, null, "Range `[min, max]` of the random angle in degrees.", {
        required: true,
      }),
      center: floats(2, [0.5, 0.5], "Range `[min, max]` of the random pivot, same for x and y."),
    },
    "Rotate by a random angle around a random pivot.",
    { random: true },
  ),
  random_scale: one(
    "scale",
    floats(2, null, "Range `[min, max]` of the scale factor.", {
      fails: (v) => (v <= 0 ? "scale values should be positive" : undefined),
    }),
    "Zoom about the centre by a random factor (black fill).",
    { random: false, quirk: "Q6" },
  ),
  random_translate: one(
    "offset",
    floats(2, null, "Maximum offset `[x, y]` as fractions of the size.", {
      fails: (v) => (v >= 0 && v <= 1 ? undefined : "translation values should be between 0 and 1"),
    }),
    "Move by a random offset (black fill).",
    { random: false, quirk: "Q6" },
  ),
  shift: one(
    "offset",
    floats(2, null, "Offset `[x, y]`: |v| < 1 = fraction of the size, else pixels."),
    "Move the image with wrap-around.",
  ),
  random_shift: one(
    "offset",
    seq("float", [2, 4], null, "`[min, max]` for both axes or `[min_x, max_x, min_y, max_y]`."),
    "Move by a random offset with wrap-around.",
    { random: false, quirk: "Q6" },
  ),
  add: one("color", color3(null, "Value added per channel."), "Add a colour."),
  mul: one("color", color3(null, "Factor per channel."), "Multiply by a colour."),
  mean: one(
    "mean",
    color3(null, "Target average per channel."),
    "Shift each channel to the given average.",
  ),
  clamp: one("range", floats(2, null, "`[min, max]`."), "Clamp pixel values."),
  quantize: one(
    "step",
    color3(null, "Step per channel."),
    "Round pixel values down to multiples of the step.",
  ),
  saturation: one(
    "factor",
    float(null, "0 = greyscale, 1 = unchanged, 2 = doubled saturation.", {
      fails: (v) =>
        v < 0 ? `saturation_factor (${floatRepr(v)}) is not non-negative.` : undefined,
    }),
    "Change the saturation (clamps to [0, 1]).",
    { quirk: "Q1" },
  ),
  contrast: one(
    "factor",
    float(null, "0 = flat grey, 1 = unchanged, 2 = doubled contrast.", {
      fails: (v) => (v < 0 ? `contrast_factor (${floatRepr(v)}) is not non-negative.` : undefined),
    }),
    "Change the contrast (clamps to [0, 1]).",
    { quirk: "Q1" },
  ),
} satisfies Record<string, EffectSpec>;

export type TransformName = keyof typeof TRANSFORMS;
export const TRANSFORM_NAMES = Object.keys(TRANSFORMS) as TransformName[];
/**
 * Effects usable in `postproc`, in the canonical order they run within one item
 * (defgsus/clipig src/training.py:152-155).
 */
export const POSTPROC_EFFECTS = TRANSFORM_NAMES.filter(
  (n) => !(TRANSFORMS[n] as EffectSpec).resize,
);

// ---- constraints, in CLIPig's creation order (its class order, src/training.py:248-249) ---------

/** Parameters every constraint has (after its specific ones). */
export const CONSTRAINT_COMMON = {
  weight: float(1, "Multiplies the constraint's loss."),
  start: frameTime(
    0,
    "Constraint inactive before this time. An expression is accepted, as in CLIPig, and never deactivates.",
  ),
  end: frameTime(
    1,
    "Constraint inactive after this time (inclusive). An expression is accepted, as in CLIPig, and never deactivates.",
  ),
  loss: str("l2", "`l1`/`mae` or `l2`/`mse` (case-sensitive).", {
    choices: CONSTRAINT_LOSSES,
    choiceSeverity: "error",
  }),
} satisfies Record<string, ParamSpec>;

const bounds = (what: string) => ({
  above: floats(3, null, `Lower bound of the per-channel ${what}.`, { quirk: "Q2" }),
  below: floats(3, null, `Upper bound of the per-channel ${what}.`, { quirk: "Q2" }),
});
const constraint = (
  params: Record<string, ParamSpec>,
  doc: string,
  x: Partial<EffectSpec> = {},
): EffectSpec => ({ doc, params: { ...params, ...CONSTRAINT_COMMON }, ...x });

export const CONSTRAINTS = {
  mean: constraint(bounds("mean"), "Keeps the per-channel mean above/below the bounds (×100)."),
  std: constraint(
    bounds("standard deviation"),
    "Keeps the per-channel standard deviation above/below the bounds (×100).",
  ),
  saturation: constraint(
    bounds("saturation"),
    "Keeps the per-channel saturation above/below the bounds (×100).",
  ),
  blur: constraint(
    { kernel_size: kernelSize(), sigma: sigma() },
    "Pulls the image towards its blurred copy (×100).",
  ),
  edge_mean: constraint(
    { ...bounds("edge mean"), kernel_size: kernelSize(), sigma: sigma() },
    "Keeps the per-channel mean edge strength above/below the bounds (×100).",
  ),
  border: constraint(
    { size: borderSize(), color: color3([0, 0, 0], "Border colour.") },
    "Pulls the border towards the colour (×100).",
  ),
  normalize: constraint(
    {
      min: color3([0, 0, 0], "Target minimum per channel."),
      max: color3([1, 1, 1], "Target maximum per channel."),
    },
    "Pulls the image towards its copy stretched to [min, max] (×10).",
  ),
  contrast: constraint(
    bounds("contrast"),
    "Keeps the per-channel contrast above/below the bounds (×1).",
  ),
  noise: constraint(
    {
      std: floats(3, null, "Per-channel noise standard deviation.", {
        required: true,
        quirk: "Q3",
      }),
    },
    "Adds a random constant loss; its gradient is zero (kept for parity).",
    { quirk: "Q3" },
  ),
} satisfies Record<string, EffectSpec>;

export type ConstraintName = keyof typeof CONSTRAINTS;
export const CONSTRAINT_NAMES = Object.keys(CONSTRAINTS) as ConstraintName[];
/** Constraints whose loss needs `above` or `below`. */
export const BOUNDED_CONSTRAINTS: readonly ConstraintName[] = [
  "mean",
  "std",
  "saturation",
  "edge_mean",
  "contrast",
];

// ---- postproc -----------------------------------------------------------------------------------

export const POSTPROC_ITEM = {
  active: bool(true, "`false` switches the item off.", { quirk: "Q8" }),
  start: frameTime(0, "Item inactive before this time."),
  end: frameTime(1, "Item inactive after this time (inclusive)."),
} satisfies Record<string, ParamSpec>;

// ---- derived: the flat registry --------------------------------------------------------------

/** Kinds of entries in the flat registry (like the original's 180-entry registry). */
export type EntryKind = "leaf" | "map-section" | "list-section" | "effect";

export interface RegistryEntry {
  /** Dotted schema path without list indices, e.g. `targets.transforms.random_rotate.degree`. */
  readonly path: string;
  readonly kind: EntryKind;
  readonly doc: string;
  /** Leaf parameters (and single-parameter effects): the row, with the position's groups applied. */
  readonly spec?: ParamSpec;
  /** Effects (transforms/constraints in a list item): which one. */
  readonly effect?: {
    readonly family: "transform" | "constraint";
    readonly name: string;
    readonly spec: EffectSpec;
  };
}

function withGroups(spec: ParamSpec, groups: readonly Group[]): ParamSpec {
  // Strings and bools never become expressions; keep their groups empty for clarity.
  // Constraint start/end get the groups too: CLIPig accepts expressions there (they never
  // deactivate the constraint, see convert.ts); other start/end rows are not built here.
  const numeric = spec.types.includes("int") || spec.types.includes("float");
  return numeric ? { ...spec, groups } : spec;
}

function buildRegistry(): RegistryEntry[] {
  const out: RegistryEntry[] = [];
  const leaves = (prefix: string, rows: Record<string, ParamSpec>) => {
    for (const [name, spec] of Object.entries(rows))
      out.push({ path: prefix + name, kind: "leaf", doc: spec.doc, spec });
  };
  const effects = (
    prefix: string,
    family: "transform" | "constraint",
    table: Record<string, EffectSpec>,
    groups: readonly Group[],
    skipResize: boolean,
  ) => {
    for (const [name, spec] of Object.entries(table)) {
      if (skipResize && spec.resize) continue;
      const path = prefix + name;
      if (spec.single) {
        out.push({
          path,
          kind: "effect",
          doc: spec.doc,
          spec: withGroups(spec.params[spec.single], groups),
          effect: { family, name, spec },
        });
      } else {
        out.push({ path, kind: "effect", doc: spec.doc, effect: { family, name, spec } });
        for (const [p, ps] of Object.entries(spec.params)) {
          out.push({
            path: `${path}.${p}`,
            kind: "leaf",
            doc: ps.doc,
            spec: withGroups(ps, groups),
          });
        }
      }
    }
  };
  leaves("", TOP);
  out.push({ path: "init", kind: "map-section", doc: "How the image starts: noise or an image." });
  leaves("init.", INIT);
  out.push({
    path: "targets",
    kind: "list-section",
    doc: "What the image should become: a list of targets.",
  });
  leaves("targets.", TARGET);
  out.push({
    path: "targets.features",
    kind: "list-section",
    doc: "Texts or images this target pulls towards.",
  });
  leaves("targets.features.", FEATURE);
  out.push({
    path: "targets.transforms",
    kind: "list-section",
    doc: "Transforms applied to each view of the image before CLIP sees it.",
  });
  effects("targets.transforms.", "transform", TRANSFORMS, TRANSFORM_GROUPS, false);
  out.push({
    path: "targets.constraints",
    kind: "list-section",
    doc: "Image-statistics loss terms of this target.",
  });
  effects("targets.constraints.", "constraint", CONSTRAINTS, CONSTRAINT_GROUPS, false);
  out.push({
    path: "postproc",
    kind: "list-section",
    doc: "Effects applied to the pixels every epoch, outside the gradient.",
  });
  leaves("postproc.", POSTPROC_ITEM);
  effects("postproc.", "transform", TRANSFORMS, TRANSFORM_GROUPS, true);
  return out;
}

/** Every parameter and section, in declaration order. */
export const REGISTRY: readonly RegistryEntry[] = buildRegistry();
const BY_PATH = new Map(REGISTRY.map((e) => [e.path, e]));

/** Registry entry for a schema path (`targets.features.text`) or an instance path (`targets[0].features[1].text`). */
export function lookup(path: string): RegistryEntry | undefined {
  return BY_PATH.get(schemaPath(path));
}

/** Strips list indices: `targets[0].transforms[2].noise` → `targets.transforms.noise`. */
export function schemaPath(path: string): string {
  return path.replace(/\[\d+\]/g, "");
}

/** Names valid directly below a section path (`""` = top level), with their entries. */
export function childrenOf(path: string): RegistryEntry[] {
  const base = schemaPath(path);
  let children = CHILDREN.get(base);
  if (!children) {
    const prefix = base ? base + "." : "";
    children = REGISTRY.filter(
      (e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes("."),
    );
    CHILDREN.set(base, children);
  }
  return children;
}
const CHILDREN = new Map<string, RegistryEntry[]>();

/**
 * The type as the original's parameter listing prints it (defgsus/clipig src/doc.py:15-29): `list
 * of length 2 of int`.
 */
export function describeType(spec: ParamSpec): string {
  const types = spec.types.join(", ");
  return spec.lengths ? `list of length ${spec.lengths.join(" or ")} of ${types}` : types;
}
