/**
 * Starting points for a new experiment, taken from CLIPig's walk-through (defgsus/clipig docs/walkthrough.md). The
 * first one runs in seconds on the random-weight test model, for trying the studio out.
 */
export interface Template {
  id: string;
  title: string;
  description: string;
  yaml: string;
}

export const TEMPLATES: readonly Template[] = [
  {
    id: "quick-test",
    title: "Quick test",
    description: "Tiny model, 64 px, 40 epochs: watch the whole loop in seconds. Images are meaningless.",
    yaml: `# A quick test on the random-weight tiny-clip model
model: tiny-clip
epochs: 40
resolution: 64
snapshot_interval: 10
targets:
  - features:
      - text: a curly spoon
    transforms:
      - random_shift: 0 1
`,
  },
  {
    id: "curly-spoon",
    title: "A curly spoon",
    description: "The walk-through's first target: one text feature, nothing else.",
    yaml: `targets:
  - features:
      - text: a curly spoon
`,
  },
  {
    id: "random-shift",
    title: "Seamless texture",
    description: "random_shift wraps the image around, so the result tiles seamlessly.",
    yaml: `targets:
  - features:
      - text: a curly spoon
    transforms:
      - random_shift: 0 1
`,
  },
  {
    id: "noise-and-blur",
    title: "Noise and blur",
    description: "A batch of noisy, rotated views and a blur constraint that fades with time (demo 4).",
    yaml: `targets:
- batch_size: 5
  features:
  - text: a curly spoon on a plate
  transforms:
  - noise: 0.1*ti
  - random_shift: -.1 .1
  - random_rotate:
      degree: -3 3
      center: 0.3 .7
  constraints:
  - blur:
      kernel_size: 31*ti
`,
  },
  {
    id: "curly-spoons",
    title: "Curly spoons, full recipe",
    description: "Repeat + center crop against weak corners, mul 1/5 for contrast, a saturation limit and a border.",
    yaml: `targets:
- batch_size: 5
  features:
  - text: a lot of curly spoons
  transforms:
  - noise: 0.1
  - repeat: 3
  - random_rotate:
      degree: -30 30
      center: .4 .6
  - center_crop: 224
  - mul: 1./5.         # only show a 5th of the color range
  constraints:
  - blur:
      kernel_size: 51
  - saturation:        # the desired saturation is lowered
      below: .01
      weight: 10.
postproc:
- border:
    size: 1
    color: 0.15 0.1 0.05
`,
  },
  {
    id: "high-resolution",
    title: "High resolution composition",
    description: "448 px: random_scale and random_shift switch on at 40% so CLIP sees the whole and the details.",
    yaml: `epochs: 300
resolution: 224*2
targets:
  - batch_size: 20
    features:
      - text: h.p. lovecraft at a birthday party
    transforms:
      - noise: 0.1
      - repeat: 3
      - random_shift:
          - 0
          - 0 if t < .4 else 1.
      - random_rotate:
          degree: -30 30
          center: .4 .6
      - random_scale:
          - .5
          - .5 if t < .4 else 1.
      - center_crop: 224
      - mul: 1./5.
    constraints:
      - blur:
          kernel_size: 51
      - saturation:
          below: .01
          weight: 10.
postproc:
  - border:
      size: 1
      color: 0.15 0.1 0.05
`,
  },
  {
    id: "blank",
    title: "Blank",
    description: "Just the essentials: write your own.",
    yaml: `epochs: 300
resolution: 224
targets:
  - features:
      - text: what you want to see
`,
  },
];

export function templateById(id: unknown): Template | null {
  return TEMPLATES.find((t) => t.id === id) ?? null;
}
