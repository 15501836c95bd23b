// Runs graphs on onnxruntime: picks the execution provider, caches one session per graph hash, feeds
// typed arrays by input name and writes outputs into tensors preallocated once per session.
import { Graph } from "./builder";
import type { GraphBase, Value } from "./graph";
import { hashGraph, writeModel, type ModelBytes } from "./onnx/write";
import type { Ort, OrtSession, OrtSessionOptions, OrtTensor, Platform } from "./platform";
import {
  allocate,
  sameShape,
  shapeStr,
  sizeOf,
  type DType,
  type FloatType,
  type Shape,
  type TensorData,
} from "./types";

export type Device = "cpu" | "cuda" | "webgpu";
export type Optimization = "disabled" | "basic" | "extended" | "all";

export interface RuntimeOptions {
  /** "auto" tries cuda, then webgpu, then cpu and says which it took (see `Runtime.note`). */
  device?: Device | "auto";
  /** Intra-op threads for the CPU provider (default: all cores). */
  threads?: number;
  optimization?: Optimization;
  /**
   * Half precision on CUDA: `Runtime.float` becomes "float16" there, the float type of the CLIP tower
   * (its weights converted at build). The trainer keeps pixels, pipeline, losses and gradient float32
   * around it (`imageTower(…, { float })`, Casts at both ends, a scaled loss for the backward pass).
   */
  fp16?: boolean;
  /** Fail instead of silently running nodes on the CPU when the device lacks a kernel (cuda). */
  strictDevice?: boolean;
  /** Where models with external data are written (Node default: the OS temp folder). */
  cacheDir?: string;
  /** Constants of at least this many bytes go to external data when the platform can write files. */
  externalMinBytes?: number;
  opset?: number;
  /** How many sessions to keep; the least recently loaded beyond this are released. */
  maxSessions?: number;
  /** The host: defaults to onnxruntime-node (loaded lazily, so browser bundles can pass their own). */
  platform?: Platform;
}

export interface HostTensor {
  readonly data: TensorData;
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface LoadOptions {
  optimization?: Optimization;
  /** Reuse one output buffer per output across runs (default true): results are overwritten by the next run. */
  reuseOutputs?: boolean;
}

interface Signature {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

const PROBE_ORDER: Device[] = ["cuda", "webgpu", "cpu"];

export class Runtime {
  private readonly sessions = new Map<string, Promise<Session>>();

  private constructor(
    readonly platform: Platform,
    readonly device: Device,
    /** One line on how the device was chosen, e.g. "auto: cpu (cuda: library not found; webgpu: no adapter)". */
    readonly note: string,
    private readonly options: RuntimeOptions,
  ) {}

  static async create(options: RuntimeOptions = {}): Promise<Runtime> {
    // Not bundled: a browser build (server/engine/web) passes its own platform and must not pull Node in.
    const platform =
      options.platform ??
      (await import(/* turbopackIgnore: true */ "../platform/node-runtime")).nodePlatform;
    const wanted = options.device ?? "auto";
    if (wanted !== "auto") {
      const err = await probe(platform, wanted);
      if (err)
        throw new Error(
          `execution provider "${wanted}" is not available: ${err}. Built-in providers: ${platform.backends().join(", ")}; use device "cpu" or "auto".`,
        );
      return new Runtime(platform, wanted, wanted, options);
    }
    const skipped: string[] = [];
    for (const device of PROBE_ORDER) {
      const err = device === "cpu" ? undefined : await probe(platform, device);
      if (!err)
        return new Runtime(
          platform,
          device,
          `auto: ${device}${skipped.length ? ` (${skipped.join("; ")})` : ""}`,
          options,
        );
      skipped.push(`${device}: ${err}`);
    }
    throw new Error(`no execution provider works: ${skipped.join("; ")}`);
  }

  /** The float type of the CLIP tower on this runtime (float16 only with `fp16` on CUDA). */
  get float(): FloatType {
    return this.options.fp16 && this.device === "cuda" ? "float16" : "float32";
  }

  /** A session for `g`, shared with earlier loads of an identical graph. */
  load(g: GraphBase, opts: LoadOptions = {}): Promise<Session> {
    const optimization = opts.optimization ?? this.options.optimization ?? "all";
    const key = `${hashGraph(g, this.options.opset)}/${optimization}/${opts.reuseOutputs ?? true}`;
    const cached = this.sessions.get(key);
    if (cached) {
      this.sessions.delete(key);
      this.sessions.set(key, cached);
      return cached;
    }
    const canSave = this.platform.saveModel !== undefined;
    const model = writeModel(g, {
      opset: this.options.opset,
      externalMinBytes: canSave ? (this.options.externalMinBytes ?? 1 << 20) : undefined,
    });
    const made = this.open(g, model, optimization, opts.reuseOutputs ?? true);
    this.sessions.set(key, made);
    made.catch(() => this.sessions.delete(key));
    this.evict();
    return made;
  }

  private async open(
    g: GraphBase,
    model: ModelBytes,
    optimization: Optimization,
    reuse: boolean,
  ): Promise<Session> {
    const options: OrtSessionOptions = {
      executionProviders: [this.device],
      graphOptimizationLevel: optimization,
      intraOpNumThreads: this.options.threads ?? this.platform.cpuCount(),
      interOpNumThreads: 1,
      executionMode: "sequential",
      logSeverityLevel: 3,
      ...(this.options.strictDevice && this.device !== "cpu"
        ? { extra: { session: { disable_cpu_ep_fallback: "1" } } }
        : {}),
    };
    const source = model.external
      ? await this.platform.saveModel!(model, this.options.cacheDir)
      : model.model;
    const ort = this.platform.ort;
    const session = await (typeof source === "string"
      ? ort.InferenceSession.create(source, options)
      : ort.InferenceSession.create(source, options));
    return new Session(
      ort,
      session,
      model.hash,
      g.inputs.map(signature),
      g.outputs.map(signature),
      reuse,
      this.platform.fillsOutputs !== false,
    );
  }

