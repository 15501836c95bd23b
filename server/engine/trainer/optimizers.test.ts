import { describe, expect, it } from "vitest";
import { BASE_LEARNRATE, baseLearnrate, createOptimizer, type OptimizerName } from "./optimizers";

// Reference updates written out from the PyTorch docs' pseudo-code, one scalar at a time.
type Ref = (p: number, g: number, lr: number, s: Record<string, number>, t: number) => number;
const REFERENCE: Record<OptimizerName, Ref> = {
  sgd: (p, g, lr) => p - lr * g,
  adam: (p, g, lr, s, t) => {
    s.m = 0.9 * (s.m ?? 0) + 0.1 * g;
    s.v = 0.999 * (s.v ?? 0) + 0.001 * g * g;
    const mHat = s.m / (1 - 0.9 ** t);
    const vHat = s.v / (1 - 0.999 ** t);
    return p - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
  },
  sparse_adam: (p, g, lr, s) => {
    s.v = 0.99 * (s.v ?? 0) + 0.01 * g * g;
    return p - (lr * g) / (Math.sqrt(s.v) + 1e-8);
  },
  rmsprob: (p, g, lr, s) => {
    s.v = 0.99 * (s.v ?? 0) + 0.01 * g * g;
    s.gAvg = 0.99 * (s.gAvg ?? 0) + 0.01 * g;
    s.b = 0.1 * (s.b ?? 0) + g / (Math.sqrt(s.v - s.gAvg * s.gAvg) + 1e-8);
    return p - lr * s.b;
  },
  adadelta: (p, g, lr, s) => {
    s.v = 0.9 * (s.v ?? 0) + 0.1 * g * g;
    const delta = (Math.sqrt((s.u ?? 0) + 1e-6) / Math.sqrt(s.v + 1e-6)) * g;
    s.u = 0.9 * (s.u ?? 0) + 0.1 * delta * delta;
    return p - lr * delta;
  },
};

const NAMES = Object.keys(BASE_LEARNRATE) as OptimizerName[];

describe("optimizers", () => {
  it("have CLIPig's base learning rates", () => {
    expect(BASE_LEARNRATE).toEqual({
      adam: 0.01,
      sgd: 10,
      sparse_adam: 0.01,
      adadelta: 20,
      rmsprob: 0.003,
    });
    expect(() => baseLearnrate("lbfgs")).toThrow("Unknown optimizer 'lbfgs'");
    expect(() => createOptimizer("rmsprop", 3)).toThrow("Unknown optimizer 'rmsprop'");
  });

  it.each(NAMES)("%s follows its update formula over several steps with changing lr", (name) => {
    const size = 7;
    const opt = createOptimizer(name, size);
    const p = Float32Array.from({ length: size }, (_, i) => 0.1 * i - 0.2);
    const ref = Array.from(p);
    const state = ref.map(() => ({}) as Record<string, number>);
    for (let t = 1; t <= 6; t++) {
      const lr = BASE_LEARNRATE[name] * (1 - 0.1 * t);
      // Gradient of a quadratic around 0.3 plus a sign-changing term, including a zero gradient.
      const g = Float32Array.from(p, (x, i) =>
        i === 3 ? 0 : 2 * (x - 0.3) + 0.05 * Math.sin(t + i),
      );
      opt.step(p, g, lr);
      for (let i = 0; i < size; i++) ref[i] = REFERENCE[name](ref[i], g[i], lr, state[i], t);
      for (let i = 0; i < size; i++)
        expect(Math.abs(p[i] - ref[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref[i])));
    }
    expect(opt.steps).toBe(6);
  });

  it("adam's first step moves each parameter by lr against the gradient's sign", () => {
    const opt = createOptimizer("adam", 3);
    const p = new Float32Array([0, 0, 0]);
    opt.step(p, new Float32Array([5, -0.001, 0]), 0.01);
    expect(Array.from(p).map((x) => +x.toFixed(6))).toEqual([-0.01, 0.01, 0]);
  });

  it("sgd is plain gradient descent", () => {
    const opt = createOptimizer("sgd", 2);
    const p = new Float32Array([1, 2]);
    opt.step(p, new Float32Array([0.5, -0.25]), 10);
    expect(Array.from(p)).toEqual([-4, 4.5]);
  });

  it.each(NAMES)("%s minimises a quadratic", (name) => {
    const opt = createOptimizer(name, 4);
    const target = [0.2, 0.8, 0.5, 0.1];
    const p = new Float32Array([0.5, 0.5, 0.5, 0.5]);
    const lossOf = () => p.reduce((s, x, i) => s + (x - target[i]) ** 2, 0);
    const before = lossOf();
    // A small lr relative to the base so every algorithm settles.
    const lr = name === "sgd" ? 0.1 : name === "adadelta" ? 1 : BASE_LEARNRATE[name];
    for (let t = 0; t < 200; t++)
      opt.step(
        p,
        Float32Array.from(p, (x, i) => 2 * (x - target[i])),
        lr,
      );
    expect(lossOf()).toBeLessThan(before / 10);
  });
});
