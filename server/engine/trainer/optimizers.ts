// CLIPig's five optimizers (defgsus/clipig src/optimizers.py:7) on a flat float32 pixel buffer,
// with PyTorch's update formulas.
// State lives in Float32Arrays like torch's; the arithmetic runs in doubles and is stored as float32.

export type OptimizerName = "adam" | "sgd" | "sparse_adam" | "adadelta" | "rmsprob";

/** Base learning rates; the epoch's lr = base × learnrate_scale × learnrate. */
export const BASE_LEARNRATE: Readonly<Record<OptimizerName, number>> = {
  adam: 0.01,
  sgd: 10.0,
  sparse_adam: 0.01, // RMSprop in the original (Q18)
  adadelta: 20.0,
  rmsprob: 0.003,
};

export interface Optimizer {
  readonly name: OptimizerName;
  /** Steps taken since creation (a resolution change creates a new optimizer). */
  readonly steps: number;
  /** One in-place update of `params` from `grad` with learning rate `lr`. */
  step(params: Float32Array, grad: Float32Array, lr: number): void;
}

export function isOptimizerName(name: string): name is OptimizerName {
  return Object.hasOwn(BASE_LEARNRATE, name);
}

export function baseLearnrate(name: string): number {
  if (!isOptimizerName(name)) throw new Error(`Unknown optimizer '${name}'`);
  return BASE_LEARNRATE[name];
}

/** A fresh optimizer (zero state) for `size` parameters. */
export function createOptimizer(name: string, size: number): Optimizer {
  if (!isOptimizerName(name)) throw new Error(`Unknown optimizer '${name}'`);
  switch (name) {
    case "adam":
      return adam(size);
    case "sgd":
      return sgd();
    case "sparse_adam":
      return rmsprop(size, { alpha: 0.99, eps: 1e-8, centered: false, momentum: 0 }, name);
    case "adadelta":
      return adadelta(size, { rho: 0.9, eps: 1e-6 });
    case "rmsprob":
      return rmsprop(size, { alpha: 0.99, eps: 1e-8, centered: true, momentum: 0.1 }, name);
  }
}

/** An optimizer that counts its steps; `update` gets the step number, starting at 1. */
function counting(
  name: OptimizerName,
  update: (p: Float32Array, g: Float32Array, lr: number, step: number) => void,
): Optimizer {
  let steps = 0;
  return {
    name,
    get steps() {
      return steps;
    },
    step(p, g, lr) {
      update(p, g, lr, ++steps);
    },
  };
}

function sgd(): Optimizer {
  return counting("sgd", (p, g, lr) => {
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
  });
}

/** torch.optim.Adam, β = (0.9, 0.999), ε = 1e-8, no weight decay, no amsgrad. */
function adam(size: number): Optimizer {
  const m = new Float32Array(size);
  const v = new Float32Array(size);
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  return counting("adam", (p, g, lr, step) => {
    const stepSize = lr / (1 - b1 ** step);
    const bc2Sqrt = Math.sqrt(1 - b2 ** step);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
      p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
  });
}

/** torch.optim.RMSprop (optionally centred, with momentum). */
function rmsprop(
  size: number,
  o: { alpha: number; eps: number; centered: boolean; momentum: number },
  name: OptimizerName,
): Optimizer {
  const sq = new Float32Array(size);
  const avgGrad = o.centered ? new Float32Array(size) : undefined;
  const buf = o.momentum > 0 ? new Float32Array(size) : undefined;
  const { alpha, eps, momentum } = o;
  return counting(name, (p, g, lr) => {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const s = (sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi);
      let avg: number;
      if (avgGrad) {
        const ga = (avgGrad[i] = alpha * avgGrad[i] + (1 - alpha) * gi);
        avg = Math.sqrt(s - ga * ga) + eps;
      } else avg = Math.sqrt(s) + eps;
      if (buf) p[i] -= lr * (buf[i] = momentum * buf[i] + gi / avg);
      else p[i] -= (lr * gi) / avg;
    }
  });
}

/** torch.optim.Adadelta. */
function adadelta(size: number, o: { rho: number; eps: number }): Optimizer {
  const sq = new Float32Array(size);
  const acc = new Float32Array(size);
  const { rho, eps } = o;
  return counting("adadelta", (p, g, lr) => {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const s = (sq[i] = rho * sq[i] + (1 - rho) * gi * gi);
      const delta = (Math.sqrt(acc[i] + eps) / Math.sqrt(s + eps)) * gi;
      acc[i] = rho * acc[i] + (1 - rho) * delta * delta;
      p[i] -= lr * delta;
    }
  });
}