  private evict(): void {
    const max = this.options.maxSessions ?? 8;
    for (const [key, s] of this.sessions) {
      if (this.sessions.size <= max) break;
      this.sessions.delete(key);
      void s.then((x) => x.release()).catch(() => undefined);
    }
  }

  /** Releases every cached session. */
  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}

const signature = (v: Value): Signature => ({ name: v.name, shape: v.shape, dtype: v.dtype });

/** A loaded graph. `run` feeds typed arrays (shapes are the graph's static ones) and returns the outputs. */
export class Session {
  private readonly outputTensors = new Map<string, OrtTensor>();

  constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly hash: string,
    readonly inputs: readonly Signature[],
    readonly outputs: readonly Signature[],
    private readonly reuseOutputs: boolean,
    /** Whether onnxruntime writes into preallocated outputs (`Platform.fillsOutputs`); else results are copied in. */
    private readonly fillsOutputs = true,
  ) {}

  /**
   * Runs the graph. `fetch` limits which outputs are computed (default all). With reused outputs the
   * returned arrays are overwritten by the next run: copy what you keep.
   */
  async run(
    feeds: Readonly<Record<string, TensorData | HostTensor>>,
    fetch?: readonly string[],
  ): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const sig of this.inputs) {
      const given = feeds[sig.name];
      if (given === undefined)
        throw new Error(`run: missing input "${sig.name}" ${sig.dtype}${shapeStr(sig.shape)}`);
      ortFeeds[sig.name] = this.tensor(sig, given);
    }
    for (const name of Object.keys(feeds))
      if (!this.inputs.some((s) => s.name === name))
        throw new Error(
          `run: unknown input "${name}" (inputs: ${this.inputs.map((s) => s.name).join(", ")})`,
        );
    const wanted = fetch ? fetch.map((n) => this.output(n)) : this.outputs;
    const fetches: Record<string, OrtTensor | null> = {};
    for (const sig of wanted)
      fetches[sig.name] = this.reuseOutputs && this.fillsOutputs ? this.outputTensor(sig) : null;
    const result = await this.session.run(ortFeeds, fetches);
    const out: Record<string, HostTensor> = {};
    for (const sig of wanted) {
      const t = this.reuseOutputs ? this.outputTensor(sig) : (result[sig.name] as OrtTensor);
      if (this.reuseOutputs && !this.fillsOutputs)
        (t.data as Float32Array).set(result[sig.name].data as Float32Array);
      out[sig.name] = { data: t.data as TensorData, shape: sig.shape, dtype: sig.dtype };
    }
    return out;
  }

  private output(name: string): Signature {
    const sig = this.outputs.find((s) => s.name === name);
    if (!sig)
      throw new Error(
        `run: unknown output "${name}" (outputs: ${this.outputs.map((s) => s.name).join(", ")})`,
      );
    return sig;
  }

  private tensor(sig: Signature, given: TensorData | HostTensor): OrtTensor {
    const data = "data" in given && !ArrayBuffer.isView(given) ? given.data : (given as TensorData);
    if ("shape" in given && !ArrayBuffer.isView(given) && !sameShape(given.shape, sig.shape))
      throw new Error(
        `run: input "${sig.name}" has shape ${shapeStr(given.shape)}, the graph wants ${shapeStr(sig.shape)}`,
      );
    if (data.length !== sizeOf(sig.shape) || !matchesDtype(data, sig.dtype))
      throw new Error(
        `run: input "${sig.name}" wants ${sig.dtype}${shapeStr(sig.shape)}, got ${data.constructor.name}(${data.length})`,
      );
    return new this.ort.Tensor(sig.dtype, data as Float32Array, [...sig.shape]);
  }

  private outputTensor(sig: Signature): OrtTensor {
    let t = this.outputTensors.get(sig.name);
    if (!t) {
      // The Tensor constructor is typed per dtype; allocate() pairs them right.
      t = new this.ort.Tensor(sig.dtype, allocate(sig.dtype, sizeOf(sig.shape)) as Float32Array, [
        ...sig.shape,
      ]);
      this.outputTensors.set(sig.name, t);
    }
    return t;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The typed array that holds each dtype's elements (float16 as raw bits, bool as bytes). */
const ARRAY_OF: Record<DType, abstract new (...args: never[]) => TensorData> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

function matchesDtype(data: TensorData, dtype: DType): boolean {
  return data instanceof ARRAY_OF[dtype];
}

/** Creates a one-node session on `device`; returns the error text when that fails. */
async function probe(platform: Platform, device: Device): Promise<string | undefined> {
  if (!platform.backends().includes(device)) return "not built into this onnxruntime";
  const missing = platform.missing?.(device);
  if (missing) return missing;
  const g = new Graph();
  g.output(g.Identity(g.input("x", [1])), "y");
  try {
    const s = await platform.ort.InferenceSession.create(writeModel(g).model, {
      executionProviders: [device],
      logSeverityLevel: 4,
    });
    await s.release();
    return undefined;
  } catch (e) {
    return String(e instanceof Error ? e.message : e)
      .split("\n")[0]
      .slice(0, 200);
  }
}
