// Benchmarks the graph engine on a ViT-B/32-shaped image tower with random weights: forward only
// (the baseline) and forward + backward to the pixels as one onnxruntime session, as the trainer runs it.
// Usage: tsx bench/engine-ops.ts [--batch 5] [--layers 12] [--width 768] [--threads 2] [--runs 5] [--device cpu]
// Prints one JSON object.
import { Graph, grad, Runtime, type Device, type Value } from "../server/engine/graph";
import { benchArgs } from "./common/args";

const args = benchArgs();
const batch = args.num("batch", 5);
const layers = args.num("layers", 12);
const width = args.num("width", 768);
const threads = args.num("threads", 2);
const runs = args.num("runs", 5);
const device = (args.get("device") ?? "cpu") as Device;
const heads = width / 64;
const [image, patch, proj] = [224, 32, 512];
const grid = image / patch;
const tokens = grid * grid + 1;

let seed = 1;
function weight(g: Graph, name: string, shape: number[], scale = 0.02): Value {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < Math.min(n, 4099); i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    data[i] = (seed / 2 ** 32 - 0.5) * 2 * scale;
  }
  for (let i = 4099; i < n; i += 4099) data.copyWithin(i, 0, Math.min(4099, n - i)); // tiled: fast to make, still irregular
  return g.weight(name, data, shape, `bench:${name}:${shape.join("x")}`);
}

/** A CLIP ViT image tower on a [batch·tokens, width] hidden state (every linear layer one Gemm, transB). */
function tower(g: Graph, pixels: Value): Value {
  const linear = (x: Value, name: string, out: number, inp: number) =>
    g.Gemm(x, weight(g, `${name}.w`, [out, inp]), weight(g, `${name}.b`, [out]), { transB: true });
  const ln = (x: Value, name: string) =>
    g.LayerNormalization(x, weight(g, `${name}.g`, [width], 1), weight(g, `${name}.b`, [width]));
  const patches = g.Reshape(
    g.Transpose(g.Reshape(pixels, [batch, 3, grid, patch, grid, patch]), [0, 2, 4, 1, 3, 5]),
    [batch * grid * grid, 3 * patch * patch],
  );
  const embedded = g.Reshape(
    g.Gemm(patches, weight(g, "patch", [width, 3 * patch * patch]), null, { transB: true }),
    [batch, grid * grid, width],
  );
  const cls = g.Expand(weight(g, "cls", [1, 1, width]), [batch, 1, width]);
  let h = g.Reshape(g.Add(g.Concat([cls, embedded], 1), weight(g, "pos", [tokens, width])), [
    batch * tokens,
    width,
  ]);
  h = ln(h, "pre");
  const hd = width / heads;
  for (let i = 0; i < layers; i++) {
    h = g.scope(`layer${i}`, () => {
      const qkv = linear(ln(h, `l${i}.ln1`), `l${i}.qkv`, 3 * width, width);
      const [q, k, v] = g
        .Split(qkv, [width, width, width], 1)
        .map((t) => g.Reshape(t, [batch, tokens, heads, hd]));
      const att = g.Softmax(g.MatMul(g.Transpose(q, [0, 2, 1, 3]), g.Transpose(k, [0, 2, 3, 1])));
      const ctx = g.Reshape(
        g.Transpose(g.MatMul(att, g.Transpose(v, [0, 2, 1, 3])), [0, 2, 1, 3]),
        [batch * tokens, width],
      );
      const a = g.Add(h, linear(ctx, `l${i}.out`, width, width));
      const f = linear(ln(a, `l${i}.ln2`), `l${i}.fc1`, 4 * width, width);
      return g.Add(a, linear(g.Mul(f, g.Sigmoid(g.Mul(f, 1.702))), `l${i}.fc2`, width, 4 * width));
    });
  }
  const first = g.Gather(g.Reshape(h, [batch, tokens, width]), 0, 1);
  return g.Gemm(ln(first, "post"), weight(g, "proj", [proj, width]), null, { transB: true });
}

export function build(backward: boolean): Graph {
  const g = new Graph({ name: backward ? "step" : "forward" });
  const pixels = g.input("pixels", [batch, 3, image, image]);
  const target = g.input("target", [1, proj]);
  const emb = tower(g, pixels);
  const loss = g.scope("loss", () => {
    const unit = g.Div(emb, g.ReduceL2(emb, [1]));
    return g.Neg(g.ReduceMean(g.ReduceSum(g.Mul(unit, target), [1], false), undefined, false));
  });
  g.output(loss, "loss");
  if (backward) g.output(grad(g, loss, [pixels])[0], "grad");
  return g;
}

async function time(rt: Runtime, backward: boolean) {
  const t0 = performance.now();
  const g = build(backward);
  const built = performance.now();
  const session = await rt.load(g);
  const loaded = performance.now();
  const feeds = {
    pixels: new Float32Array(batch * 3 * image * image).map((_, i) => Math.sin(i)),
    target: new Float32Array(proj).fill(1 / Math.sqrt(proj)),
  };
  await session.run(feeds); // warm-up
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await session.run(feeds);
    times.push(performance.now() - s);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  // CPU time per run (all threads) is the figure to trust on a shared, busy machine; wall time is what users see.
  const cpuMsPerRun = (cpu.user + cpu.system) / 1000 / runs;
  return {
    nodes: g.nodes.length,
    buildMs: built - t0,
    loadMs: loaded - built,
    medianMs: times[times.length >> 1],
    minMs: times[0],
    cpuMsPerRun,
  };
}

const rt = await Runtime.create({ device, threads });
const forward = await time(rt, false);
const step = await time(rt, true);
console.log(
  JSON.stringify(
    {
      device: rt.device,
      note: rt.note,
      threads,
      batch,
      layers,
      width,
      forward,
      step,
      stepOverForward: step.medianMs / forward.medianMs,
    },
    null,
    1,
  ),
);
await rt.release();
