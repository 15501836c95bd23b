// The nine constraints in the order CLIPig creates them within one list item: its class order
// (defgsus/clipig src/training.py:248-249).
import type { ConstraintModule } from "../types";
import { contrast, edgeMean, mean, saturation, std } from "./bounded";
import { blur, border, noise, normalize } from "./image";

export const CONSTRAINT_LIST: readonly ConstraintModule[] = [
  mean,
  std,
  saturation,
  blur,
  edgeMean,
  border,
  normalize,
  contrast,
  noise,
];
