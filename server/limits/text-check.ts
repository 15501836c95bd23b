/**
 * The part of an admission that reads untrusted text: the parse under the byte and expression
 * limits, the quotas (`checkExperimentText`), and the few facts the web process needs afterwards.
 * Synchronous and pure; the admission pool runs it in a worker thread, so its result is plain data
 * (it crosses threads by structured clone: no compiled expressions, no class instances).
 */
import { readYaml, type Diagnostic, type ExperimentConfig } from "../../lib/experiment";
import { checkExperimentText, locateIssue } from "./experiment-quota";
import type { Quotas } from "./quotas";

/** One image the experiment names, with the place of its parameter in the YAML. */
export interface ImageUse {
  /** Parameter path, e.g. `targets[0].features[1].image`. */
  path: string;
  src: string;
  /** Line, column and span of the parameter (a diagnostic without its message yet). */
  at: Diagnostic;
}

/** What the web process keeps of an admitted experiment. */
export interface AdmittedConfig {
  model: string;
  epochs: number;
  start_epoch: number;
  /** Target names in order (the views route picks one by index or name). */
  targets: string[];
  /** The feature texts, for gallery search. */
  texts: string[];
  images: ImageUse[];
}

export type TextCheck =
  { ok: true; config: AdmittedConfig } | { ok: false; diagnostics: Diagnostic[] };

/** Parses and checks under `quotas`; never throws. Refusals carry the errors (else every diagnostic). */
export function checkText(yaml: string, quotas: Quotas): TextCheck {
  const parsed = checkExperimentText(yaml, quotas);
  if (!parsed.ok || !parsed.config) {
    const errors = parsed.diagnostics.filter((d) => d.severity === "error");
    return { ok: false, diagnostics: errors.length ? errors : parsed.diagnostics };
  }
  const config = parsed.config;
  const sources = imageSources(config);
  const tree = sources.length ? readYaml(yaml).tree : null;
  return {
    ok: true,
    config: {
      model: config.model,
      epochs: config.epochs,
      start_epoch: config.start_epoch,
      targets: config.targets.map((t) => t.name),
      texts: config.targets.flatMap((t) =>
        t.features.map((f) => f.text).filter((x): x is string => !!x),
      ),
      images: sources.map((u) => ({ ...u, at: locateIssue(yaml, tree, { ...u, message: "" }) })),
    },
  };
}

/** Every image the config names, with the parameter path of each use. */
export function imageSources(config: ExperimentConfig): { path: string; src: string }[] {
  const out: { path: string; src: string }[] = [];
  if (config.init.image) out.push({ path: "init.image", src: config.init.image });
  config.targets.forEach((t, i) =>
    t.features.forEach(
      (f, j) => f.image && out.push({ path: `targets[${i}].features[${j}].image`, src: f.image }),
    ),
  );
  return out;
}
